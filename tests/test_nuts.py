"""NUTS through nutpie: the same posterior as pm.sample, reproducible, for every model the library builds."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.engines.fit import fit_models
from pybandits.model.bnn.action import Bnn

pytest.importorskip("nutpie")


def _logistic_rows(n_rows: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, 3))
    rewards = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-(context @ np.array([1.0, -1.0, 0.5]))))).astype(int)
    return context, rewards


def _fit(sampler: str, seed: int, **settings):
    action = Bnn.cold_start(
        n_features=3, update_method="MCMC", update_kwargs={"sampler": sampler, **settings}, dist_type="normal"
    )
    context, rewards = _logistic_rows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_models([action], [context], [rewards], [seed])[0]


def test_nutpie_gives_pm_sample_s_posterior():
    nutpie = _fit("nutpie", 1, draws=1500, tune=500)
    pymc = _fit("pymc", 2, draws=1500, tune=500)
    for name, dist in pymc.parameters.items():
        other = nutpie.parameters[name]
        assert np.all(np.abs(other.mu - dist.mu) <= 0.1 * dist.sigma), name  # within Monte Carlo error
        assert np.all(np.abs(other.sigma / dist.sigma - 1.0) <= 0.1), name
    assert nutpie.diagnostics.method == "MCMC" and nutpie.diagnostics.max_rhat < 1.02
    assert nutpie.diagnostics.min_ess_bulk > 500 and nutpie.diagnostics.divergences == 0


def test_equal_seeds_give_equal_draws_and_others_do_not():
    first, second, third = (_fit("nutpie", seed, draws=200, tune=200) for seed in (5, 5, 6))
    assert all(np.array_equal(first.parameters[n].mu, second.parameters[n].mu) for n in first.parameters)
    assert not np.array_equal(first.parameters["w0"].mu, third.parameters["w0"].mu)


def test_sampler_nutpie_is_refused_without_nutpie(monkeypatch):
    import pybandits.engines.nuts as nuts

    monkeypatch.setattr(nuts, "nutpie_available", lambda: False)
    with pytest.raises(ImportError, match="sampler='nutpie' needs nutpie"):
        _fit("nutpie", 0, draws=10, tune=10)


FAST = {"draws": 100, "tune": 100, "chains": 2, "sampler": "nutpie"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hidden_dim_list": [3]},
        {"categorical_features": {1: 4}},
        {"quantitative_action_ids": ["dose"], "hidden_dim_list": [3]},
        # heads of the quantitative case's "dose" shape (4 inputs, 3 hidden units): one compiled model for both
        {"backbone_hidden_dim_list": [4], "hidden_dim_list": [3], "backbone_kwargs": {"num_steps": 10}},
    ],
    ids=["hidden", "categorical", "quantitative", "backbone-heads"],
)
def test_every_model_samples_with_nutpie(kwargs):
    mab = CmabBernoulli.cold_start(
        action_ids=["a"], n_features=3, update_method="MCMC", update_kwargs=FAST, random_seed=0, **kwargs
    )
    context, rewards = _logistic_rows(60)
    context[:, 1] = np.arange(60) % 4
    if "quantitative_action_ids" in kwargs:
        actions = [("dose", (q,)) if i % 2 else ("a", None) for i, q in enumerate(np.linspace(0, 1, 60))]
    else:
        actions = ["a"] * 60
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mab.update(actions=actions, rewards=rewards, context=context)
    fitted = mab.actions["a"]
    assert fitted.last_fit.method == "MCMC" and fitted.last_fit.draws == 100
    weights = fitted.network.layers[0].weight
    assert np.isfinite(weights.mu).all() and weights.nu is None  # summarised as mean-field Normals
    assert np.abs(weights.mu).max() > 0.05  # moved from the prior's centre
    # the fit's NUTS diagnostics reach the inference data, beside the draws of what the bandit kept
    constant = mab.to_inference_data(n_draws=10, random_seed=0)["constant_data"]
    assert constant["fit_draws"].sel(action="a").item() == 100 and constant["fit_chains"].sel(action="a").item() == 2
    assert np.isfinite(constant["fit_max_rhat"].sel(action="a").item())
    assert constant["fit_divergences"].sel(action="a").item() == fitted.last_fit.divergences


def test_gaussian_rewards_sample_with_nutpie():
    mab = CmabGaussian.cold_start(action_ids=["a"], n_features=3, update_method="MCMC", update_kwargs=FAST)
    context, _ = _logistic_rows(80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mab.update(actions=["a"] * 80, rewards=10.0 + 3.0 * context[:, 0], context=context)
    means = [mab.predict(np.array([[1.0, 0.0, 0.0]]))[1][0]["a"] for _ in range(20)]
    assert abs(np.mean(means) - 13.0) < 1.0


def test_threads_fit_with_nutpie_as_one_thread_does():
    def run(executor):
        mab = CmabBernoulli.cold_start(
            action_ids=["a", "b"], n_features=3, update_method="MCMC", update_kwargs=FAST, random_seed=3
        )
        context, rewards = _logistic_rows(80)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mab.update(actions=["a", "b"] * 40, rewards=rewards, context=context, executor=executor)
        return mab

    with ThreadPoolExecutor(2) as pool:
        assert run(pool) == run(None)
