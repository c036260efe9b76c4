"""Faults: a failed, killed or interrupted operation never loses or corrupts a model."""

import errno
import os
import signal
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

import pybandits
from pybandits.cmab import CmabBernoulli
from pybandits.engines.executors import process_pool
from pybandits.model.bnn.action import Bnn
from pybandits.smab import SmabBernoulli

CONTEXT = np.random.default_rng(0).normal(size=(40, 3))
ACTIONS = ["a", "b"] * 20
REWARDS = [1, 0, 0, 1] * 10


def fresh():
    return CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 20}, random_seed=0)


class DyingBnn(Bnn):
    """An action whose fit kills the worker process without a word (imported by spawned workers)."""

    def with_fit(self, result, rewards):
        os._exit(13)


def test_a_worker_process_that_dies_leaves_the_bandit_unchanged():
    mab = fresh()
    mab.actions = {"a": mab.actions["a"], "b": DyingBnn.model_validate(mab.actions["b"].model_dump())}
    before = mab.get_state()
    with process_pool(2, start=False) as executor, pytest.raises(BrokenProcessPool):
        mab.update(ACTIONS, REWARDS, CONTEXT, executor=executor)
    assert mab.get_state() == before


def test_keyboard_interrupt_during_an_update_leaves_the_bandit_unchanged(monkeypatch):
    mab = fresh()
    before = mab.get_state()
    calls = []

    real = Bnn.with_fit

    def interrupted(self, result, rewards):  # the second network's fit is interrupted
        calls.append(len(rewards))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, result, rewards)

    monkeypatch.setattr(Bnn, "with_fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mab.update(ACTIONS, REWARDS, CONTEXT)
    assert mab.get_state() == before


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "mab.json"
    pybandits.save(SmabBernoulli.cold_start(action_ids={"old"}), path)
    old = path.read_text()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        pybandits.save(SmabBernoulli.cold_start(action_ids={"new"}), path)
    assert path.read_text() == old
    assert os.listdir(tmp_path) == ["mab.json"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            pybandits.save(SmabBernoulli.cold_start(action_ids={"a"}), folder / "mab.json")
    finally:
        folder.chmod(0o700)


SAVE_FOREVER = """
import sys
import pybandits
from pybandits.smab import SmabBernoulli
mab = SmabBernoulli.cold_start(action_ids={f"action-{i}" for i in range(2000)})
print("ready", flush=True)
while True:
    pybandits.save(mab, sys.argv[1])
"""


def rounds(short: int, long: int) -> list:
    """``short`` rounds by default; ``long`` in all with ``pytest --long`` (the soak version)."""
    return [*range(short), *(pytest.param(r, marks=pytest.mark.long) for r in range(short, long))]


@pytest.mark.parametrize("round_", rounds(3, 60))
def test_sigkill_while_saving_never_leaves_a_broken_file(tmp_path, round_):
    """Kill a process that saves in a loop at random moments: the file is always whole."""
    path = tmp_path / "state.json"
    pybandits.save(SmabBernoulli.cold_start(action_ids={"old"}), path)
    rng = np.random.default_rng(round_)
    for _ in range(5):
        process = subprocess.Popen([sys.executable, "-c", SAVE_FOREVER, str(path)], stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        try:
            process.wait(timeout=float(rng.uniform(0.01, 0.3)))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        loaded = pybandits.load(path)  # never a half-written file
        assert len(loaded.actions) in {1, 2000}


CONCURRENT_SAVE = """
import sys
import pybandits
from pybandits.smab import SmabBernoulli
mab = SmabBernoulli.cold_start(action_ids={sys.argv[2] + str(i) for i in range(500)})
for _ in range(30):
    pybandits.save(mab, sys.argv[1])
"""


@pytest.mark.parametrize("round_", rounds(1, 15))
def test_two_processes_saving_to_one_path(tmp_path, round_):
    path = tmp_path / "state.json"
    writers = [subprocess.Popen([sys.executable, "-c", CONCURRENT_SAVE, str(path), prefix]) for prefix in ("x", "y")]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    loaded = pybandits.load(path)
    prefixes = {action_id[0] for action_id in loaded.actions}
    assert prefixes in ({"x"}, {"y"}) and len(loaded.actions) == 500
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
