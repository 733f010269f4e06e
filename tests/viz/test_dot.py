import re
import shutil

import numpy as np
import pytest

import ember
from ember.viz import Digraph, make_dot

has_dot = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not has_dot, reason="Graphviz's dot is not installed")


def mlp():
    """A two-layer network: x -> x @ w1.T + b1 -> square -> @ w2.T + b2 -> mean."""
    params = {"fc1.weight": ember.randn(4, 3, requires_grad=True),
              "fc1.bias": ember.zeros(4, requires_grad=True),
              "fc2.weight": ember.randn(2, 4, requires_grad=True),
              "fc2.bias": ember.zeros(2, requires_grad=True)}
    x = ember.randn(5, 3)
    h = x @ params["fc1.weight"].T + params["fc1.bias"]
    h = h * h
    loss = (h @ params["fc2.weight"].T + params["fc2.bias"]).mean()
    return loss, params


def nodes(source):
    return dict(re.findall(r'^\t(n\d+) \[label="([^"]*)"', source, re.M))


def edges(source):
    return re.findall(r"^\t(n\d+) -> (n\d+)(.*)$", source, re.M)


def test_mlp_graph_names_parameters_ops_and_edges():
    loss, params = mlp()
    dot = make_dot(loss, params=params)
    assert isinstance(dot, Digraph) and str(dot) == dot.source
    assert dot.source.startswith("digraph {") and dot.source.rstrip().endswith("}")
    labels = sorted(nodes(dot.source).values())
    assert labels == sorted([
        "()",  # the output
        "MeanBackward", "AddBackward", "MatMulBackward", "PermuteBackward", "MulBackward",
        "AddBackward", "MatMulBackward", "PermuteBackward",
        "fc1.weight\\n (4, 3)", "fc1.bias\\n (4)", "fc2.weight\\n (2, 4)", "fc2.bias\\n (2)",
    ])
    # mean->out, add->mean, matmul->add, b2->add, mul->matmul, permute->matmul, w2->permute,
    # add->mul twice (h * h uses h twice), matmul->add, b1->add, permute->matmul, w1->permute
    assert len(edges(dot.source)) == 13
    label_of = nodes(dot.source)
    bias = next(node for node, label in label_of.items() if label.startswith("fc2.bias"))
    assert [label_of[head] for tail, head, _ in edges(dot.source) if tail == bias] == ["AddBackward"]


def test_edges_follow_next_functions_from_inputs_to_consumers():
    w = ember.ones(3, requires_grad=True)
    y = w * 2.0
    dot = make_dot(y, params={"w": w})
    by_label = {label: node for node, label in nodes(dot.source).items()}
    assert set(edges(dot.source)) == {(by_label["w\\n (3)"], by_label["MulBackward"], ""),
                                      (by_label["MulBackward"], by_label["(3)"], "")}


def test_unnamed_leaves_show_their_shape_and_inputs_without_grad_are_left_out():
    a = ember.ones(2, 3, requires_grad=True)
    b = ember.ones(2, 3)  # no grad: no node
    labels = set(nodes(make_dot((a + b).sum()).source).values())
    assert labels == {"()", "SumBackward", "AddBackward", "(2, 3)"}


def test_output_ids_are_deterministic():
    loss, params = mlp()
    assert make_dot(loss, params=params).source == make_dot(loss, params=params).source
    loss2, params2 = mlp()
    assert make_dot(loss, params=params).source == make_dot(loss2, params=params2).source


def test_several_outputs_and_a_leaf_output():
    w = ember.ones(2, requires_grad=True)
    a, b = w * 2.0, w + 1.0
    dot = make_dot((a, b, w), params={"w": w})
    labels = list(nodes(dot.source).values())
    assert labels.count("w\\n (2)") == 1  # the leaf is one node, output or input
    assert {"MulBackward", "AddBackward"} <= set(labels)
    assert len(edges(dot.source)) == 4


