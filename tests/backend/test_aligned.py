"""Cache-line-aligned arrays (ember.backend.aligned), used by the recurrent layers' products."""

import numpy as np
import pytest

from ember.backend.aligned import ALIGNMENT, aligned_copy, empty_aligned


@pytest.mark.parametrize("shape", [(0,), (1,), (3, 5), (4, 161, 128), (2, 3, 4, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.float16])
def test_empty_aligned_starts_on_a_cache_line(shape, dtype):
    for _ in range(5):  # several allocations: malloc's own alignment varies
        a = empty_aligned(np, shape, dtype)
        assert a.shape == shape and a.dtype == dtype
        assert a.flags.c_contiguous and a.flags.writeable
        assert a.size == 0 or a.ctypes.data % ALIGNMENT == 0  # an empty array has no data


def test_aligned_copy_is_an_equal_independent_contiguous_array():
    src = np.arange(24, dtype=np.float32).reshape(2, 3, 4).transpose(0, 2, 1)
    out = aligned_copy(np, src)
    np.testing.assert_array_equal(out, src)
    assert out.flags.c_contiguous and out.ctypes.data % ALIGNMENT == 0
    out[0, 0, 0] = -1
    assert src[0, 0, 0] == 0
