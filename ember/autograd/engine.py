"""The backward engine: walks the graph from the outputs to the leaves, iteratively.

Nodes are visited in decreasing creation order (a heap keyed by each node's sequence number,
like Chainer's rank-ordered heap and PyTorch's sequence numbers). Every consumer of a tensor was
created after it, so when a node is popped every gradient flowing into it has arrived; there is
no recursion, so a 10,000-step graph never hits Python's recursion limit.
"""

import heapq
import sys
import weakref

from ember.autograd import grad_mode
from ember.autograd.function import _add_hook, _anomaly, _HookHandle, _user_frame
from ember.tensor.tensor import Tensor

__all__ = ["backward", "grad", "register_tensor_hook", "retain_grad", "retains_grad", "queue_callback"]

_running = [0]  # how many backward passes are in progress (a hook may start another)
_callbacks = []  # what queue_callback asked to run when the outermost one has finished


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradients of ``tensors`` and accumulate them into the leaves' ``.grad``."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    roots = _roots(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    capture = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("backward: 'inputs' was given but is empty; pass the tensors whose "
                               ".grad should be filled, or leave it out")
        capture = {_key(t): None for t in _check_inputs(inputs, "backward")}
    _run(roots, retain_graph, create_graph, capture, accumulate=True, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing is accumulated)."""
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    roots = _roots(outputs, grad_outputs, "autograd.grad")
    if retain_graph is None:
        retain_graph = create_graph
    _check_inputs(inputs, "autograd.grad")
    capture = {_key(t): None for t in inputs}
    _run(roots, retain_graph, create_graph, capture, accumulate=False, inputs=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = capture[_key(t)]
        if g is None:
            if materialize_grads:
                from ember.ops import zeros_like_tensor  # late: ops are above autograd

                g = zeros_like_tensor(t)
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {i} (shape {tuple(t.shape)}) was not used to compute the "
                    "outputs, so it has no gradient. Pass allow_unused=True to get None for it.")
        result.append(g)
    return tuple(result) if not single or len(result) != 1 else (result[0],)


# ---- hooks ----
def queue_callback(callback):
    """Call ``callback()`` once the backward pass in progress has finished, every gradient
    delivered (PyTorch's ``Variable._execution_engine.queue_callback``): a tensor hook uses it to
    act on all the gradients of a pass at once, as data-parallel training averages them."""
    if not _running[0]:
        raise RuntimeError("queue_callback: no backward pass is running; call it from a hook that "
                           "runs during backward (tensor.register_hook)")
    _callbacks.append(callback)


def register_tensor_hook(t, hook):
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient; "
                           "call .requires_grad_() first")
    if t.grad_fn is not None:
        return _add_hook(t.grad_fn, t._output_nr, hook)
    if t._hooks is None:
        t._hooks = []
    t._hooks.append(hook)
    return _HookHandle(t._hooks, hook)


class _RetainGrad:
    """A hook that stores a non-leaf tensor's gradient in its ``.grad``."""

    def __init__(self, t):
        self.ref = weakref.ref(t)

    def __call__(self, g):
        t = self.ref()
        if t is not None:
            gd = g.detach() if not grad_mode._state.grad else g
            t.grad = gd if t.grad is None else t.grad + gd
        return None


def retain_grad(t):
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on a tensor that doesn't require gradient")
    if t.grad_fn is None or retains_grad(t):
        return
    _add_hook(t.grad_fn, t._output_nr, _RetainGrad(t))


def retains_grad(t):
    hooks = t.grad_fn._pre_hooks if t.grad_fn is not None else None
    if not hooks:
        return False
    return any(isinstance(h, _RetainGrad) and h.ref() is t for h in hooks.get(t._output_nr, ()))


# ---- the walk ----
def _run(roots, retain_graph, create_graph, capture, accumulate, inputs):
    """Propagate ``roots`` ([(tensor, grad)]) back to the leaves.

    ``capture`` maps the keys of wanted tensors to their gradient; when given, only those tensors
    receive gradients (in ``.grad`` if ``accumulate``, else returned through ``capture``).
    """
    freed_by = None if retain_graph else _caller()
    # With wanted tensors, walk only the part of the graph that leads to them (as PyTorch does):
    # `needed` nodes run their backward, `wanted` ones are at least visited (to capture).
    needed = wanted = None
    if capture is not None:
        needed, wanted = _prune(roots, capture)
    pending = {}  # node -> [gradient per output]
    owned = set()  # (node, output_nr) whose buffer the engine made and may add into in place
    heap = []
    prev = grad_mode._state.grad
    grad_mode._state.grad = create_graph
    _running[0] += 1
    try:
        for t, g in roots:
            node = t.grad_fn
            if node is None:
                _deliver(t, (t, None), g, capture, create_graph)
                continue
            buf = pending.get(node)
            if buf is None:
                buf = pending[node] = [None] * node._n_outputs
                heapq.heappush(heap, (-node._seq, node))
            buf[t._output_nr] = _sum(buf[t._output_nr], g)
        while heap:
            node = heapq.heappop(heap)[1]
            grads = pending.pop(node)
            if node._pre_hooks:
                _run_pre_hooks(node, grads)
            if capture is not None:
                for nr in range(node._n_outputs):
                    if (node, nr) in capture and grads[nr] is not None:
                        capture[(node, nr)] = grads[nr]
            if needed is not None and node not in needed:
                continue
            if node._n_outputs > 1 and node.materialize_grads:
                _materialize(node, grads)
            gxs = node.backward(node, *grads)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if not node._array_forward:
                gxs = _check_user_gradients(node, gxs)
            if _anomaly[0]:
                _check_finite(node, gxs)
            if freed_by is not None and node._saved:
                node._saved = None
                node._freed_by = freed_by
            for edge, gx in zip(node._edges, gxs):
                if edge is None or gx is None:
                    continue
                target, nr = edge
                if nr is None:
                    if capture is None or edge in capture:
                        _deliver(target, edge, gx, capture, create_graph)
                    continue
                if wanted is not None and target not in wanted:
                    continue
                buf = pending.get(target)
                if buf is None:
                    buf = pending[target] = [None] * target._n_outputs
                    heapq.heappush(heap, (-target._seq, target))
                    buf[nr] = gx
                elif buf[nr] is None:
                    buf[nr] = gx
                elif create_graph:
                    buf[nr] = buf[nr] + gx
                elif edge in owned and buf[nr].shape == gx.shape:
                    buf[nr]._data += gx._data  # the engine's own buffer: add in place
                else:
                    buf[nr] = buf[nr] + gx
                    owned.add(edge)
            if owned:
                owned.difference_update([(node, nr) for nr in range(node._n_outputs)])
    finally:
        grad_mode._state.grad = prev
        _running[0] -= 1
        if not _running[0] and sys.exc_info()[0] is not None:
            _callbacks.clear()  # a failed pass runs none of its callbacks
    if capture is not None and accumulate:
        for t in inputs:
            g = capture[_key(t)]
            if g is not None:
                _accumulate_into_grad(t, g, create_graph)
    if _callbacks and not _running[0]:
        queued = _callbacks[:]
        _callbacks.clear()
        for callback in queued:
            callback()


_STEAL_MAX_REFS = 6  # references to g from _run -> _deliver -> here when nobody else holds it


def _prune(roots, capture):
    """The nodes whose backward leads to a captured tensor, and those that hold one."""
    order, seen = [], set()
    stack = [t.grad_fn for t, _ in roots if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(e[0] for e in node._edges if e is not None and e[1] is not None)
    order.sort(key=lambda n: n._seq)  # inputs before their consumers
    needed = set()
    for node in order:
        for e in node._edges:
            if e is not None and (e in capture or (e[1] is not None and e[0] in needed)):
                needed.add(node)
                break
    holders = {key[0] for key in capture if key[1] is not None}
    return needed, needed | holders


def _sum(a, b):
    return b if a is None else a + b


def _deliver(t, key, g, capture, create_graph):
    """A leaf's gradient has arrived: run its hooks, then capture or accumulate it."""
    hooks = t._hooks
    if hooks:
        for hook in list(hooks):
            new = hook(g)
            if new is not None:
                g = new
    if capture is None:
        _accumulate_into_grad(t, g, create_graph)
    elif key in capture:
        capture[key] = _sum(capture[key], g)


def _writeable(array):
    """NumPy arrays can be read-only (a broadcast view); CuPy's always take writes."""
    return getattr(array.flags, "writeable", True)


def _accumulate_into_grad(t, g, create_graph):
    """``t.grad += g`` as PyTorch's AccumulateGrad does: steal, copy, or add in place."""
    if g.shape != t.shape:
        raise RuntimeError(f"backward: the gradient for a tensor of shape {tuple(t.shape)} has shape "
                           f"{tuple(g.shape)}; this is a bug in the op that produced it")
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
        return
    array = g._data
    if t.grad is None:
        # Steal the array when nothing else can see it: the array is referenced only by g's slot,
        # 'array' and the call, and g only by the engine's own frames (a hook that kept g, or a
        # caller's tensor, adds a reference and forces a copy).
        if (array.base is None and _writeable(array) and sys.getrefcount(array) <= 3
                and sys.getrefcount(g) <= _STEAL_MAX_REFS):
            t.grad = Tensor._make(array, False, None, 0)
        else:
            t.grad = Tensor._make(array.copy(), False, None, 0)
    elif t.grad._requires_grad or t.grad.shape != g.shape or not _writeable(t.grad._data):
        t.grad = (t.grad + g).detach()
    else:
        t.grad._data += array


def _check_user_gradients(node, gxs):
    """A custom Function's backward must return one gradient per input, each of its shape."""
    n = len(node._edges)
    if len(gxs) < n or any(g is not None for g in gxs[n:]):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(gxs)}): return one per forward input, None for "
                           "inputs that are not tensors or need no gradient")
    for i, (g, shape) in enumerate(zip(gxs, node._input_shapes)):
        if g is not None and shape is not None and node._edges[i] is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f"function {node.name()} returned a {type(g).__name__} as the "
                                f"gradient of input {i}; return a Tensor (or None)")
            if g.shape != shape:
                raise RuntimeError(f"function {node.name()} returned an invalid gradient at index "
                                   f"{i}: got shape {tuple(g.shape)} but expected {tuple(shape)} "
                                   "(the shape of that input)")
    return gxs[:n]


