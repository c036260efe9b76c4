"""Every wrong argument gets a named error, and a rejected call changes nothing."""

import numpy as np
import pytest

from pybandits.bandits.strategies import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    MultiObjectiveBandit,
)
from pybandits.smab import SmabBernoulli, SmabBernoulliBAI, SmabBernoulliCC, SmabBernoulliMO, SmabBernoulliMOCC

# -- cold start -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action_ids", "error", "message"),
    [
        (set(), ValueError, "action_ids: expected at least one action id, got none"),
        ([], ValueError, "action_ids: expected at least one action id"),
        (["a", "b", "a"], ValueError, r"action_ids: expected unique action ids, got duplicates \['a'\]"),
        (["a", ""], TypeError, "action_ids: expected every action id to be a non-empty string"),
        (["a", 3], TypeError, r"action_ids: expected every action id to be a non-empty string, got \[3\]"),
        ("ab", TypeError, "action_ids: expected a collection of action id strings"),
        (None, TypeError, "action_ids: expected a collection"),
        (5, TypeError, "action_ids: expected a collection"),
    ],
)
def test_bad_action_ids(action_ids, error, message):
    with pytest.raises(error, match=message):
        SmabBernoulli.cold_start(action_ids=action_ids)


@pytest.mark.parametrize(
    ("costs", "error", "message"),
    [
        ({"a": -1.0}, ValueError, "action_ids_cost: expected a finite cost >= 0 for 'a', got -1.0"),
        ({"a": float("nan")}, ValueError, "action_ids_cost: expected a finite cost"),
        ({"a": float("inf")}, ValueError, "action_ids_cost: expected a finite cost"),
        ({"a": "1"}, TypeError, "action_ids_cost: expected a real number as the cost of 'a'"),
        ({"a": True}, TypeError, "action_ids_cost: expected a real number"),
        ({}, ValueError, "action_ids_cost: expected at least one action id"),
        ({"": 1.0}, TypeError, "action_ids_cost: expected every action id to be a non-empty string"),
        (["a", "b"], TypeError, "action_ids_cost: expected a mapping of action id to cost"),
    ],
)
def test_bad_costs(costs, error, message):
    with pytest.raises(error, match=message):
        SmabBernoulliCC.cold_start(action_ids_cost=costs)
    if isinstance(costs, dict):
        with pytest.raises(error, match=message):
            SmabBernoulliMOCC.cold_start(action_ids_cost=costs, n_objectives=2)


@pytest.mark.parametrize(
    ("epsilon", "error"),
    [(-0.1, ValueError), (1.5, ValueError), (float("nan"), ValueError), ("0.1", TypeError), (True, TypeError)],
)
def test_bad_epsilon(epsilon, error):
    with pytest.raises(error, match="epsilon: expected"):
        SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=epsilon)


def test_default_action_must_be_an_action():
    with pytest.raises(ValueError, match=r"default_action: expected one of the actions \['a', 'b'\], got 'z'"):
        SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action="z")
    with pytest.raises(TypeError, match="default_action: expected an action id string or None"):
        SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action=1)


def test_default_action_needs_epsilon():
    with pytest.raises(ValueError, match="default_action: 'a' is only played .* needs an epsilon"):
        SmabBernoulli.cold_start(action_ids={"a", "b"}, default_action="a")


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), (1.5, TypeError), ("7", TypeError)])
def test_bad_random_seed(seed, error):
    with pytest.raises(error, match="random_seed: expected an integer >= 0 or None"):
        SmabBernoulli.cold_start(action_ids={"a"}, random_seed=seed)


@pytest.mark.parametrize(("n_objectives", "error"), [(0, ValueError), (2.0, TypeError), (None, TypeError)])
def test_bad_n_objectives(n_objectives, error):
    with pytest.raises(error, match="n_objectives: expected an integer >= 1"):
        SmabBernoulliMO.cold_start(action_ids={"a"}, n_objectives=n_objectives)


def test_strategy_of_another_class_is_refused():
    with pytest.raises(TypeError, match="strategy: expected a ClassicBandit for SmabBernoulli, got CostControlBandit"):
        SmabBernoulli.cold_start(action_ids={"a"}, strategy=CostControlBandit())
    with pytest.raises(TypeError, match="strategy: expected a MultiObjectiveBandit"):
        SmabBernoulliMO.cold_start(action_ids={"a"}, n_objectives=2, strategy=ClassicBandit())


@pytest.mark.parametrize("value", [-0.01, 1.01, float("nan"), float("inf")])
def test_strategy_parameters_outside_the_unit_interval(value):
    with pytest.raises(ValueError, match="exploit_p"):
        BestActionIdentificationBandit(exploit_p=value)
    with pytest.raises(ValueError, match="subsidy_factor"):
        CostControlBandit(subsidy_factor=value)


