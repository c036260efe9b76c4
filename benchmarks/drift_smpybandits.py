"""GLR-klUCB of SMPyBandits 0.9.7 on the streams of ``bench_drift`` (a benchmark-only peer, Python 3.10).

Set up once (SMPyBandits needs an older numpy and scipy)::

    python3.10 -m venv venv-smpy
    venv-smpy/bin/pip install smpybandits==0.9.7 "scipy<1.12" "numpy<1.25"

Write the streams with the library's Python, then play them with SMPyBandits::

    python benchmarks/drift_smpybandits.py write streams.npz --runs 50
    venv-smpy/bin/python benchmarks/drift_smpybandits.py play streams.npz

The policy is built as SMPyBandits' ``configuration_nonstationary.py`` builds its local-restart
GLR-klUCB, with Upsilon_T = 4 change points, K = 3 and T = 5000 (see :func:`make_glr_klucb`).
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

N_ARMS, UPSILON, HORIZON = 3, 4, 5000
DELTA = 1.0 / math.sqrt(N_ARMS * UPSILON * HORIZON)  # SMPyBandits' DELTA_LOCAL
ALPHA0 = 0.05 * math.sqrt(N_ARMS * UPSILON * math.log(HORIZON) / HORIZON)  # ALPHA_LOCAL


def make_glr_klucb():
    """SMPyBandits' local-restart GLR-klUCB, with the arguments of its non-stationary configuration."""
    from SMPyBandits.Policies import BernoulliGLR_IndexPolicy_WithDeterministicExploration, klUCB_forGLR

    return BernoulliGLR_IndexPolicy_WithDeterministicExploration(
        N_ARMS,
        policy=klUCB_forGLR,
        per_arm_restart=True,
        delta=DELTA,
        alpha0=ALPHA0,
        lazy_detect_change_only_x_steps=10,
        lazy_try_value_s_only_x_steps=10,
        use_localization=True,
    )


def write(path: str, n_runs: int) -> None:
    from bench_drift import WORLDS

    np.savez_compressed(
        path,
        **{f"{name}_rewards": world.rewards(n_runs).astype(np.int8) for name, world in WORLDS.items()},
        **{f"{name}_means": world.mean_table() for name, world in WORLDS.items()},
    )


def play(path: str) -> None:
    import contextlib
    import io

    data = np.load(path)
    print(f"GLR-klUCB (SMPyBandits), delta={DELTA:.5f}, alpha0={ALPHA0:.5f}")
    for name in [key[: -len("_rewards")] for key in data.files if key.endswith("_rewards")]:
        rewards, means = data[f"{name}_rewards"], data[f"{name}_means"]
        best = means.max(axis=1)
        regrets, restarts = [], []
        start = time.perf_counter()
        for run in range(len(rewards)):
            np.random.seed(run)  # noqa: NPY002 (SMPyBandits draws from numpy's global generator)
            with contextlib.redirect_stdout(io.StringIO()):
                policy = make_glr_klucb()
                policy.startGame()
            regret, n_restarts = 0.0, 0
            for step in range(HORIZON):
                arm = int(policy.choice())
                regret += best[step] - means[step, arm]
                before = policy.last_restart_times.copy()
                policy.getReward(arm, float(rewards[run, step, arm]))
                n_restarts += int((policy.last_restart_times != before).any())
            regrets.append(regret)
            restarts.append(n_restarts)
        regrets_array = np.array(regrets)
        print(
            f"{name}: {regrets_array.mean():.1f} ± {regrets_array.std(ddof=1) / math.sqrt(len(regrets)):.1f} "
            f"(restarts per run {np.mean(restarts):.1f}; {len(regrets)} runs; {time.perf_counter() - start:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 50)
    else:
        play(sys.argv[2])
