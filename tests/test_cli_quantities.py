"""The command line with quantitative actions and prices: quantity columns, refusals, info."""

import json
import re

import numpy as np
import pandas as pd
import pytest

import pybandits
from pybandits.cli import main
from pybandits.cmab import CmabBernoulli
from pybandits.smab import SmabBernoulli, SmabBernoulliDP


def _price(quantities):
    return 1.0 + 9.0 * quantities[:, 0]


def _update(state, data, out):
    return main(["update", "--state", str(state), "--data", str(data), "--out", str(out), "--quiet"])


def test_update_reads_the_quantity_column(tmp_path):
    pybandits.save(SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"]), tmp_path / "s.json")
    (tmp_path / "d.csv").write_text("action,reward,quantity\na,1,\nq,1,0.25\nq,0,0.75\nq,1,1\n")
    assert _update(tmp_path / "s.json", tmp_path / "d.csv", tmp_path / "n.json") == 0
    updated = pybandits.load(tmp_path / "n.json")
    expected = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"])
    expected.update(["a", "q", "q", "q"], [1, 1, 0, 1], quantities=[None, [0.25], [0.75], [1.0]])
    assert updated.actions == expected.actions
    assert updated.actions["q"].n_observations == 3 and updated.actions["a"].n_successes == 2


def test_several_dimensions_use_numbered_columns_anywhere_after_action_and_reward(tmp_path):
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids={"q": 1, "r": 2})
    pybandits.save(mab, tmp_path / "s.json")
    (tmp_path / "d.csv").write_text("action,reward,quantity_1,quantity_0\na,1,,\nq,0,,0.5\nr,1,0.3,0.2\n")
    assert _update(tmp_path / "s.json", tmp_path / "d.csv", tmp_path / "n.json") == 0
    updated = pybandits.load(tmp_path / "n.json")
    mab.update(["a", "q", "r"], [1, 0, 1], quantities=[None, [0.5], [0.2, 0.3]])
    assert updated.actions == mab.actions


QUANTITY_ERRORS = [
    (
        "action,reward,quantity\na,1,0.3\n",
        "row 2, column 'quantity': expected an empty cell for the ordinary action 'a'",
    ),
    (
        "action,reward,quantity\na,1,\nq,1,\n",
        r"row 3, column 'quantity': expected the quantity the quantitative action 'q' was played at, a number in "
        r"\[0, 1\], got an empty cell",
    ),
    ("action,reward,quantity\nq,1,1.5\n", r"row 2, column 'quantity': .* a number in \[0, 1\], got 1.5"),
    ("action,reward,quantity\nq,1,high\n", r"row 2, column 'quantity': expected a number in \[0, 1\] or an empty cell"),
    ("action,reward\nq,1\n", "row 2, column 'quantity': expected the quantity .* 'q' .*, got no such column"),
    ("action,reward,quantity_0\nq,1,0.5\n", "column 'quantity_0': expected the quantity columns quantity"),
]


