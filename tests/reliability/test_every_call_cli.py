"""The command line in the table of wrong calls: a wrong argument exits with code 2, names the
option (or the data file) and what was expected, and touches no file."""

import os

import pandas as pd
import pytest

import pybandits
from pybandits import cli
from pybandits.cmab import CmabBernoulli
from pybandits.smab import SmabBernoulli

# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def job(tmp_path):
    mab = CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, random_seed=0)
    state = tmp_path / "mab.json"
    pybandits.save(mab, state)
    data = tmp_path / "data.csv"
    data.write_text("action,reward,x0,x1\na,1,0.5,0.1\nb,0,0.2,0.3\n")
    return tmp_path, state, data


def _categorical_files(folder):
    """A bandit with a categorical column of room 2, and data files it must refuse."""
    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"], n_features=2, feature_names=["x", "seg"], categorical_features={"seg": 2}
    )
    pybandits.save(mab, folder / "cat.json")
    (folder / "three_new.csv").write_text("action,reward,x,seg\na,1,0,p\na,1,0,q\nb,0,0,r\n")
    for name, cells in (("bools", [True, False]), ("floats", [0.5, 1.5])):
        pd.DataFrame({"action": ["a", "b"], "reward": [1, 0], "x": 0.0, "seg": cells}).to_parquet(
            folder / f"{name}.parquet"
        )
    pd.DataFrame(
        {"action": ["a", "b"], "reward": [1, 0], "x": pd.to_datetime(["2024-01-01", "2024-01-02"]), "seg": ["p", "q"]}
    ).to_parquet(folder / "dates.parquet")
    (folder / "corrupt.parquet").write_bytes(b"PAR1 not a parquet file PAR1")
    (folder / "folder").mkdir()
    (folder / "note.txt").write_text("a file")
    os.mkfifo(folder / "pipe")  # like /dev/null: writing must not replace it by a file
    text = mab.get_state()[1]
    (folder / "twice.json").write_text(text[:-1] + ', "class": "CmabBernoulli"}')
    logs = "action,reward,x,seg,propensity\na,1,0,p,0.5\nb,0,0,q,0.5\n"
    (folder / "logs.csv").write_text(logs)


