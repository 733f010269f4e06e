"""Pictures of what a model does: computational graphs (``make_dot``) and training plots."""

from ember.viz.dot import Digraph, make_dot  # noqa: F401
from ember.viz.plots import plot_decision_boundary, plot_gradient_flow, plot_history  # noqa: F401
