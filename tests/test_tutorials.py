"""The transfer-learning examples run top to bottom as users run them, and print what they promise."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_TUTORIAL = ROOT.parent / "shared" / "seed" / "transfer_learning_tutorial.ipynb"


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, unchanged, joined into one program."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "\n\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")


def run_python(code: str | None = None, script: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, str(script)] if script else [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_transfer_learning_script():
    result = run_python(script=ROOT / "examples" / "transfer_learning.py")
    out = result.stdout
    assert result.stderr == ""  # quiet: no progress bars or warnings
    assert "Step 1: trained on 3 features and 2 offers" in out
    assert "features                      3 -> 4" in out
    assert "actions added (cold start)    offer_C" in out
    assert "offer_A: counts and the 3 learned weight rows kept, weight matrix (3, 1) -> (4, 1)" in out
    assert "offer_C starts cold: n_successes=1, n_failures=1" in out
    assert "Step 3: continued training on 4 features and 3 offers" in out


def test_transfer_learning_notebook():
    result = run_python(code=notebook_code(ROOT / "examples" / "transfer_learning.ipynb"))
    assert "offer_C starts cold: n_successes=1, n_failures=1" in result.stdout
    assert result.stderr == ""


@pytest.mark.skipif(not SEED_TUTORIAL.exists(), reason="the seed tutorial lives beside the repository, in ../shared")
def test_seed_tutorial_runs_unchanged():
    result = run_python(code=notebook_code(SEED_TUTORIAL))
    out = result.stdout
    assert "Actions : ['action_A', 'action_B', 'action_C']" in out
    assert "Features: 4" in out
    assert out.count("✓") == 2
    assert "action_C: n_successes=1, n_failures=1" in out
    assert "Continued training complete." in out
    assert result.stderr == ""


#: Each simulation notebook and a line it promises to print.
SIMULATION_NOTEBOOKS = {
    "smab_simulation.ipynb": "x a uniformly random policy",
    "cmab_simulation.ipynb": "hidden_dim_list=[8]",
    "revenue_offers.ipynb": "noise sd",
    "categorical_players.ipynb": "largest change for known countries: 0.0",
    "offline_evaluation.ipynb": "candidate: true value",
    "shared_trunk.ipynb": "trunk features unchanged with the new feature at 0: True",
    "quantities_and_pricing.ipynb": "restored equal: True",
    "seasons.ipynb": "change detection found the season changes: True",
    "inspection.ipynb": "the bandit is unchanged by looking: True",
    "from_8x/networks.ipynb": "bias prior kept: mu [1.0] sigma [2.0]",
    "from_8x/smab_simulator.ipynb": "the bandit learned the best action: True",
    "from_8x/cmab_simulator.ipynb": "the bandit learned each group's best action: True",
    "from_8x/ope.ipynb": "the trained bandit is worth more by dr: True",
    "from_8x/smab_zooming.ipynb": "the bandit found a peak: True",
    "from_8x/cmab_quant_bnn.ipynb": "the learned policy sells more: True",
    "from_8x/smab.ipynb": "the bandit prefers a2: True",
}


@pytest.mark.parametrize("name", list(SIMULATION_NOTEBOOKS))  # one test each: ``--durations`` shows what each costs
def test_simulation_notebooks_run_quickly(name):
    promise = SIMULATION_NOTEBOOKS[name]
    code = notebook_code(ROOT / "examples" / name)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYBANDITS_QUICK": "1", "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert promise in result.stdout
    assert result.stderr == ""


def test_batch_retraining_example(tmp_path):
    result = run_python(script=ROOT / "examples" / "batch_retraining" / "run_job.py")
    out = result.stdout
    assert "wrote 20000 logged rows" in out
    assert "update: counts before -> after" in out and "email: 1/1 -> " in out
    assert "class      CmabBernoulli" in out
    assert "sampled_probability_email" in out
    assert "actions added (cold start)    sms" in out and "features                      4 -> 5" in out
    assert "update_kwargs.batch_size      512 -> None" in out


def test_cluster_retraining_example(tmp_path):
    pytest.importorskip("distributed")
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cluster_retraining" / "run_job.py"), str(tmp_path), "--rows", "2000"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "wrote 7 days x 2000 logged rows" in out
    assert "14000 rows from 7 partitions of" in out and "path: no shuffle" in out and "on the cluster at" in out
    dr = float(out.split("dr: ")[1].split()[0])
    logged = float(out.split("logged: ")[1].split()[0])
    assert dr > logged  # the retrained bandit beats the uniform logging policy on these logs
    assert "predict: 1000 choices" in out
