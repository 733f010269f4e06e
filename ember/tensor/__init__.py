"""The Tensor class, its factories and its printing."""

from ember.tensor.factories import *  # noqa: F401,F403
from ember.tensor.tensor import Tensor  # noqa: F401
