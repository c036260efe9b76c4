"""Simulators: honest regret bookkeeping, reproducibility, bad input."""

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliMO, CmabGaussian
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


@pytest.mark.parametrize("cls", [CmabBernoulli, CmabGaussian])
def test_cmab_simulation_with_categorical_columns(cls):
    # the default world gives every level of the categorical column an effect per action
    mab = cls.cold_start(
        action_ids={"a", "b", "c"},
        n_features=2,
        categorical_features={1: 6},
        update_kwargs={"num_steps": 150},
        random_seed=0,
    )
    result = CmabSimulator(mab, n_updates=6, batch_size=150, random_seed=3).run()
    codes = result.data["x1"].to_numpy()
    assert set(np.unique(codes)) == set(range(6))
    world = result.truth["reward_fn"]
    assert set(world.level_effects["a"]) == {1}
    per_round = result.summary.regret_per_round
    assert result.summary.regret_ratio < 0.7 and per_round[-2:].mean() < per_round[:2].mean()


def test_a_partly_learned_vocabulary_is_refused_by_the_simulator():

    mab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2, categorical_features={1: 5}, random_seed=0)
    mab.update(["a"], [1], pd.DataFrame({"x": [0.0], "segment": ["gold"]}))
    with pytest.raises(ValueError, match=r"vocabularies that are empty or full .* columns \[1\]"):
        CmabSimulator(mab)


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


def test_every_cmab_run_draws_its_own_world_unless_one_is_given():
    """Without a reward_fn each run plays a world drawn from its own generator; a given one is kept."""
    context = np.random.default_rng(0).normal(size=(20, 2))

    def run(simulator):
        result = simulator.run()
        played = result.truth["reward_fn"]
        seen = result.data[["x0", "x1"]].to_numpy()
        assert np.allclose(result.data["expected_a"], played(seen)["a"])  # the recorded world is the one played
        return played

    def fresh():
        return CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 10})

    simulator = CmabSimulator(fresh(), n_updates=1, batch_size=10)  # no seed: fresh entropy every run
    first, second = run(simulator), run(simulator)
    assert not np.allclose(first(context)["a"], second(context)["a"])  # not a replay of the first world
    assert simulator.reward_fn is None

    seeded = [run(CmabSimulator(fresh(), n_updates=1, batch_size=10, random_seed=seed)) for seed in (1, 2, 1)]
    assert not np.allclose(seeded[0](context)["a"], seeded[1](context)["a"])
    assert np.array_equal(seeded[0](context)["a"], seeded[2](context)["a"])  # one seed fixes the world

    given = LogisticReward({"a": [1.0, 0.0], "b": [0.0, 1.0]})
    simulator = CmabSimulator(fresh(), given, n_updates=1, batch_size=10)
    assert run(simulator) is given and run(simulator) is given and simulator.reward_fn is given


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"probs_reward": {"a": 0.5}}, ValueError, "probs_reward: expected an expected reward for exactly the actions"),
        (
            {"probs_reward": {"a": 1.5, "b": 0.1, "c": 0.2}},
            ValueError,
            r"probs_reward: expected a probability in \[0, 1\] per action",
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
    with pytest.raises(ValueError, match="reward_fn: expected a mapping with the expected rewards of the actions"):
        CmabSimulator(mab, reward_fn=lambda x: {"a": np.full(len(x), 0.5)}, n_updates=1).run()
    with pytest.raises(ValueError, match=r"context_generator: expected an array of shape \(10, 3\)"):
        CmabSimulator(mab, context_generator=lambda rng, n: np.zeros((n, 2)), batch_size=10, n_updates=1).run()


def test_progress_goes_to_stderr_only_when_asked(capsys):
    SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=3, progressbar=True).run()
    shown = capsys.readouterr()
    assert shown.out == "" and "simulating" in shown.err and "3/3" in shown.err
    SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=3).run()  # off under pytest
    assert capsys.readouterr() == ("", "")
    SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=3, progressbar=False).run()
    assert capsys.readouterr() == ("", "")
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 10})
    CmabSimulator(mab, n_updates=2, batch_size=10, random_seed=0, progressbar=True).run()
    shown = capsys.readouterr()
    assert shown.out == "" and "simulating" in shown.err and "2/2" in shown.err


def test_gaussian_worlds_are_simulated_with_their_noise():
    from pybandits.cmab import CmabGaussian
    from pybandits.simulation import LinearReward
    from pybandits.smab import SmabGaussian

    smab = SmabGaussian.cold_start(action_ids={"a", "b"}, random_seed=0)
    result = SmabSimulator(smab, {"a": 1.0, "b": 3.0}, n_updates=10, batch_size=50, noise_sd=0.5, random_seed=0).run()
    rewards = result.data["reward"][result.data["action"] == "b"]
    assert abs(rewards.mean() - 3.0) < 0.2 and abs(rewards.std() - 0.5) < 0.1  # Normal around the truth
    assert result.summary.regret_ratio < 0.3
    world = LinearReward({"a": [1.0, 0.0], "b": [-1.0, 0.0]}, biases={"a": 50.0, "b": 50.0})
    cmab = CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 100})
    result = CmabSimulator(cmab, world, n_updates=4, batch_size=100, noise_sd=1.0, random_seed=1).run()
    assert result.summary.regret_ratio < 0.6
    assert 40 < result.data["reward"].mean() < 60  # reward units
    drawn = CmabSimulator(CmabGaussian.cold_start(action_ids={"a"}, n_features=2), n_updates=1, random_seed=2).run()
    assert type(drawn.truth["reward_fn"]).__name__ == "LinearReward"


@pytest.mark.parametrize(
    ("noise_sd", "error", "match"),
    [(0.0, ValueError, "noise_sd: expected a finite number > 0"), ("x", TypeError, "noise_sd: expected a real")],
)
def test_bad_noise_is_named(noise_sd, error, match):
    from pybandits.smab import SmabGaussian

    with pytest.raises(error, match=match):
        SmabSimulator(SmabGaussian.cold_start(action_ids={"a"}), {"a": 1.0}, noise_sd=noise_sd)


def test_bernoulli_worlds_have_no_noise_scale():
    with pytest.raises(TypeError, match="noise_sd: Bernoulli rewards have no noise scale"):
        SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, noise_sd=1.0)
