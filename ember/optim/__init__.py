"""Optimizers (PyTorch's ``torch.optim``) and learning-rate schedulers (``lr_scheduler``)."""

from ember.optim import lr_scheduler  # noqa: F401
from ember.optim.adadelta import Adadelta  # noqa: F401
from ember.optim.adagrad import Adagrad  # noqa: F401
from ember.optim.adam import Adam  # noqa: F401
from ember.optim.adamax import Adamax  # noqa: F401
from ember.optim.adamw import AdamW  # noqa: F401
from ember.optim.asgd import ASGD  # noqa: F401
from ember.optim.lbfgs import LBFGS  # noqa: F401
from ember.optim.nadam import NAdam  # noqa: F401
from ember.optim.optimizer import Optimizer, required  # noqa: F401
from ember.optim.radam import RAdam  # noqa: F401
from ember.optim.rmsprop import RMSprop  # noqa: F401
from ember.optim.rprop import Rprop  # noqa: F401
from ember.optim.sgd import SGD  # noqa: F401
