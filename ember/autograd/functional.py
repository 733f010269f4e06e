"""Whole-function derivatives: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

The same signatures, shapes and conventions as ``torch.autograd.functional``: ``inputs`` is a
Tensor or a tuple of Tensors, and each result mirrors it (a Tensor for a Tensor, a tuple for a
tuple; a Jacobian of several outputs and inputs is a tuple per output of a tuple per input).
The inputs are detached and made to require grad inside, so the caller's graph is untouched;
with ``create_graph=True`` the results stay differentiable with respect to the original inputs.

Everything is built on reverse mode (``ember.autograd.grad``). Forward-mode products (``jvp``,
``hvp``) use the double-vjp trick: ``u -> J^T u`` is linear in ``u``, so differentiating it with
respect to ``u`` in the direction ``v`` gives ``J v``.
"""

from ember.autograd import engine, grad_mode
from ember.backend import array_module
from ember.tensor.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg_name, fn_name):
    """``(is_tuple, tuple_of_tensors)``; anything but Tensors is refused."""
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, el in enumerate(xs):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"{fn_name}: the {arg_name} must be a Tensor or a tuple of Tensors, but "
                            f"{where} has type {type(el).__name__}")
    return is_tuple, xs


def _unpack(res, is_tuple):
    return res if is_tuple else res[0]


def _preprocess(inputs, create_graph, need_graph):
    """Fresh leaves for the inputs; with create_graph, views that keep the caller's graph."""
    from ember.ops import view  # late: ops are above autograd

    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(view(t, t.shape))
        else:
            d = t.detach()
            if need_graph:
                d.requires_grad_(True)
            out.append(d)
    return tuple(out)


def _postprocess(xs, create_graph):
    if isinstance(xs[0], Tensor):
        return xs if create_graph else tuple(x.detach() for x in xs)
    return tuple(_postprocess(x, create_graph) for x in xs)


def _validate_v(fn_name, v, other, is_other_tuple):
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"{fn_name}: v is a tuple of length {len(v)} but it should have "
                               f"length {len(other)}, one tensor per entry")
        raise RuntimeError(f"{fn_name}: v should contain a single Tensor, got {len(v)}")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            entry = f"entry {i} of v" if is_other_tuple else "v"
            raise RuntimeError(f"{fn_name}: {entry} has shape {tuple(a.shape)} but should have "
                               f"shape {tuple(b.shape)}")


def _check_v_none(fn_name, xs, what):
    if len(xs) != 1 or xs[0].numel() != 1:
        raise RuntimeError(f"{fn_name}: v can only be None if the {what} is a single Tensor with a "
                           f"single element; pass v with the shape of the {what}")


def _check_requires_grad(fn_name, xs, kind, strict):
    if not strict:
        return
    for i, t in enumerate(xs):
        if t is None:
            raise RuntimeError(f"{fn_name}: the output of the function is independent of input "
                               f"{i}; this is not allowed in strict mode (pass strict=False to "
                               "get zeros)")
        if not t.requires_grad:
            if kind == "outputs":
                raise RuntimeError(f"{fn_name}: output {i} of the function does not require grad; "
                                   "in strict mode the outputs must be computed differentiably "
                                   "from the inputs")
            if kind == "grad_inputs":
                raise RuntimeError(f"{fn_name}: the gradient with respect to input {i} is "
                                   "independent of the function's inputs; this is not allowed in "
                                   "strict mode")
            raise RuntimeError(f"{fn_name}: the jacobian of the function with respect to input {i} "
                               "is independent of the input (a linear function?); this is not "
                               "allowed in strict mode")


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad; None for unused inputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return engine.grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                       retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def _fill_in_zeros(fn_name, grads, refs, strict, create_graph, subject):
    """Zeros for the missing gradients; in strict mode, missing or constant ones are errors.

    ``subject`` names what gradient ``i`` is, e.g. ``"the jacobian of the function ... input {i}"``.
    """
    out = []
    for i, g in enumerate(grads):
        what = subject.format(i=i)
        if g is None:
            if strict:
                raise RuntimeError(f"{fn_name}: {what} is zero (nothing connects them); this is not "
                                   "allowed in strict mode (pass strict=False to get zeros)")
            g = _zeros(refs[i])
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(f"{fn_name}: {what} is a constant, so it can't be differentiated "
                               "further; this is not allowed in strict mode with create_graph=True")
        out.append(g)
    return tuple(out)


