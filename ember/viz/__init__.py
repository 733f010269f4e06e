"""Pictures of what a model does: computational graphs (``make_dot``)."""

from ember.viz.dot import Digraph, make_dot  # noqa: F401
