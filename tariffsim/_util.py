"""Small internal helpers shared by several modules."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["frozen_array"]


def frozen_array(a: ArrayLike, dtype: Any = float) -> NDArray[Any]:
    """A read-only copy of ``a`` as an array of ``dtype`` (for immutable results)."""
    arr = np.array(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


def short_repr(v: Any, width: int = 80) -> str:
    """``repr(v)``, cut to ``width`` characters (ending ``...``) for error messages.

    >>> short_repr("a" * 100)
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
    """
    r = repr(v)
    return r if len(r) <= width else r[: width - 3] + "..."