@pytest.mark.parametrize(("content", "message"), QUANTITY_ERRORS)
def test_bad_quantities_are_named_and_nothing_is_written(tmp_path, capsys, content, message):
    pybandits.save(SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"]), tmp_path / "s.json")
    (tmp_path / "bad.csv").write_text(content)
    (tmp_path / "out.json").write_text("old")
    assert _update(tmp_path / "s.json", tmp_path / "bad.csv", tmp_path / "out.json") == 2
    err = capsys.readouterr().err
    assert f"--data: {tmp_path / 'bad.csv'}: " in err
    assert re.search(message, err), err
    assert (tmp_path / "out.json").read_text() == "old"


def test_a_quantity_past_an_actions_dimension_is_refused(tmp_path, capsys):
    pybandits.save(SmabBernoulli.cold_start(quantitative_action_ids={"q": 1, "r": 2}), tmp_path / "s.json")
    (tmp_path / "bad.csv").write_text("action,reward,quantity_0,quantity_1\nr,1,0.1,0.2\nq,1,0.5,0.5\n")
    assert _update(tmp_path / "s.json", tmp_path / "bad.csv", tmp_path / "o.json") == 2
    assert (
        "row 3, column 'quantity_1': expected an empty cell for the quantitative action 'q' past its dimension 1, "
        "got 0.5" in capsys.readouterr().err
    )
    assert not (tmp_path / "o.json").exists()


def test_a_bandit_without_quantitative_actions_reads_as_before(tmp_path, capsys):
    pybandits.save(SmabBernoulli.cold_start(action_ids=["a"]), tmp_path / "s.json")
    (tmp_path / "d.csv").write_text("action,reward,quantity\na,1,0.5\n")
    assert _update(tmp_path / "s.json", tmp_path / "d.csv", tmp_path / "o.json") == 2  # not a feature of it
    assert "expected 0 feature columns" in capsys.readouterr().err


@pytest.fixture(scope="module")
def contextual(tmp_path_factory):
    """A contextual bandit with a quantitative action, saved, and a small log of its plays."""
    folder = tmp_path_factory.mktemp("contextual")
    mab = CmabBernoulli.cold_start(
        action_ids=["a"],
        quantitative_action_ids=["bonus"],
        n_features=2,
        hidden_dim_list=[4],
        update_kwargs={"num_steps": 20},
        random_seed=0,
    )
    pybandits.save(mab, folder / "state.json")
    rng = np.random.default_rng(0)
    context = rng.normal(size=(30, 2))
    choices, _, _ = mab.predict(context)
    logs = pd.DataFrame(
        {
            "action": [c.action_id for c in choices],
            "reward": rng.integers(0, 2, 30),
            "quantity": [np.nan if c.quantity is None else c.quantity[0] for c in choices],
            "f0": context[:, 0],
            "f1": context[:, 1],
        }
    )
    logs.to_csv(folder / "logs.csv", index=False)
    logs[["f0", "f1"]].to_csv(folder / "contexts.csv", index=False)
    return folder, logs


def test_contextual_update_and_predict_with_quantities(contextual, capsys):
    folder, logs = contextual
    state, new, out = folder / "state.json", folder / "new.json", folder / "predictions.csv"
    assert _update(state, folder / "logs.csv", new) == 0
    updated = pybandits.load(new)
    assert updated.actions["bonus"] != pybandits.load(state).actions["bonus"]
    assert main(["predict", "--state", str(new), "--data", str(folder / "contexts.csv"), "--out", str(out)]) == 0
    predictions = pd.read_csv(out)
    assert list(predictions.columns) == ["action", "quantity", "sampled_probability_a", "sampled_probability_bonus"]
    bonus = predictions["action"] == "bonus"
    assert predictions.loc[~bonus, "quantity"].isna().all()
    assert predictions.loc[bonus, "quantity"].between(0, 1).all() and bonus.any()
    # the predictions, with rewards, are update data again
    predictions.drop(columns=["sampled_probability_a", "sampled_probability_bonus"]).assign(
        reward=1, f0=logs["f0"], f1=logs["f1"]
    )[["action", "reward", "quantity", "f0", "f1"]].to_csv(folder / "again.csv", index=False)
    assert _update(new, folder / "again.csv", folder / "again.json") == 0
    args = ["predict", "--state", str(new), "--data", str(folder / "contexts.csv"), "--out", str(out)]
    assert main([*args, "--propensity"]) == 2
    assert "--propensity: the bandit has quantitative actions ['bonus']" in capsys.readouterr().err
    assert main(["info", "--state", str(new)]) == 0
    info = capsys.readouterr().out
    assert "quantities bonus (d=1); data columns quantity" in info and "  bonus: quantitative d=1;" in info


def test_pricing_bandits_with_price_functions(tmp_path, capsys):
    mab = SmabBernoulliDP.cold_start(
        action_ids=["basic"], quantitative_action_ids=["premium"], action_ids_price={"basic": 2.0, "premium": _price}
    )
    pybandits.save(mab, tmp_path / "dp.json")
    (tmp_path / "d.csv").write_text("action,reward,quantity\nbasic,1,\npremium,0,0.5\n")
    assert _update(tmp_path / "dp.json", tmp_path / "d.csv", tmp_path / "new.json") == 0
    state = json.loads((tmp_path / "new.json").read_text())
    assert state["bandit"]["action_prices"] == {"basic": 2.0, "premium": "function"}
    updated = pybandits.load(tmp_path / "new.json", price_functions={"premium": _price})
    assert updated.actions["premium"].n_observations == 1
    assert main(["info", "--state", str(tmp_path / "new.json")]) == 0
    info = capsys.readouterr().out
    assert "prices     basic 2.0, premium function" in info
    assert "  premium: quantitative d=1;" in info and info.rstrip().endswith("price function")
    for command in ("predict", "evaluate"):
        out = str(tmp_path / "out.csv")
        assert (
            main([command, "--state", str(tmp_path / "new.json"), "--data", str(tmp_path / "d.csv"), "--out", out]) == 2
        )
        err = capsys.readouterr().err
        assert "the prices of ['premium'] are functions of the quantity" in err and "price_functions" in err
        assert not (tmp_path / "out.csv").exists()


def test_fixed_prices_are_shown(tmp_path, capsys):
    mab = SmabBernoulliDP.cold_start(action_ids=["cheap", "dear"], action_ids_price={"cheap": 1.0, "dear": 10.0})
    pybandits.save(mab, tmp_path / "dp.json")
    assert main(["info", "--state", str(tmp_path / "dp.json")]) == 0
    out = capsys.readouterr().out
    assert "prices     cheap 1.0, dear 10.0" in out and "quantities" not in out
