"""Compiled breadth-first search for :mod:`~tariffsim.equilibrium._polytope` (numba).

Used when numba is installed (the ``fast`` extra) for the fast,
nondegenerate search; the arithmetic is that of
:func:`~tariffsim.equilibrium._polytope._pivot` (see that module's notes).
One call runs up to ``levels`` levels: for every basis of a level, the ratio
test of each edge, a lookup of the child's key in an open-addressing hash
set holding the keys of the previous and the current level (breadth-first,
a neighbour of level ``L`` lies in level ``L - 1``, ``L`` or ``L + 1``, and a
small set stays in cache), and the pivot of each new child's augmented
tableau. Status: 0 fine, 2 a child is degenerate (or its pivot element is a
zero rate, see :func:`~tariffsim.equilibrium._polytope._rate_floor`), 3 an
unbounded edge.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_njit: Any
try:  # pragma: no cover - which branch runs depends on the installation
    from numba import njit as _njit
except ImportError:  # pragma: no cover
    _njit = None

__all__ = ["AVAILABLE", "search"]

AVAILABLE = _njit is not None

_MULT = -7046029254386353131  # 0x9E3779B97F4A7C15 as a signed 64-bit integer


def _slot(key: Any, mask: Any) -> Any:
    h = (key ^ (key >> 29)) * _MULT
    return (h ^ (h >> 32)) & mask


def _insert(table: Any, key: Any) -> bool:
    """Put `key` in the set; False if it was there."""
    mask = table.shape[0] - 1
    i = _slot(key, mask)
    while table[i] != -1:
        if table[i] == key:
            return False
        i = (i + 1) & mask
    table[i] = key
    return True


def _rehash(table: Any) -> Any:
    new = np.full(2 * table.shape[0], -1, dtype=np.int64)
    for key in table:
        if key != -1:
            _insert(new, key)
    return new


def _grow2(a: Any, keep: int) -> Any:
    out = np.empty((2 * a.shape[0] + 16, a.shape[1]), dtype=a.dtype)
    out[:keep] = a[:keep]
    return out


def _grow3(a: Any, keep: int) -> Any:
    out = np.empty((2 * a.shape[0] + 16, a.shape[1], a.shape[2]), dtype=a.dtype)
    out[:keep] = a[:keep]
    return out


def _grow1(a: Any, keep: int) -> Any:
    out = np.empty(2 * a.shape[0] + 16, dtype=a.dtype)
    out[:keep] = a[:keep]
    return out


def _search(
    aug: Any,
    perm: Any,
    keys: Any,
    gid: Any,
    prev: Any,
    bit: Any,
    tight: float,
    rate_eps: float,
    max_bases: int,
    totals: Any,
    complete: Any,
    levels: int,
) -> Any:
    """Up to `levels` levels from the frontier ``(aug, perm, keys, gid)``.

    Returns the keys and polytope ids of the bases handled (the frontiers),
    the new frontier, its predecessor's keys, and the status; `totals` and
    `complete` (per polytope) are updated in place. Two output buffers are
    used in turn (fresh memory is slow to touch).
    """
    d1 = aug.shape[1]
    d = d1 - 1
    N = aug.shape[2]
    M = perm.shape[1]
    H = 0
    h_keys = np.empty(max(64, 4 * aug.shape[0]), dtype=np.int64)
    h_gid = np.empty(h_keys.shape[0], dtype=np.int64)
    h = np.empty(d1)
    neg_inv = np.empty(N)
    cap = 2 * aug.shape[0] + d + 16
    bufs_aug = [np.empty((cap, d1, N)), np.empty((cap, d1, N))]
    bufs_perm = [np.empty((cap, M), dtype=perm.dtype), np.empty((cap, M), dtype=perm.dtype)]
    bufs_keys = [np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)]
    bufs_gid = [np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)]
    status = 0
    for lev in range(levels):
        F = aug.shape[0]
        if F == 0:
            break
        while h_keys.shape[0] < H + F:
            h_keys = _grow1(h_keys, H)
            h_gid = _grow1(h_gid, H)
        h_keys[H : H + F] = keys
        h_gid[H : H + F] = gid
        H += F
        size = 64
        while size < 2 * (prev.shape[0] + 3 * F):
            size *= 2
        table = np.full(size, -1, dtype=np.int64)
        for key in prev:
            _insert(table, key)
        for key in keys:
            _insert(table, key)
        filled = prev.shape[0] + F
        w = lev % 2
        o_aug, o_perm, o_keys, o_gid = bufs_aug[w], bufs_perm[w], bufs_keys[w], bufs_gid[w]
        P = 0
        for f in range(F):
            g = gid[f]
            if P + d > o_aug.shape[0]:
                o_aug = _grow3(o_aug, P)
                o_perm = _grow2(o_perm, P)
                o_keys = _grow1(o_keys, P)
                o_gid = _grow1(o_gid, P)
            for j in range(N):
                neg_inv[j] = -1.0 / aug[f, d, j]
            for k in range(d):
                # ratio test: min s_j / (-T_kj) over T_kj < 0 is the max of T_kj / (-s_j)
                best = 0.0
                a = -1
                for j in range(N):
                    q = aug[f, k, j] * neg_inv[j]
                    if q > best:
                        best = q
                        a = j
                if a < 0:
                    status = 3
                    break
                key = (keys[f] ^ bit[perm[f, k]]) | bit[perm[f, d + a]]
                if not _insert(table, key):
                    continue
                filled += 1
                if 2 * filled > table.shape[0]:
                    table = _rehash(table)
                if totals[g] >= max_bases:
                    complete[g] = False
                    continue
                totals[g] += 1
                gk = aug[f, k, a]
                row = 1.0  # the floor of zero rates: see _polytope._rate_floor
                for j in range(N):
                    row = max(row, abs(aug[f, k, j]))
                col = 1.0
                for r in range(d):
                    col = max(col, abs(aug[f, r, a]))
                if gk >= -rate_eps * row * col:  # a zero rate: the child's basis is singular
                    status = 2
                for r in range(d1):
                    h[r] = aug[f, r, a] / gk
                h[k] -= 1.0 / gk
                for r in range(d1):
                    hr = h[r]
                    for j in range(N):
                        o_aug[P, r, j] = aug[f, r, j] - hr * aug[f, k, j]
                for r in range(d1):
                    o_aug[P, r, a] = -h[r]
                o_aug[P, k, a] += 1.0
                smin = np.inf
                for j in range(N):
                    smin = min(smin, o_aug[P, d, j])
                o_perm[P] = perm[f]
                o_perm[P, k] = perm[f, d + a]
                o_perm[P, d + a] = perm[f, k]
                o_keys[P] = key
                o_gid[P] = g
                P += 1
                if smin <= tight:
                    status = 2
            if status:
                break
        bufs_aug[w], bufs_perm[w], bufs_keys[w], bufs_gid[w] = o_aug, o_perm, o_keys, o_gid
        prev = keys.copy()
        aug, perm, keys, gid = o_aug[:P], o_perm[:P], o_keys[:P], o_gid[:P]
        if status:
            break
    return h_keys[:H], h_gid[:H], aug.copy(), perm.copy(), keys.copy(), gid.copy(), prev, status


search: Any = _search
if _njit is not None:  # pragma: no branch
    # compiled in dependency order: each function sees the compiled ones it calls
    _slot = _njit(inline="always", cache=True, nogil=True)(_slot)
    _insert = _njit(cache=True, nogil=True)(_insert)
    _rehash = _njit(cache=True, nogil=True)(_rehash)
    _grow1 = _njit(cache=True, nogil=True)(_grow1)
    _grow2 = _njit(cache=True, nogil=True)(_grow2)
    _grow3 = _njit(cache=True, nogil=True)(_grow3)
    search = _njit(cache=True, nogil=True)(_search)
