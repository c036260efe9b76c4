"""Contextual bandits: cold start, prediction, and real PyMC fits with small step counts."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import pybandits
from pybandits.bandits.strategies import ClassicBandit, CostControlBandit
from pybandits.cmab import CmabBernoulli, CmabBernoulliBAI, CmabBernoulliCC, CmabBernoulliMO, CmabBernoulliMOCC
from pybandits.engines import cache as fitting
from pybandits.exceptions import ConvergenceWarning, DataWarning, FitError

FAST = {"num_steps": 100}


@pytest.fixture(scope="module")
def learned(logistic):
    """One action fitted once to 1,000 rows of logistic data with the tutorial's num_steps=200."""
    context, rewards, _ = logistic.sample(1000, seed=7)
    mab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=3, update_kwargs={"num_steps": 200}, random_seed=3)
    mab.update(actions=["a"] * 1000, rewards=rewards, context=context)
    return mab


def test_cold_start_exposes_settings():
    mab = CmabBernoulli.cold_start(
        action_ids={"b", "a"},
        n_features=4,
        strategy=ClassicBandit(),
        hidden_dim_list=[5, 5],
        activation="gelu",
        use_residual_connections=True,
        dist_type="normal",
        dist_params_init={"sigma": 2.0},
        update_kwargs={"num_steps": 200, "batch_size": 64},
    )
    assert list(mab.actions) == ["a", "b"]
    assert mab.input_dim == 4
    action = mab.actions["a"]
    assert (action.n_successes, action.n_failures) == (1, 1)
    assert action.activation == "gelu"
    assert action.hidden_dim_list == [5, 5]
    assert action.use_residual_connections is True
    assert action.dist_type == "normal"
    assert action.update_method == "VI"
    assert action.update_kwargs["num_steps"] == 200 and action.update_kwargs["batch_size"] == 64
    assert [layer.shape for layer in action.network.layers] == [(4, 5), (5, 5), (5, 1)]
    assert action.network.layers[0].weight.family == "normal"
    assert np.all(action.network.layers[0].weight.sigma == 2.0)


def test_default_prior_is_student_t():
    action = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2).actions["a"]
    weight = action.network.layers[0].weight
    assert action.dist_type == "studentt"
    assert weight.family == "studentt"
    assert (weight.mu[0, 0], weight.sigma[0, 0], weight.nu[0, 0]) == (0.0, 1.0, 5.0)


def test_legacy_update_kwargs_are_converted():
    mab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2, update_kwargs={"fit": {"n": 321}})
    assert mab.actions["a"].update_kwargs["num_steps"] == 321


def test_predict_returns_actions_probs_and_logits():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=3, random_seed=0)
    context = np.random.default_rng(0).normal(size=(50, 3))
    actions, probs, weighted_sums = mab.predict(context=context)
    assert len(actions) == len(probs) == len(weighted_sums) == 50
    for action, p, z in zip(actions, probs, weighted_sums, strict=True):
        assert list(p) == list(z) == ["a", "b", "c"]
        assert p[action] == max(p.values())  # ClassicBandit plays the highest sampled probability
        for a in p:
            assert isinstance(p[a], float) and isinstance(z[a], float)
            assert p[a] == pytest.approx(1.0 / (1.0 + np.exp(-z[a])), rel=1e-12)


def test_forbidden_actions_are_never_predicted():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=2, epsilon=0.5, random_seed=1)
    actions, probs, _ = mab.predict(context=np.ones((300, 2)), forbidden_actions={"b"})
    assert set(actions) == {"a", "c"}
    assert all(set(p) == {"a", "c"} for p in probs)


def test_predictions_are_reproducible_with_a_seed():
    context = np.random.default_rng(0).normal(size=(20, 3))
    first = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, random_seed=5).predict(context=context)
    second = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, random_seed=5).predict(context=context)
    assert first == second


