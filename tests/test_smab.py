import numpy as np
import pytest

from pybandits.bandits.strategies import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
)
from pybandits.smab import (
    SmabBernoulli,
    SmabBernoulliBAI,
    SmabBernoulliCC,
    SmabBernoulliMO,
    SmabBernoulliMOCC,
)


def cold_start_every_class(**kwargs):
    """One cold-started bandit of every class, over actions a, b, c."""
    costs = {"a": 3.0, "b": 1.0, "c": 2.0}
    return [
        SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, **kwargs),
        SmabBernoulliBAI.cold_start(action_ids=["c", "b", "a"], **kwargs),
        SmabBernoulliCC.cold_start(action_ids_cost=costs, **kwargs),
        SmabBernoulliMO.cold_start(action_ids={"a", "b", "c"}, n_objectives=2, **kwargs),
        SmabBernoulliMOCC.cold_start(action_ids_cost=costs, n_objectives=2, **kwargs),
    ]


@pytest.mark.parametrize(
    ("mab", "strategy_type"),
    list(
        zip(
            cold_start_every_class(),
            [
                ClassicBandit,
                BestActionIdentificationBandit,
                CostControlBandit,
                MultiObjectiveBandit,
                MultiObjectiveCostControlBandit,
            ],
            strict=True,
        )
    ),
    ids=lambda x: type(x).__name__,
)
def test_cold_start(mab, strategy_type):
    assert isinstance(mab.strategy, strategy_type)
    assert list(mab.actions) == ["a", "b", "c"]  # sorted, whatever the input order
    for model in mab.actions.values():
        counts = np.atleast_1d(model.n_successes).tolist() + np.atleast_1d(model.n_failures).tolist()
        assert set(counts) == {1}
    assert mab.epsilon is None and mab.default_action is None


def test_cost_control_keeps_costs():
    mab = SmabBernoulliCC.cold_start(action_ids_cost={"a": 3, "b": 0.5}, strategy=CostControlBandit(0.2))
    assert mab.actions["a"].cost == 3.0 and mab.actions["b"].cost == 0.5
    assert mab.strategy.subsidy_factor == 0.2


@pytest.mark.parametrize("mab", cold_start_every_class(random_seed=1), ids=lambda m: type(m).__name__)
def test_predict_shapes(mab):
    actions, probs = mab.predict(n_samples=5)
    assert len(actions) == len(probs) == 5
    assert set(actions) <= {"a", "b", "c"}
    for row in probs:
        assert list(row) == ["a", "b", "c"]
        for value in row.values():
            values = value if isinstance(value, list) else [value]
            assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in values)
            assert len(values) == (mab.n_objectives or 1)


@pytest.mark.parametrize("mab", cold_start_every_class(random_seed=2), ids=lambda m: type(m).__name__)
def test_forbidden_actions_are_never_predicted(mab):
    actions, probs = mab.predict(n_samples=300, forbidden_actions={"a", "c"})
    assert set(actions) == {"b"}
    assert all(list(row) == ["b"] for row in probs)


def test_predict_follows_the_posterior():
    mab = SmabBernoulli.cold_start(action_ids={"good", "bad"}, random_seed=3)
    mab.update(actions=["good"] * 50 + ["bad"] * 50, rewards=[1] * 45 + [0] * 5 + [1] * 5 + [0] * 45)
    actions, _ = mab.predict(n_samples=200)
    assert actions.count("good") == 200


def test_update_counts_successes_and_failures():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b", "c"})
    mab.update(actions=["a", "b", "a", "a"], rewards=[1, 0, 0, True])
    assert (mab.actions["a"].n_successes, mab.actions["a"].n_failures) == (3, 2)
    assert (mab.actions["b"].n_successes, mab.actions["b"].n_failures) == (1, 2)
    assert (mab.actions["c"].n_successes, mab.actions["c"].n_failures) == (1, 1)


def test_update_accepts_numpy_arrays():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    mab.update(actions=np.array(["a", "b", "b"]), rewards=np.array([1.0, 1.0, 0.0]))
    assert mab.actions["b"].n_successes == 2 and mab.actions["b"].n_failures == 2


