import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pybandits
from pybandits.bandits.base import BaseMab
from pybandits.bandits.strategies import CostControlBandit
from pybandits.smab import SmabBernoulli, SmabBernoulliCC, SmabBernoulliMO, SmabBernoulliMOCC
from pybandits.state import SCHEMA_VERSION


@pytest.fixture
def trained():
    mab = SmabBernoulliCC.cold_start(
        action_ids_cost={"a": 0.1, "b": 2.0 / 3.0},
        strategy=CostControlBandit(subsidy_factor=0.1 + 0.2),
        epsilon=0.05,
        default_action="a",
        random_seed=9,
    )
    mab.update(actions=["a", "b", "b"], rewards=[1, 0, 1])
    mab.predict(n_samples=3)  # move the generator away from its seed
    return mab


def test_state_round_trip_is_exact(trained):
    class_name, text = trained.get_state()
    assert class_name == "SmabBernoulliCC"
    restored = SmabBernoulliCC.from_state(text)
    assert restored == trained
    assert restored.get_state() == (class_name, text)
    assert restored.actions["b"].cost == 2.0 / 3.0  # floats read back bit for bit
    assert restored.strategy.subsidy_factor == 0.1 + 0.2


def test_state_document_layout(trained):
    document = json.loads(trained.get_state()[1])
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["class"] == "SmabBernoulliCC"
    assert document["pybandits_version"] == pybandits.__version__
    assert document["bandit"]["actions"]["b"] == {"n_successes": 2, "n_failures": 2, "cost": 2.0 / 3.0}


def test_loaded_bandit_continues_the_random_stream(trained):
    restored = SmabBernoulliCC.from_state(trained.get_state()[1])
    assert restored.predict(n_samples=20) == trained.predict(n_samples=20)
    # ...and does not replay the draws made before saving:
    replay = SmabBernoulliCC.cold_start(
        action_ids_cost={"a": 0.1, "b": 2.0 / 3.0},
        strategy=CostControlBandit(0.3),
        epsilon=0.05,
        default_action="a",
        random_seed=9,
    )
    assert restored.predict(n_samples=3)[1] != replay.predict(n_samples=3)[1]


def test_from_state_accepts_a_parsed_document(trained):
    assert SmabBernoulliCC.from_state(json.loads(trained.get_state()[1])) == trained


def test_base_class_dispatches_on_the_recorded_class(trained):
    restored = BaseMab.from_state(trained.get_state()[1])
    assert type(restored) is SmabBernoulliCC


def test_state_of_another_class_is_refused(trained):
    with pytest.raises(ValueError, match="expected a SmabBernoulli state, got a SmabBernoulliCC state"):
        SmabBernoulli.from_state(trained.get_state()[1])


@pytest.mark.parametrize("version", [0, SCHEMA_VERSION + 1, "1", None])
def test_state_of_another_schema_version_is_refused(trained, version):
    document = json.loads(trained.get_state()[1])
    document["schema_version"] = version
    with pytest.raises(ValueError, match=f"expected schema version {SCHEMA_VERSION}.*got {version!r}"):
        SmabBernoulliCC.from_state(json.dumps(document))


def test_newer_schema_says_to_upgrade(trained):
    document = json.loads(trained.get_state()[1])
    document["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(ValueError, match="newer pybandits"):
        BaseMab.from_state(document)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("rng"), "missing \\['rng'\\]"),
        (lambda d: d.update(extra=1), "unknown \\['extra'\\]"),
        (lambda d: d.update({"class": "Nope"}), "expected the class of a pybandits bandit"),
        (lambda d: d["bandit"]["actions"]["a"].update(n_successes=0), "not a valid SmabBernoulliCC"),
        (lambda d: d["bandit"]["actions"]["a"].update(cost=None), "needs a cost for every action"),
        (lambda d: d["bandit"].update(default_action="zzz"), "default_action"),
        (lambda d: d["bandit"]["strategy"].update(subsidy_factor=2), "subsidy_factor"),
        (lambda d: d["bandit"].update(surprise=True), "surprise"),
        (lambda d: d["rng"].update(state="not a number"), "random generator"),
    ],
)
def test_damaged_states_are_refused(trained, edit, message):
    document = json.loads(trained.get_state()[1])
    edit(document)
    with pytest.raises(ValueError, match=message):
        SmabBernoulliCC.from_state(json.dumps(document))


