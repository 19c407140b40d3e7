"""Errors raised by tariffsim.

Every error names the argument or field at fault, the rule it broke and the
value it got, and is raised before any work is done. All subclass
:class:`TariffsimError`; most also subclass a builtin (``ValueError`` or
``KeyError``) so that plain ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "BeliefReplacedWarning",
    "ConstantOutputWarning",
    "ConvergenceWarning",
    "CostWarning",
    "EventNeverFiresWarning",
    "IdenticalRunsWarning",
    "LimitError",
    "MissingExtraError",
    "NumericalError",
    "OutputError",
    "ParameterError",
    "PlausibilityWarning",
    "RunsNotKeptError",
    "SameDecisionsWarning",
    "SampleSizeWarning",
    "ScenarioError",
    "TariffsimError",
    "TimeLimitError",
    "UnknownNameError",
    "WhatIfHeldWarning",
    "WorkerError",
    "warn_not_converged",
]


class TariffsimError(Exception):
    """Base class of every error tariffsim raises on purpose."""


class MissingExtraError(TariffsimError, ImportError):
    """An optional package a feature needs is not installed; the message names the feature,
    the package and the extra that installs it (``pip install 'tariffsim[xarray]'``).

    Raised when the feature is asked for, before any of its work. An ``ImportError``, so
    ``except ImportError`` keeps working; the command line reports it in one line.
    """


class ParameterError(TariffsimError, ValueError):
    """An argument or model parameter has an invalid value or shape.

    Examples
    --------
    >>> raise ParameterError("`discount` must be in [0, 1); got 1.5.")
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: `discount` must be in [0, 1); got 1.5.
    """


class LimitError(ParameterError):
    """An input asks for more than a limit of :mod:`tariffsim.limits` allows.

    The message names the limit, its value and how to raise it.
    """


class RunsNotKeptError(TariffsimError, AttributeError, TypeError):
    """A question needs every run, and a summary-only ensemble keeps none.

    The message says what needed the runs and points to ``keep="runs"``. An
    ``AttributeError`` too, so ``hasattr(summary, "tariff")`` is False and
    ``getattr(summary, "tariff", None)`` gives the default.
    """


class UnknownNameError(TariffsimError, KeyError):
    """A name (country code, scenario, strategy, claim id) is not known.

    The message lists the allowed names.
    """

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ScenarioError(TariffsimError, ValueError):
    """A scenario file or mapping is invalid.

    Parameters
    ----------
    problems : list of str
        Every problem found, each prefixed with the path of the field at fault
        (e.g. ``"countries.US.gdp: must be > 0, got -3"``).
    source : str, optional
        The file or name the input came from.
    kind : str
        What the input is, for the message (default ``"scenario"``; an
        observed record or a saved path file read the same way say so).
    """

    def __init__(
        self, problems: list[str] | str, *, source: str | None = None, kind: str = "scenario"
    ) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        head = f"invalid {kind} {source!r}" if source else f"invalid {kind}"
        if len(self.problems) == 1:
            msg = f"{head}: {self.problems[0]}"
        else:
            msg = f"{head}: {len(self.problems)} problems:\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(msg)


class ConvergenceWarning(UserWarning):
    """A solver stopped before meeting its tolerance; its result says so too.

    The rule, for every solver in tariffsim: a result with ``converged=False``
    (``converged`` false, or not all true for a traced path) is always
    accompanied by exactly one ``ConvergenceWarning`` whose message starts
    with the solver's name and repeats the result's ``message``; a converged
    result never warns. The result is returned either way, so code that
    checks ``result.converged`` can silence the warning with
    ``warnings.simplefilter("ignore", ts.ConvergenceWarning)``. Solvers that
    always finish exactly (support enumeration, backward induction, linear
    programs) have no ``converged=False`` and never warn.
    """


def warn_not_converged(solver: str, message: str, *, stacklevel: int = 3) -> None:
    """Issue the :class:`ConvergenceWarning` of a solver whose result did not converge.

    Parameters
    ----------
    solver : str
        Public name of the solver (``"fictitious_play"``).
    message : str
        The result's ``message``.
    stacklevel : int, default 3
        Points the warning at the caller of the solver when called from the
        solver's own body.
    """
    import warnings

    warnings.warn(f"{solver}: {message}", ConvergenceWarning, stacklevel=stacklevel)


class PlausibilityWarning(UserWarning):
    """A run produced an indicator outside the range the model is calibrated for.

    Raised (as a warning) when recession odds saturate near 0 or 1, approval
    leaves [0, 1], or a payoff exceeds the stated bound (see
    :func:`tariffsim.path.Path.plausibility`): the numbers are what the
    equations give, but the model was not built for them — check the inputs
    (trade flows, GDP, ladders) before reading them.
    """


class ConstantOutputWarning(UserWarning):
    """An output of a sensitivity analysis takes one value over the whole design.

    No parameter in the ranges given moves it, so its sensitivity indices are
    undefined: they are NaN (and rank last), the table says so and its chart is
    empty. Widen the ranges, vary other parameters, or drop the output.
    """


class EventNeverFiresWarning(UserWarning):
    """An event added to a scenario falls after its calendar's last round.

    Warned by :meth:`~tariffsim.scenario.Scenario.with_events`: the event fires
    only in a simulation played past the calendar (``simulate(rounds=...)``);
    with the scenario's own rounds it never does. A scenario file refuses such
    an event outright (a typo in its year); from Python it may be meant for a
    longer run, so it is a warning.
    """


class SampleSizeWarning(UserWarning):
    """A sensitivity design is too small for an output: its Sobol estimates are not indices.

    Warned by :func:`tariffsim.analysis.sensitivity.sensitivity` when an
    estimate's 95% interval lies wholly outside what a Sobol index can be
    (below 0 or above 1, by more than
    :data:`tariffsim.analysis.sensitivity.INDEX_SLACK`) or is wider than the
    whole range [0, 1]: typically an output that moves in a few runs of the
    design. The table marks the output; raise ``n`` (or screen with Morris).
    """


class IdenticalRunsWarning(UserWarning):
    """Every run of an ensemble plays the same path, so its bands have no width.

    Warned by :func:`tariffsim.ensemble` when the game draws nothing at random
    (``noise`` is 0 and every strategy is deterministic) and every run has the
    same parameters (``vary=None``): pass ``vary="claims"`` or a mapping of
    distributions, or give the game some execution noise.
    """


class SameDecisionsWarning(UserWarning):
    """Every run of an ensemble took the same tariffs and export controls, though its
    parameters were drawn: the draws move the indicators (recession odds, approval,
    markets) but no player's decision, so the bands of the tariffs and controls have no
    width for a reason the draws cannot show. Warned by :func:`tariffsim.ensemble` once the
    runs are played (in ``rare-earth-100`` the claims' ranges touch neither China's control
    strain nor the US's belief, which decide its path): draw a parameter that moves a
    decision (:func:`tariffsim.analysis.sensitivity` ranks them), or give the game noise.
    """


class BeliefReplacedWarning(UserWarning):
    """A plain parameter path (no ``truth:`` or ``belief:`` prefix) varied where an agent
    believes something other than the truth: the path sets the truth *and* every agent's
    belief, so the scenario's mistaken belief (the US's that China pays most of the
    tariff, in ``us-china-145``) is gone from every run. ``truth:`` varies the truth and
    keeps the belief; ``belief:`` varies the belief."""


class WhatIfHeldWarning(UserWarning):
    """An ensemble with ``vary="claims"`` leaves out claims whose parameters a what-if set.

    Warned by :func:`tariffsim.ensemble` for a scenario made with
    :meth:`~tariffsim.scenario.Scenario.with_params`: a claim whose range
    would set a parameter the what-if set (``pass_through`` set, and the
    border pass-through claim drawing ``pass_through.US.CN``) is not drawn,
    so every run keeps the what-if's value; the message names each such
    claim and the paths it would have overwritten. The other claims are drawn
    as usual (each from its own stream, so their draws do not change).
    """


class NoWorkersWarning(UserWarning):
    """The executor work was sent to has had no worker for it for a while.

    Warned once per call (after :data:`tariffsim.analysis.runner.NO_WORKERS_SECONDS`)
    by work on a ``dask.distributed.Client`` whose chunks wait and whose scheduler
    has no worker: the work is not stuck, it waits for workers to join (an
    adaptive cluster or a batch queue may start them later); start some, or
    interrupt it (Ctrl-C). Likewise on a ``concurrent.futures`` executor that has
    started none of the chunks sent to it (its workers busy with other work, or
    none). Without the warning such a call waited in silence.
    """


class CostWarning(UserWarning):
    """A requested computation is expensive (its estimated cost is in the message)."""


class OutputError(TariffsimError, OSError):
    """A file could not be written or put in place (a full disk, a file that may not be
    replaced): the message names the file and the system's reason. Nothing is left half-done:
    the files of a group (:class:`tariffsim._io.OutputGroup`, a command's outputs) are all
    back as they were, and no temporary file stays behind. An ``OSError``, so handlers of
    the system's errors catch it too."""

    def __str__(self) -> str:
        return str(self.args[-1]) if self.args else ""


class TimeLimitError(TariffsimError, TimeoutError):
    """A computation ran out of its time budget (``max_seconds``) before any usable result."""


class NumericalError(TariffsimError, ArithmeticError):
    """Rounding defeated a numerical method on a valid input: no answer rather than a wrong one.

    Raised in place of a bare numpy error (a singular matrix) or a result that
    cannot be trusted; the message names the method and what went wrong. A
    solver with an exact fallback catches it and uses the fallback
    (:func:`~tariffsim.equilibrium.vertex_enumeration` searches the polytope
    again in rational arithmetic).
    """


class WorkerError(TariffsimError, RuntimeError):
    """An executor's worker could not give a chunk's result as this process would compute it:
    the worker died (a process pool broken, a Dask worker lost), it computes with other
    arithmetic (the compiled paths on in one process and off in the other), the work raised
    an exception that cannot pass between processes (its class's ``__init__`` takes other
    arguments than its args, or it holds a lambda or a lock: the message names its class and
    gives its message and the worker's traceback), or the executor failed otherwise (its
    ``submit`` or a future raised an error that tariffsim did not raise; that error is
    chained as the cause)."""
