"""Differentiable primitives: forward on arrays, backward on tensors (DESIGN.md, "ops")."""

from ember.ops.arithmetic import *  # noqa: F401,F403
from ember.ops.comparison import *  # noqa: F401,F403
from ember.ops.conversion import *  # noqa: F401,F403
from ember.ops.creation import *  # noqa: F401,F403
from ember.ops.einsum import *  # noqa: F401,F403
from ember.ops.elementwise import *  # noqa: F401,F403
from ember.ops.indexing import *  # noqa: F401,F403
from ember.ops.inplace import *  # noqa: F401,F403
from ember.ops.join import *  # noqa: F401,F403
from ember.ops.linalg import *  # noqa: F401,F403
from ember.ops.reduction import *  # noqa: F401,F403
from ember.ops.shape import *  # noqa: F401,F403
from ember.ops.sorting import *  # noqa: F401,F403
from ember.ops.view import *  # noqa: F401,F403
