"""Properties that hold for any input: counts add up, forbidden actions stay unplayed, states round-trip."""

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pybandits.bandits.base import BaseMab
from pybandits.bandits.strategies import BestActionIdentificationBandit, CostControlBandit
from pybandits.smab import SmabBernoulli, SmabBernoulliBAI, SmabBernoulliCC, SmabBernoulliMO, SmabBernoulliMOCC

action_ids = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6, unique=True)
unit = st.floats(min_value=0.0, max_value=1.0)
costs = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def bandits(draw):
    """A cold-started bandit of any class, with any valid settings."""
    ids = draw(action_ids)
    kind = draw(st.sampled_from(["plain", "bai", "cc", "mo", "mocc"]))
    epsilon = draw(st.none() | unit)
    default_action = draw(st.none() | st.sampled_from(ids)) if epsilon is not None else None
    common = {"epsilon": epsilon, "default_action": default_action, "random_seed": draw(st.integers(0, 2**32))}
    n_objectives = draw(st.integers(1, 3))
    cost_map = {a: draw(costs) for a in ids}
    if kind == "plain":
        return SmabBernoulli.cold_start(action_ids=ids, **common)
    if kind == "bai":
        return SmabBernoulliBAI.cold_start(
            action_ids=ids, strategy=BestActionIdentificationBandit(draw(unit)), **common
        )
    if kind == "cc":
        return SmabBernoulliCC.cold_start(action_ids_cost=cost_map, strategy=CostControlBandit(draw(unit)), **common)
    if kind == "mo":
        return SmabBernoulliMO.cold_start(action_ids=ids, n_objectives=n_objectives, **common)
    return SmabBernoulliMOCC.cold_start(action_ids_cost=cost_map, n_objectives=n_objectives, **common)


@st.composite
def batches(draw, mab):
    """A batch of (actions, rewards) for ``mab``."""
    n_rows = draw(st.integers(0, 30))
    actions = draw(st.lists(st.sampled_from(list(mab.actions)), min_size=n_rows, max_size=n_rows))
    shape = (n_rows,) if mab.n_objectives is None else (n_rows, mab.n_objectives)
    rewards = np.asarray(draw(st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))
    return actions, rewards.reshape(shape).astype(int)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_counts_add_up(data):
    mab = data.draw(bandits())
    batches_seen = data.draw(st.lists(batches(mab), max_size=4))
    for actions, rewards in batches_seen:
        mab.update(actions=actions, rewards=rewards)
    ones, zeros = Counter(), Counter()
    for actions, rewards in batches_seen:
        for action, reward in zip(actions, rewards, strict=True):
            ones[action] += np.asarray(reward)
            zeros[action] += 1 - np.asarray(reward)
    for action_id, model in mab.actions.items():
        assert np.array_equal(
            np.asarray(model.n_successes) - 1, ones.get(action_id, 0) * np.ones_like(model.n_successes)
        )
        assert np.array_equal(
            np.asarray(model.n_failures) - 1, zeros.get(action_id, 0) * np.ones_like(model.n_failures)
        )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_forbidden_action_is_ever_predicted(data):
    mab = data.draw(bandits())
    for actions, rewards in data.draw(st.lists(batches(mab), max_size=2)):
        mab.update(actions=actions, rewards=rewards)
    ids = list(mab.actions)
    forbidden = data.draw(st.sets(st.sampled_from(ids), max_size=len(ids) - 1))
    n_samples = data.draw(st.integers(1, 50))
    chosen, probs = mab.predict(n_samples=n_samples, forbidden_actions=forbidden)
    assert len(chosen) == n_samples
    assert not set(chosen) & forbidden
    assert all(set(row) == set(ids) - forbidden for row in probs)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_state_round_trips(data):
    mab = data.draw(bandits())
    for actions, rewards in data.draw(st.lists(batches(mab), max_size=3)):
        mab.update(actions=actions, rewards=rewards)
    class_name, text = mab.get_state()
    restored = type(mab).from_state(text)
    assert restored == mab
    assert restored.get_state() == (class_name, text)
    assert BaseMab.from_state(text) == mab
    assert restored.predict(n_samples=5) == mab.predict(n_samples=5)
