"""Simulators: honest regret bookkeeping, reproducibility, bad input."""

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliMO
from pybandits.simulation import CmabSimulator, LogisticReward, SmabSimulator, pareto_regret
from pybandits.smab import SmabBernoulli, SmabBernoulliMO

TRUTH = {"a": 0.3, "b": 0.45, "c": 0.6}


def test_smab_simulation_records_every_decision_and_learns():
    mab = SmabBernoulli.cold_start(action_ids=set(TRUTH))
    result = SmabSimulator(mab, TRUTH, n_updates=30, batch_size=50, random_seed=3, progressbar=False).run()
    data = result.data
    assert isinstance(data, pd.DataFrame) and len(data) == 1500
    assert list(data.columns) == [
        "round",
        "action",
        "reward",
        "expected_a",
        "expected_b",
        "expected_c",
        "regret",
        "random_regret",
    ]
    expected_regret = (
        data["expected_c"]
        - data[[f"expected_{a}" for a in TRUTH]].to_numpy()[
            np.arange(len(data)), data["action"].map({"a": 0, "b": 1, "c": 2}).to_numpy()
        ]
    )
    assert np.allclose(data["regret"], expected_regret)
    assert np.allclose(data["random_regret"], 0.6 - np.mean(list(TRUTH.values())))
    summary = result.summary
    assert summary.cumulative_regret == pytest.approx(data["regret"].sum())
    assert summary.regret_ratio < 0.3
    assert summary.action_shares["c"][-1] > 0.8
    assert len(summary.regret_per_round) == 30
    assert result.mab is mab and mab.actions["c"].n_observations > 0  # the given bandit was trained
    assert "x a uniformly random policy" in str(summary)


def test_one_seed_reproduces_the_whole_run():
    runs = [
        SmabSimulator(SmabBernoulli.cold_start(action_ids=set(TRUTH)), TRUTH, n_updates=5, random_seed=7).run().data
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_multi_objective_smab_uses_pareto_regret():
    mab = SmabBernoulliMO.cold_start(action_ids={"a", "b", "c"}, n_objectives=2)
    truth = {"a": [0.8, 0.2], "b": [0.2, 0.8], "c": [0.1, 0.1]}  # c is dominated by both
    result = SmabSimulator(mab, truth, n_updates=10, batch_size=40, random_seed=0).run()
    played_c = result.data["action"] == "c"
    assert np.allclose(result.data.loc[~played_c, "regret"], 0.0)
    assert np.allclose(result.data.loc[played_c, "regret"], 0.1)  # c needs +0.1 on both to be undominated
    assert {"reward_0", "reward_1"} <= set(result.data.columns)


def test_pareto_regret_matches_the_single_objective_regret_for_one_objective():
    truth = np.random.default_rng(0).random((50, 4, 1))
    chosen = np.random.default_rng(1).integers(0, 4, 50)
    assert np.allclose(pareto_regret(truth, chosen), pareto_regret(truth[:, :, 0], chosen))


def test_cmab_simulation_with_a_logistic_world():
    reward = LogisticReward({"a": [1.5, 0.0], "b": [-1.5, 0.0]})
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 100})
    result = CmabSimulator(mab, reward, n_updates=5, batch_size=100, random_seed=2).run()
    data = result.data
    assert list(data.columns[:4]) == ["round", "x0", "x1", "action"]
    truth_a = 1 / (1 + np.exp(-1.5 * data["x0"]))
    assert np.allclose(data["expected_a"], truth_a)
    assert result.summary.regret_ratio < 0.6  # learns within five rounds
    last = data[data["round"] == 4]
    assert np.mean((last["x0"] > 0) == (last["action"] == "a")) > 0.8


def test_cmab_world_may_hold_features_the_bandit_does_not_see():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 20})
    result = CmabSimulator(mab, n_updates=2, batch_size=30, n_features=3, random_seed=0).run()
    assert {"x0", "x1", "x2"} <= set(result.data.columns)


def test_cmab_multi_objective_simulation():
    mab = CmabBernoulliMO.cold_start(
        action_ids={"a", "b"}, n_features=2, n_objectives=2, update_kwargs={"num_steps": 20}
    )
    result = CmabSimulator(mab, n_updates=2, batch_size=20, random_seed=0).run()
    assert len(result.data) == 40 and (result.data["regret"] >= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"probs_reward": {"a": 0.5}}, ValueError, "probs_reward: expected a probability for exactly the actions"),
        (
            {"probs_reward": {"a": 1.5, "b": 0.1, "c": 0.2}},
            ValueError,
            r"probs_reward: expected probabilities in \[0, 1\]",
        ),
        ({"probs_reward": [0.1, 0.2, 0.3]}, TypeError, "probs_reward: expected a mapping"),
        ({"n_updates": 0}, ValueError, "n_updates: expected an integer >= 1, got 0"),
        ({"batch_size": 2.5}, TypeError, "batch_size: expected an integer >= 1"),
        ({"random_seed": -3}, ValueError, "random_seed"),
    ],
)
def test_bad_smab_simulator_arguments(kwargs, error, message):
    arguments = {"mab": SmabBernoulli.cold_start(action_ids={"a", "b", "c"}), "probs_reward": TRUTH} | kwargs
    with pytest.raises(error, match=message):
        SmabSimulator(**arguments)


def test_bad_cmab_simulator_arguments():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3)
    with pytest.raises(TypeError, match="mab: expected a contextual bandit"):
        CmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}))
    with pytest.raises(TypeError, match="mab: expected a stochastic bandit"):
        SmabSimulator(mab, TRUTH)
    with pytest.raises(ValueError, match="n_features: expected a world with at least the bandit's 3 features, got 2"):
        CmabSimulator(mab, n_features=2)
    with pytest.raises(TypeError, match="reward_fn: expected a callable or None"):
        CmabSimulator(mab, reward_fn={"a": 0.5})
    with pytest.raises(ValueError, match="reward_fn: expected a mapping with the probabilities of the actions"):
        CmabSimulator(mab, reward_fn=lambda x: {"a": np.full(len(x), 0.5)}, n_updates=1).run()
    with pytest.raises(ValueError, match=r"context_generator: expected an array of shape \(10, 3\)"):
        CmabSimulator(mab, context_generator=lambda rng, n: np.zeros((n, 2)), batch_size=10, n_updates=1).run()


def test_progress_goes_to_stderr_only_when_asked_or_on_a_terminal(capsys):
    SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=3, progressbar=True).run()
    shown = capsys.readouterr()
    assert shown.out == "" and "simulating [" in shown.err and "3/3" in shown.err
    SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=3).run()  # not a terminal here
    assert capsys.readouterr().err == ""
    SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=3, progressbar=False).run()
    assert capsys.readouterr().err == ""
