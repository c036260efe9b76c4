"""The command line in the table of wrong calls: a wrong argument exits with code 2, names the
option (or the data file) and what was expected, and touches no file."""

import os

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
    places = {
        "state": state,
        "data": data,
        "out": folder / "out.json",
        "missing": folder / "missing.csv",
        "bad_data": bad_data,
        "smab": smab,
        "bad_config": bad_config,
    }
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code = cli.main([arg.format(**places) for arg in argv])
    assert code == 2
    err = capsys.readouterr().err
    assert named in err and "expected" in err, err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not any(name.endswith(".tmp") for name in os.listdir(folder))