def _run_pre_hooks(node, grads):
    hooks = node._pre_hooks
    for nr in range(node._n_outputs):
        # retain_grad's hook runs last, so .grad shows what the other hooks made of the gradient
        for hook in sorted(hooks.get(nr, ()), key=lambda h: isinstance(h, _RetainGrad)):
            if grads[nr] is None:
                continue
            new = hook(grads[nr])
            if new is not None:
                grads[nr] = new
    for hook in list(hooks.get("__all__", ())):
        new = hook(tuple(grads))
        if new is not None:
            grads[:] = list(new)


def _materialize(node, grads):
    for i, g in enumerate(grads):
        if g is None:
            shape, dtype, xp = node._out_meta[i]
            grads[i] = Tensor._make(xp.zeros(shape, dtype), False, None, 0)


def _check_finite(node, gxs):
    for i, g in enumerate(gxs):
        if g is None:
            continue
        data = g._data
        if data.dtype.kind == "f" and not bool(abs(data).max(initial=0) < float("inf")):
            kind = "nan" if bool((data != data).any()) else "inf"
            where = f"\n  Its forward was called at: {node._trace}" if node._trace else ""
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output (the "
                f"gradient of input {i}, shape {tuple(g.shape)}).{where}\n  Look at that line's "
                "inputs: a log or division of zero, a sqrt of a negative, or an overflow are the "
                "usual causes.")