@pytest.mark.parametrize("text", ["", "{", "[]", '"x"', "[" * 100_000])
def test_text_that_is_not_a_state_is_refused(text):
    with pytest.raises(ValueError, match="state: expected"):
        BaseMab.from_state(text)


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda text: text[:-1] + ', "class": "SmabBernoulli"}', "class"),  # the envelope
        (lambda text: text.replace('"n_failures": 1,', '"n_failures": 1, "n_failures": 7,', 1), "n_failures"),
        (
            lambda text: text.replace('"subsidy_factor":', '"subsidy_factor": 0.9, "subsidy_factor":', 1),
            "subsidy_factor",
        ),
    ],
)
def test_a_key_given_twice_is_refused_by_name_not_read_as_the_last(tmp_path, trained, edit, key):
    text = edit(trained.get_state()[1])
    assert text != trained.get_state()[1]
    message = rf"state: expected every key once in a JSON object, got \['{key}'\] more than once"
    with pytest.raises(ValueError, match=message):
        BaseMab.from_state(text)
    (tmp_path / "twice.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        pybandits.load(tmp_path / "twice.json")


def test_save_and_load(tmp_path, trained):
    path = tmp_path / "mab.json"
    pybandits.save(trained, path)
    loaded = pybandits.load(path)
    assert type(loaded) is SmabBernoulliCC
    assert loaded == trained
    pybandits.save(trained, str(path))  # str paths too, overwriting
    assert pybandits.load(str(path)) == trained
    assert os.listdir(tmp_path) == ["mab.json"]  # no temporary file left behind


def test_save_of_multi_objective_bandits(tmp_path):
    for mab in (
        SmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_objectives=3, random_seed=0),
        SmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1, "b": 2}, n_objectives=2, random_seed=0),
    ):
        mab.update(actions=["a", "b"], rewards=np.ones((2, mab.n_objectives), dtype=int))
        pybandits.save(mab, tmp_path / "mo.json")
        assert pybandits.load(tmp_path / "mo.json") == mab


def test_load_names_the_file_of_a_bad_state(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 1}')
    with pytest.raises(ValueError, match="broken.json: state: expected keys"):
        pybandits.load(path)


def test_failed_save_keeps_the_old_file(tmp_path, trained, monkeypatch):
    path = tmp_path / "mab.json"
    pybandits.save(trained, path)
    before = path.read_text()

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    other = SmabBernoulli.cold_start(action_ids={"x"})
    with pytest.raises(OSError, match="disk on fire"):
        pybandits.save(other, path)
    assert path.read_text() == before
    assert os.listdir(tmp_path) == ["mab.json"]


def test_save_and_load_check_their_arguments(tmp_path, trained):
    with pytest.raises(TypeError, match="bandit: expected a pybandits bandit"):
        pybandits.save({"not": "a bandit"}, tmp_path / "x.json")
    with pytest.raises(TypeError, match="path: expected a file path"):
        pybandits.save(trained, 42)
    with pytest.raises(FileNotFoundError):
        pybandits.load(tmp_path / "missing.json")


def test_load_finds_a_contextual_bandit_without_importing_its_module_first(tmp_path):
    """A fresh process that only imports pybandits can load any bandit class."""
    from pybandits.cmab import CmabBernoulliMOCC

    path = tmp_path / "mab.json"
    pybandits.save(
        CmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0}, n_features=2, n_objectives=2, random_seed=0), path
    )
    script = "import sys, pybandits; print(type(pybandits.load(sys.argv[1])).__name__)"
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "CmabBernoulliMOCC"


def test_saving_over_a_pipe_is_refused_and_a_symbolic_link_is_written_through(tmp_path):
    mab = SmabBernoulli.cold_start(action_ids=["a"], random_seed=0)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # like /dev/null: replacing it by a file would destroy it
    with pytest.raises(ValueError, match="path: expected a regular file"):
        pybandits.save(mab, pipe)
    assert pipe.is_fifo()
    target, link = tmp_path / "mab.json", tmp_path / "latest.json"
    target.write_text("{}")
    link.symlink_to(target)
    pybandits.save(mab, link)
    assert link.is_symlink() and pybandits.load(target) == mab