def test_show_saved_draws_saved_tensors_with_shape_and_dtype():
    x = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    y = ember.ones(3, 4, dtype=ember.float64, requires_grad=True)
    out = x @ y
    plain = make_dot(out, params={"x": x, "y": y})
    saved = make_dot(out, params={"x": x, "y": y}, show_saved=True)
    assert "dir=none" not in plain.source and "orange" not in plain.source
    # MatMul saves x and y: the same nodes as the leaves, joined by undirected edges
    undirected = [e for e in edges(saved.source) if "dir=none" in e[2]]
    assert len(undirected) == 2
    # x * 3.0 saves only the Python number 3.0 (x would serve only the number's gradient, as in
    # PyTorch): nothing is drawn; x * y saves both tensors
    z_src = make_dot((x * 3.0).sum(), show_saved=True).source
    assert len([e for e in edges(z_src) if "dir=none" in e[2]]) == 0
    w = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    z_src = make_dot((x * w).sum(), show_saved=True).source
    assert len([e for e in edges(z_src) if "dir=none" in e[2]]) == 2


def test_saved_intermediate_is_labelled_with_shape_and_dtype():
    x = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    h = x * 2.0
    out = h * h  # MulBackward saves h, a non-leaf: drawn as a saved tensor
    labels = set(nodes(make_dot(out, show_saved=True).source).values())
    assert "saved\\n (2, 3) float64" in labels


def test_show_attrs_lists_op_attributes_cut_to_max_chars():
    w = ember.ones(2, 3, requires_grad=True)
    src = make_dot(w.permute(1, 0).sum(), show_attrs=True, max_attr_chars=8).source
    assert "dims: (1, 0)" in src
    long = make_dot(w.permute(1, 0).sum(), show_attrs=True, max_attr_chars=4).source
    assert "dims: (..." in long
    assert "dims" not in make_dot(w.permute(1, 0).sum()).source


def test_show_attrs_names_arrays_and_tensors_by_shape():
    class Scale(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mask, ctx.like = np.ones((2, 3)), x
            return x * 2.0

        @staticmethod
        def backward(ctx, gy):
            return gy * 2.0

    src = make_dot(Scale.apply(ember.ones(2, 3, requires_grad=True)), show_attrs=True).source
    assert "mask: array (2, 3)" in src and "like: tensor (2, 3)" in src and "ScaleBackward" in src


def test_labels_are_escaped():
    w = ember.ones(1, requires_grad=True)
    src = make_dot(w * 2.0, params={'a "quoted" \\ name': w}).source
    assert 'label="a \\"quoted\\" \\\\ name\\n (1)"' in src


def test_deep_graphs_do_not_recurse():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    assert len(edges(make_dot(y).source)) == 3001


def test_bad_arguments_are_refused():
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="expected a tensor or a tuple of tensors .*got int"):
        make_dot(3)
    with pytest.raises(TypeError, match=r"params must map names to tensors, e.g. params=dict\(model.*"
                                        r"got an item of type Tensor"):
        make_dot(w * 2.0, params=[w])
    with pytest.raises(TypeError, match=r"int for 'w'"):
        make_dot(w * 2.0, params={"w": 3})


def test_save_writes_the_source(tmp_path):
    dot = make_dot(ember.ones(2, requires_grad=True) * 2.0)
    path = dot.save(str(tmp_path / "g.gv"))
    with open(path) as f:
        assert f.read() == dot.source


def test_render_without_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    dot = make_dot(ember.ones(2, requires_grad=True) * 2.0)
    with pytest.raises(RuntimeError, match="apt-get install graphviz") as err:
        dot.render(str(tmp_path / "g.gv"))
    assert "brew install graphviz" in str(err.value) and "conda" in str(err.value)
    assert ".source" in str(err.value) and ".save(" in str(err.value)
    assert dot._repr_svg_() is None


def test_render_refuses_unknown_formats(tmp_path):
    dot = make_dot(ember.ones(2, requires_grad=True) * 2.0)
    with pytest.raises(ValueError, match="unknown format 'bmp'"):
        dot.render(str(tmp_path / "g.gv"), format="bmp")


def test_a_failing_dot_reports_its_error(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake))
    dot = make_dot(ember.ones(2, requires_grad=True) * 2.0)
    with pytest.raises(RuntimeError, match="exit status 3: syntax error in line 1"):
        dot.render(str(tmp_path / "g.gv"))


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_render_writes_the_picture(tmp_path, fmt, magic):
    loss, params = mlp()
    dot = make_dot(loss, params=params)
    out = dot.render(str(tmp_path / "mlp.gv"), format=fmt, cleanup=True)
    assert out == str(tmp_path / f"mlp.gv.{fmt}")
    with open(out, "rb") as f:
        assert f.read().startswith(magic)
    assert not (tmp_path / "mlp.gv").exists()
    assert "fc1.weight" in dot._repr_svg_()
