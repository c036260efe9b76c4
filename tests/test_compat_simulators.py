"""The original library's simulators: their arguments and tables, against this package's simulators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.cmab_simulator import CmabSimulator
from pybandits.model import Beta
from pybandits.simulation import CmabSimulator as Contextual
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


# --------------------------------------------------------------------------------------------------------------------
# CmabSimulator: the original's contextual simulator (context rows given, groups, probabilities per group)

CMAB_IDS = ["a1", "a2", "a3"]
FAST = {"num_steps": 20}


def contextual(seed: int = 0):
    return CmabBernoulli.cold_start(action_ids=CMAB_IDS, n_features=2, update_kwargs=FAST, random_seed=seed)


def _world():
    """Group g0: a1 pays where x0 > 0; group g1: a3 always; a2 never."""
    return {
        "g0": {"a1": lambda x: float(x[0] > 0), "a2": lambda x: 0.0, "a3": lambda x: 0.2},
        "g1": {"a1": lambda x: 0.1, "a2": lambda x: 0.0, "a3": lambda x: 1.0},
    }


def test_the_contextual_tables_are_this_packages_simulation_seen_as_the_original_shows_it():
    rng = np.random.default_rng(1)
    context = rng.normal(size=(120, 2))
    group = rng.choice(["g0", "g1"], 120).tolist()
    simulator = CmabSimulator(
        cmab=contextual(),
        context=context,
        group=group,
        probs_reward=_world(),
        n_updates=3,
        batch_size=40,
        random_seed=2,
    )
    before = contextual().get_state()
    assert simulator.mab.get_state() == before  # nothing runs before run()
    simulator.run()
    results = simulator.results
    assert list(results.columns) == [
        "batch", "action", "reward", "group", "selected_prob_reward", "max_prob_reward", "regret", "cum_regret"
    ]  # fmt: skip
    assert results["group"].tolist() == group and results["batch"].tolist() == [k for k in range(3) for _ in range(40)]
    # every probability is the row's group's function of the row: the rewards follow them
    truth = np.array([[_world()[g][a](row) for a in CMAB_IDS] for g, row in zip(group, context, strict=True)])
    played = results["action"].map(CMAB_IDS.index).to_numpy()
    np.testing.assert_allclose(results["selected_prob_reward"], truth[np.arange(120), played])
    np.testing.assert_allclose(results["max_prob_reward"], truth.max(axis=1))
    assert (results.loc[results["selected_prob_reward"] == 1.0, "reward"] == 1).all()
    assert (results.loc[results["selected_prob_reward"] == 0.0, "reward"] == 0).all()
    # the rounds are this package's simulator on the same rows, the group read by the world only
    ours = Contextual(
        contextual(),
        lambda rows: {a: truth_of(rows, a) for a in CMAB_IDS},
        n_updates=3,
        batch_size=40,
        n_features=3,
        context_generator=_rows_of(np.column_stack([context, [g == "g1" for g in group]])),
        random_seed=2,
    ).run()
    assert ours.data["action"].tolist() == results["action"].tolist()
    assert simulator.mab.get_state() != before  # it learned in place, as the original's run does
    counts = simulator.selected_actions_count
    assert counts.index.names == ["group", "batch"] and counts.columns.name == "action"
    assert list(counts.index)[-1] == ("total", "total")
    assert counts.loc[("total", "total"), CMAB_IDS].sum() == 120
    for g in ("g0", "g1"):
        assert counts.loc[(g, "total"), CMAB_IDS].sum() == group.count(g)
        assert counts.loc[(g, "total"), "cum_a3"] == ((results["group"] == g) & (results["action"] == "a3")).sum()
    proportion = simulator.positive_reward_proportion
    assert proportion.index.names == ["action", "group"] and list(proportion.columns) == ["proportion"]
    a3 = results[(results["action"] == "a3") & (results["group"] == "g1")]
    if len(a3):
        assert proportion.loc[("a3", "g1"), "proportion"] == 1.0


def truth_of(rows: np.ndarray, action_id: str) -> np.ndarray:
    return np.array([_world()["g1" if row[2] else "g0"][action_id](row[:2]) for row in rows])


def _rows_of(rows: np.ndarray):
    served = iter(range(0, len(rows), 40))

    def generate(rng, n_rows):
        start = next(served, 0)
        return rows[start : start + n_rows]

    return generate


def test_groups_default_to_one_and_probabilities_to_a_seeded_random_world():
    context = np.random.default_rng(0).normal(size=(20, 2))
    first = CmabSimulator(mab=contextual(), context=context, n_updates=2, batch_size=10, random_seed=4)
    again = CmabSimulator(mab=contextual(), context=context, n_updates=2, batch_size=10, random_seed=4)
    assert first.group == ["0"] * 20 and list(first.probs_reward) == ["0"]
    row = context[0]
    values = [first.probs_reward["0"][a](row) for a in CMAB_IDS]
    assert values == [again.probs_reward["0"][a](row) for a in CMAB_IDS]
    assert all(0 < v < 1 for v in values) and len(set(values)) == 3
    first.run()
    again.run()
    assert first.results["action"].tolist() == again.results["action"].tolist()
    assert list(first.selected_actions_count.index) == [("0", 0), ("0", 1), ("0", "total"), ("total", "total")]


def test_the_contextual_simulator_saves_prints_and_draws(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    context = np.random.default_rng(0).normal(size=(20, 2))
    simulator = CmabSimulator(
        cmab=contextual(),
        context=context,
        n_updates=2,
        batch_size=10,
        verbose=True,
        visualize=True,
        save=True,
        path=str(tmp_path),
    )
    simulator.run()
    assert "Observed proportion of positive rewards" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "positive_reward_proportion.csv",
        "selected_actions_count.csv",
        "simulation_results.csv",
        "simulation_results.png",
    ]


def _cmab_kwargs(**changes):
    context = np.zeros((20, 2))
    return {"mab": contextual(), "context": context, "n_updates": 2, "batch_size": 10, **changes}


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"mab": None}, TypeError, "expected the bandit once, as mab or cmab"),
        ({"cmab": contextual()}, TypeError, "expected the bandit once"),
        ({"mab": bandit()}, TypeError, "expected a contextual Bernoulli bandit"),
        (
            {"context": np.zeros((19, 2))},
            ValueError,
            r"context: expected batch_size x n_updates = 20 rows .* \(19, 2\)",
        ),
        ({"context": np.zeros((20, 3))}, ValueError, "context: expected .* 2 features"),
        ({"context": np.full((20, 2), np.nan)}, ValueError, "context: expected finite numbers"),
        ({"context": [["a", "b"]] * 20}, TypeError, "context: expected an array of numbers"),
        ({"group": ["g"] * 19}, ValueError, r"group: expected one group per context row \(20\)"),
        ({"group": "g" * 20}, ValueError, "group: expected one group per context row"),
        ({"probs_reward": {"g": {}}}, ValueError, r"probs_reward: expected a mapping with the groups \['0'\]"),
        ({"probs_reward": {"0": {"a1": len}}}, ValueError, r"probs_reward\['0'\]: expected a mapping of the actions"),
        (
            {"probs_reward": {"0": {"a1": 0.5, "a2": len, "a3": len}}},
            TypeError,
            r"probs_reward\['0'\]\['a1'\]: expected a function of a context row",
        ),
        ({"visualize": 1}, TypeError, "visualize: expected True or False"),
    ],
)
def test_wrong_contextual_arguments_are_refused_by_name(changes, error, message):
    with pytest.raises(error, match=message):
        CmabSimulator(**_cmab_kwargs(**changes))


def test_a_probability_out_of_range_stops_the_run_and_leaves_the_bandit_as_it_was():
    kwargs = _cmab_kwargs(probs_reward={"0": {"a1": lambda x: 0.5, "a2": lambda x: 0.5, "a3": lambda x: 1.5}})
    simulator = CmabSimulator(**kwargs)
    before = simulator.mab.get_state()
    with pytest.raises(ValueError, match=r"probs_reward\['0'\]\['a3'\]: expected a probability in \[0, 1\], got 1.5"):
        simulator.run()
    assert simulator.mab.get_state() == before
