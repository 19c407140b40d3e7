r"""Distributions of uncertain parameters, for ensembles and sensitivity designs.

A small frozen set: :class:`Uniform`, :class:`Triangular`, :class:`Normal`
(optionally truncated), :class:`LogNormal` and :class:`Beta` (optionally
rescaled to ``[low, high]``). Each validates its parameters on construction
(a :class:`~tariffsim.errors.ParameterError` naming the field), draws with
``sample(rng, size)`` from a ``numpy.random.Generator``, maps uniform
quantiles with ``ppf(u)`` (for quasi-random designs) and reports its
``support`` and its ``draw_range``.

Draws are quantiles of uniforms: ``sample`` takes ``u = rng.random(size)``
(multiples of :math:`2^{-53}` in :math:`[0, 1 - 2^{-53}]`), raises ``u`` to
at least :data:`U_MIN` :math:`= 2^{-53}` (the generator's 0, drawn with
probability :math:`2^{-53}`, would be the quantile 0: :math:`-\infty` for a
normal), and returns ``ppf(u)``. So every draw lies between ``ppf(U_MIN)``
and ``ppf(U_MAX)`` (:data:`U_MAX` :math:`= 1 - 2^{-53}`), the
``draw_range`` (``sample`` clips to it, in case a quantile function is not
monotone to the last bit). A standard normal's draws, for one, stay within
:math:`\pm 8.21`. Each distribution checks on construction that its
``draw_range`` is finite, so that no draw is an infinity or a NaN.
:func:`tariffsim.ensemble` compares the ``draw_range`` with the varied
parameter's range before drawing anything.

Truncated normal: draws are ``Φ⁻¹(U)`` with ``U`` uniform on
:math:`[Φ((low-μ)/σ), Φ((high-μ)/σ)]` (inverse-CDF sampling, one uniform per
draw), so every draw lies in ``[low, high]``. Where ``U`` rounds to 1 (a
normal truncated below only, at the top quantiles) the quantile is taken
from the upper tail, :math:`-Φ^{-1}(1 - U)` with :math:`1 - U` computed
without rounding it to 0. Where ``[low, high]`` spans less than
0.01 standard deviations, differences of :math:`Φ` lose their
precision (and round to 0 for ``Normal(0.5, 1e20, 0, 1)``): the quantile is
then solved on the density over the interval itself (quadrature and
Newton's method), which tends to the uniform as ``sd`` grows.

Examples
--------
>>> from tariffsim.analysis.distributions import Triangular
>>> d = Triangular(0.45, 0.60, 0.65)
>>> x = d.sample(np.random.default_rng(0), 1000)
>>> bool((x >= 0.45).all() and (x <= 0.65).all())
True
>>> d.support
(0.45, 0.65)
>>> lo, hi = Normal(0.0, 1.0).draw_range  # no draw beyond these, whatever the seed
>>> round(lo, 2), round(hi, 2)
(-8.21, 8.21)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import limits
from .._util import real_array, short_repr, whole_number
from ..errors import ParameterError, TariffsimError

__all__ = [
    "BETA_SHAPE_MAX",
    "BETA_SHAPE_MIN",
    "U_MAX",
    "U_MIN",
    "Beta",
    "Distribution",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "draw_range",
    "parse_distribution",
]

Array = NDArray[np.float64]

U_MIN = 2.0**-53
"""Smallest uniform a draw is the quantile of (the generator's 0 is raised to it)."""
U_MAX = 1.0 - 2.0**-53
"""Largest uniform a draw is the quantile of (the largest ``rng.random()`` returns)."""

BETA_SHAPE_MIN = 1e-10
"""Smallest ``a`` and ``b`` of :class:`Beta`: below (``Beta(2.3e-4, 1.7e-20)``), scipy's
``betaincinv`` returns NaN at some quantiles."""
BETA_SHAPE_MAX = 1e10
"""Largest ``a`` and ``b`` of :class:`Beta`: above (``Beta(2, 1e300)``), scipy's
``betaincinv`` returns NaN at some or all quantiles, and slows down a thousandfold."""


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
    """What an ensemble needs of a distribution.

    Before drawing, an ensemble checks that every draw can lie in the varied
    parameter's range: by :func:`draw_range` (for a distribution of another
    package than this one, its ``support``).
    """

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


def draw_range(dist: Distribution) -> tuple[float, float]:
    """Smallest and largest value ``dist.sample`` can return.

    For the distributions of this module, their ``draw_range`` (the quantiles
    at :data:`U_MIN` and :data:`U_MAX`); for any other, its ``support``.

    Raises
    ------
    ParameterError
        If another distribution's ``support`` is not two numbers ``low <= high``, or
        reading it raises.

    Examples
    --------
    >>> draw_range(Uniform(0.0, 2.0))
    (2.220446049250313e-16, 1.9999999999999998)
    """
    if isinstance(dist, _Quantiles):
        return dist.draw_range
    try:
        sup = dist.support
    except TariffsimError:
        raise
    except Exception as exc:  # a distribution of the user's
        raise ParameterError(
            f"{short_repr(dist)}: `support` raised {type(exc).__name__}: {exc}"
        ) from exc
    try:
        lo, hi = (float(v) for v in sup)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            f"{short_repr(dist)}: `support` must be two numbers (smallest, largest draw); "
            f"got {short_repr(sup)}."
        ) from None
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise ParameterError(
            f"{short_repr(dist)}: `support` must be two numbers low <= high; got {sup!r}."
        )
    return lo, hi