def test_prediction_does_not_import_pymc():
    code = (
        "import sys, numpy as np\n"
        "from pybandits.cmab import CmabBernoulli\n"
        "m = CmabBernoulli.cold_start(action_ids={'a'}, n_features=2, random_seed=0)\n"
        "m.predict(context=np.zeros((3, 2)))\n"
        "print('pymc' in sys.modules, 'pytensor' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_one_update_with_200_steps_learns_the_logistic_truth(learned, logistic):
    """The posterior predictive through ``predict`` is close to the true probability."""
    test_context = np.random.default_rng(11).normal(size=(30, 3))
    truth = logistic.probability(test_context)
    _, probs, _ = learned.predict(context=np.repeat(test_context, 1000, axis=0))
    predictive = np.array([p["a"] for p in probs]).reshape(30, 1000).mean(axis=1)
    assert np.abs(predictive - truth).mean() < 0.05


def test_posterior_is_stored_as_normal_arrays_with_sensible_scales(learned, logistic):
    action = learned.actions["a"]
    weight = action.network.layers[0].weight
    assert weight.family == "normal"
    assert np.allclose(weight.mu[:, 0], logistic.weights, atol=0.3)
    assert np.all((weight.sigma > 0.02) & (weight.sigma < 0.3))  # about 0.08 for 1,000 rows
    assert action.last_fit.method == "VI" and action.last_fit.n_rows == 1000 and action.last_fit.num_steps == 200
    assert action.loss_history.shape == (200,)
    assert action.loss_history[-20:].mean() < action.loss_history[:20].mean()


def test_counts_are_added_on_update(learned, logistic):
    action = learned.actions["a"]
    _, rewards, _ = logistic.sample(1000, seed=7)
    assert action.n_successes == 1 + rewards.sum()
    assert action.n_failures == 1 + (1000 - rewards.sum())


def test_update_is_sequential_and_reuses_the_compiled_step_function(logistic):
    context, rewards, _ = logistic.sample(200, seed=1)
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=0)
    actions = ["a", "b"] * 100
    mab.update(actions=actions, rewards=rewards, context=context)
    after_first = mab.actions["a"].network.layers[0].weight
    mab.update(actions=actions, rewards=rewards, context=context)
    size = fitting.cache_size()
    mab.update(actions=actions, rewards=rewards, context=context)
    after_third = mab.actions["a"].network.layers[0].weight
    assert fitting.cache_size() == size  # same architecture: no new compilation
    assert np.all(after_third.sigma < after_first.sigma)  # more data, narrower posterior
    assert mab.actions["a"].n_successes + mab.actions["a"].n_failures - 2 == 300


def test_same_seed_gives_the_same_fit(logistic):
    context, rewards, _ = logistic.sample(100, seed=2)
    results = []
    for _ in range(2):
        mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=9)
        mab.update(actions=["a", "b"] * 50, rewards=rewards, context=context)
        results.append(mab.get_state())
    assert results[0] == results[1]


def test_minibatch_fit_agrees_with_full_batch(logistic):
    context, rewards, _ = logistic.sample(2000, seed=4)
    means = {}
    for batch_size in (None, 256):
        kwargs = {"num_steps": 400} | ({"batch_size": batch_size} if batch_size else {})
        mab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=3, update_kwargs=kwargs, random_seed=0)
        mab.update(actions=["a"] * 2000, rewards=rewards, context=context)
        means[batch_size] = mab.actions["a"].network.layers[0].weight.mu[:, 0]
    assert np.allclose(means[None], means[256], atol=0.15)
    assert np.allclose(means[256], logistic.weights, atol=0.25)


