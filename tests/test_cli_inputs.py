"""The command line's inputs and outputs: category cells read as text, refusals with exit code 2 that name
the file, row and column, and output paths checked before any work (so a refusal writes nothing)."""

import re

import numpy as np
import pandas as pd
import pytest

import pybandits
from pybandits.cli import main
from pybandits.cmab import CmabBernoulli
from pybandits.offline import evaluate

FAST = {"num_steps": 30}


def _bandit(segment=5) -> CmabBernoulli:
    return CmabBernoulli.cold_start(
        action_ids={"a", "b"},
        n_features=2,
        feature_names=["age", "segment"],
        categorical_features={"segment": segment},
        update_kwargs=FAST,
        random_seed=0,
    )


def _update(folder, data, state="state.json", out="out.json") -> int:
    return main(
        ["update", "--state", str(folder / state), "--data", str(folder / data), "--out", str(folder / out), "--quiet"]
    )


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# -- (5) one category, one level ------------------------------------------------------------------


def test_digits_and_text_in_one_column_are_one_vocabulary_of_text(tmp_path):
    pybandits.save(_bandit(), tmp_path / "state.json")
    (tmp_path / "digits.csv").write_text("action,reward,age,segment\na,1,0.1,1\nb,0,0.2,2\n")
    (tmp_path / "mixed.csv").write_text("action,reward,age,segment\na,1,0.1,1\nb,0,0.2,2\na,1,0.3,vip\n")
    assert _update(tmp_path, "digits.csv") == 0
    assert _update(tmp_path, "mixed.csv", state="out.json", out="out2.json") == 0
    assert pybandits.load(tmp_path / "out2.json").vocabularies == {1: ["1", "2", "vip"]}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_codes_keep_their_leading_zeros(tmp_path, suffix):
    pybandits.save(_bandit(), tmp_path / "state.json")
    frame = pd.DataFrame(
        {"action": ["a", "b", "a"], "reward": [1, 0, 1], "age": [0.1, 0.2, 0.3], "segment": ["007", "7", "010"]}
    )
    frame.to_csv(tmp_path / "data.csv", index=False) if suffix == ".csv" else frame.to_parquet(
        tmp_path / "data.parquet"
    )
    assert _update(tmp_path, f"data{suffix}") == 0
    assert pybandits.load(tmp_path / "out.json").vocabularies == {1: ["007", "7", "010"]}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cells_of_a_file_map_onto_integer_levels_made_in_python(tmp_path, suffix):
    declared = _bandit(segment=[1, 2])  # full: a new level would be refused
    learned = _bandit(segment=4)
    learned.update(["a", "b"], [1, 0], pd.DataFrame({"age": [0.0, 1.0], "segment": [1, 2]}))
    assert learned.vocabularies == {1: [1, 2]}
    frame = pd.DataFrame({"action": ["a", "b", "a"], "reward": [1, 0, 1], "age": [0.1, 0.2, 0.3], "segment": [2, 1, 3]})
    if suffix == ".csv":
        frame.to_csv(tmp_path / "data.csv", index=False)
    else:
        frame.to_parquet(tmp_path / "data.parquet")  # an integer column
    for name, mab, expected in (("declared", declared, [1, 2]), ("learned", learned, [1, 2, "3"])):
        pybandits.save(mab, tmp_path / f"{name}.json")
        if name == "declared":
            frame.iloc[:2].to_csv(tmp_path / "two.csv", index=False)
            assert _update(tmp_path, "two.csv", state=f"{name}.json", out=f"{name}_out.json") == 0
        else:
            assert _update(tmp_path, f"data{suffix}", state=f"{name}.json", out=f"{name}_out.json") == 0
        assert pybandits.load(tmp_path / f"{name}_out.json").vocabularies == {1: expected}


def test_evaluate_reads_category_cells_as_text(tmp_path):
    mab = _bandit(segment=["007", "008"])
    mab.update(
        ["a", "b"] * 10, [1, 0] * 10, pd.DataFrame({"age": np.linspace(0, 1, 20), "segment": ["007", "008"] * 10})
    )
    logs = pd.DataFrame({"action": ["a", "b"] * 20, "reward": [1, 0, 0, 1] * 10, "age": 0.1, "propensity": 0.5})
    logs["segment"] = ["007", "008"] * 20
    logs.to_csv(tmp_path / "logs.csv", index=False)
    kwargs = {"estimators": ["ipw"], "n_bootstrap": 20, "n_draws": 200, "random_seed": 3}
    from_frame = evaluate(mab, logs, **kwargs)
    from_file = evaluate(mab, tmp_path / "logs.csv", **kwargs)
    pd.testing.assert_frame_equal(from_frame, from_file)


