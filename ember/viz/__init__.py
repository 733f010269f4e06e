"""Pictures of what a model does: computational graphs (``make_dot``) and training plots."""

from ember.viz.dot import Digraph, make_dot  # noqa: F401
from ember.viz.plots import (  # noqa: F401
    plot_activation_histograms,
    plot_decision_boundary,
    plot_gradient_flow,
    plot_history,
)
