"""``ember.nn``: modules, parameters, layers, losses, initialisation and utilities (PyTorch's names)."""

from ember.nn import functional, init, utils  # noqa: F401
from ember.nn.modules import *  # noqa: F401,F403
from ember.nn.parameter import Buffer, Parameter  # noqa: F401
from ember.nn.perceptron import Perceptron  # noqa: F401
