"""Change detection owned by the bandit: power, false alarms, restarts, memory, state, transfer, wrong calls."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pybandits.bandits.describe import settings_lines
from pybandits.cmab import CmabBernoulli, CmabGaussian, CmabGaussianMO
from pybandits.model.beta import Beta
from pybandits.smab import SmabBernoulli, SmabBernoulliMO, SmabGaussian
from pybandits.transfer import edit_model_on_the_fly


def _bernoulli(rng, p, n):
    return (rng.random(n) < p).astype(int).tolist()


def test_a_change_restarts_only_that_action_refitted_on_the_rows_after_it():
    rng = np.random.default_rng(0)
    mab = SmabBernoulli.cold_start(action_ids=["a", "b"], change_detection=True, random_seed=0)
    mab.update(["b"] * 200, _bernoulli(rng, 0.5, 200))
    b_before = mab.actions["b"]
    before = _bernoulli(rng, 0.2, 400)
    after = _bernoulli(rng, 0.8, 100)
    for start in range(0, 400, 50):
        mab.update(["a"] * 50, before[start : start + 50])
    mab.update(["a"] * 100, after)
    (change,) = mab.detected_changes()
    assert change.action == "a" and change.time == 700 and 550 <= change.change_at <= 640
    assert change.statistic >= change.threshold
    kept = (before + after)[change.change_at - 200 :]  # the stream's first 200 rows were b's
    assert mab.actions["a"] == Beta(n_successes=1 + sum(kept), n_failures=1 + len(kept) - sum(kept))
    assert mab.actions["b"] == b_before  # the other action keeps what it learned
    memory = mab.change_detection.memories["a"]
    assert memory.seen_at[0] == change.change_at and memory.n_before == 0


def test_false_alarms_on_stationary_streams_are_rare():
    alarms = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        mab = SmabBernoulli.cold_start(action_ids=["a", "b"], change_detection={"delta": 0.05}, random_seed=seed)
        for _ in range(20):
            actions = rng.choice(["a", "b"], size=100).tolist()
            mab.update(actions, [int(rng.random() < (0.3 if a == "a" else 0.6)) for a in actions])
        alarms += mab.change_detection.n_changes
    assert alarms <= 3  # at most delta per action and stretch: expected <= 2 of 40; 3 leaves room for chance


def test_memory_is_bounded_and_older_rows_are_summarised():
    mab = SmabBernoulli.cold_start(action_ids=["a"], change_detection={"memory_size": 50}, random_seed=0)
    mab.update(["a"] * 120, [1, 0, 0] * 40)
    memory = mab.change_detection.memories["a"]
    assert len(memory) == 50 and memory.n_before == 70
    assert memory.sum_before == [pytest.approx(sum(([1, 0, 0] * 40)[:70]))]
    assert memory.seen_at.tolist() == list(range(70, 120))


def test_gaussian_and_multi_objective_changes_are_found():
    rng = np.random.default_rng(1)
    gaussian = SmabGaussian.cold_start(action_ids=["a"], change_detection=True, random_seed=0)
    gaussian.update(["a"] * 300, rng.normal(0.0, 1.0, 300).tolist())
    assert not gaussian.detected_changes()
    gaussian.update(["a"] * 100, rng.normal(1.5, 1.0, 100).tolist())
    (change,) = gaussian.detected_changes()
    assert 280 <= change.change_at <= 320 and gaussian.actions["a"].mu > 1.0
    multi = SmabBernoulliMO.cold_start(action_ids=["a"], n_objectives=2, change_detection=True, random_seed=0)
    rewards = [[int(rng.random() < 0.5), int(rng.random() < (0.1 if i < 300 else 0.9))] for i in range(400)]
    multi.update(["a"] * 400, rewards)
    (change,) = multi.detected_changes()
    assert change.objective == 1 and 280 <= change.change_at <= 320


def test_forgetting_and_detection_together_refit_with_the_rows_weights():
    rng = np.random.default_rng(2)
    mab = SmabBernoulli.cold_start(action_ids=["a"], change_detection=True, decay_factor=0.999, random_seed=0)
    rewards = _bernoulli(rng, 0.1, 300) + _bernoulli(rng, 0.9, 100)
    mab.update(["a"] * 400, rewards)
    (change,) = mab.detected_changes()
    kept = np.array(rewards[change.change_at :], dtype=float)
    weights = 0.999 ** np.arange(len(kept) - 1, -1, -1)
    assert mab.actions["a"].n_successes == pytest.approx(1 + (weights * kept).sum(), rel=1e-12)


def test_networks_per_action_restart_on_a_change_of_their_residuals_and_not_without():
    rng = np.random.default_rng(3)
    settings = {"n_features": 2, "update_kwargs": {"num_steps": 60}, "change_detection": True, "random_seed": 0}
    changing = CmabBernoulli.cold_start(action_ids=["a", "b"], **settings)
    steady = CmabBernoulli.cold_start(action_ids=["a", "b"], **settings)
    for batch in range(4):
        context = rng.normal(size=(300, 2))
        sign = 1.0 if batch < 2 else -1.0
        probability = 1 / (1 + np.exp(-3.0 * sign * context[:, 0]))
        rewards = (rng.random(300) < probability).astype(int).tolist()
        changing.update(["a"] * 300, rewards, context)
        steady_rewards = (rng.random(300) < 1 / (1 + np.exp(-3.0 * context[:, 0]))).astype(int).tolist()
        steady.update(["a"] * 300, steady_rewards, context)
    assert [c.action for c in changing.detected_changes()] == ["a"]
    assert changing.actions["a"].network.layers[0].weight.mu[0, 0] < -0.5  # refitted on the new regime
    assert steady.detected_changes() == []
    # the first batch, predicted by a model at its prior, is not remembered (its residuals say nothing)
    assert steady.change_detection.memories["a"].seen_at[0] == 300


def test_gaussian_and_multi_objective_networks_watch_their_residuals():
    rng = np.random.default_rng(4)
    for cls, extra in ((CmabGaussian, {}), (CmabGaussianMO, {"n_objectives": 2})):
        mab = cls.cold_start(
            action_ids=["a"], n_features=1, update_kwargs={"num_steps": 60}, change_detection=True, **extra
        )
        for shift in (0.0, 0.0, 3.0):
            context = rng.normal(size=(200, 1))
            rewards = context[:, 0] + shift + rng.normal(0, 0.3, 200)
            mab.update(["a"] * 200, (rewards if not extra else np.c_[rewards, rewards]).tolist(), context)
        assert len(mab.detected_changes()) == 1 and mab.detected_changes()[0].change_at >= 400


def test_state_info_and_transfer():
    mab = SmabBernoulli.cold_start(action_ids=["a", "b"], change_detection={"delta": 0.05, "memory_size": 300})
    assert "change_detection" not in SmabBernoulli.cold_start(action_ids=["a"]).get_state()[1]
    mab.update(["a"] * 400, [0] * 200 + [1] * 200)
    again = SmabBernoulli.from_state(mab.get_state()[1])
    assert again == mab and again.detected_changes() == mab.detected_changes()
    lines = settings_lines(mab)
    assert any("1 changes detected in 400 rows" in line for line in lines) and any(
        "'a' detected" in line for line in lines
    )
    template = SmabBernoulli.cold_start(action_ids=["a", "c"], change_detection={"memory_size": 100})
    evolved = edit_model_on_the_fly(mab, template)
    detector = evolved.change_detection
    assert (detector.delta, detector.memory_size, detector.n_changes, detector.rows_seen) == (0.05, 100, 1, 400)
    assert list(detector.memories) == ["a"] and len(detector.memories["a"]) == 100
    assert detector.memories["a"].n_before == 100  # 200 rows after the restart: 100 kept, 100 summarised


def test_transfer_widens_the_remembered_contexts():
    rng = np.random.default_rng(5)
    settings = {"update_kwargs": {"num_steps": 20}, "change_detection": True, "random_seed": 0}
    mab = CmabBernoulli.cold_start(action_ids=["a"], n_features=2, **settings)
    for _ in range(2):
        mab.update(["a"] * 50, _bernoulli(rng, 0.5, 50), rng.normal(size=(50, 2)))
    evolved = edit_model_on_the_fly(mab, CmabBernoulli.cold_start(action_ids=["a"], n_features=3, **settings))
    context = evolved.change_detection.memories["a"].context
    assert context.shape == (50, 3) and np.all(context[:, 2] == 0.0)
    evolved.update(["a"] * 10, [1] * 10, rng.normal(size=(10, 3)))


@pytest.mark.parametrize(
    ("value", "error", "detail"),
    [
        ("yes", TypeError, "str"),
        ({"delta": 0.0}, ValueError, "delta"),
        ({"delta": 1.0}, ValueError, "delta"),
        ({"memory_size": 0}, ValueError, "memory_size"),
        ({"memory_size": 2.5}, TypeError, "memory_size"),
        ({"window": 10}, ValueError, "unknown ['window']"),
        ({"memory_size": 10**15}, ValueError, "memory"),
    ],
)
def test_a_bad_change_detection_is_refused_by_name(value, error, detail):
    with pytest.raises(error, match="change_detection") as caught:
        SmabBernoulli.cold_start(action_ids=["a", "b"], change_detection=value)
    assert detail in str(caught.value)


def test_kinds_that_cannot_restart_refuse_change_detection():
    with pytest.raises(ValueError, match="change_detection: expected a bandit with networks per action"):
        CmabBernoulli.cold_start(action_ids=["a"], n_features=2, backbone_hidden_dim_list=[3], change_detection=True)
    with pytest.raises(ValueError, match="change_detection: expected a contextual bandit without quantitative"):
        CmabBernoulli.cold_start(
            action_ids=["a"], quantitative_action_ids=["q"], n_features=2, hidden_dim_list=[2], change_detection=True
        )


def test_a_refused_update_leaves_memories_unchanged():
    mab = SmabBernoulli.cold_start(action_ids=["a"], change_detection=True)
    mab.update(["a"] * 5, [1] * 5)
    before = json.loads(mab.get_state()[1])
    with pytest.raises(ValueError, match="rewards"):
        mab.update(["a"], [2])
    assert json.loads(mab.get_state()[1]) == before


def test_a_state_with_memories_of_unknown_actions_is_refused():
    mab = SmabBernoulli.cold_start(action_ids=["a"], change_detection=True)
    mab.update(["a"] * 3, [1, 0, 1])
    state = mab.get_state()[1].replace('"memories": {"a"', '"memories": {"z"')
    with pytest.raises(
        ValueError, match=r"change_detection: expected memories of the bandit's actions, got unknown \['z'\]"
    ):
        SmabBernoulli.from_state(state)


def test_a_config_sets_forgetting_and_change_detection_and_info_prints_them(tmp_path, capsys):
    from pybandits.cli import main

    config = tmp_path / "bandit.toml"
    config.write_text(
        'class = "SmabBernoulli"\n[cold_start]\naction_ids = ["a", "b"]\ndecay_factor = 0.995\n'
        "random_seed = 0\n[cold_start.change_detection]\ndelta = 0.05\nmemory_size = 300\n"
    )
    state = tmp_path / "state.json"
    assert main(["init", "--config", str(config), "--out", str(state), "--quiet"]) == 0
    assert main(["info", "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert "forgetting decay_factor 0.995 (a memory of about 200 rows)" in out
    assert "change detection delta 0.05, memory 300 rows per action; 0 changes detected in 0 rows" in out
