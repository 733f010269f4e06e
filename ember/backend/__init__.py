"""The bottom layer: devices, array modules (NumPy | CuPy), dtypes and random state."""

from ember.backend.devices import (  # noqa: F401
    CPU,
    array_module,
    as_device,
    cuda_device_count,
    cuda_is_available,
    device,
    device_of,
    to_device_array,
)
from ember.backend.dtypes import (  # noqa: F401
    as_dtype,
    dtype,
    from_numpy_dtype,
    get_default_dtype,
    promote_types,
    result_type,
    set_default_dtype,
)
from ember.backend.random import (  # noqa: F401
    Generator,
    default_generator,
    get_rng_state,
    manual_seed,
    numpy_generator,
    set_rng_state,
)
from ember.backend.threads import get_num_threads, parallel_map, set_num_threads  # noqa: F401
