r"""Distributions of uncertain parameters, for ensembles and sensitivity designs.

A small frozen set: :class:`Uniform`, :class:`Triangular`, :class:`Normal`
(optionally truncated), :class:`LogNormal` and :class:`Beta` (optionally
rescaled to ``[low, high]``). Each validates its parameters on construction
(a :class:`~tariffsim.errors.ParameterError` naming the field), draws with
``sample(rng, size)`` from a ``numpy.random.Generator``, maps uniform
quantiles with ``ppf(u)`` (for quasi-random designs) and reports its
``support``.

Truncated normal: draws are ``Φ⁻¹(U)`` with ``U`` uniform on
:math:`[Φ((low-μ)/σ), Φ((high-μ)/σ)]` (inverse-CDF sampling, one uniform per
draw), so every draw lies in ``[low, high]``.

Examples
--------
>>> from tariffsim.analysis.distributions import Triangular
>>> d = Triangular(0.45, 0.60, 0.65)
>>> x = d.sample(np.random.default_rng(0), 1000)
>>> bool((x >= 0.45).all() and (x <= 0.65).all())
True
>>> d.support
(0.45, 0.65)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ParameterError

__all__ = [
    "Beta",
    "Distribution",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
]

Array = NDArray[np.float64]


def _num(owner: str, name: str, v: Any, *, finite: bool = True) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        raise ParameterError(f"{owner}: `{name}` must be a number; got {v!r}.")
    try:
        x = float(v)
    except OverflowError:  # an int beyond any float
        x = math.inf
    if math.isnan(x) or (finite and not math.isfinite(x)):
        raise ParameterError(f"{owner}: `{name}` must be finite; got {v!r}.")
    return x


@runtime_checkable
class Distribution(Protocol):
    """What an ensemble needs of a distribution."""

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest possible draw (may be infinite)."""
        ...

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        """``size`` independent draws."""
        ...

    def ppf(self, u: ArrayLike) -> Array:
        """Quantile function at ``u`` in (0, 1)."""
        ...


@dataclass(frozen=True)
class Uniform:
    """Uniform on ``[low, high]``.

    Raises
    ------
    ParameterError
        Unless ``low < high``, both finite.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        lo = _num("Uniform", "low", self.low)
        hi = _num("Uniform", "high", self.high)
        if not lo < hi:
            raise ParameterError(f"Uniform: `low` must be < `high`; got low={lo}, high={hi}.")
        if not math.isfinite(hi - lo):
            raise ParameterError(f"Uniform: `high - low` must be finite; got low={lo}, high={hi}.")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: ArrayLike) -> Array:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        return self.ppf(rng.random(size))


@dataclass(frozen=True)
class Triangular:
    """Triangular on ``[low, high]`` with its peak at ``mode``.

    Raises
    ------
    ParameterError
        Unless ``low <= mode <= high`` and ``low < high``, all finite.
    """

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        lo = _num("Triangular", "low", self.low)
        m = _num("Triangular", "mode", self.mode)
        hi = _num("Triangular", "high", self.high)
        if not (lo <= m <= hi and lo < hi):
            raise ParameterError(
                f"Triangular: need low <= mode <= high and low < high; got {lo}, {m}, {hi}."
            )
        for k, v in (("low", lo), ("mode", m), ("high", hi)):
            object.__setattr__(self, k, v)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: ArrayLike) -> Array:
        u = np.asarray(u, dtype=float)
        lo, m, hi = self.low, self.mode, self.high
        c = (m - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (m - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - m))
        return np.asarray(np.where(u < c, left, right), dtype=float)

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        return self.ppf(rng.random(size))


@dataclass(frozen=True)
class Normal:
    """Normal with mean ``mean`` and standard deviation ``sd``, truncated to ``[low, high]``.

    Raises
    ------
    ParameterError
        Unless ``sd > 0``, ``low < high`` and the interval keeps some mass
        (``mean`` within 8 standard deviations of it).
    """

    mean: float
    sd: float
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self) -> None:
        mu = _num("Normal", "mean", self.mean)
        sd = _num("Normal", "sd", self.sd)
        lo = _num("Normal", "low", self.low, finite=False)
        hi = _num("Normal", "high", self.high, finite=False)
        if sd <= 0:
            raise ParameterError(f"Normal: `sd` must be > 0; got {sd}.")
        if not lo < hi:
            raise ParameterError(f"Normal: `low` must be < `high`; got low={lo}, high={hi}.")
        if (lo - mu) / sd > 8 or (mu - hi) / sd > 8:
            raise ParameterError(
                f"Normal: [{lo}, {hi}] lies more than 8 sd from the mean {mu}; no mass left."
            )
        for k, v in (("mean", mu), ("sd", sd), ("low", lo), ("high", hi)):
            object.__setattr__(self, k, v)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: ArrayLike) -> Array:
        from scipy.special import ndtr, ndtri

        alpha = (self.low - self.mean) / self.sd
        beta = (self.high - self.mean) / self.sd
        u = np.asarray(u, dtype=float)
        if alpha > 0:  # all in the upper tail: invert the mirrored lower tail, where the
            # normal's probabilities keep their precision (1 - Phi(x) = Phi(-x))
            sa, sb = float(ndtr(-alpha)), float(ndtr(-beta))
            z = -ndtri(sa - (sa - sb) * u)
        else:
            a, b = float(ndtr(alpha)), float(ndtr(beta))
            z = ndtri(a + (b - a) * u)
        return np.clip(self.mean + self.sd * z, self.low, self.high)

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        return self.ppf(rng.random(size))


@dataclass(frozen=True)
class LogNormal:
    """Log-normal: ``exp(N(mu, sigma))``; ``median = exp(mu)``.

    Raises
    ------
    ParameterError
        Unless ``sigma > 0``, both finite.
    """

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        mu = _num("LogNormal", "mu", self.mu)
        s = _num("LogNormal", "sigma", self.sigma)
        if s <= 0:
            raise ParameterError(f"LogNormal: `sigma` must be > 0; got {s}.")
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "sigma", s)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def ppf(self, u: ArrayLike) -> Array:
        from scipy.special import ndtri

        return np.asarray(np.exp(self.mu + self.sigma * ndtri(np.asarray(u, dtype=float))))

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        return self.ppf(rng.random(size))


@dataclass(frozen=True)
class Beta:
    """Beta(``a``, ``b``) rescaled to ``[low, high]`` (default ``[0, 1]``).

    Raises
    ------
    ParameterError
        Unless ``a > 0``, ``b > 0`` and ``low < high``, all finite.
    """

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        a = _num("Beta", "a", self.a)
        b = _num("Beta", "b", self.b)
        lo = _num("Beta", "low", self.low)
        hi = _num("Beta", "high", self.high)
        if a <= 0 or b <= 0:
            raise ParameterError(f"Beta: `a` and `b` must be > 0; got a={a}, b={b}.")
        if not lo < hi:
            raise ParameterError(f"Beta: `low` must be < `high`; got low={lo}, high={hi}.")
        for k, v in (("a", a), ("b", b), ("low", lo), ("high", hi)):
            object.__setattr__(self, k, v)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: ArrayLike) -> Array:
        from scipy.special import betaincinv

        x = betaincinv(self.a, self.b, np.asarray(u, dtype=float))
        return np.asarray(self.low + (self.high - self.low) * x)

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        return self.ppf(rng.random(size))
