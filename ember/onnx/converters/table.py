"""The one table from ember's primitive ops to their ONNX converters.

A converter is ``convert(g, node)``: it writes the ONNX nodes computing ``node`` (a traced
``ember.onnx.trace.Node``) into ``g`` (an ``ember.onnx.graph.Graph``) and returns the names of
its outputs. An op missing here has no ONNX export yet: ``export`` names it in its error.
"""

from ember.nn.functional.activation import (
    ELU,
    GELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    Mish,
    PReLU,
    SiLU,
    Softshrink,
    Threshold,
)
from ember.nn.functional.attention import SafeSoftmax
from ember.nn.functional.conv import Convolution, ConvolutionTranspose
from ember.nn.functional.linear import Bilinear, Linear
from ember.nn.functional.misc import ConstantPad
from ember.nn.functional.normalization import Normalize
from ember.nn.functional.pooling import AvgPool, MaxPool
from ember.nn.functional.sparse import Embedding
from ember.nn.modules.rnn import GRUSequence, LSTMSequence, RNNSequence
from ember.onnx.converters import (
    activation,
    arithmetic,
    conv,
    elementwise,
    indexing,
    linear,
    misc,
    normalization,
    pooling,
    recurrent,
    reduction,
    shape,
)
from ember.ops.arithmetic import Add, Div, FloorDivide, Mul, Neg, Pow, Remainder, Sub
from ember.ops.conversion import Cast, Clone, ToDevice
from ember.ops.creation import CopyFrom, Fill
from ember.ops.einsum import Einsum
from ember.ops.elementwise import (
    Abs,
    Ceil,
    Clamp,
    Cos,
    Erf,
    Exp,
    Expm1,
    Floor,
    Frac,
    Lerp,
    Log,
    Log1p,
    Log2,
    Log10,
    LogSigmoid,
    Maximum,
    Minimum,
    Reciprocal,
    Relu,
    Round,
    Rsqrt,
    Sigmoid,
    Sign,
    Sin,
    Softplus,
    Sqrt,
    Square,
    Tan,
    Tanh,
    Trunc,
    Where,
)
from ember.ops.indexing import Index, IndexSelect, MaskedFill
from ember.ops.join import Cat, Split, Stack, Unbind
from ember.ops.linalg import MatMul
from ember.ops.reduction import (
    Amax,
    Amin,
    CumSum,
    LogSoftmax,
    LogSumExp,
    Mean,
    Prod,
    Softmax,
    Std,
    Sum,
    TakeAlongDim,
    Var,
    VectorNorm,
)
from ember.ops.shape import Flip, Narrow, Repeat, Tril, Triu
from ember.ops.view import BroadcastTo, Permute, Reshape, View

__all__ = ["CONVERTERS"]

_binary, _unary = arithmetic.binary, arithmetic.unary

CONVERTERS = {
    # arithmetic
    Add: _binary("Add"), Sub: _binary("Sub"), Mul: _binary("Mul"), Div: _binary("Div"),
    Pow: _binary("Pow"), Neg: arithmetic.neg, FloorDivide: arithmetic.floor_divide,
    Remainder: arithmetic.remainder,
    # elementwise math
    Exp: _unary("Exp"), Log: _unary("Log"), Sqrt: _unary("Sqrt"), Abs: _unary("Abs"),
    Sign: _unary("Sign"), Floor: _unary("Floor"), Ceil: _unary("Ceil"), Sin: _unary("Sin"),
    Cos: _unary("Cos"), Tan: _unary("Tan"), Tanh: _unary("Tanh"), Sigmoid: _unary("Sigmoid"),
    Relu: _unary("Relu"), Erf: _unary("Erf"), Reciprocal: _unary("Reciprocal"),
    Expm1: elementwise.expm1, Log1p: elementwise.log1p, Log2: elementwise.log_base(2),
    Log10: elementwise.log_base(10), Rsqrt: elementwise.rsqrt, Square: elementwise.square,
    Trunc: elementwise.trunc, Frac: elementwise.frac, Round: elementwise.round_,
    Softplus: elementwise.softplus, LogSigmoid: elementwise.logsigmoid, Clamp: elementwise.clamp,
    Maximum: _binary("Max"), Minimum: _binary("Min"), Where: elementwise.where,
    Lerp: elementwise.lerp,
    # activations
    Hardtanh: activation.hardtanh, LeakyReLU: activation.leaky_relu, ELU: activation.elu,
    GELU: activation.gelu, SiLU: activation.silu, Mish: activation.mish,
    Hardsigmoid: activation.hardsigmoid, Hardswish: _unary("HardSwish"),
    Threshold: activation.threshold, PReLU: activation.prelu,
    Hardshrink: activation.hardshrink, Softshrink: activation.softshrink,
    # reductions and softmax
    Sum: reduction.reduce("ReduceSum"), Mean: reduction.reduce("ReduceMean"),
    Prod: reduction.reduce("ReduceProd"), Amax: reduction.reduce("ReduceMax"),
    Amin: reduction.reduce("ReduceMin"), LogSumExp: reduction.reduce("ReduceLogSumExp"),
    Softmax: reduction.softmax, LogSoftmax: reduction.log_softmax, SafeSoftmax: reduction.safe_softmax,
    CumSum: reduction.cumsum, Var: reduction.variance(False), Std: reduction.variance(True),
    VectorNorm: reduction.vector_norm, TakeAlongDim: indexing.take_along_dim,
    # shapes and copies
    Reshape: shape.reshape, View: shape.reshape, Permute: shape.permute,
    BroadcastTo: shape.broadcast_to, Cat: shape.cat, Stack: shape.stack, Split: shape.split,
    Unbind: shape.unbind, Narrow: shape.narrow, Flip: shape.flip, Repeat: shape.repeat,
    Tril: shape.trilu(False), Triu: shape.trilu(True), Clone: shape.identity,
    ToDevice: shape.identity, Cast: shape.cast,
    # indexing
    Index: indexing.index, IndexSelect: indexing.index, MaskedFill: indexing.masked_fill,
    Fill: indexing.fill, CopyFrom: indexing.copy_from, Embedding: indexing.embedding,
    # products
    MatMul: linear.matmul, Einsum: linear.einsum, Linear: linear.linear, Bilinear: linear.bilinear,
    # layers
    Convolution: conv.convolution, ConvolutionTranspose: conv.convolution_transpose,
    MaxPool: pooling.max_pool, AvgPool: pooling.avg_pool, Normalize: normalization.normalize,
    ConstantPad: misc.constant_pad, RNNSequence: recurrent.rnn, LSTMSequence: recurrent.lstm,
    GRUSequence: recurrent.gru,
}
