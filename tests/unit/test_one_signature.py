"""The one-signature kernels: one compilation, the vectoriser switched off for one kernel only."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pytest
from numba.core import config

from tariffsim import _decide_kernel, _ladder_kernel, _trade_kernel
from tariffsim._trade_kernel import OneSignature


def _weighted_sum(x, w, out):  # a loop the vectoriser would take
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * w[i]
    out[0] = acc


def _untypable(x, w, out):
    out[0] = x.no_such_attribute


def _signature():
    from numba import types

    ro = types.Array(types.float64, 1, "C", readonly=True)
    return (ro, ro, types.Array(types.float64, 1, "C"))


@pytest.mark.parametrize("vectorize", [True, False])
def test_threads_asking_first_share_one_compilation(vectorize):
    asked = []
    before = config.LOOP_VECTORIZE

    def signature():  # called while compiling, with the switch as the kernel compiles
        asked.append((threading.get_ident(), config.LOOP_VECTORIZE))
        return _signature()

    k = OneSignature(_weighted_sum, signature, vectorize=vectorize, cache=False)
    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(lambda _: k.get(), range(16)))
    assert len(asked) == 1
    assert asked[0][1] == (before if vectorize else 0)
    assert before == config.LOOP_VECTORIZE
    assert all(g is got[0] for g in got)


def test_the_switch_is_restored_and_the_bits_are_the_same():
    before = config.LOOP_VECTORIZE
    plain = OneSignature(_weighted_sum, _signature, vectorize=False, cache=False).get()
    assert before == config.LOOP_VECTORIZE
    vect = OneSignature(_weighted_sum, _signature, vectorize=True, cache=False).get()
    rng = np.random.default_rng(3)
    for n in (1, 3, 7, 64, 1001):
        x, w = rng.normal(size=n), rng.normal(size=n)
        a, b = np.zeros(1), np.zeros(1)
        plain(x, w, a)
        vect(x, w, b)
        want = 0.0
        for i in range(n):  # the same sum, left to right, in Python
            want += float(x[i]) * float(w[i])
        assert a.tobytes() == b.tobytes() == np.float64(want).tobytes()


def test_the_switch_is_restored_when_compiling_fails():
    before = config.LOOP_VECTORIZE
    k = OneSignature(_untypable, _signature, vectorize=False, cache=False)
    with pytest.raises(numba.core.errors.TypingError):
        k.get()
    assert before == config.LOOP_VECTORIZE


def test_another_signature_is_refused():
    k = OneSignature(_weighted_sum, _signature, cache=False).get()
    with pytest.raises(TypeError):
        k(np.arange(3), np.arange(3), np.zeros(1, dtype=np.int64))


def test_the_decision_kernel_compiles_without_the_vectoriser():
    # it loops over a few countries and segments: vectorised loops cost more than they save
    assert _decide_kernel._KERNEL.vectorize is False
    # the others loop over whole batches (measured the same either way): numba's default
    assert _ladder_kernel._KERNEL.vectorize is True
    assert _trade_kernel._KERNEL.vectorize is True