def _roots(tensors, grads, what):
    if len(grads) != len(tensors):
        raise RuntimeError(f"{what}: got {len(tensors)} outputs but {len(grads)} gradients")
    roots = []
    for t, g in zip(tensors, grads):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: outputs must be Tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(
                f"{what}: element {len(roots)} of the outputs does not require grad and has no "
                "grad_fn. Either no input had requires_grad=True, or it was computed under "
                "ember.no_grad(). Set requires_grad=True on the parameters you differentiate.")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{what}: grad can be implicitly created only for scalar outputs, but the output "
                    f"has shape {tuple(t.shape)}. Reduce it first (e.g. loss.sum() or loss.mean()) "
                    "or pass gradient=ember.ones_like(output).")
            from ember.ops import ones_like_tensor  # late: ops are above autograd

            g = ones_like_tensor(t)
        elif not isinstance(g, Tensor):
            from ember.tensor.factories import tensor

            g = tensor(g, dtype=t.dtype)
        elif not g._requires_grad:  # the caller keeps its tensor: never let a .grad alias it
            g = Tensor._make(g._data.copy(), False, None, 0)
        if g.shape != t.shape:
            raise RuntimeError(f"{what}: the gradient has shape {tuple(g.shape)} but the output has "
                               f"shape {tuple(t.shape)}; they must match")
        roots.append((t, g))
    return roots


def _check_inputs(inputs, what):
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: inputs must be Tensors, got {type(t).__name__} at position {i}")
        if not t._requires_grad:
            raise RuntimeError(f"{what}: input {i} (shape {tuple(t.shape)}) does not require grad; "
                               "set requires_grad=True on it")
    return inputs


def _key(t):
    return (t.grad_fn, t._output_nr) if t.grad_fn is not None else (t, None)


def _as_tuple(x):
    if isinstance(x, Tensor) or x is None:
        return (x,)
    return tuple(x)


def _caller():
    where = _user_frame()
    return f"the backward() called at {where}" if where else "an earlier backward()"


sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
