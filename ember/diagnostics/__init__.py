"""``ember.diagnostics``: gradient health reports and monitors (what the textbook's plots show)."""

from ember.diagnostics.activations import ActivationReport, activation_report  # noqa: F401
from ember.diagnostics.gradients import GradientMonitor, GradientReport, gradient_report  # noqa: F401
from ember.diagnostics.nan_guard import NonFiniteError, nan_guard  # noqa: F401
