"""``ember.utils``: PyTorch's ``torch.utils`` names (``ember.utils.data`` is ``ember.data``)."""

from ember.utils import data  # noqa: F401
