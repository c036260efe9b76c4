"""The examples run as a user would run them, and print what they promise."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_smab_quickstart_runs_and_finds_the_best_arm():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "smab_quickstart.py")], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "After 5000 plays:" in result.stdout
    share = int(result.stdout.split("Share of the best arm ('blue') in the next 1000 decisions: ")[1].split("%")[0])
    assert share >= 80
    assert "equal to the original: True" in result.stdout