# -- (8) refusals inside update: exit 2, file, row and column named, nothing written ---------------


def _parquet_cells(values):
    return pd.DataFrame({"action": ["a"] * len(values), "reward": [1] * len(values), "age": 0.0, "segment": values})


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda p: p.with_suffix(".csv").write_text("action,reward,age,segment\na,1,0,x\na,1,0,y\nb,0,0,z\n"),
            r"row 4, column 'segment': .*3 values not in its vocabulary \('x', 'y', 'z'\).*room for 2 more",
        ),
        (
            lambda p: _parquet_cells([True, False]).to_parquet(p.with_suffix(".parquet")),
            r"row 2, column 'segment': expected a category value \(text or an integer\), got True \(bool\)",
        ),
        (
            lambda p: _parquet_cells([1.0, 2.5]).to_parquet(p.with_suffix(".parquet")),
            r"row 2, column 'segment': expected a category value \(text or an integer\), got 1.0 \(float\)",
        ),
        (
            lambda p: p.with_suffix(".parquet").write_bytes(b"PAR1 this is not parquet PAR1"),
            r"expected a Parquet file, got one that cannot be read",
        ),
    ],
    ids=["too-many-new-categories", "bool-cells", "float-cells", "corrupt-parquet"],
)
def test_bad_cells_exit_2_naming_file_row_and_column(tmp_path, capsys, write, message):
    pybandits.save(_bandit(segment=2), tmp_path / "state.json")
    write(tmp_path / "bad")
    data = next(p.name for p in tmp_path.iterdir() if p.stem == "bad")
    before = _files(tmp_path)
    assert _update(tmp_path, data) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / data) in err and re.search(message, err), err
    assert _files(tmp_path) == before


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("folder", "--out: expected a file, got the folder"),
        ("note.txt/out.json", "is a file, not a folder"),
        ("missing/out.json", "no such folder"),
    ],
)
def test_an_output_that_cannot_be_written_exits_2_before_any_work(tmp_path, capsys, out, message):
    pybandits.save(_bandit(), tmp_path / "state.json")
    (tmp_path / "data.csv").write_text("action,reward,age,segment\na,1,0.1,x\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "note.txt").write_text("a file")
    before = _files(tmp_path)
    assert _update(tmp_path, "data.csv", out=out) == 2
    err = capsys.readouterr().err
    assert message in err and str(tmp_path / out) in err, err
    assert _files(tmp_path) == before


def test_a_folder_as_state_or_data_exits_2(tmp_path, capsys):
    pybandits.save(_bandit(), tmp_path / "state.json")
    (tmp_path / "folder").mkdir()
    (tmp_path / "data.csv").write_text("action,reward,age,segment\na,1,0.1,x\n")
    assert _update(tmp_path, "data.csv", state="folder") == 2
    assert "--state: expected a saved bandit, got the folder" in capsys.readouterr().err
    assert _update(tmp_path, "folder") == 2  # a folder is a dataset: of Parquet or CSV files
    assert "--data: expected a folder of .parquet or .csv files, got" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(
    ("plot", "message"),
    [
        ("missing/report.png", "--plot: expected a file in an existing folder"),
        ("report.xyz", "--plot: expected an image format matplotlib writes"),
        ("folder", "--plot: expected a file, got the folder"),
    ],
)
def test_evaluate_checks_the_plot_before_writing_the_report(tmp_path, capsys, plot, message):
    mab = _bandit()
    pybandits.save(mab, tmp_path / "state.json")
    rng = np.random.default_rng(0)
    logs = pd.DataFrame({"action": rng.choice(["a", "b"], 20), "reward": rng.integers(0, 2, 20), "age": 0.1})
    logs.assign(segment="x", propensity=0.5).to_csv(tmp_path / "logs.csv", index=False)
    (tmp_path / "folder").mkdir()
    before = _files(tmp_path)
    argv = ["evaluate", "--state", str(tmp_path / "state.json"), "--data", str(tmp_path / "logs.csv")]
    code = main([*argv, "--out", str(tmp_path / "report.csv"), "--plot", str(tmp_path / plot), "--bootstrap", "5"])
    assert code == 2
    assert message in capsys.readouterr().err
    assert _files(tmp_path) == before


def test_an_output_may_not_replace_an_input_it_is_not_meant_to(tmp_path, capsys):
    pybandits.save(_bandit(), tmp_path / "state.json")
    (tmp_path / "contexts.csv").write_text("age,segment\n0.1,x\n")
    before = _files(tmp_path)
    argv = ["predict", "--state", str(tmp_path / "state.json"), "--data", str(tmp_path / "contexts.csv")]
    assert main([*argv, "--out", str(tmp_path / "state.json")]) == 2
    assert "--out: expected a file other than --state" in capsys.readouterr().err
    assert main([*argv, "--out", str(tmp_path / "contexts.csv")]) == 2
    assert "--out: expected a file other than --data" in capsys.readouterr().err
    assert _files(tmp_path) == before


# -- (12) Parquet datetimes are not numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [pd.to_datetime(["2024-01-01", "2024-01-02"]), pd.to_timedelta([1, 2], unit="D")],
    ids=["datetime", "timedelta"],
)
@pytest.mark.parametrize("column", ["age", "reward"])
def test_a_parquet_datetime_column_is_refused_by_name(tmp_path, capsys, values, column):
    pybandits.save(_bandit(), tmp_path / "state.json")
    frame = pd.DataFrame({"action": ["a", "b"], "reward": [1, 0], "age": [0.1, 0.2], "segment": ["x", "y"]})
    frame[column] = values
    frame.to_parquet(tmp_path / "data.parquet")
    frame.drop(columns=["action", "reward"]).to_parquet(tmp_path / "contexts.parquet")
    before = _files(tmp_path)
    assert _update(tmp_path, "data.parquet") == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'data.parquet'}: row 2, column {column!r}: expected" in err, err
    if column == "age":
        argv = ["predict", "--state", str(tmp_path / "state.json"), "--data", str(tmp_path / "contexts.parquet")]
        assert main([*argv, "--out", str(tmp_path / "p.csv")]) == 2
        assert "row 2, column 'age': expected a finite number, got Time" in capsys.readouterr().err
        with pytest.raises(ValueError, match=r"numeric 'age' \(column 0\), got Time"):
            _bandit().predict(frame.drop(columns=["action", "reward"]))
    assert _files(tmp_path) == before