CLI_ROWS = [
    (["update", "--state", "{state}", "--data", "{data}", "--out", "{out}", "--workers", "0"], "--workers"),
    (["update", "--state", "{missing}", "--data", "{data}", "--out", "{out}"], "--state"),
    (["update", "--state", "{data}", "--data", "{data}", "--out", "{out}"], "--state"),
    (["update", "--state", "{state}", "--data", "{missing}", "--out", "{out}"], "--data"),
    (["update", "--state", "{state}", "--data", "{bad_data}", "--out", "{out}"], "bad.csv"),
    (["predict", "--state", "{state}", "--data", "{bad_data}", "--out", "{out}"], "bad.csv"),
    (["edit", "--state", "{state}", "--template", "{smab}", "--out", "{out}"], "--template"),
    (["edit", "--state", "{state}", "--template", "{bad_config}", "--out", "{out}"], "bad.toml"),
    (["init", "--config", "{bad_config}", "--out", "{out}"], "bad.toml"),
    (["init", "--config", "{data}", "--out", "{out}"], "--config"),
    (["init", "--config", "{missing}", "--out", "{out}"], "--config"),
    (["init", "--config", "{bad_limited}", "--out", "{out}"], "limited_actions: expected actions of this bandit"),
    (["edit", "--state", "{state}", "--template", "{bad_limited}", "--out", "{out}"], "limited_actions"),
    (["init", "--config", "{bad_share}", "--out", "{out}"], "default_action_fraction: expected a number in (0, 1]"),
    # bad cells inside update: the file, row and column are named
    (["update", "--state", "{cat}", "--data", "{folder}/three_new.csv", "--out", "{out}"], "row 4, column 'seg'"),
    (["update", "--state", "{cat}", "--data", "{folder}/bools.parquet", "--out", "{out}"], "row 2, column 'seg'"),
    (["update", "--state", "{cat}", "--data", "{folder}/floats.parquet", "--out", "{out}"], "row 2, column 'seg'"),
    (["update", "--state", "{cat}", "--data", "{folder}/dates.parquet", "--out", "{out}"], "row 2, column 'x'"),
    (["update", "--state", "{cat}", "--data", "{folder}/corrupt.parquet", "--out", "{out}"], "corrupt.parquet"),
    (["predict", "--state", "{cat}", "--data", "{folder}/corrupt.parquet", "--out", "{out}"], "corrupt.parquet"),
    # bad paths: checked before any work
    (["update", "--state", "{state}", "--data", "{data}", "--out", "{folder}/folder"], "--out"),
    (["update", "--state", "{state}", "--data", "{data}", "--out", "{folder}/note.txt/out.json"], "--out"),
    (["update", "--state", "{state}", "--data", "{data}", "--out", "{folder}/missing/out.json"], "--out"),
    (["predict", "--state", "{state}", "--data", "{data}", "--out", "{folder}/folder"], "--out"),
    (["edit", "--state", "{state}", "--template", "{state}", "--out", "{folder}/missing/out.json"], "--out"),
    (["init", "--config", "{bad_config}", "--out", "{folder}/folder", "--force"], "--out"),
    (["update", "--state", "{folder}/folder", "--data", "{data}", "--out", "{out}"], "--state"),
    (["update", "--state", "{state}", "--data", "{folder}/folder", "--out", "{out}"], "--data"),
    (["info", "--state", "{folder}/folder"], "--state"),
    (["edit", "--state", "{state}", "--template", "{folder}/folder", "--out", "{out}"], "--template"),
    (["predict", "--state", "{state}", "--data", "{data}", "--out", "{state}"], "--out"),
    (["update", "--state", "{state}", "--data", "{data}", "--out", "{folder}/pipe"], "--out"),
    (["predict", "--state", "{state}", "--data", "{data}", "--out", "{folder}/pipe"], "--out"),
    (
        ["evaluate", "--state", "{cat}", "--data", "{folder}/logs.csv", "--out", "{out}", "--plot", "{folder}/folder"],
        "--plot",
    ),
    (
        ["evaluate", "--state", "{cat}", "--data", "{folder}/logs.csv", "--out", "{out}", "--plot", "{folder}/m/r.png"],
        "--plot",
    ),
    (
        ["evaluate", "--state", "{cat}", "--data", "{folder}/logs.csv", "--out", "{out}", "--plot", "{folder}/r.xyz"],
        "--plot",
    ),
    (["evaluate", "--state", "{cat}", "--data", "{folder}/logs.csv", "--out", "{folder}/folder"], "--out"),
    # a state document with a key twice
    (["info", "--state", "{folder}/twice.json"], "twice.json"),
    (["update", "--state", "{folder}/twice.json", "--data", "{data}", "--out", "{out}"], "['class'] more than once"),
]


@pytest.mark.parametrize(("argv", "named"), CLI_ROWS, ids=[f"{row[0][0]}-{row[1]}" for row in CLI_ROWS])
def test_the_command_line_names_the_wrong_argument_and_touches_no_file(job, capsys, argv, named):
    folder, state, data = job
    bad_data = folder / "bad.csv"
    bad_data.write_text("action,reward,x0,x1\na,1,0.5,oops\n")
    smab = folder / "smab.json"
    pybandits.save(SmabBernoulli.cold_start(action_ids=["a"]), smab)
    bad_config = folder / "bad.toml"
    bad_config.write_text('class = "CmabBernoulli"\n[cold_start]\naction_ids = ["a", "b"]\nn_features = 0\n')
    _categorical_files(folder)
    bad_limited, bad_share = folder / "bad_limited.toml", folder / "bad_share.json"
    bad_limited.write_text(
        'class = "CmabBernoulli"\n[cold_start]\naction_ids = ["a", "b"]\nn_features = 2\n'
        'limited_actions = ["zz"]\nlimited_action_fraction = 0.5\n'
    )
    bad_share.write_text(
        '{"class": "SmabBernoulli", "cold_start": {"action_ids": ["a", "b"], "epsilon": 0.1, '
        '"default_action": "a", "default_action_fraction": 0}}'
    )
    places = {
        "folder": folder,
        "cat": folder / "cat.json",
        "state": state,
        "data": data,
        "out": folder / "out.json",
        "missing": folder / "missing.csv",
        "bad_data": bad_data,
        "smab": smab,
        "bad_config": bad_config,
        "bad_limited": bad_limited,
        "bad_share": bad_share,
    }
    before = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    code = cli.main([arg.format(**places) for arg in argv])
    assert code == 2
    err = capsys.readouterr().err
    assert named in err and "expected" in err, err
    assert {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in folder.rglob("*") if p.is_dir()) == ["folder"]
    assert not any(name.endswith((".tmp", ".probe")) for name in os.listdir(folder))
    assert (folder / "pipe").is_fifo()
