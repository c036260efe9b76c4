"""A bandit stays readable while it updates: readers see the state before an update or after it, never a mix."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.smab import SmabBernoulli

FAST = {"num_steps": 20}
FIELDS = ("actions", "vocabularies", "backbone", "strategy", "epsilon", "feature_names")


class _FailingExecutor(Executor):
    """An executor whose tasks never start: every fit submitted to it fails."""

    def submit(self, fn, /, *args, **kwargs):
        raise RuntimeError("no worker available")


def _bandit() -> CmabBernoulli:
    return CmabBernoulli.cold_start(
        action_ids=["a", "b"],
        n_features=2,
        feature_names=["x", "segment"],
        categorical_features={"segment": 8},
        update_kwargs=FAST,
        random_seed=0,
    )


def _rows(n: int, segment: str, seed: int) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "segment": [segment] * n})
    return rng.choice(["a", "b"], n).tolist(), (rng.random(n) < 0.5).astype(int), frame


def _fields(mab) -> dict:
    """The bandit's fields, read at once (the object a reader would find)."""
    return dict(vars(mab))


def _same(one: dict, other: dict) -> bool:
    return set(one) == set(other) and all(one[name] is other[name] for name in FIELDS)


def test_predictions_during_updates_see_the_state_before_or_after_each_update():
    mab = _bandit()
    context = pd.DataFrame({"x": [0.0, 1.0, -1.0], "segment": ["s0", "s1", "new"]})
    mab.update(*_rows(20, "s0", seed=0))  # compile before the race
    states = [_fields(mab)]
    seen: list[dict] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(_fields(mab))
                actions, probs, _ = mab.predict(context)
                assert len(actions) == 3 and all(set(row) == {"a", "b"} for row in probs)
                ids, probabilities = mab.action_probabilities(context, n_draws=5)
                assert ids == ["a", "b"] and np.allclose(probabilities.sum(axis=1), 1.0)
            except BaseException as error:  # the reader reports everything it meets
                errors.append(error)
                return

    def await_a_read() -> None:  # the reader reads the state every update starts from (or has failed)
        target = len(seen) + 1
        deadline = time.monotonic() + 60
        while len(seen) < target and not errors and time.monotonic() < deadline:
            time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for step in range(3):
            await_a_read()
            mab.update(*_rows(30, f"s{step + 1}", seed=step + 1))  # every update learns a new segment
            states.append(_fields(mab))
            before = _fields(mab)
            await_a_read()
            with pytest.raises(RuntimeError, match="no worker available"):
                mab.update(*_rows(30, f"failed{step}", seed=10 + step), executor=_FailingExecutor())
            assert _same(_fields(mab), before)  # a failed update leaves every field as it was
        await_a_read()
    finally:
        stop.set()
        reader.join(timeout=120)
    assert not errors, errors[0]
    assert len(seen) > 3
    for observed in seen:  # never a missing field, never a mix of two states
        assert any(_same(observed, state) for state in states), sorted(observed)
    assert mab.vocabularies == {1: ["s0", "s1", "s2", "s3"]}


def test_a_failed_update_leaves_fields_and_generator_exactly_as_they_were():
    mab = _bandit()
    mab.update(*_rows(20, "s0", seed=0))
    before, fields = mab.get_state(), _fields(mab)
    with pytest.raises(RuntimeError, match="no worker available"):
        mab.update(*_rows(30, "s1", seed=1), executor=_FailingExecutor())
    assert mab.get_state() == before
    assert _same(_fields(mab), fields)


@pytest.mark.parametrize("method", ["predict", "action_probabilities"])
def test_a_prediction_that_an_update_overtakes_reads_only_the_state_it_started_with(method, monkeypatch):
    """An update that completes in the middle of a prediction (between its reads of the fields) changes nothing
    the prediction sees: it gives exactly what the bandit before the update gives."""
    mab = _bandit()
    mab.update(*_rows(20, "s0", seed=0))
    context = pd.DataFrame({"x": [0.0, 1.0], "segment": ["s0", "s1"]})
    before = mab.model_copy(deep=True)
    original = CmabBernoulli._allowed_and_regions
    overtaken = []

    def overtaking(self, forbidden_actions):
        if not overtaken:  # once: another caller's update completes now
            overtaken.append(True)
            generator = mab._rng.bit_generator.state
            mab.update(*_rows(30, "s1", seed=1))
            mab._rng.bit_generator.state = generator  # isolate the check from the update's draws
        return original(self, forbidden_actions)

    monkeypatch.setattr(CmabBernoulli, "_allowed_and_regions", overtaking)
    kwargs = {"n_draws": 20} if method == "action_probabilities" else {}
    got = getattr(mab, method)(context, **kwargs)
    monkeypatch.undo()
    expected = getattr(before, method)(context, **kwargs)
    assert overtaken and mab.vocabularies == {1: ["s0", "s1"]}  # the update did complete
    if method == "predict":
        assert got == expected
    else:
        assert got[0] == expected[0] and np.array_equal(got[1], expected[1])


def test_a_stochastic_prediction_overtaken_by_an_update_reads_the_state_it_started_with(monkeypatch):
    mab = SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0)
    before = mab.model_copy(deep=True)
    original = SmabBernoulli._allowed_and_regions
    overtaken = []

    def overtaking(self, forbidden_actions):
        if not overtaken:
            overtaken.append(True)
            mab.update(["a"] * 50, [0] * 50)
        return original(self, forbidden_actions)

    monkeypatch.setattr(SmabBernoulli, "_allowed_and_regions", overtaking)
    got = mab.predict(n_samples=20)
    monkeypatch.undo()
    assert overtaken and mab.actions["a"].n_failures == 51
    assert got == before.predict(n_samples=20)
