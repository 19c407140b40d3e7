"""Compiled trade terms of the payoff block (numba).

Used when numba is installed (the ``fast`` extra) and not switched off by
the environment variable ``TARIFFSIM_JIT=0`` (or ``false``, ``no``, ``off``,
read at import). :func:`~tariffsim.payoffs._trade_terms` and
:func:`~tariffsim.payoffs._segment_flows` then call :func:`trade_terms` for
every caller — the engine's batched block and ``PayoffModel.payoff`` alike —
so there is one implementation in force and a run's numbers never depend on
the other runs of its batch: every entry is computed by the same scalar code.

The economics and the order of the sums are those of the numpy path:
``M = M0 (1 + p t) ** -s``; the pain area
``M0 / (s - 1) (1 - (1 + p t) ** (1 - s))`` (``M0 log(1 + p t)`` where
``|s - 1| < 1e-12``) times the sector multiplier; revenue ``t M``;
retaliation ``min((1 - p) t, margin) M + margin (M0 - M)``; each summed over
the partners left to right from 0.0, turned into percent of GDP per segment
and added over segments in order. A dyad with no baseline trade in a segment
adds exact zeros there and is skipped (the numpy path skips a segment's rows
without trade, see ``payoffs._segment_rows``). The powers are computed as
``q = exp(-s log(1 + p t))`` and ``(1 + p t) q`` with the C library's ``exp``
and ``log`` (one of each per entry), where numpy takes its own vectorised
``pow`` twice: the two paths agree to about 1e-12 relative, not to the bit.
Where the inputs of an entry ``(1 + p t, s)`` are those of the entry last
computed on the same dyad and segment (the other profiles of a run mostly
differ on a few dyads), its ``M`` and area are reused: the same inputs give
the same numbers, so this changes no bit.

Parameters broadcast as numpy does: every array argument is given five axes
``(A, B, K, i, j)`` (two leading run/profile axes, the segment axis, importer,
exporter), each of length 1 (broadcast) or of the full length. Status: 0
fine, 1 shapes that do not broadcast.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

_njit: Any
_types: Any
try:  # pragma: no cover - which branch runs depends on the installation
    from numba import njit as _njit
    from numba import types as _types
except ImportError:  # pragma: no cover
    _njit = None
    _types = None

__all__ = ["AVAILABLE", "ENABLED", "ENV", "trade_terms"]

ENV = "TARIFFSIM_JIT"
"""Environment variable: ``0`` (or ``false``, ``no``, ``off``) keeps the numpy path."""

AVAILABLE = _njit is not None
"""Whether numba is importable."""

ENABLED = AVAILABLE and os.environ.get(ENV, "").strip().lower() not in ("0", "false", "no", "off")
"""Whether the trade terms use the compiled kernel (read by ``payoffs`` at each call)."""

Array = NDArray[np.float64]


def _at(x: Any, a: int, b: int, k: int, i: int, j: int) -> Any:
    """``x[a, b, k, i, j]``, index 0 along the axes ``x`` is broadcast along (length 1)."""
    s = x.shape
    return x[
        min(a, s[0] - 1), min(b, s[1] - 1), min(k, s[2] - 1), min(i, s[3] - 1), min(j, s[4] - 1)
    ]


def _fits(x: Any, A: int, B: int, K: int, n: int, m: int) -> bool:
    """Whether ``x`` broadcasts to ``(A, B, K, n, m)``."""
    ok = True
    for ax, size in enumerate((A, B, K, n, m)):
        ok = ok and (x.shape[ax] == 1 or x.shape[ax] == size)
    return ok


def _kernel(
    r: Any,
    m0_seg: Any,
    gdp: Any,
    pt: Any,
    el: Any,
    dep: Any,
    margin: Any,
    weight: Any,
    terms: bool,
) -> Any:
    """Trade terms of rates ``r`` ``(A, B, K, n, n)``; see the module notes.

    ``weight`` is ``(A, B, K, n, 1)`` (per importer); ``gdp`` ``(n,)``. Returns
    the status, ``pain``, ``rev``, ``ret`` ``(A, B, n)`` (zeros unless
    ``terms``) and the imports summed over segments ``(A, B, n, n)``.
    """
    K = m0_seg.shape[0]
    n = m0_seg.shape[2]
    A = r.shape[0]
    B = r.shape[1]
    for x in (pt, el, dep, margin, weight):
        A = max(A, x.shape[0])
        B = max(B, x.shape[1])
    pain = np.zeros((A, B, n))
    rev = np.zeros((A, B, n))
    ret = np.zeros((A, B, n))
    flows = np.zeros((A, B, n, n))
    bad = m0_seg.shape[1] != n or gdp.shape[0] != n or not _fits(weight, A, B, K, n, 1)
    for x in (r, pt, el, dep, margin):
        bad = bad or not _fits(x, A, B, K, n, n)
    if bad:
        return 1, pain, rev, ret, flows
    # each segment's row i holds trade with partners cols[start[k, i]:start[k, i + 1]]
    # (in order): the other dyads add exact zeros to every term and are skipped
    start = np.zeros((K, n + 1), dtype=np.int64)
    cols = np.zeros(K * n * n, dtype=np.int64)
    e = 0
    for k in range(K):
        for i in range(n):
            start[k, i] = e
            for j in range(n):
                if m0_seg[k, i, j] != 0.0:
                    cols[e] = j
                    e += 1
        start[k, n] = e
    lost = np.zeros(n)
    # the last (1 + p t, s) seen on each dyad and segment, with its m and area: profiles
    # and runs often repeat them, and the same inputs give the same numbers
    seen = np.full((e, 2), np.nan)
    memo = np.zeros((e, 2))
    for a in range(A):
        for b in range(B):
            for k in range(K):
                for i in range(n):
                    s_pain = 0.0
                    s_rev = 0.0
                    for e in range(start[k, i], start[k, i + 1]):
                        j = cols[e]
                        m0 = m0_seg[k, i, j]
                        t = _at(r, a, b, k, i, j)
                        p = _at(pt, a, b, k, i, j)
                        s = _at(el, a, b, k, i, j)
                        pt1 = 1.0 + p * t
                        if pt1 == seen[e, 0] and s == seen[e, 1]:
                            m = memo[e, 0]
                            area = memo[e, 1]
                        else:
                            log1 = np.log(pt1)
                            q = np.exp(-s * log1)  # (1 + p t) ** -s
                            m = m0 * q
                            area = 0.0
                            if not terms:
                                pass
                            elif abs(s - 1.0) < 1e-12:
                                area = m0 * log1
                            else:
                                area = m0 / (s - 1.0) * (1.0 - pt1 * q)
                            seen[e, 0] = pt1
                            seen[e, 1] = s
                            memo[e, 0] = m
                            memo[e, 1] = area
                        flows[a, b, i, j] += m
                        if not terms:
                            continue
                        s_pain += _at(dep, a, b, k, i, j) * area
                        s_rev += t * m
                        mg = _at(margin, a, b, k, i, j)
                        absorbed = (1.0 - p) * t
                        if absorbed > mg:  # np.minimum (a NaN stays)
                            absorbed = mg
                        lost[j] += absorbed * m + mg * (m0 - m)
                    if terms and start[k, i + 1] > start[k, i]:
                        pain[a, b, i] += -(s_pain / (10.0 * gdp[i]))
                        rev[a, b, i] += _at(weight, a, b, k, i, 0) * (s_rev / (10.0 * gdp[i]))
                if terms:
                    for j in range(n):
                        ret[a, b, j] += -(lost[j] / (10.0 * gdp[j]))
                        lost[j] = 0.0
    return 0, pain, rev, ret, flows


class OneSignature:
    """A kernel compiled for one signature on first use (or loaded from numba's cache).

    ``OneSignature(func, signature)`` compiles ``func`` with
    ``njit(cache=True, nogil=True, **options)`` (``options`` may override
    the first two) for ``signature()`` (a
    callable: numba's types are imported only when a kernel is first
    needed) the first time :meth:`get` is called, on whichever thread asks
    first, and refuses any other signature after that (every argument
    converts to the one signature).

    ``vectorize=False`` compiles with LLVM's loop vectoriser off, for this
    kernel only (numba's switch is set under numba's compiler lock and
    restored). Strict IEEE arithmetic is kept either way, so the bits are
    the same; only the speed differs. For a loop over a few countries and
    segments the vectorised copies' set-up and checks cost more than they
    save: the decision kernel (:mod:`tariffsim._decide_kernel`) took
    0.61-0.80 of its time without them (the calls of ``us-china-145`` and
    ``four-country-2025`` ensembles, replayed with both builds alternately,
    2026-12). Kernels whose loops run over whole batches keep the default.
    """

    def __init__(
        self, func: Any, signature: Any, *, vectorize: bool = True, **options: Any
    ) -> None:
        self.func, self.signature = func, signature
        self.vectorize, self.options = vectorize, options
        self._compiled: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        """The compiled dispatcher (compiled, or loaded from numba's cache, on first use)."""
        if self._compiled is not None:
            return self._compiled
        with self._lock:  # one compilation, whichever thread asks first
            if self._compiled is None:
                from numba.core import config as _config
                from numba.core.compiler_lock import global_compiler_lock

                config: Any = _config  # (its settings are set at import: untyped)

                disp = _njit(**{"cache": True, "nogil": True, **self.options})(self.func)
                with global_compiler_lock:  # no other compilation sees the switch
                    before = config.LOOP_VECTORIZE
                    config.LOOP_VECTORIZE = int(before and self.vectorize)
                    try:
                        disp.compile(self.signature())
                    finally:
                        config.LOOP_VECTORIZE = before
                disp.disable_compile()  # one signature: every argument converts to it
                self._compiled = disp
        return self._compiled


def _kernel_signature() -> tuple[Any, ...]:
    a5 = _types.Array(_types.float64, 5, "A", readonly=True)
    a3 = _types.Array(_types.float64, 3, "A", readonly=True)
    a1 = _types.Array(_types.float64, 1, "A", readonly=True)
    return (a5, a3, a1, a5, a5, a5, a5, a5, _types.boolean)


if _njit is not None:  # pragma: no branch
    # the helpers the kernel calls: compiled with it, for its one signature
    _at = _njit(cache=True, nogil=True)(_at)
    _fits = _njit(cache=True, nogil=True)(_fits)
_KERNEL = OneSignature(_kernel, _kernel_signature)  # the vectoriser: the same speed (0.97x)


def _five(x: Any, lead: int, tail: int) -> Array:
    """``x`` with ``lead`` leading axes and ``tail`` trailing ones, padded to ``(A, B, ...)``.

    Arrays with more than two leading axes have them merged (after
    broadcasting to ``full``) by the caller.
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim < lead + tail:
        a = a.reshape((1,) * (lead + tail - a.ndim) + a.shape)
    if lead < 2:
        a = a.reshape((1,) * (2 - lead) + a.shape)
    return a


def trade_terms(
    r: Array,
    m0_seg: Array,
    gdp: Array | None,
    pt: Any,
    el: Any,
    dep: Any,
    margin: Any,
    weight: Any,
    *,
    terms: bool = True,
) -> tuple[Array, Array, Array, Array]:
    """Tariff pain, revenue, retaliation per country and imports per dyad, summed over segments.

    Parameters
    ----------
    r : ndarray, shape (..., K, n, n)
        Effective rates per segment.
    m0_seg : ndarray, shape (K, n, n)
        Baseline imports per segment, USD bn.
    gdp : ndarray, shape (n,), or None
        GDP, USD tn (None: with ``terms=False``).
    pt, el, dep, margin : float or ndarray
        Pass-through, elasticity in force, sector multiplier and export
        margin per dyad, broadcasting against ``r`` (with the segment axis,
        as ``payoffs._seg`` gives them: ``(..., 1, n, n)``, ``(n, n)`` or a
        scalar).
    weight : float or ndarray
        Revenue weight per importer, ``(..., 1, n)``, ``(n,)`` or a scalar.
    terms : bool
        False: the imports only (the three terms are returned as zeros).

    Returns
    -------
    pain, rev, ret : ndarray, shape (..., n)
    flows : ndarray, shape (..., n, n)
        With the broadcast leading axes of all arguments.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.
    """
    m0_seg = np.asarray(m0_seg, dtype=np.float64)
    gdp = np.ones(m0_seg.shape[-1]) if gdp is None else np.asarray(gdp, dtype=np.float64)
    dyads = [r, pt, el, dep, margin]
    lead = max(max(np.ndim(x) - 3 for x in dyads), np.ndim(weight) - 2, 0)
    if lead > 2:  # merge the leading axes into two
        full = np.broadcast_shapes(
            *(np.shape(x)[:-3] for x in dyads if np.ndim(x) > 3),
            *((np.shape(weight)[:-2],) if np.ndim(weight) > 2 else ()),
        )
        dyads = [
            np.broadcast_to(_five(x, lead, 3), full + _five(x, lead, 3).shape[lead:]).reshape(
                (-1, full[-1], *_five(x, lead, 3).shape[lead:])
            )
            for x in dyads
        ]
        w = _five(weight, lead, 2)
        weight = np.broadcast_to(w, full + w.shape[lead:]).reshape((-1, full[-1], *w.shape[lead:]))
        out_lead: tuple[int, ...] = full
        lead_in = 2
    else:
        out_lead = ()
        lead_in = lead
    r5, pt5, el5, dep5, mg5 = (_five(x, lead_in, 3) for x in dyads)
    w5 = _five(weight, lead_in, 2)[..., None]
    status, pain, rev, ret, flows = _KERNEL.get()(
        r5, m0_seg, gdp, pt5, el5, dep5, mg5, w5, terms,
    )  # fmt: skip
    if status:
        shapes = [np.shape(x) for x in (r, m0_seg, gdp, pt, el, dep, margin, weight)]
        raise ValueError(f"Trade-term arguments do not broadcast together; got shapes {shapes}.")
    if not out_lead:
        out_lead = pain.shape[:2][2 - lead :]
    n = pain.shape[-1]
    return (
        pain.reshape((*out_lead, n)),
        rev.reshape((*out_lead, n)),
        ret.reshape((*out_lead, n)),
        flows.reshape((*out_lead, n, n)),
    )