def _uniforms(rng: np.random.Generator, size: int) -> Array:
    """``size`` uniforms from ``rng``, within [U_MIN, U_MAX]."""
    return np.clip(rng.random(size), U_MIN, U_MAX)


class _Quantiles:
    """Draws as quantiles of uniforms within [U_MIN, U_MAX]: ``sample`` and ``draw_range``."""

    @property
    def support(self) -> tuple[float, float]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _quantile(self, u: Array) -> Array:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def ppf(self, u: ArrayLike) -> Array:
        """The quantile function at ``u``, within the support (the rounding of a subclass's
        arithmetic never puts a quantile a last bit beyond a bound)."""
        x = real_array(u, "u")
        if np.any(np.isnan(x)) or np.any((x < 0) | (x > 1)):
            bad = x[np.isnan(x) | (x < 0) | (x > 1)].reshape(-1)[0]
            raise ParameterError(f"`u` must be levels in [0, 1]; got {float(bad)!r}.")
        lo, hi = self.support
        return np.clip(self._quantile(x), lo, hi)

    @property
    def draw_range(self) -> tuple[float, float]:
        """Smallest and largest possible draw: the quantiles at U_MIN and U_MAX."""
        with np.errstate(over="ignore", invalid="ignore"):
            lo, hi = (float(v) for v in np.asarray(self.ppf([U_MIN, U_MAX]), dtype=float))
        return lo, hi

    def sample(self, rng: np.random.Generator, size: int) -> Array:
        """``size`` independent draws, each ``ppf(u)`` of one uniform ``u`` of ``rng``."""
        if not callable(getattr(rng, "random", None)):
            raise ParameterError(
                "`rng` must be a numpy Generator (np.random.default_rng(seed)), or anything "
                f"with its random(size); got {short_repr(rng)}."
            )
        size = whole_number(size, "size", 0)
        limits.check("max_result_bytes", 8 * size, f"`size` ({size} draws), bytes")
        lo, hi = self.draw_range
        return np.clip(self.ppf(_uniforms(rng, size)), lo, hi)

    def _check_draws(self, advice: str = "") -> None:
        """Refuse parameters with which a draw could be infinite or NaN."""
        lo, hi = self.draw_range
        for which, v in (("smallest", lo), ("largest", hi)):
            if not math.isfinite(v):
                names = [f.name for f in fields(self)]  # type: ignore[arg-type]
                args = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
                raise ParameterError(
                    f"{type(self).__name__}: draws must be finite; with {args} the {which} "
                    f"draw is {v!r}.{' ' + advice if advice else ''}"
                )


@dataclass(frozen=True)
class Uniform(_Quantiles):
    """Uniform on ``[low, high]``.

    Raises
    ------
    ParameterError
        Unless ``low < high``, both finite, and ``high - low`` is finite.
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
        self._check_draws()

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def _quantile(self, u: Array) -> Array:
        return self.low + (self.high - self.low) * u


@dataclass(frozen=True)
class Triangular(_Quantiles):
    """Triangular on ``[low, high]`` with its peak at ``mode``.

    Raises
    ------
    ParameterError
        Unless ``low <= mode <= high`` and ``low < high``, all finite, and
        ``high - low`` is finite.
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
        if not math.isfinite(hi - lo):
            raise ParameterError(
                f"Triangular: `high - low` must be finite; got low={lo}, high={hi}."
            )
        for k, v in (("low", lo), ("mode", m), ("high", hi)):
            object.__setattr__(self, k, v)
        self._check_draws()

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def _quantile(self, u: Array) -> Array:
        lo, m, hi = self.low, self.mode, self.high
        c = (m - lo) / (hi - lo)
        if math.isfinite((hi - lo) * max(m - lo, hi - m)):
            left = lo + np.sqrt(u * (hi - lo) * (m - lo))
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - m))
        else:  # the products overflow (bounds beyond about 1e154): the same, by square roots
            left = lo + np.sqrt(u) * math.sqrt(hi - lo) * math.sqrt(m - lo)
            right = hi - np.sqrt(1 - u) * math.sqrt(hi - lo) * math.sqrt(hi - m)
        return np.asarray(np.where(u < c, left, right), dtype=float)


