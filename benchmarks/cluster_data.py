"""Write the large logged-traffic dataset of the cluster benchmark, one day at a time.

The world: ``n_actions`` actions ``a000``, ``a001``, ... and ``n_features`` i.i.d. standard normal features
``x0``, ``x1``, .... A logging policy that ignores the context plays the action of rank ``k`` (0-based) with
probability proportional to ``1 / (k + 1)`` (Zipf-like traffic), and the logged ``propensity`` is exactly that
probability. Each action has an intercept (normal, mean -1, sd 0.5) and a weight vector (normal, sd 0.5), and its
reward is ``Bernoulli(sigmoid(intercept + x @ weights))``. The true parameters go to ``<path>/_world.json``; the
leading underscore makes Parquet readers (dask, ``pyarrow.dataset``) skip that file.

Rows form one stream, fixed by the seed, the number of actions and the number of features only: it is cut into
blocks of :data:`BLOCK_ROWS` rows, and each block draws from its own :class:`numpy.random.SeedSequence` child
(spawn key ``(1, block)``; the world's parameters use ``(0,)``). Any row range, hence any day, can be generated on
its own, and a dataset of ``N`` rows is exactly the first ``N`` rows of any larger dataset with the same seed,
whatever the number of days: the one-million-row CSV baseline holds the same rows as the first 1,000,000 rows of
the 20-million-row Parquet dataset.

Layout: ``<path>/part.000.parquet``, ``<path>/part.001.parquet``, ... one file (and one row group) per day, rows
split as evenly as possible over the days, columns ``action`` (string), ``reward`` (int64 0/1), ``x0`` ..
``x{n-1}`` (float64) and ``propensity`` (float64). Only one day (or one CSV chunk) is in memory at a time.

Usage::

    python benchmarks/cluster_data.py                           # 20,000,000 rows, 30 days, 200 actions, 10 features
    python benchmarks/cluster_data.py /tmp/one_million --rows 1000000
    python benchmarks/cluster_data.py --csv /tmp/one_million.csv --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

#: Rows per random block: the unit of seeding, independent of how the rows are split into days or files.
BLOCK_ROWS = 65_536
#: Rows per chunk when writing a CSV file.
CSV_CHUNK_ROWS = 500_000
#: Name of the file holding the true parameters; starts with ``_`` so Parquet dataset readers ignore it.
WORLD_FILE = "_world.json"
DEFAULT_PATH = "/tmp/pybandits_bench/day_partitioned"


@dataclass(frozen=True)
class World:
    """The logistic world and the Zipf-like logging policy of the dataset."""

    seed: int
    actions: list[str]
    intercepts: np.ndarray  # (n_actions,)
    weights: np.ndarray  # (n_actions, n_features)
    traffic: np.ndarray  # (n_actions,) logging probabilities, proportional to 1 / (rank + 1)

    @property
    def n_features(self) -> int:
        """Number of context features."""
        return self.weights.shape[1]

    @property
    def feature_names(self) -> list[str]:
        """Column names of the features: ``x0``, ``x1``, ...."""
        return [f"x{j}" for j in range(self.n_features)]

    def reward_probabilities(self, context: np.ndarray) -> np.ndarray:
        """``(n_rows, n_actions)`` true reward probabilities of every action for ``(n_rows, n_features)`` contexts."""
        return _sigmoid(self.intercepts + np.asarray(context, dtype=np.float64) @ self.weights.T)

    def to_json(self) -> dict[str, Any]:
        """The parameters as plain JSON types (floats round-trip exactly)."""
        return {
            "seed": self.seed,
            "actions": self.actions,
            "features": self.feature_names,
            "intercepts": self.intercepts.tolist(),
            "weights": self.weights.tolist(),
            "traffic": self.traffic.tolist(),
            "model": "reward ~ Bernoulli(sigmoid(intercepts[a] + x @ weights[a])); action ~ traffic",
        }


def make_world(seed: int = 0, n_actions: int = 200, n_features: int = 10) -> World:
    """The world fixed by ``seed``: intercepts, then weights, drawn from the spawn key ``(0,)`` of ``seed``."""
    if n_actions < 1 or n_features < 1:
        raise ValueError("n_actions and n_features must be at least 1")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    intercepts = rng.normal(-1.0, 0.5, size=n_actions)
    weights = rng.normal(0.0, 0.5, size=(n_actions, n_features))
    inverse_rank = 1.0 / np.arange(1, n_actions + 1)
    width = max(3, len(str(n_actions - 1)))
    return World(
        seed=seed,
        actions=[f"a{k:0{width}d}" for k in range(n_actions)],
        intercepts=intercepts,
        weights=weights,
        traffic=inverse_rank / inverse_rank.sum(),
    )


def read_world(path: str | Path) -> World:
    """Load the :class:`World` written to ``<path>/_world.json`` (or to a ``.json`` file given directly)."""
    path = Path(path)
    file = path / WORLD_FILE if path.is_dir() else path
    data = json.loads(file.read_text())
    return World(
        seed=data["seed"],
        actions=data["actions"],
        intercepts=np.array(data["intercepts"]),
        weights=np.array(data["weights"]),
        traffic=np.array(data["traffic"]),
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _block(world: World, index: int, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``n_rows`` rows of block ``index``: features ``(n_features, n_rows)``, action ranks, rewards.

    Each feature, the actions and the rewards draw from separate streams (children of the block's seed, in that
    order), each consumed in row order, so a prefix of a block is the same whatever the length asked for.
    """
    *feature_seeds, actions_seed, rewards_seed = np.random.SeedSequence(world.seed, spawn_key=(1, index)).spawn(
        world.n_features + 2
    )
    features = np.empty((world.n_features, n_rows))
    for row, feature_seed in zip(features, feature_seeds, strict=True):
        np.random.default_rng(feature_seed).standard_normal(out=row)
    cumulative = np.cumsum(world.traffic)
    uniforms = np.random.default_rng(actions_seed).random(n_rows)
    ranks = np.minimum(np.searchsorted(cumulative, uniforms, side="right"), len(world.actions) - 1)
    logits = world.intercepts[ranks] + np.einsum("ji,ij->i", features, world.weights[ranks])
    rewards = (np.random.default_rng(rewards_seed).random(n_rows) < _sigmoid(logits)).astype(np.int64)
    return features, ranks, rewards


