"""The original library's SmabSimulator: its arguments and tables, against this package's simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybandits.model import Beta
from pybandits.simulation import SmabSimulator as Rounds
from pybandits.smab import SmabBernoulli, SmabGaussian
from pybandits.smab_simulator import SmabSimulator

PROBS = {"a1": 0.1, "a2": 0.8, "a3": 0.3}


def bandit():
    return SmabBernoulli(actions={a: Beta() for a in PROBS})


def test_the_tables_are_this_packages_simulation_seen_as_the_original_shows_it():
    simulator = SmabSimulator(mab=bandit(), probs_reward=PROBS, n_updates=6, batch_size=50, random_seed=3)
    simulator.run()
    ours = Rounds(bandit(), PROBS, n_updates=6, batch_size=50, random_seed=3).run().data
    results = simulator.results
    assert list(results.columns) == [
        "batch",
        "action",
        "reward",
        "selected_prob_reward",
        "max_prob_reward",
        "regret",
        "cum_regret",
    ]
    assert results["action"].tolist() == ours["action"].tolist()
    np.testing.assert_allclose(results["regret"], ours["regret"], atol=1e-12)
    np.testing.assert_allclose(results["selected_prob_reward"], [PROBS[a] for a in results["action"]])
    assert (results["max_prob_reward"] == 0.8).all()
    counts = simulator.selected_actions_count
    assert list(counts.index) == [*range(6), "total"] and counts.index.name == "batch"
    assert list(counts.columns) == ["a1", "a2", "a3", "cum_a1", "cum_a2", "cum_a3"]
    assert (counts.loc[list(range(6)), ["a1", "a2", "a3"]].sum(axis=1) == 50).all()
    assert counts.loc["total", "cum_a2"] == counts.loc["total", "a2"] == (ours["action"] == "a2").sum()
    proportion = simulator.positive_reward_proportion
    assert list(proportion.columns) == ["proportion"] and proportion.index.name == "action"
    assert proportion.loc["a2", "proportion"] == pytest.approx(ours.loc[ours["action"] == "a2", "reward"].mean())


def test_smab_is_the_originals_other_name_and_probabilities_default_to_random(capsys, tmp_path):
    simulator = SmabSimulator(
        smab=bandit(),
        n_updates=2,
        batch_size=10,
        random_seed=0,
        verbose=True,
        save=True,
        path=str(tmp_path),
        file_prefix="run",
    )
    assert set(simulator.probs_reward) == set(PROBS) and all(0 <= p <= 1 for p in simulator.probs_reward.values())
    simulator.run()
    assert "Count of actions selected by the bandit" in capsys.readouterr().out
    saved = sorted(path.name for path in tmp_path.iterdir())
    assert saved == [
        "run_positive_reward_proportion.csv",
        "run_selected_actions_count.csv",
        "run_simulation_results.csv",
    ]
    assert pd.read_csv(tmp_path / "run_simulation_results.csv").shape[0] == 20


def test_visualize_draws_the_action_shares():
    pytest.importorskip("matplotlib")
    simulator = SmabSimulator(mab=bandit(), probs_reward=PROBS, n_updates=2, batch_size=10, visualize=True)
    simulator.run()
    assert simulator.figure is not None and len(simulator.figure.axes[0].collections) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, TypeError, "expected the bandit once, as mab or smab"),
        ({"mab": bandit(), "smab": bandit()}, TypeError, "expected the bandit once"),
        ({"mab": SmabGaussian.cold_start(action_ids=["a"])}, TypeError, "expected a stochastic Bernoulli bandit"),
        ({"mab": bandit(), "verbose": "yes"}, TypeError, "verbose: expected True or False"),
        (
            {"mab": bandit(), "save": True, "path": "/nonexistent/folder"},
            ValueError,
            "path: expected an existing folder",
        ),
        ({"mab": bandit(), "probs_reward": {"a1": 0.5}}, ValueError, "probs_reward"),
    ],
)
def test_wrong_arguments_are_refused_by_name(kwargs, error, message):
    with pytest.raises(error, match=message):
        SmabSimulator(**kwargs)


def test_results_before_a_run_are_refused():
    with pytest.raises(ValueError, match="expected a run first"):
        SmabSimulator(mab=bandit(), probs_reward=PROBS).results  # noqa: B018
