"""The original library's ``update_kwargs`` keys: renamed where they mean ours, refused by name where not."""

from __future__ import annotations

import pytest

from pybandits.boundary.original_kwargs import ORIGINAL_KEYS
from pybandits.cmab import CmabBernoulli
from pybandits.model.bnn.settings import MCMCSettings, VISettings, parse_update_kwargs

RENAMED = [
    ("VI", {"optimizer_type": "adamax"}, VISettings(optimizer="adamax")),
    ("VI", {"optimizer_kwargs": {"step_size": 0.01}}, VISettings(learning_rate=0.01)),
    ("VI", {"optimizer_kwargs": {"learning_rate": 0.02}}, VISettings(learning_rate=0.02)),
    ("VI", {"num_particles": 3}, VISettings(n_mc_samples=3)),
    ("VI", {"method": "advi", "num_steps": 300}, VISettings(num_steps=300)),
    (
        "VI",
        {"early_stopping_kwargs": {"patience": 20, "tolerance": 1e-3}},
        VISettings(convergence_tol=1e-3, convergence_window=20),
    ),
    ("VI", {"early_stopping_kwargs": None}, VISettings()),
    ("MCMC", {"num_warmup": 300, "num_samples": 200, "num_chains": 3}, MCMCSettings(tune=300, draws=200, chains=3)),
    (
        "MCMC",
        {"nuts": {"target_accept_prob": 0.95, "max_tree_depth": 8}},
        MCMCSettings(target_accept=0.95, max_treedepth=8),
    ),
    ("MCMC", {"progress_bar": False}, MCMCSettings(progressbar=False)),
]


@pytest.mark.parametrize(("method", "given", "expected"), RENAMED, ids=[str(sorted(g)) for _, g, _ in RENAMED])
def test_the_originals_keys_give_our_settings(method, given, expected):
    assert parse_update_kwargs(method, given) == expected


REFUSED = [
    ("VI", {"optimizer_type": "sgd"}, "optimizer_type='sgd' has no counterpart"),
    ("VI", {"lr_scheduler_type": "exponential_decay"}, "'lr_scheduler_type' has no counterpart"),
    ("VI", {"gradient_clip_norm": 1.0}, "'gradient_clip_norm' has no counterpart"),
    ("VI", {"kl_tau": 1.0}, "'kl_tau' has no counterpart"),
    ("VI", {"kl_annealing_fraction": 0.5}, "'kl_annealing_fraction' has no counterpart"),
    ("VI", {"epochs": 3}, "'epochs' has no counterpart here; a fit runs num_steps"),
    ("VI", {"restore_best_svi_state": True}, "'restore_best_svi_state' has no counterpart"),
    ("VI", {"method": "fullrank_advi"}, "method='fullrank_advi' has no counterpart"),
    (
        "VI",
        {"optimizer_kwargs": {"step_size": 0.1, "b1": 0.8}},
        "'optimizer_kwargs' entries ['b1'] have no counterpart",
    ),
    ("VI", {"early_stopping_kwargs": {"diff_type": "absolute"}}, "diff_type='absolute' has no counterpart"),
    ("VI", {"optimizer_kwargs": {"step_size": 0.1}, "learning_rate": 0.2}, "set the same setting 'learning_rate'"),
    ("VI", {"num_warmup": 100}, "'num_warmup' is a setting of update_method='MCMC'"),
    ("MCMC", {"optimizer_type": "adam"}, "'optimizer_type' is a setting of update_method='VI'"),
    ("MCMC", {"nuts": {"step_size": 0.1}}, "'nuts' entries ['step_size'] have no counterpart"),
    ("MCMC", {"num_samples": 100, "draws": 200}, "set the same setting 'draws'"),
    ("VI", {"optimizer_kwargs": 0.1}, "'optimizer_kwargs' expected a mapping"),
]


@pytest.mark.parametrize(("method", "given", "message"), REFUSED, ids=[m for _, _, m in REFUSED])
def test_keys_without_a_counterpart_are_refused_by_name(method, given, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_update_kwargs(method, given)


def test_every_refused_key_is_one_the_table_knows():
    assert {key for _, given, _ in REFUSED for key in given} - {"learning_rate", "draws", "method"} <= ORIGINAL_KEYS


def test_a_bandit_cold_started_with_the_originals_keys_fits_with_ours():
    original = {"num_steps": 40, "optimizer_type": "adam", "optimizer_kwargs": {"step_size": 0.02}}
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs=original)
    ours = CmabBernoulli.cold_start(
        action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 40, "learning_rate": 0.02}
    )
    assert mab.actions["a"].inference == ours.actions["a"].inference
    with pytest.raises(ValueError, match="'kl_tau' has no counterpart"):
        CmabBernoulli.cold_start(action_ids={"a"}, n_features=2, update_kwargs={"kl_tau": 1.0})
