"""The engines package: the one place that imports PyMC; planning on protocols; a worker's compile slot."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pybandits.engines.plan import Fittable, PerObjective, assemble, plan_fits

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT, timeout=300
    )
    return result.stdout.strip()


def test_no_model_module_imports_pymc_pytensor_nutpie_or_the_engines():
    code = (
        "import importlib, pkgutil, sys\n"
        "import pybandits.model\n"
        "for info in pkgutil.walk_packages(pybandits.model.__path__, 'pybandits.model.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted(m for m in ('pymc', 'pytensor', 'nutpie', 'arviz') if m in sys.modules))\n"
    )
    assert _run(code) == "[]"
    for path in (ROOT / "pybandits" / "model").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]):  # every import, at any indentation
                assert not any(
                    words[1].startswith(name) for name in ("pymc", "pytensor", "nutpie", "pybandits.engines")
                ), f"{path.name}: {line.strip()}"
                assert words[1] != "pybandits.parallel", f"{path.name}: {line.strip()}"


def test_threads_of_a_worker_claim_one_compile_slot_between_them(tmp_path):
    code = (
        "import multiprocessing, os, sys, threading\n"
        "os.environ.pop('PYTENSOR_FLAGS', None)\n"
        "os.environ['PYBANDITS_WORKER_COMPILEDIR'] = sys.argv[1]\n"
        "multiprocessing.parent_process = lambda: object()  # as in a worker process\n"
        "from pybandits.engines import backend\n"
        "assert 'pytensor' not in sys.modules\n"
        "barrier = threading.Barrier(16)\n"
        "def claim():\n"
        "    barrier.wait()\n"
        "    backend.claim_compile_slot()\n"
        "threads = [threading.Thread(target=claim) for _ in range(16)]\n"
        "[thread.start() for thread in threads]\n"
        "[thread.join() for thread in threads]\n"
        "backend.claim_compile_slot()  # claimed already: nothing changes\n"
        "print(os.environ['PYTENSOR_FLAGS'])\n"
    )
    for _ in range(3):
        assert _run(code, str(tmp_path)) == f"base_compiledir={tmp_path / 'slot-0'}"


@dataclass(frozen=True)
class _Network:
    """A model that is not a Bnn: what planning reads of a network, and a name."""

    name: str
    fit_key: tuple | None
    actions_per_fit: int = 128


@dataclass(frozen=True)
class _Objectives:
    objectives: tuple
    cost: float = 0.0

    def with_objectives(self, objectives):
        return replace(self, objectives=tuple(objectives))


def test_plans_are_made_for_any_model_with_the_protocol():
    models = {
        "a": _Network("a", ("graph", 1)),
        "b": _Network("b", ("graph", 1)),
        "c": _Network("c", None),  # fitted alone
        "d": _Objectives((_Network("d0", ("graph", 1)), _Network("d1", ("graph", 2)))),
    }
    assert isinstance(models["a"], Fittable) and isinstance(models["d"], PerObjective)
    assert not isinstance(models["a"], PerObjective)
    tasks = [(action, np.arange(n), seed) for seed, (action, n) in enumerate({"a": 3, "b": 5, "c": 3, "d": 4}.items())]
    groups = plan_fits(models, tasks, np.zeros((5, 2)), np.zeros((5, 2)))
    assert [group.members for group in groups] == [[("b", None), ("d", 0), ("a", None)], [("c", None)], [("d", 1)]]
    fitted = [[replace(model, name=model.name + "'") for model in group.models] for group in groups]
    new = assemble(models, groups, fitted)
    assert [model.name for model in new["d"].objectives] == ["d0'", "d1'"] and new["d"].cost == 0.0
    assert {action: getattr(model, "name", None) for action, model in new.items() if action != "d"} == {
        "b": "b'",
        "a": "a'",
        "c": "c'",
    }


def test_one_network_s_rows_enter_its_graph_without_a_copy_unless_unaligned():
    from pybandits.engines.graph import stack_rows
    from pybandits.model.bnn.action import Bnn

    action = Bnn.cold_start(n_features=10)
    rows = np.random.default_rng(0).normal(size=(5, 10))
    block, _, mask = stack_rows([action], [rows], [np.ones(5)], 1)
    assert np.shares_memory(block, rows) and block.shape == (1, 5, 10) and mask.tolist() == [[1.0] * 5]
    buffer = bytearray(rows.nbytes + 1)  # rows that arrived from another process may sit at an odd address
    unaligned = np.frombuffer(memoryview(buffer)[1:], dtype=np.float64).reshape(5, 10)
    unaligned[:] = rows
    block, _, _ = stack_rows([action], [unaligned], [np.ones(5)], 1)
    assert block.flags.aligned and np.array_equal(block[0], rows)