_NARROW = 1e-2
"""Width of a truncated normal's interval, in standard deviations, below which
:meth:`Normal.ppf` inverts the density over the interval itself: differences of
:math:`Φ` lose about :math:`ε/w` of relative precision there, and all of it once
:math:`Φ(β) - Φ(α)` rounds to 0 (``Normal(0.5, 1e20, 0, 1)`` drew 0.5 every time)."""

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)


def _narrow_quantile(alpha: float, w: float, u: Array) -> Array:
    r"""Quantiles ``s`` in [0, 1] of the density :math:`h(s) \propto φ(α + w s)` on [0, 1].

    :math:`H(s) = \int_0^s e^{-α w t - w^2 t^2 / 2} dt` by 16-point Gauss-Legendre
    quadrature (for :math:`w < 10^{-2}` and :math:`|α| \le 8.01` the integrand's
    log varies by under 0.09 over [0, 1]: the rule is exact to rounding), solved
    for :math:`H(s) = u H(1)` by Newton's method from :math:`s = u` (the
    uniform, which :math:`h` differs from by at most 9 %), a fixed 8 steps:
    each multiplies the error by at most about :math:`0.1 |s - s^*|`.
    """
    t = 0.5 * (_GL_NODES + 1.0)
    g = 0.5 * _GL_WEIGHTS

    def h(s: Array) -> Array:
        return np.exp(-alpha * w * s - 0.5 * (w * s) ** 2)

    def big_h(s: Array) -> Array:
        return s * (h(s[..., None] * t) @ g)

    target = u * big_h(np.ones(1))[0]
    s = u.copy()
    for _ in range(8):
        s = np.clip(s - (big_h(s) - target) / h(s), 0.0, 1.0)
    return np.asarray(s, dtype=float)


@dataclass(frozen=True)
class Normal(_Quantiles):
    """Normal with mean ``mean`` and standard deviation ``sd``, truncated to ``[low, high]``.

    Raises
    ------
    ParameterError
        Unless ``sd > 0``, ``low < high`` and the interval keeps some mass
        (``mean`` within 8 standard deviations of it); or if a draw could be
        infinite (``Normal(0, 1e308)``: ``mean`` :math:`\\pm` 8.21 ``sd``
        overflows, with no finite bound to stop it).
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
        self._check_draws("Give a smaller `sd` or `mean`, or finite bounds `low=` and `high=`.")

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def _quantile(self, u: Array) -> Array:
        from scipy.special import ndtr, ndtri

        alpha = (self.low - self.mean) / self.sd
        beta = (self.high - self.mean) / self.sd
        if beta - alpha < _NARROW:  # [low, high] narrow against sd: by the density itself
            frac = _narrow_quantile(alpha, beta - alpha, u)  # high - low < 0.01 sd: finite
            return np.where(frac >= 1.0, self.high, self.low + frac * (self.high - self.low))
        if alpha > 0:  # all in the upper tail: invert the mirrored lower tail, where the
            # normal's probabilities keep their precision (1 - Phi(x) = Phi(-x))
            sa, sb = float(ndtr(-alpha)), float(ndtr(-beta))
            z = -ndtri(sa - (sa - sb) * u)
            top = np.isposinf(z) & (u < 1)  # sa - (sa - sb) u rounded to 0
            if top.any():
                z = np.where(top, -ndtri(sb + (sa - sb) * (1 - u)), z)
        else:
            a, b = float(ndtr(alpha)), float(ndtr(beta))
            z = ndtri(a + (b - a) * u)
            top = np.isposinf(z) & (u < 1)  # a + (b - a) u rounded to 1: the upper tail
            if top.any():
                z = np.where(top, -ndtri(float(ndtr(-beta)) + (b - a) * (1 - u)), z)
        with np.errstate(over="ignore"):  # beyond a finite bound: clipped to it
            x = np.clip(self.mean + self.sd * z, self.low, self.high)
        # the quantiles 0 and 1 are the bounds themselves (mean + sd z rounds near them)
        return np.where(u <= 0.0, self.low, np.where(u >= 1.0, self.high, x))


@dataclass(frozen=True)
class LogNormal(_Quantiles):
    """Log-normal: ``exp(N(mu, sigma))``; ``median = exp(mu)``.

    Raises
    ------
    ParameterError
        Unless ``sigma > 0``, both finite; or if a draw could be infinite
        (``exp(mu + 8.21 sigma)`` overflows: ``mu + 8.21 sigma`` above about 709.78).
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
        self._check_draws("Give a smaller `mu` or `sigma`.")

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def _quantile(self, u: Array) -> Array:
        from scipy.special import ndtri

        z = ndtri(u)
        with np.errstate(over="ignore"):  # to -inf: exp gives 0 (to +inf: refused on construction)
            return np.asarray(np.exp(self.mu + self.sigma * z))


