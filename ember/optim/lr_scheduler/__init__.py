"""Learning-rate schedulers (PyTorch's ``torch.optim.lr_scheduler``): one file per family."""

from ember.optim.lr_scheduler.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts  # noqa: F401
from ember.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR  # noqa: F401
from ember.optim.lr_scheduler.decay import (  # noqa: F401
    ExponentialLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from ember.optim.lr_scheduler.lambda_lr import LambdaLR, MultiplicativeLR  # noqa: F401
from ember.optim.lr_scheduler.plateau import ReduceLROnPlateau  # noqa: F401
from ember.optim.lr_scheduler.scheduler import LRScheduler  # noqa: F401
from ember.optim.lr_scheduler.sequential import ChainedScheduler, SequentialLR  # noqa: F401
from ember.optim.lr_scheduler.warmup import ConstantLR, LinearLR  # noqa: F401
