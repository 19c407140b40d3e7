"""Compiled matrix products summed in order (numba): :func:`tariffsim.dynamics._matmul_in_order`.

The engine moves and reads the tie losses of every run each round with
products ``(R, k, n) @ (R, n, k)`` and ``(R, k, k) @ (k, n)``; the numpy
rule takes two passes over the batch per term of the sum (twenty for ten
countries), each over strided views. :func:`matmul_in_order` computes every
entry in one compiled pass by the same arithmetic: the first product, then
each further product added in increasing order of the summed index,
``((p_0 + p_1) + p_2) + ...``, each product and each sum rounded once (no
fused multiply-add: numba keeps strict IEEE arithmetic), so both paths give
the same bits.

Used when numba is installed (the ``fast`` extra) and the one switch of the
compiled kernels, ``TARIFFSIM_JIT`` (:data:`tariffsim._trade_kernel.ENV`),
does not turn them off; :func:`~tariffsim.dynamics._matmul_in_order` takes
the numpy rule otherwise, and for layouts other than these.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _trade_kernel
from ._trade_kernel import OneSignature

__all__ = ["matmul_in_order"]

Array = NDArray[np.float64]


def _kernel(a: Any, b: Any, out: Any) -> None:
    """``out[r] = a[r] @ b[r or 0]``, each entry summed over the middle index in order."""
    R, m, n = a.shape
    p = b.shape[2]
    shared = b.shape[0] == 1
    for r in range(R):
        rb = 0 if shared else r
        for i in range(m):
            for c in range(p):
                acc = a[r, i, 0] * b[rb, 0, c]
                for j in range(1, n):
                    acc = acc + a[r, i, j] * b[rb, j, c]
                out[r, i, c] = acc


def _signature() -> tuple[Any, ...]:
    from numba import types

    ro = types.Array(types.float64, 3, "C", readonly=True)
    return (ro, ro, types.Array(types.float64, 3, "C"))


_KERNEL = OneSignature(_kernel, _signature)


def matmul_in_order(a: Array, b: Array) -> Array | None:
    """``a @ b`` summed in order for ``a`` ``(R, m, n)`` and ``b`` ``(n, p)`` or ``(R, n, p)``.

    Parameters
    ----------
    a : ndarray, shape (R, m, n)
    b : ndarray, shape (n, p) or (R, n, p)

    Returns
    -------
    ndarray or None
        ``(R, m, p)``: entry ``[r, i, c]`` is ``sum_j a[r, i, j] * b[r, j, c]``
        summed as ``((p_0 + p_1) + p_2) + ...``. None when the compiled
        kernels are off or unavailable, or for another layout (float64 arrays
        of these shapes only, ``n >= 1``): the caller then takes the numpy rule.
    """
    if not _trade_kernel.ENABLED:
        return None
    if a.ndim != 3 or b.ndim not in (2, 3) or a.dtype != np.float64 or b.dtype != np.float64:
        return None
    R, m, n = a.shape
    bb = b[None] if b.ndim == 2 else b
    if n < 1 or bb.shape[1] != n or bb.shape[0] not in (1, R):
        return None
    out = np.empty((R, m, bb.shape[2]))
    _KERNEL.get()(np.ascontiguousarray(a), np.ascontiguousarray(bb), out)
    return out