def test_multi_objective_update_counts_per_objective():
    mab = SmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1, "b": 2}, n_objectives=3)
    mab.update(actions=["a", "a", "b"], rewards=[[1, 0, 1], [1, 1, 0], [0, 0, 0]])
    assert mab.actions["a"].n_successes == [3, 2, 2]
    assert mab.actions["a"].n_failures == [1, 2, 2]
    assert mab.actions["b"].n_failures == [2, 2, 2]
    assert mab.actions["b"].cost == 2.0


def test_empty_update_is_a_no_op():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    before = mab.get_state()
    mab.update(actions=[], rewards=[])
    assert mab.get_state() == before


def test_epsilon_with_default_action_plays_it_when_exploring():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=1.0, default_action="b", random_seed=0)
    mab.update(actions=["a"] * 100, rewards=[1] * 100)  # "a" is clearly better
    actions, _ = mab.predict(n_samples=100)
    assert set(actions) == {"b"}


def test_epsilon_without_default_action_explores_uniformly():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, epsilon=0.3, random_seed=0)
    mab.update(actions=["a"] * 200, rewards=[1] * 200)
    actions, _ = mab.predict(n_samples=6000)
    # Exploration picks each action with probability 0.3 / 3 = 0.1; exploitation always picks "a".
    for other in ("b", "c"):
        assert abs(actions.count(other) / 6000 - 0.1) < 0.02
    assert abs(actions.count("a") / 6000 - 0.8) < 0.03


def test_exploration_respects_forbidden_default_action():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, epsilon=1.0, default_action="b", random_seed=0)
    actions, _ = mab.predict(n_samples=500, forbidden_actions={"b"})
    assert set(actions) == {"a", "c"}


def test_random_seed_makes_predictions_reproducible():
    first, second = (
        SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, epsilon=0.2, random_seed=11) for _ in range(2)
    )
    assert first.predict(n_samples=50) == second.predict(n_samples=50)
    third = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, epsilon=0.2, random_seed=12)
    assert third.predict(n_samples=50) != SmabBernoulli.cold_start(
        action_ids={"a", "b", "c"}, epsilon=0.2, random_seed=11
    ).predict(n_samples=50)


def test_cost_control_bandit_prefers_the_cheap_good_action():
    mab = SmabBernoulliCC.cold_start(
        action_ids_cost={"premium": 10.0, "cheap": 1.0}, strategy=CostControlBandit(0.3), random_seed=5
    )
    # Both convert at about 0.5: the cheap one is within 30% of the best nearly always.
    mab.update(actions=["premium"] * 400 + ["cheap"] * 400, rewards=([1, 0] * 200) * 2)
    actions, _ = mab.predict(n_samples=500)
    assert actions.count("cheap") > 490


def test_simulation_concentrates_on_the_best_arm():
    """Thompson sampling should end up playing the best arm nearly always."""
    truth = {"a": 0.30, "b": 0.45, "c": 0.60}
    mab = SmabBernoulli.cold_start(action_ids=set(truth), random_seed=42)
    world = np.random.default_rng(42)
    shares = []
    for _ in range(30):
        actions, _ = mab.predict(n_samples=100)
        rewards = (world.random(len(actions)) < np.array([truth[a] for a in actions])).astype(int)
        mab.update(actions=actions, rewards=rewards)
        shares.append(actions.count("c") / len(actions))
    assert np.mean(shares[-5:]) > 0.9
    assert np.mean(shares[-5:]) > np.mean(shares[:3])
    assert mab.actions["c"].n_observations > mab.actions["a"].n_observations + mab.actions["b"].n_observations
    assert abs(mab.actions["c"].mean - truth["c"]) < 0.03


def test_action_ids_with_trailing_nul_characters_are_kept_apart():
    """numpy's fixed-width strings drop trailing NULs; actions are matched as Python strings."""
    mab = SmabBernoulli.cold_start(action_ids=["\x00", "0", "0\x00"])
    mab.update(actions=["\x00", "0", "0\x00", "\x00"], rewards=[1, 0, 1, 1])
    assert mab.actions["\x00"].n_successes == 3
    assert mab.actions["0"].n_failures == 2
    assert mab.actions["0\x00"].n_successes == 2
