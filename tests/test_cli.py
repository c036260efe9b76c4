"""The pybandits command line: success, failure with named file/row/column, atomic outputs."""

import io
import json
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import pybandits
from pybandits.cli import main
from pybandits.cmab import CmabBernoulli
from pybandits.smab import SmabBernoulli


@pytest.fixture
def job(tmp_path, logistic):
    """A saved contextual bandit and a small day of logs."""
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 50}, random_seed=0)
    pybandits.save(mab, tmp_path / "state.json")
    context, rewards, _ = logistic.sample(60, seed=3)
    frame = pd.DataFrame(
        {"action": ["a", "b"] * 30, "reward": rewards, "f0": context[:, 0], "f1": context[:, 1], "f2": context[:, 2]}
    )
    frame.to_csv(tmp_path / "day.csv", index=False)
    frame.iloc[:, 2:].to_csv(tmp_path / "contexts.csv", index=False)
    return tmp_path


def test_update_info_predict_edit(job, capsys):
    assert (
        main(
            [
                "update",
                "--state",
                str(job / "state.json"),
                "--data",
                str(job / "day.csv"),
                "--out",
                str(job / "new.json"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "read 60 rows" in err and "fitted a on 30 rows" in err and "fitted b on 30 rows" in err
    updated = pybandits.load(job / "new.json")
    assert updated.actions["a"].n_successes + updated.actions["a"].n_failures == 32

    assert main(["info", "--state", str(job / "new.json")]) == 0
    out = capsys.readouterr().out
    assert "class      CmabBernoulli" in out and "network    3 features, hidden [], tanh" in out
    assert f"a: bernoulli: n_successes={updated.actions['a'].n_successes}" in out

    assert (
        main(
            [
                "predict",
                "--state",
                str(job / "new.json"),
                "--data",
                str(job / "contexts.csv"),
                "--out",
                str(job / "p.csv"),
            ]
        )
        == 0
    )
    predictions = pd.read_csv(job / "p.csv")
    assert list(predictions.columns) == ["action", "sampled_probability_a", "sampled_probability_b"]
    assert len(predictions) == 60 and set(predictions["action"]) <= {"a", "b"}

    template = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=4)
    pybandits.save(template, job / "template.json")
    assert (
        main(
            [
                "edit",
                "--state",
                str(job / "new.json"),
                "--template",
                str(job / "template.json"),
                "--out",
                str(job / "v2.json"),
            ]
        )
        == 0
    )
    assert "features                      3 -> 4" in capsys.readouterr().out
    assert pybandits.load(job / "v2.json").input_dim == 4


def test_update_on_a_terminal_draws_a_bar_over_the_actions_unless_quiet(job, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # progress is on by default outside pytest, on a terminal
    base = ["update", "--state", str(job / "state.json"), "--data", str(job / "day.csv"), "--out", str(job / "n.json")]
    for quiet in (False, True):
        monkeypatch.setattr(sys, "stderr", Terminal())
        assert main(base + ["--quiet"] * quiet) == 0
        err = sys.stderr.getvalue()
        if quiet:
            assert err == ""
        else:
            assert "fitted a on 30 rows" in err and "fitted b on 30 rows" in err
            assert "fitting actions" in err and "2/2" in err


def test_update_with_two_workers_equals_one(job):
    base = ["update", "--state", str(job / "state.json"), "--data", str(job / "day.csv"), "--quiet"]
    assert main([*base, "--out", str(job / "one.json")]) == 0
    assert main([*base, "--out", str(job / "two.json"), "--workers", "2"]) == 0
    assert pybandits.load(job / "one.json") == pybandits.load(job / "two.json")


def test_stochastic_bandit_update(tmp_path):
    pybandits.save(SmabBernoulli.cold_start(action_ids={"x", "y"}), tmp_path / "s.json")
    (tmp_path / "d.csv").write_text("action,reward\nx,1\ny,0\nx,1\n")
    assert (
        main(
            [
                "update",
                "--state",
                str(tmp_path / "s.json"),
                "--data",
                str(tmp_path / "d.csv"),
                "--out",
                str(tmp_path / "s.json"),
                "--quiet",
            ]
        )
        == 0
    )
    assert pybandits.load(tmp_path / "s.json").actions["x"].n_successes == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("action,reward,f0,f1,f2\na,1,0.5,x,1\n", "row 2, column 'f1': expected a finite number, got 'x'"),
        ("action,reward,f0,f1,f2\na,1,0,0,0\nb,1,0,,0\n", "row 3, column 'f1': expected a finite number, got ''"),
        (
            "action,reward,f0,f1,f2\na,1,0,0,0\nz,1,0,0,0\n",
            r"row 3, column 'action': expected one of \['a', 'b'\], got 'z'",
        ),
        (
            "action,reward,f0,f1,f2\na,2,0,0,0\n",
            r"row 2, column 'reward': expected 0 or 1 \(or a fraction in \[0, 1\]\), got 2",
        ),
        ("action,reward,f0,f1\na,1,0,0\n", r"expected 3 feature columns after \['action', 'reward'\], got 2"),
        ("reward,action,f0,f1,f2\n1,a,0,0,0\n", "expected the header to start with action,reward"),
        ("", "the file is empty"),
    ],
)
def test_bad_data_is_named_and_leaves_files_alone(job, capsys, content, message):
    (job / "bad.csv").write_text(content)
    (job / "out.json").write_text("old")
    code = main(
        ["update", "--state", str(job / "state.json"), "--data", str(job / "bad.csv"), "--out", str(job / "out.json")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert f"{job / 'bad.csv'}" in err
    assert re.search(message, err)
    assert (job / "out.json").read_text() == "old"


def test_bad_state_and_missing_files(job, capsys):
    (job / "broken.json").write_text('{"schema_version": 99}')
    assert main(["info", "--state", str(job / "broken.json")]) == 2
    assert f"expected schema version {pybandits.SCHEMA_VERSION}" in capsys.readouterr().err
    assert main(["info", "--state", str(job / "nope.json")]) == 2
    assert "--state: expected a saved bandit, got no such file" in capsys.readouterr().err
    assert (
        main(
            [
                "update",
                "--state",
                str(job / "state.json"),
                "--data",
                str(job / "nope.csv"),
                "--out",
                str(job / "o.json"),
            ]
        )
        == 2
    )
    assert "--data: expected a CSV or Parquet file, got no such file" in capsys.readouterr().err
    assert (
        main(
            [
                "update",
                "--state",
                str(job / "state.json"),
                "--data",
                str(job / "day.csv"),
                "--out",
                str(job / "o.json"),
                "--workers",
                "0",
            ]
        )
        == 2
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["update", "--state", "x"])  # argparse: missing arguments
    assert exit_info.value.code == 2


def test_refused_edit_exits_2(job, capsys):
    pybandits.save(CmabBernoulli.cold_start(action_ids={"a"}, n_features=2), job / "narrow.json")
    assert (
        main(
            [
                "edit",
                "--state",
                str(job / "state.json"),
                "--template",
                str(job / "narrow.json"),
                "--out",
                str(job / "e.json"),
            ]
        )
        == 2
    )
    assert "n_features cannot shrink" in capsys.readouterr().err
    assert not (job / "e.json").exists()


def test_console_script_runs(job):
    result = subprocess.run(
        [sys.executable, "-m", "pybandits.cli", "info", "--state", str(job / "state.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "CmabBernoulli" in result.stdout


def test_a_killed_job_leaves_the_old_output_whole(job, logistic):
    """SIGKILL the update at several moments: the output is always the old file or the new one, whole."""
    context, rewards, _ = logistic.sample(3000, seed=5)
    pd.DataFrame(
        {"action": ["a", "b"] * 1500, "reward": rewards, "f0": context[:, 0], "f1": context[:, 1], "f2": context[:, 2]}
    ).to_csv(job / "big.csv", index=False)
    out = job / "out.json"
    pybandits.save(SmabBernoulli.cold_start(action_ids={"old"}), out)
    old_text = out.read_text()
    seen_new = False
    for delay in (0.5, 1.5, 3.0, 6.0, 60.0):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pybandits.cli",
                "update",
                "--state",
                str(job / "state.json"),
                "--data",
                str(job / "big.csv"),
                "--out",
                str(out),
                "--quiet",
            ]
        )
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        text = out.read_text()
        if text == old_text:
            continue
        loaded = pybandits.load(out)  # a whole, valid new state
        assert type(loaded) is CmabBernoulli
        seen_new = True
        out.write_text(old_text)
        time.sleep(0.05)
    assert seen_new  # the last run (60 s allowed) completes
    assert sorted(p.name for p in job.iterdir() if p.name.startswith(".out.json")) == []
    assert json.loads(out.read_text())["class"] in {"SmabBernoulli", "CmabBernoulli"}


def test_parquet_data(job):
    pytest.importorskip("pyarrow")
    pd.read_csv(job / "day.csv").to_parquet(job / "day.parquet")
    code = main(
        [
            "update",
            "--state",
            str(job / "state.json"),
            "--data",
            str(job / "day.parquet"),
            "--out",
            str(job / "pq.json"),
            "--quiet",
        ]
    )
    assert code == 0
    assert (
        main(
            [
                "update",
                "--state",
                str(job / "state.json"),
                "--data",
                str(job / "day.csv"),
                "--out",
                str(job / "csv.json"),
                "--quiet",
            ]
        )
        == 0
    )
    assert pybandits.load(job / "pq.json") == pybandits.load(job / "csv.json")


def test_a_gaussian_bandit_updates_from_real_valued_rewards_and_predicts_means(tmp_path, capsys):
    from pybandits.cmab import CmabGaussian

    rng = np.random.default_rng(0)
    context = rng.normal(size=(80, 2))
    actions = np.array(["a", "b"] * 40)
    revenue = np.where(actions == "a", 30.0, 20.0) + 5.0 * context[:, 0] + rng.normal(size=80)
    rows = "\n".join(
        f"{a},{r},{x0},{x1}" for a, r, (x0, x1) in zip(actions, revenue.tolist(), context.tolist(), strict=True)
    )
    (tmp_path / "day.csv").write_text("action,reward,f0,f1\n" + rows + "\n")
    (tmp_path / "bad.csv").write_text("action,reward,f0,f1\na,1e9,0,0\n")
    (tmp_path / "contexts.csv").write_text("f0,f1\n0.0,0.0\n1.0,-1.0\n")
    pybandits.save(
        CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 100}, random_seed=0),
        tmp_path / "state.json",
    )
    state, new = str(tmp_path / "state.json"), str(tmp_path / "new.json")
    assert main(["update", "--state", state, "--data", str(tmp_path / "bad.csv"), "--out", new, "--quiet"]) == 2
    assert (
        "row 2, column 'reward': expected a real number of magnitude <= 1e+06, got 1000000000.0"
        in capsys.readouterr().err
    )
    assert main(["update", "--state", state, "--data", str(tmp_path / "day.csv"), "--out", new, "--quiet"]) == 0
    updated = pybandits.load(new)
    assert updated.actions["a"].n_observations == 40 and updated.family.reward_scale is not None
    assert main(["info", "--state", new]) == 0
    info = capsys.readouterr().out
    assert "gaussian: n_observations=40" in info and "rewards    gaussian (reward_loc=" in info
    out = str(tmp_path / "predictions.csv")
    assert main(["predict", "--state", new, "--data", str(tmp_path / "contexts.csv"), "--out", out]) == 0
    predictions = pd.read_csv(out)
    assert list(predictions.columns) == ["action", "sampled_mean_a", "sampled_mean_b"]
    assert 10 < predictions["sampled_mean_a"].mean() < 50  # reward units


CATEGORICAL_CONFIG = """
class = "CmabBernoulli"
[cold_start]
action_ids = ["a", "b"]
n_features = 3
feature_names = ["age", "country", "platform"]
categorical_features = { country = 10, platform = ["ios", "android"] }
update_kwargs = { num_steps = 50 }
random_seed = 1
"""


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_categorical_columns_by_name_in_csv_and_parquet(tmp_path, capsys, suffix):
    (tmp_path / "bandit.toml").write_text(CATEGORICAL_CONFIG)
    rng = np.random.default_rng(0)
    n = 40
    logs = pd.DataFrame(
        {
            "action": rng.choice(["a", "b"], n),
            "reward": rng.integers(0, 2, n),
            "platform": rng.choice(["ios", "android"], n),  # features in another order, by name
            "country": rng.choice(["FR", "DE", "IT"], n),
            "age": rng.normal(size=n),
            "session": np.arange(n),  # not a feature
        }
    )
    write = (lambda f, p: f.to_csv(p, index=False)) if suffix == ".csv" else (lambda f, p: f.to_parquet(p))
    write(logs, tmp_path / f"logs{suffix}")
    write(logs.drop(columns=["action", "reward"]).assign(country="JP"), tmp_path / f"new{suffix}")
    write(logs.assign(country=""), tmp_path / f"empty{suffix}")
    state, updated = str(tmp_path / "state.json"), str(tmp_path / "updated.json")
    assert main(["init", "--config", str(tmp_path / "bandit.toml"), "--out", state, "--quiet"]) == 0
    assert main(["update", "--state", state, "--data", str(tmp_path / f"logs{suffix}"), "--out", updated]) == 0
    mab = pybandits.load(updated)
    assert mab.vocabularies == {1: list(pd.unique(logs["country"])), 2: ["ios", "android"]}
    out = str(tmp_path / "predictions.csv")
    assert main(["predict", "--state", updated, "--data", str(tmp_path / f"new{suffix}"), "--out", out]) == 0
    assert len(pd.read_csv(out)) == n  # a country never seen is predicted at the prior
    assert main(["info", "--state", updated]) == 0
    assert "category   country: cardinality 10, 3 values in the vocabulary" in capsys.readouterr().out
    code = main(["update", "--state", updated, "--data", str(tmp_path / f"empty{suffix}"), "--out", updated])
    assert code == 2
    assert "row 2, column 'country': expected a category value, got an empty cell" in capsys.readouterr().err
    missing = tmp_path / f"missing{suffix}"
    write(logs.drop(columns=["age"]), missing)
    assert main(["update", "--state", updated, "--data", str(missing), "--out", updated]) == 2
    assert "expected the bandit's feature columns ['age', 'country', 'platform'], missing ['age']" in (
        capsys.readouterr().err
    )


def test_predict_writes_the_propensity_of_the_chosen_action(job, capsys):
    out = job / "with_propensity.csv"
    args = ["predict", "--state", str(job / "state.json"), "--data", str(job / "contexts.csv"), "--out", str(out)]
    assert main([*args, "--propensity", "--draws", "400"]) == 0
    predictions = pd.read_csv(out)
    assert list(predictions.columns) == ["action", "propensity", "sampled_probability_a", "sampled_probability_b"]
    # a cold-started bandit plays each of its two actions half of the time, whatever the row
    assert predictions["propensity"].between(0.5 - 4 * 0.025, 0.5 + 4 * 0.025).all()
    trained = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 50})
    trained.update(["a", "b"] * 100, [1, 0] * 100, np.random.default_rng(0).normal(size=(200, 3)))  # a wins
    pybandits.save(trained, job / "trained.json")
    args[2] = str(job / "trained.json")
    assert main([*args, "--propensity", "--draws", "20"]) == 0
    predictions = pd.read_csv(out)
    assert (predictions["propensity"] > 0).all()  # the action is drawn with the logged probability
    assert main([*args, "--propensity", "--draws", "0"]) == 2
    assert "--draws: expected an integer >= 1, got 0" in capsys.readouterr().err


def test_evaluate_writes_a_report_and_a_plot(job, capsys):
    day = pd.read_csv(job / "day.csv")
    day.assign(propensity=0.5).to_csv(job / "logs.csv", index=False)
    report, plot = job / "report.csv", job / "report.png"
    args = ["evaluate", "--state", str(job / "state.json"), "--data", str(job / "logs.csv"), "--out", str(report)]
    assert main([*args, "--plot", str(plot), "--bootstrap", "100", "--draws", "20", "--seed", "1"]) == 0
    table = pd.read_csv(report)
    assert list(table.columns) == ["estimator", "value", "lower", "upper", "std"]
    assert "ipw" in set(table["estimator"]) and "logged" in set(table["estimator"])
    assert plot.stat().st_size > 1000
    err = capsys.readouterr().err
    assert "propensities: given (column propensity)" in err
    day.assign(propensity=1.5).to_csv(job / "bad.csv", index=False)
    bad = ["evaluate", "--state", str(job / "state.json"), "--data", str(job / "bad.csv"), "--out", str(report)]
    assert main(bad) == 2
    assert "propensities in (0, 1]" in capsys.readouterr().err
