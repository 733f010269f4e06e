"""Arithmetic (``ember/ops/arithmetic.py``): add, sub, mul, div, pow, neg, floor_divide, remainder."""

__all__ = ["binary", "unary", "neg", "floor_divide", "remainder"]


def binary(op_type):
    """A converter for an elementwise op of two operands (tensors or numbers), both cast to the
    result's dtype first, as ember's type promotion did."""
    def convert(g, node):
        dtype = node.outputs[0].dtype
        a, b = node.args[:2]
        return g.node(op_type, [g.operand(a, dtype), g.operand(b, dtype)])
    convert.__name__ = op_type.lower()
    return convert


def unary(op_type, **attrs):
    """A converter for an elementwise op of one tensor."""
    def convert(g, node):
        return g.node(op_type, [g.name(node.args[0])], **attrs)
    convert.__name__ = op_type.lower()
    return convert


def neg(g, node):
    return g.node("Neg", [g.name(node.args[0])])


def floor_divide(g, node):
    """``floor(a / b)``, divided in floating point (ONNX's integer Div truncates instead)."""
    dtype = node.outputs[0].dtype
    work = dtype if dtype.kind == "f" else "float64"
    a, b = (g.operand(v, work) for v in node.args[:2])
    return g.cast(g.node("Floor", [g.node("Div", [a, b])]), work, dtype)


def remainder(g, node):
    """Python's modulus (the sign of the divisor): ONNX Mod for integers, ``a - floor(a / b) * b``
    for floats (ONNX's float Mod has C's sign rule)."""
    dtype = node.outputs[0].dtype
    a, b = (g.operand(v, dtype) for v in node.args[:2])
    if dtype.kind != "f":
        return g.node("Mod", [a, b], fmod=0)
    return g.node("Sub", [a, g.node("Mul", [g.node("Floor", [g.node("Div", [a, b])]), b])])