def _zeros(t, shape=None, requires_grad=False):
    """Zeros of ``t``'s dtype and device (and shape, unless given)."""
    xp = array_module(t._data)
    return Tensor._make(xp.zeros(t.shape if shape is None else shape, t._data.dtype), requires_grad,
                        None, 0)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """The function's outputs and the vector-Jacobian product ``v^T J``.

    Args:
        func: takes the inputs, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like the outputs; may be None when the output has a single element.
    Returns ``(outputs, vjp)``; ``vjp`` is shaped like ``inputs``.

    >>> x = ember.tensor([1., 2.])
    >>> ember.autograd.functional.vjp(lambda t: (t * t).sum(), x)[1]
    tensor([2., 4.])
    """
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the function", "vjp")
        _check_requires_grad("vjp", outputs, "outputs", strict)
        if v is not None:
            v = _preprocess(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _validate_v("vjp", v, outputs, is_outputs_tuple)
        else:
            _check_v_none("vjp", outputs, "output of the function")
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros("vjp", grads, inputs, strict, create_graph,
                                "the gradient of the outputs with respect to input {i}")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """The function's outputs and the Jacobian-vector product ``J v`` (by the double-vjp trick).

    ``v`` is shaped like ``inputs`` (may be None for a single one-element input); the result is
    shaped like the outputs.

    >>> x = ember.tensor([1., 2.])
    >>> ember.autograd.functional.jvp(lambda t: t * t, x, ember.ones(2))[1]
    tensor([2., 4.])
    """
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _preprocess(_as_tuple(v, "v", "jvp")[1], create_graph, need_graph=False)
            _validate_v("jvp", v, inputs, is_inputs_tuple)
        else:
            _check_v_none("jvp", inputs, "input")
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the function", "jvp")
        _check_requires_grad("jvp", outputs, "outputs", strict)
        dummies = tuple(_zeros(o, requires_grad=True) for o in outputs)  # the u of u -> J^T u
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad("jvp", grad_inputs, "grad_inputs", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(grad_inputs, dummies, v, create_graph=create_graph)
        result = _fill_in_zeros("jvp", grads, outputs, strict, create_graph,
                                "the derivative of the input gradients with respect to the "
                                "cotangent of output {i} (double-vjp trick)")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Jacobian of ``func`` at ``inputs``: ``J[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``.

    A Tensor input and output give a Tensor; a tuple on either side adds a tuple level (outputs
    outside, inputs inside). One backward pass per output element. ``vectorize`` is accepted for
    PyTorch compatibility and gives the same result (ember has no vmap).

    >>> x = ember.tensor([1., 2.])
    >>> ember.autograd.functional.jacobian(lambda t: t * t, x)
    tensor([[2., 0.],
            [0., 4.]])
    """
    from ember.ops import reshape, stack  # late: ops are above autograd

    if vectorize and strict:
        raise RuntimeError("jacobian: strict=True and vectorize=True are not supported together; "
                           "set one of them to False")
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the function", "jacobian")
        _check_requires_grad("jacobian", outputs, "outputs", strict)
        jac = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)
            xp = array_module(out._data)
            for k in range(out.numel()):
                seed = xp.zeros(out.numel(), out._data.dtype)
                seed[k] = 1
                seed = Tensor._make(seed.reshape(out.shape), False, None, 0)
                vj = _grad((out,), inputs, (seed,), create_graph=create_graph, retain_graph=True)
                for j, (row, g) in enumerate(zip(rows, vj)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"jacobian: output {i} of the function is independent "
                                               f"of input {j}; this is not allowed in strict mode "
                                               "(pass strict=False to get zeros)")
                        g = _zeros(inputs[j])
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"jacobian: the jacobian of output {i} does not depend on "
                                           f"input {j}, so it can't be differentiated further; this "
                                           "is not allowed in strict mode with create_graph=True")
                    row.append(g)
            jac.append(tuple(
                reshape(stack(row, 0), out.shape + x.shape) if row
                else _zeros(x, out.shape + x.shape) for row, x in zip(rows, inputs)))
        jac = _postprocess(tuple(jac), create_graph)
    res = jac if is_inputs_tuple else tuple(j[0] for j in jac)
    return _unpack(res, is_outputs_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Hessian of a function with a single-element output.

    For a Tensor input, a Tensor of shape ``inputs.shape + inputs.shape``; for a tuple, ``H[i][j]``
    of shape ``inputs[i].shape + inputs[j].shape``.

    >>> x = ember.tensor([1., 2.])
    >>> ember.autograd.functional.hessian(lambda t: (t ** 3).sum(), x)
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def single_output(*xs):
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the function", "hessian")
        _check_requires_grad("hessian", outs, "outputs", strict)
        if is_tuple:
            raise RuntimeError(f"hessian: the function should return a single Tensor, got a "
                               f"{type(out).__name__} of {len(outs)}")
        if out.numel() != 1:
            raise RuntimeError(f"hessian: the function should return a single-element Tensor, got "
                               f"shape {tuple(out.shape)}; reduce it (e.g. .sum())")
        return out.squeeze()

    def jac_func(*xs):
        jac = jacobian(single_output, xs, create_graph=True)
        _check_requires_grad("hessian", jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize)
    return res if is_inputs_tuple else res[0][0]


def _scalar_function_grads(fn_name, func, inputs, v, create_graph, strict):
    """Shared start of vhp/hvp: fresh inputs, checked v, the output and its gradient (with graph)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _preprocess(inputs, create_graph, need_graph=True)
    if v is not None:
        v = _preprocess(_as_tuple(v, "v", fn_name)[1], create_graph, need_graph=False)
        _validate_v(fn_name, v, inputs, is_inputs_tuple)
    else:
        _check_v_none(fn_name, inputs, "input")
    out = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(out, "outputs of the function", fn_name)
    _check_requires_grad(fn_name, outputs, "outputs", strict)
    if is_outputs_tuple:
        raise RuntimeError(f"{fn_name}: the function should return a single Tensor, got a "
                           f"{type(out).__name__} of {len(outputs)}")
    if out.numel() != 1:
        raise RuntimeError(f"{fn_name}: the function should return a single-element Tensor, got "
                           f"shape {tuple(out.shape)}; reduce it (e.g. .sum())")
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(fn_name, jac, "jacobian", strict)
    return is_inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """The output of a scalar function and the vector-Hessian product ``v^T H``.

    >>> x = ember.tensor([1., 2.])
    >>> ember.autograd.functional.vhp(lambda t: (t ** 3).sum(), x, ember.ones(2))[1]
    tensor([ 6., 12.])
    """
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _scalar_function_grads(
            "vhp", func, inputs, v, create_graph, strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros("vhp", grads, inputs, strict, create_graph,
                                "the derivative of the jacobian with respect to input {i}")
    return (_postprocess(outputs, create_graph)[0],
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """The output of a scalar function and the Hessian-vector product ``H v`` (double-vjp trick).

    >>> x = ember.tensor([1., 2.])
    >>> ember.autograd.functional.hvp(lambda t: (t ** 3).sum(), x, ember.ones(2))[1]
    tensor([ 6., 12.])
    """
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _scalar_function_grads(
            "hvp", func, inputs, v, create_graph, strict)
        dummies = tuple(_zeros(x, requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, dummies, create_graph=True)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(double_back, dummies, v, create_graph=create_graph)
        result = _fill_in_zeros("hvp", grads, inputs, strict, create_graph,
                                "the hessian-vector product for entry {i} of v (double-vjp trick)")
    return (_postprocess(outputs, create_graph)[0],
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))