def test_a_state_with_a_key_twice_exits_2_naming_the_key(tmp_path, capsys):
    text = _bandit().get_state()[1]
    (tmp_path / "twice.json").write_text(text[:-1] + ', "class": "CmabBernoulli"}')
    assert main(["info", "--state", str(tmp_path / "twice.json")]) == 2
    assert "expected every key once in a JSON object, got ['class'] more than once" in capsys.readouterr().err


# -- cells a text file holds that are not categories, and blanks around codes ---------------------


@pytest.mark.parametrize(
    ("cells", "shown"),
    [
        (["1.0", "2.0"], "'1.0'"),
        (["True", "False"], "'True'"),
        (["vip", "false"], "'false'"),
        (["-3.00", "x"], "'-3.00'"),
    ],
)
def test_boolean_and_decimal_cells_of_a_csv_are_refused_like_typed_ones(tmp_path, capsys, cells, shown):
    trained = _bandit()
    trained.update(context=pd.DataFrame({"age": [0.1, 0.2], "segment": [1, 2]}), actions=["a", "b"], rewards=[1, 0])
    pybandits.save(trained, tmp_path / "state.json")
    (tmp_path / "data.csv").write_text("action,reward,age,segment\n" + "".join(f"a,1,0.1,{c}\n" for c in cells))
    before = _files(tmp_path)
    assert _update(tmp_path, "data.csv") == 2
    err = capsys.readouterr().err
    assert "column 'segment'" in err and shown in err, err
    assert _files(tmp_path) == before


def test_blanks_around_a_code_in_a_csv_are_not_part_of_it(tmp_path):
    trained = _bandit()
    trained.update(context=pd.DataFrame({"age": [0.1, 0.2], "segment": [1, 2]}), actions=["a", "b"], rewards=[1, 0])
    pybandits.save(trained, tmp_path / "state.json")
    (tmp_path / "data.csv").write_text("action,reward,age,segment\na,1,0.1, 1\nb,0,0.2,2 \n")
    assert _update(tmp_path, "data.csv") == 0
    assert pybandits.load(tmp_path / "out.json").vocabularies == {1: [1, 2]}


def test_a_missing_cell_of_a_nullable_integer_column_exits_2_naming_it(tmp_path, capsys):
    pybandits.save(_bandit(), tmp_path / "state.json")
    frame = pd.DataFrame(
        {"action": ["a", "b"], "reward": [1, 0], "age": [0.1, 0.2], "segment": pd.array([1, None], dtype="Int64")}
    )
    frame.to_parquet(tmp_path / "data.parquet")
    assert _update(tmp_path, "data.parquet") == 2
    err = capsys.readouterr().err
    assert "data.parquet" in err and "column 'segment'" in err and "empty cell" in err, err
