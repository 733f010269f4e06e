"""``ember.utils.data``: the same objects as ``ember.data``, under PyTorch's name ``torch.utils.data``."""

from ember.data import *  # noqa: F401,F403
from ember.data import __all__  # noqa: F401
