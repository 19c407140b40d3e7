"""The compiled in-order matrix products give the numpy rule's bits (tie losses rely on it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tariffsim import _matmul_kernel, _trade_kernel, dynamics

_ENTRIES = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=True),
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, float("inf"), -float("inf")]),
)


def _numpy_rule(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with pytest.MonkeyPatch.context() as m, np.errstate(all="ignore"):  # inf * 0: nan, as asked
        m.setattr(_trade_kernel, "ENABLED", False)
        return dynamics._matmul_in_order(a, b)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_compiled_products_are_the_numpy_rule(data: st.DataObject) -> None:
    """``(R, m, n) @ (n, p)`` and ``(R, m, n) @ (R, n, p)``, with signed zeros, infinities and
    magnitudes far apart (where the order of the sum decides the rounding): the same bits."""
    R, m, n, p = (data.draw(st.integers(1, hi)) for hi in (6, 4, 12, 12))
    shared = data.draw(st.booleans())
    a = data.draw(hnp.arrays(np.float64, (R, m, n), elements=_ENTRIES))
    b = data.draw(hnp.arrays(np.float64, (n, p) if shared else (R, n, p), elements=_ENTRIES))
    assert _matmul_kernel.matmul_in_order(a, b) is not None  # the compiled kernel ran
    got = dynamics._matmul_in_order(a, b)
    want = _numpy_rule(a, b)
    assert got.shape == want.shape == (R, m, p)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint64), want[~nan].view(np.uint64))


def test_sum_runs_left_to_right() -> None:
    """``(1e16 + 1) + 1`` is ``1e16`` twice rounded, ``1e16 + (1 + 1)`` is not: the order shows."""
    a = np.array([[[1e16, 1.0, 1.0]]])
    b = np.ones((3, 1))
    assert dynamics._matmul_in_order(a, b)[0, 0, 0] == 1e16
    assert dynamics._matmul_in_order(a[:, :, ::-1].copy(), b)[0, 0, 0] == 1e16 + 2


def test_other_layouts_take_the_numpy_rule() -> None:
    """Shapes outside the kernel's (more leading axes, integer arrays) are left to numpy."""
    a4 = np.arange(24.0).reshape(2, 1, 3, 4)
    assert _matmul_kernel.matmul_in_order(a4, np.ones((4, 2))) is None
    np.testing.assert_array_equal(
        dynamics._matmul_in_order(a4, np.ones((4, 2))), a4 @ np.ones((4, 2))
    )
    assert _matmul_kernel.matmul_in_order(np.ones((2, 3, 4), dtype=int), np.ones((4, 2))) is None
