"""Automatic differentiation: Function, the backward engine, grad modes, checks and tools."""

from ember.autograd import functional  # noqa: F401
from ember.autograd.anomaly import detect_anomaly, set_detect_anomaly  # noqa: F401
from ember.autograd.engine import backward, grad  # noqa: F401
from ember.autograd.function import Function, once_differentiable  # noqa: F401
from ember.autograd.grad_mode import (  # noqa: F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from ember.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