@dataclass(frozen=True)
class Beta(_Quantiles):
    """Beta(``a``, ``b``) rescaled to ``[low, high]`` (default ``[0, 1]``).

    Raises
    ------
    ParameterError
        Unless ``a`` and ``b`` lie in [:data:`BETA_SHAPE_MIN`,
        :data:`BETA_SHAPE_MAX`] (beyond, the quantile function returns NaN)
        and ``low < high``, all finite, with ``high - low`` finite.
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
        for k, v in (("a", a), ("b", b)):
            if not BETA_SHAPE_MIN <= v <= BETA_SHAPE_MAX:
                raise ParameterError(
                    f"Beta: `{k}` must be in [{BETA_SHAPE_MIN:g}, {BETA_SHAPE_MAX:g}] (beyond, its "
                    f"quantile function can return NaN); got {k}={v!r}."
                )
        if not lo < hi:
            raise ParameterError(f"Beta: `low` must be < `high`; got low={lo}, high={hi}.")
        if not math.isfinite(hi - lo):
            raise ParameterError(f"Beta: `high - low` must be finite; got low={lo}, high={hi}.")
        for k, v in (("a", a), ("b", b), ("low", lo), ("high", hi)):
            object.__setattr__(self, k, v)
        self._check_draws()

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def _quantile(self, u: Array) -> Array:
        from scipy.special import betaincinv

        return np.asarray(self.low + (self.high - self.low) * betaincinv(self.a, self.b, u))


_BY_NAME: dict[str, Any] = {
    c.__name__.lower(): c for c in (Uniform, Triangular, Normal, LogNormal, Beta)
}
_NAMES = ", ".join(c.__name__ for c in _BY_NAME.values())


def parse_distribution(text: str) -> Distribution:
    """A distribution from its text, ``Name(arg, ..., key=value)`` — as written in Python
    and as ``repr`` and a summary's ``drawn`` give it; the name in any case.

    Examples
    --------
    >>> parse_distribution("uniform(0, 0.5)")
    Uniform(low=0.0, high=0.5)
    >>> parse_distribution("Normal(mean=1.0, sd=2.0, low=0.1, high=inf)").low
    0.1

    Raises
    ------
    ParameterError
        For text of another form, an unknown name or field, an argument that is not a
        number, or values the distribution refuses (its own checks).
    """
    head, sep, rest = text.partition("(") if isinstance(text, str) else ("", "", "")
    name = head.strip()
    if not (sep and rest.rstrip().endswith(")") and name.isalpha()):
        raise ParameterError(
            "a distribution is written Name(arg, ...), e.g. 'Uniform(0, 0.5)' or "
            f"'Normal(1.0, 0.2, low=0.5)'; got {short_repr(text)}."
        )
    cls = _BY_NAME.get(name.lower())
    if cls is None:
        raise ParameterError(f"unknown distribution {short_repr(name)}; known: {_NAMES}.")
    names = [f.name for f in fields(cls)]
    args: list[float] = []
    kwargs: dict[str, float] = {}
    body = rest.rstrip()[:-1].strip()
    for part in body.split(",") if body else []:
        key, eq, val = part.partition("=")
        raw = val if eq else key
        try:
            num = float(raw.strip())
        except ValueError:
            raise ParameterError(
                f"{cls.__name__}: {short_repr(raw.strip())} is not a number (in "
                f"{short_repr(text)})."
            ) from None
        if not eq:
            if kwargs:
                raise ParameterError(
                    f"{cls.__name__}: a value without a name after named ones (in "
                    f"{short_repr(text)})."
                )
            args.append(num)
        elif key.strip() not in names:
            raise ParameterError(
                f"{cls.__name__} has no field {short_repr(key.strip())}; its fields: "
                f"{', '.join(names)}."
            )
        elif key.strip() in kwargs:
            raise ParameterError(
                f"{cls.__name__}: {key.strip()} is given twice (in {short_repr(text)})."
            )
        else:
            kwargs[key.strip()] = num
    if len(args) > len(names) or any(names.index(k) < len(args) for k in kwargs):
        raise ParameterError(
            f"{cls.__name__} takes {', '.join(names)}: too many values, or one given twice "
            f"(in {short_repr(text)})."
        )
    missing = [n for n in names[len(args) :] if n not in kwargs and _required(cls, n)]
    if missing:
        raise ParameterError(f"{cls.__name__} needs {', '.join(missing)} (in {short_repr(text)}).")
    return cls(*args, **kwargs)


def _required(cls: type, name: str) -> bool:
    """Whether dataclass field ``name`` of ``cls`` has no default."""
    from dataclasses import MISSING

    f = next(f for f in fields(cls) if f.name == name)
    return f.default is MISSING and f.default_factory is MISSING