def test_convergence_stop_ends_early(logistic):
    context, rewards, _ = logistic.sample(500, seed=3)
    mab = CmabBernoulli.cold_start(
        action_ids={"a"},
        n_features=3,
        update_kwargs={"num_steps": 5000, "convergence_tol": 0.01, "convergence_window": 50},
        random_seed=0,
    )
    mab.update(actions=["a"] * 500, rewards=rewards, context=context)
    fit_summary = mab.actions["a"].last_fit
    assert fit_summary.converged is True
    assert fit_summary.num_steps < 5000


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "gelu", "tanh"])
def test_hidden_layers_fit_and_predict(activation, logistic):
    context, rewards, _ = logistic.sample(200, seed=5)
    mab = CmabBernoulli.cold_start(
        action_ids={"a"},
        n_features=3,
        hidden_dim_list=[4, 4],
        activation=activation,
        use_residual_connections=activation == "tanh",
        update_kwargs={"num_steps": 50},
        random_seed=0,
    )
    mab.update(actions=["a"] * 200, rewards=rewards, context=context)
    network = mab.actions["a"].network
    assert [layer.weight.family for layer in network.layers] == ["normal"] * 3
    _, probs, _ = mab.predict(context=context[:10])
    assert all(0.0 <= p["a"] <= 1.0 for p in probs)


def test_update_prints_nothing(capsys, logistic):
    context, rewards, _ = logistic.sample(50, seed=6)
    mab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=3, update_kwargs=FAST, random_seed=0)
    mab.update(actions=["a"] * 50, rewards=rewards, context=context)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


# A failed fit of one action rolls the whole update back: tests/test_families.py, for both families.


def test_a_diverging_fit_raises_and_changes_nothing(logistic):
    context, rewards, _ = logistic.sample(100, seed=9)
    mab = CmabBernoulli.cold_start(
        action_ids={"a"}, n_features=3, update_kwargs={"num_steps": 50, "learning_rate": 1e300}, random_seed=0
    )
    before = mab.get_state()
    with pytest.raises(FitError, match="ADVI diverged"), pytest.warns(DataWarning, match="far from unit scale"):
        mab.update(actions=["a"] * 100, rewards=rewards, context=context * 1e150)
    assert mab.get_state() == before


def test_mcmc_update_records_diagnostics_and_agrees_with_advi(logistic):
    context, rewards, _ = logistic.sample(300, seed=10)
    nuts = CmabBernoulli.cold_start(
        action_ids={"a"},
        n_features=3,
        update_method="MCMC",
        update_kwargs={"draws": 300, "tune": 300, "chains": 2},
        random_seed=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nuts.update(actions=["a"] * 300, rewards=rewards, context=context)
    advi = CmabBernoulli.cold_start(action_ids={"a"}, n_features=3, update_kwargs={"num_steps": 300}, random_seed=0)
    advi.update(actions=["a"] * 300, rewards=rewards, context=context)
    summary = nuts.actions["a"].last_fit
    assert summary.method == "MCMC" and summary.max_rhat < 1.1 and summary.min_ess_bulk > 50
    nuts_weight = nuts.actions["a"].network.layers[0].weight
    advi_weight = advi.actions["a"].network.layers[0].weight
    assert nuts_weight.family == "normal"
    assert np.all(np.abs(nuts_weight.mu - advi_weight.mu) < nuts_weight.sigma * 1.5)


def test_mcmc_warns_when_diagnostics_are_poor(logistic):
    context, rewards, _ = logistic.sample(50, seed=12)
    mab = CmabBernoulli.cold_start(
        action_ids={"a"},
        n_features=3,
        update_method="MCMC",
        update_kwargs={"draws": 20, "tune": 20, "chains": 2, "ess_min": 1000},
        random_seed=0,
    )
    with pytest.warns(ConvergenceWarning, match="ESS") as caught:
        mab.update(actions=["a"] * 50, rewards=rewards, context=context)
    assert caught[0].filename == __file__  # points at the user's call, not into pybandits
    fit = mab.actions["a"].last_fit
    assert (fit.method, fit.draws, fit.tune, fit.chains, fit.n_rows) == ("MCMC", 20, 20, 2, 50)


def test_cost_control_and_bai_variants(logistic):
    context, rewards, _ = logistic.sample(40, seed=13)
    cc = CmabBernoulliCC.cold_start(
        action_ids_cost={"cheap": 1.0, "dear": 9.0}, n_features=3, strategy=CostControlBandit(1.0), random_seed=0
    )
    actions, _, _ = cc.predict(context=context)
    assert set(actions) == {"cheap"}  # subsidy 1: always the cheapest
    assert cc.actions["dear"].cost == 9.0
    bai = CmabBernoulliBAI.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=0)
    bai.update(actions=["a", "b"] * 20, rewards=rewards, context=context)
    assert bai.actions["a"].n_successes + bai.actions["a"].n_failures == 22