def generate_rows(world: World, start: int, stop: int, propensity: bool = True) -> pa.Table:
    """Rows ``start`` to ``stop - 1`` of the world's row stream as an Arrow table, in the dataset's column order."""
    if not 0 <= start <= stop:
        raise ValueError(f"need 0 <= start <= stop, got {start} and {stop}")
    n_rows = stop - start
    features = np.empty((world.n_features, n_rows))  # one contiguous row per feature: zero-copy Arrow columns
    ranks = np.empty(n_rows, dtype=np.int64)
    rewards = np.empty(n_rows, dtype=np.int64)
    for index in range(start // BLOCK_ROWS, -(-stop // BLOCK_ROWS)):
        block_start = index * BLOCK_ROWS
        low, high = max(start, block_start) - block_start, min(stop, block_start + BLOCK_ROWS) - block_start
        block_features, block_ranks, block_rewards = _block(world, index, high)
        out = slice(block_start + low - start, block_start + high - start)
        features[:, out] = block_features[:, low:high]
        ranks[out] = block_ranks[low:high]
        rewards[out] = block_rewards[low:high]
    columns = {
        "action": pa.array(world.actions, type=pa.string()).take(pa.array(ranks)),
        "reward": pa.array(rewards),
    }
    columns.update({name: pa.array(features[j]) for j, name in enumerate(world.feature_names)})
    if propensity:
        columns["propensity"] = pa.array(world.traffic[ranks])
    return pa.table(columns)


def day_bounds(n_rows: int, n_days: int) -> list[tuple[int, int]]:
    """``(start, stop)`` row ranges of the days: ``n_rows`` split as evenly as possible, the first days longer."""
    if n_days < 1 or n_rows < n_days:
        raise ValueError(f"need 1 <= n_days <= n_rows, got n_days={n_days} and n_rows={n_rows}")
    size, extra = divmod(n_rows, n_days)
    stops = np.cumsum([size + (day < extra) for day in range(n_days)])
    return [(int(stop - size - (day < extra)), int(stop)) for day, stop in enumerate(stops)]


def _day_file_name(day: int, n_days: int) -> str:
    return f"part.{day:0{max(3, len(str(n_days - 1)))}d}.parquet"


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _prepare_directory(path: Path, overwrite: bool) -> None:
    """Create ``path``; if it holds files, remove them only when ``overwrite`` and they are all ours."""
    if path.exists() and any(path.iterdir()):
        ours = [p for p in path.iterdir() if p.is_file() and (p.name == WORLD_FILE or p.match("part.*.parquet"))]
        others = sorted(p.name for p in path.iterdir() if p not in ours)
        if not overwrite:
            raise FileExistsError(f"{path} is not empty; pass overwrite=True (--overwrite) to replace the dataset")
        if others:
            raise FileExistsError(f"{path} holds files this script did not write, refusing to clear it: {others[:5]}")
        for file in ours:
            file.unlink()
    path.mkdir(parents=True, exist_ok=True)


def write_dataset(
    path: str | Path,
    n_rows: int = 20_000_000,
    n_days: int = 30,
    n_actions: int = 200,
    n_features: int = 10,
    seed: int = 0,
    propensity: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the day-partitioned Parquet dataset to the directory ``path``, one day in memory at a time.

    Returns the facts of the run: path, rows, days, files, bytes on disk, seconds, and the peak RSS of this
    process (over its whole life, imports included) in MiB. ``<path>/_world.json`` is written last, so its
    presence marks a complete dataset.
    """
    start_time = time.perf_counter()
    path = Path(path)
    bounds = day_bounds(n_rows, n_days)
    world = make_world(seed, n_actions, n_features)
    _prepare_directory(path, overwrite)
    # Dictionary encoding only where values repeat (200 actions, 0/1, 200 propensities): trying it on the
    # continuous features doubles the writing time for nothing.
    dictionary_columns = ["action", "reward", "propensity"] if propensity else ["action", "reward"]
    n_bytes = 0
    for day, (start, stop) in enumerate(bounds):
        table = generate_rows(world, start, stop, propensity)
        file = path / _day_file_name(day, n_days)
        pq.write_table(table, file, row_group_size=stop - start, use_dictionary=dictionary_columns)
        n_bytes += file.stat().st_size
        del table
    facts = {"rows": n_rows, "days": n_days, "day_rows": [stop - start for start, stop in bounds]}
    world_file = path / WORLD_FILE
    world_file.write_text(json.dumps({**world.to_json(), **facts, "propensity_column": propensity}, indent=1))
    return {
        "path": str(path),
        "rows": n_rows,
        "days": n_days,
        "files": n_days,
        "bytes": n_bytes + world_file.stat().st_size,
        "seconds": time.perf_counter() - start_time,
        "peak_rss_mib": _peak_rss_mib(),
    }


def write_csv(
    file: str | Path,
    n_rows: int = 1_000_000,
    n_actions: int = 200,
    n_features: int = 10,
    seed: int = 0,
    propensity: bool = True,
) -> dict[str, Any]:
    """Write the first ``n_rows`` rows of the same row stream to one CSV file, a chunk at a time.

    The world goes to ``<file>.world.json`` beside it. Floats are written in their shortest round-trip form, so
    reading the CSV back gives exactly the values of the Parquet dataset. Returns the same facts as
    :func:`write_dataset`.
    """
    start_time = time.perf_counter()
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    world = make_world(seed, n_actions, n_features)
    columns = ["action", "reward", *world.feature_names] + (["propensity"] if propensity else [])
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with file.open("wb") as sink:
        sink.write((",".join(columns) + "\n").encode())
        for start in range(0, n_rows, CSV_CHUNK_ROWS):
            chunk = generate_rows(world, start, min(n_rows, start + CSV_CHUNK_ROWS), propensity)
            pa_csv.write_csv(chunk, sink, options)
    world_file = file.with_name(file.name + ".world.json")
    world_file.write_text(json.dumps({**world.to_json(), "rows": n_rows, "propensity_column": propensity}, indent=1))
    return {
        "path": str(file),
        "rows": n_rows,
        "files": 1,
        "bytes": file.stat().st_size,
        "seconds": time.perf_counter() - start_time,
        "peak_rss_mib": _peak_rss_mib(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: write the Parquet dataset (or, with ``--csv``, one CSV file) and print its facts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("path", nargs="?", default=DEFAULT_PATH, help=f"dataset directory (default {DEFAULT_PATH})")
    target.add_argument("--csv", metavar="FILE", help="write the first ROWS rows to this CSV file instead")
    parser.add_argument("--rows", type=int, default=20_000_000, help="number of rows (default 20,000,000)")
    parser.add_argument("--days", type=int, default=30, help="days, one Parquet file each (default 30)")
    parser.add_argument("--actions", type=int, default=200, help="number of actions (default 200)")
    parser.add_argument("--features", type=int, default=10, help="number of features (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-propensity", action="store_true", help="leave out the propensity column")
    parser.add_argument("--overwrite", action="store_true", help="replace a dataset already in the directory")
    args = parser.parse_args(argv)
    pa.set_cpu_count(1)  # one core: the other one is someone else's
    pa.set_io_thread_count(1)
    common = {"n_actions": args.actions, "n_features": args.features, "seed": args.seed}
    try:
        if args.csv:
            facts = write_csv(args.csv, args.rows, propensity=not args.no_propensity, **common)
            files = f"1 CSV (+ {Path(args.csv).name}.world.json beside it)"
        else:
            facts = write_dataset(
                args.path, args.rows, args.days, propensity=not args.no_propensity, overwrite=args.overwrite, **common
            )
            files = f"{facts['files']} Parquet + {WORLD_FILE}"
    except (ValueError, FileExistsError) as error:
        parser.error(str(error))
    print(f"wrote {facts['rows']:,} rows to {facts['path']}")
    print(f"files: {files}, bytes on disk: {facts['bytes']:,} ({facts['bytes'] / 2**30:.2f} GiB)")
    print(f"seconds: {facts['seconds']:.1f}, peak RSS: {facts['peak_rss_mib']:.0f} MiB")
    return facts


if __name__ == "__main__":
    main()
