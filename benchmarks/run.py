"""pybandits benchmark runner: prints the figures the issues set targets for.

Run ``python benchmarks/run.py`` (all sections) or ``python benchmarks/run.py cmab smab``.
The first run in a fresh PyTensor cache compiles C/Numba code for tens of seconds; the
"first update in a new process" figure is measured after a warm-up run, as its target says.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import textwrap
import time

import numpy as np


def _timeit(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def _logistic_world(n_rows: int, n_features: int, seed: int):
    rng = np.random.default_rng(seed)
    weights = np.array([1.0, -1.0, 0.5, 0.8][:n_features])
    context = rng.normal(size=(n_rows, n_features))
    probability = 1.0 / (1.0 + np.exp(-(context @ weights + 0.2)))
    rewards = (rng.random(n_rows) < probability).astype(int)
    return context, rewards, weights


def bench_smab() -> None:
    from pybandits.smab import SmabBernoulli

    print("\n## Stochastic bandit (SmabBernoulli, 3 actions)")
    mab = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, random_seed=0)
    times = _timeit(lambda: mab.predict(n_samples=100_000), 5)
    print(
        f"predict 100,000 samples: median {statistics.median(times) * 1e3:.1f} ms "
        f"({100_000 / statistics.median(times) / 1e6:.2f} M rows/s)"
    )
    actions = np.random.default_rng(0).choice(["a", "b", "c"], size=1_000_000)
    rewards = np.random.default_rng(1).integers(0, 2, size=1_000_000)
    times = _timeit(lambda: mab.update(actions=actions, rewards=rewards), 3)
    print(f"update 1,000,000 rows (numpy arrays): median {statistics.median(times) * 1e3:.1f} ms")


FIRST_UPDATE = textwrap.dedent(
    """
    import time, numpy as np
    t0 = time.perf_counter()
    from pybandits.cmab import CmabBernoulli
    t1 = time.perf_counter()
    rng = np.random.default_rng(0)
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 200}, random_seed=0)
    context = rng.normal(size=(200, 3))
    actions, _, _ = mab.predict(context=context)
    rewards = rng.integers(0, 2, size=200)
    t2 = time.perf_counter()
    mab.update(actions=actions, rewards=rewards, context=context)
    t3 = time.perf_counter()
    import pymc
    print(f"{t1 - t0:.3f} {t3 - t2:.3f}")
    """
)


def bench_cmab() -> None:
    import pymc

    from pybandits.cmab import CmabBernoulli
    from pybandits.engines import cache as fit

    print(
        "\n## Contextual bandit (CmabBernoulli, 2 actions, 3 features, no hidden layer, num_steps=200), "
        f"PyMC {pymc.__version__}"
    )

    # First update in a new process (warm PyTensor cache: run once to warm it, then measure).
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", FIRST_UPDATE], capture_output=True, text=True, check=True)
        runs.append([float(x) for x in out.stdout.split()])
    import_s, first_s = runs[-1]
    pymc_import = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import pymc; print(time.perf_counter() - t)"],
        capture_output=True,
        text=True,
        check=True,
    )
    pymc_s = float(pymc_import.stdout)
    print(
        f"first update in a new process, warm cache: {first_s:.2f} s, of which importing PyMC (once per process) "
        f"about {pymc_s:.2f} s and building and compiling the model {first_s - pymc_s:.2f} s; "
        f"`import pybandits.cmab` before it: {import_s:.2f} s"
    )

    rng = np.random.default_rng(1)
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 200}, random_seed=1)

    def one_update():
        context = rng.normal(size=(200, 3))
        actions, _, _ = mab.predict(context=context)
        rewards = rng.integers(0, 2, size=200)
        start = time.perf_counter()
        mab.update(actions=actions, rewards=rewards, context=context)
        return time.perf_counter() - start

    one_update()  # compiles the Student-t prior graph
    one_update()  # compiles the Normal (posterior as prior) graph
    steady = [one_update() for _ in range(15)]
    print(
        f"steady-state update of 200 rows: median {statistics.median(steady) * 1e3:.1f} ms "
        f"(min {min(steady) * 1e3:.1f}, max {max(steady) * 1e3:.1f})"
    )

    def rebuilt_update():
        fit.clear_cache()
        return one_update()

    rebuilt = [rebuilt_update() for _ in range(3)]
    cached = [one_update() for _ in range(5)]
    print(
        f"cached engine vs rebuilding the model per update: {statistics.median(cached) * 1e3:.1f} ms vs "
        f"{statistics.median(rebuilt) * 1e3:.0f} ms = {statistics.median(rebuilt) / statistics.median(cached):.0f}x"
    )

    context = rng.normal(size=(10_000, 3))
    full = _timeit(lambda: mab.predict(context=context), 7)
    arrays = _timeit(lambda: mab.predict_arrays(context=context), 7)
    print(
        f"predict 10,000 rows: {10_000 / statistics.median(full) / 1e6:.2f} M rows/s with lists of dicts; "
        f"{10_000 / statistics.median(arrays) / 1e6:.2f} M rows/s with predict_arrays"
    )

    # Learning: one action, 1,000 rows of logistic data, one update, posterior predictive through predict.
    train_x, train_y, weights = _logistic_world(1000, 3, seed=7)
    learner = CmabBernoulli.cold_start(action_ids={"a"}, n_features=3, update_kwargs={"num_steps": 200}, random_seed=3)
    learner.update(actions=["a"] * 1000, rewards=train_y, context=train_x)
    test_x = np.random.default_rng(11).normal(size=(50, 3))
    truth = 1.0 / (1.0 + np.exp(-(test_x @ weights + 0.2)))
    n_draws = 2000
    repeated = np.repeat(test_x, n_draws, axis=0)
    _, probs, _ = learner.predict(context=repeated)
    predictive = np.array([p["a"] for p in probs]).reshape(50, n_draws).mean(axis=1)
    print(f"learning: posterior predictive mean abs error at 50 test contexts: {np.abs(predictive - truth).mean():.4f}")


def bench_transfer() -> None:
    import bench_transfer

    bench_transfer.run()


def bench_learning() -> None:
    import bench_learning

    bench_learning.run()


def bench_reliability() -> None:
    import bench_reliability

    bench_reliability.run()


def bench_gaussian() -> None:
    import bench_gaussian

    bench_gaussian.run()


def bench_batch() -> None:
    import bench_batch

    bench_batch.run()


def bench_scale() -> None:
    import bench_scale

    bench_scale.run()


def bench_offline() -> None:
    import bench_offline

    bench_offline.run()


def bench_categorical_growth() -> None:
    import bench_categorical_growth

    bench_categorical_growth.run()


def bench_categorical() -> None:
    import bench_categorical

    bench_categorical.run()


def bench_predict() -> None:
    import bench_predict

    bench_predict.run()


def bench_backbone() -> None:
    import bench_backbone

    bench_backbone.run()


def bench_zooming() -> None:
    import bench_zooming

    bench_zooming.run()


def bench_nuts() -> None:
    import bench_nuts

    bench_nuts.run()


def bench_quantitative() -> None:
    import bench_quantitative

    bench_quantitative.run()


def bench_inspection() -> None:
    import bench_inspection

    bench_inspection.main()


def bench_drift() -> None:
    import bench_drift

    bench_drift.run()


def bench_drift_contextual() -> None:
    import bench_drift_contextual

    bench_drift_contextual.run()


def bench_structure() -> None:
    import bench_structure

    bench_structure.main([])


SECTIONS = {
    "smab": bench_smab,
    "cmab": bench_cmab,
    "transfer": bench_transfer,
    "learning": bench_learning,
    "gaussian": bench_gaussian,
    "batch": bench_batch,
    "scale": bench_scale,
    "predict": bench_predict,
    "categorical": bench_categorical,
    "categorical_growth": bench_categorical_growth,
    "offline": bench_offline,
    "reliability": bench_reliability,
    "backbone": bench_backbone,
    "nuts": bench_nuts,
    "zooming": bench_zooming,
    "quantitative": bench_quantitative,
    "inspection": bench_inspection,
    "drift": bench_drift,
    "drift_contextual": bench_drift_contextual,
    "structure": bench_structure,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sections", nargs="*", help=f"any of {list(SECTIONS)} (default: all)")
    args = parser.parse_args()
    import platform

    print(f"pybandits benchmarks on Python {platform.python_version()}, {platform.machine()}")
    for name in args.sections or SECTIONS:
        SECTIONS[name]()


if __name__ == "__main__":
    main()