def test_multi_objective_variants(logistic):
    context, _, _ = logistic.sample(30, seed=14)
    rewards = np.random.default_rng(0).integers(0, 2, size=(30, 2))
    mo = CmabBernoulliMO.cold_start(
        action_ids={"a", "b"}, n_features=3, n_objectives=2, update_kwargs=FAST, random_seed=0
    )
    _actions, probs, weighted_sums = mo.predict(context=context)
    assert len(probs[0]["a"]) == 2 and len(weighted_sums[0]["b"]) == 2
    mo.update(actions=["a", "b"] * 15, rewards=rewards, context=context)
    assert mo.actions["a"].n_successes == [1 + rewards[0::2, 0].sum(), 1 + rewards[0::2, 1].sum()]
    assert mo.actions["a"].activation == "tanh"
    mocc = CmabBernoulliMOCC.cold_start(action_ids_cost={"a": 2.0, "b": 1.0}, n_features=3, n_objectives=2)
    assert mocc.actions["b"].cost == 1.0 and mocc.n_objectives == 2


def test_state_round_trip_after_update(tmp_path, logistic):
    context, rewards, _ = logistic.sample(80, seed=15)
    mab = CmabBernoulliCC.cold_start(
        action_ids_cost={"a": 1.0, "b": 2.5},
        n_features=3,
        hidden_dim_list=[3],
        update_kwargs=FAST,
        epsilon=0.1,
        default_action="a",
        random_seed=0,
    )
    mab.update(actions=["a", "b"] * 40, rewards=rewards, context=context)
    restored = CmabBernoulliCC.from_state(mab.get_state()[1])
    assert restored == mab
    assert restored.get_state() == mab.get_state()
    path = tmp_path / "cmab.json"
    pybandits.save(mab, path)
    loaded = pybandits.load(path)
    assert loaded == mab
    assert loaded.predict(context=context) == mab.predict(context=context)
    loaded.update(actions=["a", "b"] * 40, rewards=rewards, context=context)  # keeps learning
    assert loaded.actions["a"].n_successes + loaded.actions["a"].n_failures == 2 + 80


def test_state_of_multi_objective_bandit_round_trips():
    mab = CmabBernoulliMO.cold_start(action_ids={"a"}, n_features=2, n_objectives=3, random_seed=0)
    assert CmabBernoulliMO.from_state(mab.get_state()[1]) == mab


def test_progressbar_reports_on_stderr_only(capsys, logistic):
    context, rewards, _ = logistic.sample(50, seed=6)
    mab = CmabBernoulli.cold_start(
        action_ids={"a"}, n_features=3, update_kwargs={"num_steps": 100, "progressbar": True}, random_seed=0
    )
    mab.update(actions=["a"] * 50, rewards=rewards, context=context)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "ADVI steps" in captured.err and "100/100" in captured.err
    assert "fitting actions" not in captured.err  # the update's own bar is off under pytest by default


def test_the_update_bar_counts_the_fitted_actions(capsys, logistic):
    context, rewards, _ = logistic.sample(50, seed=6)
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 20})
    mab.update(actions=["a", "b"] * 25, rewards=rewards, context=context, progressbar=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "fitting actions" in captured.err and "2/2" in captured.err
    mab.update(actions=["a", "b"] * 25, rewards=rewards, context=context, progressbar=False)
    assert capsys.readouterr().err == ""
