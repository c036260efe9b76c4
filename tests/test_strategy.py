import numpy as np
import pytest

from pybandits.bandits.strategies import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_classic_plays_the_most_probable(rng):
    probs = np.array([[0.1, 0.9, 0.5], [0.8, 0.2, 0.3], [0.3, 0.3, 0.31]])
    assert ClassicBandit().select(probs, rng).tolist() == [1, 0, 2]


def test_classic_breaks_ties_uniformly(rng):
    probs = np.tile([0.5, 0.5, 0.2], (3000, 1))
    chosen = ClassicBandit().select(probs, rng)
    assert set(chosen.tolist()) == {0, 1}
    assert abs(np.mean(chosen == 0) - 0.5) < 0.05


def test_select_action_single_row(rng):
    assert ClassicBandit().select_action({"a": 0.2, "b": 0.7, "c": 0.1}, rng) == "b"


@pytest.mark.parametrize("exploit_p", [0.0, 0.3, 1.0])
def test_bai_plays_best_with_probability_exploit_p(rng, exploit_p):
    probs = np.tile([0.2, 0.9, 0.5], (4000, 1))
    chosen = BestActionIdentificationBandit(exploit_p=exploit_p).select(probs, rng)
    assert set(chosen.tolist()) <= {1, 2}
    assert abs(np.mean(chosen == 1) - exploit_p) < 0.03


def test_bai_positional_parameter_and_single_action(rng):
    strategy = BestActionIdentificationBandit(0.1)
    assert strategy.exploit_p == 0.1
    assert strategy.select(np.array([[0.4]]), rng).tolist() == [0]


def test_cost_control_plays_cheapest_feasible(rng):
    # threshold = (1 - 0.5) * 0.8 = 0.4: actions 0 (0.8) and 2 (0.45) qualify; 2 is cheaper.
    probs = np.array([[0.8, 0.1, 0.45]])
    costs = np.array([10.0, 0.0, 1.0])
    assert CostControlBandit(subsidy_factor=0.5).select(probs, rng, costs).tolist() == [2]


def test_cost_control_ties_on_cost_go_to_the_more_probable(rng):
    probs = np.array([[0.8, 0.7, 0.75]])
    costs = np.array([1.0, 1.0, 1.0])
    assert CostControlBandit(0.5).select(probs, rng, costs).tolist() == [0]


def test_cost_control_extremes(rng):
    probs = np.array([[0.8, 0.1, 0.45]])
    costs = np.array([10.0, 0.0, 1.0])
    assert CostControlBandit(subsidy_factor=0.0).select(probs, rng, costs).tolist() == [0]
    assert CostControlBandit(subsidy_factor=1.0).select(probs, rng, costs).tolist() == [1]


def test_multi_objective_plays_only_pareto_optimal(rng):
    # Action 2 is dominated by action 0; actions 0 and 1 form the front.
    probs = np.tile(np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.05]]), (3000, 1, 1))
    chosen = MultiObjectiveBandit().select(probs, rng)
    assert set(chosen.tolist()) == {0, 1}
    assert abs(np.mean(chosen == 0) - 0.5) < 0.05


def test_multi_objective_equal_vectors_do_not_dominate_each_other(rng):
    probs = np.tile(np.array([[0.5, 0.5], [0.5, 0.5]]), (2000, 1, 1))
    assert set(MultiObjectiveBandit().select(probs, rng).tolist()) == {0, 1}


def test_multi_objective_cost_control_plays_cheapest_pareto(rng):
    probs = np.array([[[0.9, 0.1], [0.2, 0.8], [0.1, 0.05]]])
    # Action 2 is the cheapest but dominated; of the front {0, 1}, 1 is cheaper.
    costs = np.array([5.0, 2.0, 0.0])
    assert MultiObjectiveCostControlBandit().select(probs, rng, costs).tolist() == [1]


def test_select_is_reproducible_with_a_seed():
    probs = np.tile([0.5, 0.5, 0.5], (100, 1))
    first = ClassicBandit().select(probs, np.random.default_rng(3))
    second = ClassicBandit().select(probs, np.random.default_rng(3))
    assert first.tolist() == second.tolist()


def test_strategies_are_immutable():
    strategy = CostControlBandit(0.2)
    with pytest.raises(ValueError, match="frozen"):
        strategy.subsidy_factor = 0.3
