"""``ember.nn.functional`` (imported as ``F``): stateless forms of the layers, losses and activations."""

from ember.nn.functional.activation import *  # noqa: F401,F403
from ember.nn.functional.attention import *  # noqa: F401,F403
from ember.nn.functional.conv import *  # noqa: F401,F403
from ember.nn.functional.ctc_loss import *  # noqa: F401,F403
from ember.nn.functional.dropout import *  # noqa: F401,F403
from ember.nn.functional.fold import *  # noqa: F401,F403
from ember.nn.functional.likelihood_loss import *  # noqa: F401,F403
from ember.nn.functional.linear import *  # noqa: F401,F403
from ember.nn.functional.loss import *  # noqa: F401,F403
from ember.nn.functional.margin_loss import *  # noqa: F401,F403
from ember.nn.functional.misc import *  # noqa: F401,F403
from ember.nn.functional.normalization import *  # noqa: F401,F403
from ember.nn.functional.pooling import *  # noqa: F401,F403
from ember.nn.functional.shuffle import *  # noqa: F401,F403
from ember.nn.functional.sparse import *  # noqa: F401,F403
