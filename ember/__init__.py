"""ember: a deep-learning framework you can read end to end.

A define-by-run autodiff engine on NumPy (CuPy on NVIDIA GPUs) with a PyTorch-style core
(``ember.Tensor``, ``ember.autograd``, ``ember.nn``, ``ember.optim``) and a Keras-style
high-level API on the same engine.
"""

from ember.tensor import *  # noqa: F401,F403  (first: Tensor, then the ops it calls, then autograd)
from ember.tensor import Tensor  # noqa: F401
from ember import autograd, backend, cuda, data, layers, nn, ops, optim, random, saving, utils, viz  # noqa: F401,E402,I001
from ember import diagnostics, distributed, onnx  # noqa: F401,E402,I001
from ember import callbacks, losses, metrics, models, optimizers  # noqa: F401,E402,I001
from ember.autograd import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from ember.autograd.grad_mode import is_grad_enabled, is_inference_mode_enabled  # noqa: F401
from ember.backend import Generator, device, get_default_dtype, manual_seed, set_default_dtype  # noqa: F401
from ember.backend import get_num_threads, set_num_threads  # noqa: F401
from ember.backend.dtypes import (  # noqa: F401
    bfloat16, bool, dtype, float16, float32, float64, int8, int16, int32, int64, uint8,
)
from ember.backend.dtypes import promote_types, result_type  # noqa: F401
from ember.ops import *  # noqa: F401,F403
from ember.tensor.printing import get_printoptions, printoptions, set_printoptions  # noqa: F401
from ember.nn.summary import summary  # noqa: F401
from ember.saving import load, save  # noqa: F401

half, float, double, long, int = float16, float32, float64, int64, int32  # noqa: A001

__version__ = "0.1.0"
