import numpy as np
import pytest

from pybandits.model import Beta, BetaMO


def test_cold_start_is_uniform_prior():
    model = Beta()
    assert (model.n_successes, model.n_failures) == (1, 1)
    assert model.mean == 0.5
    assert model.n_observations == 0


def test_updated_returns_a_new_model():
    model = Beta(cost=2.0)
    new = model.updated(successes=3, failures=5)
    assert (new.n_successes, new.n_failures, new.cost) == (4, 6, 2.0)
    assert (model.n_successes, model.n_failures) == (1, 1)
    assert new.n_observations == 8


def test_mean_and_std_match_the_beta_distribution():
    model = Beta(n_successes=3, n_failures=7)
    draws = model.sample_proba(200_000, np.random.default_rng(1))
    assert model.mean == pytest.approx(0.3)
    assert draws.mean() == pytest.approx(model.mean, abs=0.003)
    assert draws.std() == pytest.approx(model.std, abs=0.003)


def test_counts_below_one_are_refused():
    with pytest.raises(ValueError, match="n_successes"):
        Beta(n_successes=0)
    with pytest.raises(ValueError, match="successes and failures"):
        Beta().updated(successes=-1, failures=0)


def test_negative_or_infinite_cost_is_refused():
    with pytest.raises(ValueError, match="cost"):
        Beta(cost=-1.0)
    with pytest.raises(ValueError, match="cost"):
        Beta(cost=float("inf"))


def test_multi_objective_model():
    model = BetaMO.cold_start(n_objectives=3, cost=1.5)
    assert model.n_objectives == 3
    assert model.n_successes == [1, 1, 1]
    new = model.updated(np.array([2, 0, 1]), np.array([0, 2, 1]))
    assert new.n_successes == [3, 1, 2]
    assert new.n_failures == [1, 3, 2]
    assert new.cost == 1.5
    assert model.sample_proba(5, np.random.default_rng(0)).shape == (5, 3)


def test_multi_objective_cost_belongs_to_the_action():
    with pytest.raises(ValueError, match="cost belongs to the action"):
        BetaMO(objectives=[Beta(cost=1.0)])


def test_multi_objective_needs_an_objective():
    with pytest.raises(ValueError, match="objectives"):
        BetaMO(objectives=[])


def test_models_are_immutable():
    with pytest.raises(ValueError, match="frozen"):
        Beta().n_successes = 4