def test_strategy_input_is_checked():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"probs: ClassicBandit expects an array of shape \(n_rows, n_actions\)"):
        ClassicBandit().select(np.ones(3), rng)
    with pytest.raises(ValueError, match="probs: MultiObjectiveBandit expects an array of shape"):
        MultiObjectiveBandit().select(np.ones((2, 3)), rng)
    with pytest.raises(ValueError, match=r"probs: expected finite sampled expected rewards, got NaN"):
        ClassicBandit().select(np.array([[0.5, np.nan]]), rng)
    with pytest.raises(ValueError, match="costs: CostControlBandit needs a cost per action, got None"):
        CostControlBandit().select(np.array([[0.5, 0.4]]), rng)
    with pytest.raises(ValueError, match=r"costs: expected shape \(2,\), got \(3,\)"):
        CostControlBandit().select(np.array([[0.5, 0.4]]), rng, np.ones(3))
    with pytest.raises(ValueError, match="costs: expected a cost for every action in probs"):
        CostControlBandit().select_action({"a": 0.5, "b": 0.1}, rng, costs={"a": 1.0})
    with pytest.raises(ValueError, match="probs: expected a non-empty mapping"):
        ClassicBandit().select_action({}, rng)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        ClassicBandit().select(np.array([[0.5]]), rng=42)


# -- predict ----------------------------------------------------------------------------------


@pytest.fixture
def mab():
    bandit = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, random_seed=1)
    bandit.update(actions=["a", "b"], rewards=[1, 0])
    return bandit


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_samples": 0}, ValueError, "n_samples: expected an integer >= 1, got 0"),
        ({"n_samples": 2.0}, TypeError, "n_samples: expected an integer >= 1"),
        (
            {"forbidden_actions": {"a", "b", "c"}},
            ValueError,
            "forbidden_actions: expected at least one action to stay allowed",
        ),
        (
            {"forbidden_actions": {"zz"}},
            ValueError,
            r"forbidden_actions: expected actions of this bandit .* unknown \['zz'\]",
        ),
        ({"forbidden_actions": "a"}, TypeError, "forbidden_actions: expected a collection of action ids or None"),
    ],
)
def test_bad_predict_arguments_change_nothing(mab, kwargs, error, message):
    before = mab.get_state()
    with pytest.raises(error, match=message):
        mab.predict(**kwargs)
    assert mab.get_state() == before


# -- update -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "rewards", "error", "message"),
    [
        (["a", "b"], [1], ValueError, r"rewards: expected one entry per action played \(2 actions\), got 1"),
        (["a"], [1, 0], ValueError, r"rewards: expected one entry per action played \(1 actions\), got 2"),
        (["a", "zz"], [1, 0], ValueError, r"actions: expected actions of this bandit .* unknown \['zz'\]"),
        (["a", 3], [1, 0], TypeError, "actions: expected action id strings, got 3"),
        ("ab", [1, 0], TypeError, "actions: expected a sequence of action ids"),
        (["a", "b"], [1, 2], ValueError, r"rewards: expected 0 or 1 \(or a fraction in \[0, 1\]\), got \[2.0\]"),
        (["a", "b"], [1, -1], ValueError, "rewards: expected 0 or 1"),
        (["a", "b"], [1, 1.5], ValueError, "rewards: expected 0 or 1"),
        (["a", "b"], [1, float("nan")], ValueError, r"rewards: expected finite numbers, got \[nan\]"),
        (["a", "b"], ["1", "0"], TypeError, "rewards: expected 0/1 rewards"),
        (["a", "b"], [1, None], TypeError, "rewards: expected 0/1 rewards"),
        (["a", "b"], 1, TypeError, "rewards: expected a sequence of 0/1 rewards"),
        (
            ["a", "b"],
            [[1], [0]],
            ValueError,
            r"rewards: expected a sequence of 0/1 rewards \(or fractions in \[0, 1\]\), shape \(2,\), "
            r"got shape \(2, 1\)",
        ),
        ([["a"], ["b"]], [1, 0], ValueError, "actions: expected a one-dimensional sequence"),
    ],
)
def test_bad_update_changes_nothing(mab, actions, rewards, error, message):
    before = mab.get_state()
    with pytest.raises(error, match=message):
        mab.update(actions=actions, rewards=rewards)
    assert mab.get_state() == before


@pytest.mark.parametrize(
    ("rewards", "message"),
    [
        ([1, 0], r"rewards: expected rows of 2 rewards, one per objective, shape \(2, 2\), got shape \(2,\)"),
        ([[1, 0, 1], [1, 0, 1]], r"rewards: expected rows of 2 rewards, one per objective"),
        ([[1, 0], [1]], "rewards: expected one reward per objective"),
    ],
)
def test_bad_multi_objective_rewards_change_nothing(rewards, message):
    mab = SmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_objectives=2)
    before = mab.get_state()
    with pytest.raises(ValueError, match=message):
        mab.update(actions=["a", "b"], rewards=rewards)
    assert mab.get_state() == before


# -- assignments are validated like construction ----------------------------------------------


def test_invalid_assignment_is_refused_and_changes_nothing():
    mab = SmabBernoulliBAI.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action="a")
    before = mab.get_state()
    with pytest.raises(ValueError, match="epsilon"):
        mab.epsilon = 3.0
    with pytest.raises(ValueError, match="default_action"):
        mab.default_action = "nope"
    with pytest.raises(ValueError, match="strategy"):
        mab.strategy = ClassicBandit()
    assert mab.get_state() == before
