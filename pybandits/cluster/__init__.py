"""Bandits and datasets bigger than one machine, on Dask: update, predict and score rows where they lie.

A retraining job's logs (a day or a month of traffic) may be too big for one process. These
functions take them as a Dask DataFrame, or as the path or URL of a file, a Parquet dataset
directory, a folder of CSV files or a glob (:func:`~pybandits.boundary.datasets.open_dataset`), in
the CLI's columns: ``action,reward,<features>`` (features by name when the bandit has
``feature_names``, other columns ignored). The rows are never gathered on the client.

- :func:`update`: the bandit learns every row (:mod:`pybandits.cluster.updates` says how the work
  splits). The result equals ``mab.update`` on the whole table read in the dataset's order
  (partitions in order, rows in order within each): the same seeds, fit groups and forgetting
  weights; summed statistics agree to rounding.
- :func:`predict` and :func:`action_probabilities`: lazy Dask DataFrames, one output row per input
  row, partition by partition (:mod:`pybandits.cluster.predictions`).
- :func:`evaluate`: the offline evaluation of :func:`pybandits.offline.evaluate`, each partition reduced
  to its estimators' sums where it lies (:mod:`pybandits.cluster.evaluation`).

Where the tasks run: on ``client`` (a :class:`distributed.Client`), else on the client a notebook
made current, else in this process with Dask's synchronous scheduler (the CLI without
``--scheduler``). A worker that dies is replaced and its tasks rerun by Dask, with the same result.
An update that fails, on any partition or fit, leaves the bandit exactly as it was, and its error
names the partition (and the row) or the actions.

Served today: stochastic bandits (Bernoulli and Gaussian rewards, forgetting included) and
contextual bandits with networks per action (categorical columns and forgetting included). Refused
by name, with what to use instead: multi-objective bandits (one reward column), quantitative actions,
change detection, and a shared trunk.

Needs the ``dask`` extra: ``pip install "pybandits[dask]"``.

Examples
--------
>>> import dask.dataframe as dd, pandas as pd
>>> from pybandits.smab import SmabBernoulli
>>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"])
>>> logs = dd.from_pandas(pd.DataFrame({"action": ["a", "b", "a"], "reward": [1, 0, 1]}), npartitions=2)
>>> report = update(mab, logs, client=False)
>>> report.n_rows, report.path, mab.actions["a"].n_successes
(3, 'sufficient statistics', 3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pybandits.boundary import validation as check
from pybandits.boundary.datasets import open_dataset
from pybandits.boundary.progress import default_enabled
from pybandits.cluster.evaluation import run_evaluate
from pybandits.cluster.predictions import predict_dataset, prediction_frame, probabilities_dataset
from pybandits.cluster.runner import Runner, current_client
from pybandits.cluster.updates import UpdateReport, run_update
from pybandits.offline.inputs import check_arguments

__all__ = [
    "UpdateReport",
    "action_probabilities",
    "evaluate",
    "open_dataset",
    "predict",
    "prediction_frame",
    "update",
]


def _client(client: Any) -> Any:
    """``client`` as given; None: the current client if any; False: none (this process)."""
    if client is False:
        return None
    if client is None:
        return current_client()
    if not hasattr(client, "compute") or not hasattr(client, "scatter"):
        raise TypeError(f"client: expected a distributed.Client, None or False, got {check.describe(client)}")
    return client


def _check_mab(mab: Any) -> None:
    from pybandits.bandits.base import BaseMab

    if not isinstance(mab, BaseMab):
        raise TypeError(f"mab: expected a pybandits bandit, got {check.describe(mab)}")


def _runner(client: Any, progressbar: Any) -> Runner:
    if progressbar is not None and not isinstance(progressbar, bool):
        raise TypeError(f"progressbar: expected True, False or None, got {check.describe(progressbar)}")
    return Runner(_client(client), default_enabled() if progressbar is None else progressbar)


def update(mab: Any, data: Any, *, client: Any = None, progressbar: bool | None = None) -> UpdateReport:
    """Update ``mab`` in place with every row of a dataset, fitted where the rows lie.

    Parameters
    ----------
    mab : BaseMab
        The bandit to update.
    data : dask.dataframe.DataFrame, str or os.PathLike
        The logged rows: ``action,reward,<features>``.
    client : distributed.Client, None or False
        Where the tasks run: this client; None, the current client if there is one, else this
        process; False, this process (Dask's synchronous scheduler, one partition at a time).
    progressbar : bool, optional
        A bar over the tasks; by default in a notebook or a terminal, never under pytest.

    Returns
    -------
    UpdateReport
        Rows and partitions read, how rows reached the fits (``path``), fit tasks, where, and time.
    """
    _check_mab(mab)
    return run_update(mab, data, _runner(client, progressbar))


def predict(mab: Any, data: Any, *, propensity: bool = False, n_draws: int = 1000, client: Any = None) -> Any:
    """Every row's chosen action (and sampled expected rewards) as a lazy Dask DataFrame.

    The columns of :func:`prediction_frame` (the CLI's ``predict`` output); with ``propensity``, the
    action is drawn from the bandit's probabilities (``n_draws`` selections per row) and its
    probability written. The bandit's generator advances by one draw, which seeds every partition.
    Compute the result (``.compute()``, ``.to_parquet(...)``) where you need it: it runs on the
    scheduler that computes it (``client`` is checked as :func:`update`'s, for symmetry; the bandit
    travels in the task graph, so a worker lost mid-run costs only its tasks).
    """
    _check_mab(mab)
    if not isinstance(propensity, bool):
        raise TypeError(f"propensity: expected True or False, got {check.describe(propensity)}")
    n_draws = check.check_positive_int(n_draws, "n_draws")
    _client(client)  # checked; the lazy frame runs wherever it is computed
    frame, _ = predict_dataset(mab, data, propensity=propensity, n_draws=n_draws)
    return frame


def action_probabilities(mab: Any, data: Any, n_draws: int = 1000, *, client: Any = None) -> Any:
    """Every row's probability of each action (one column per action) as a lazy Dask DataFrame.

    As :meth:`~pybandits.bandits.contextual.BaseCmab.action_probabilities`, partition by partition.
    """
    _check_mab(mab)
    n_draws = check.check_positive_int(n_draws, "n_draws")
    _client(client)  # checked; the lazy frame runs wherever it is computed
    frame, _ = probabilities_dataset(mab, data, n_draws=n_draws)
    return frame


def evaluate(
    mab: Any,
    data: Any,
    estimators: Sequence[str] | None = None,
    n_draws: int = 100,
    n_bootstrap: int = 1000,
    random_seed: int | None = None,
    *,
    level: float = 0.95,
    n_folds: int = 2,
    hyperparameters: Mapping[str, Mapping[str, float]] | None = None,
    reward_model_kwargs: Mapping[str, Any] | None = None,
    client: Any = None,
    progressbar: bool | None = None,
) -> Any:
    """Estimate what ``mab`` would have earned on a dataset's logged rows, reduced to sums where they lie.

    :func:`pybandits.offline.evaluate` for a dataset bigger than one machine: the same estimators,
    report and checks; each partition's rows become its estimators' sums on the worker that reads
    it, and only the sums reach the client. :mod:`pybandits.cluster.evaluation` says how, and what
    differs from the in-memory evaluation (a Poisson bootstrap; a contextual bandit's probabilities
    drawn per partition; without a ``propensity`` column, frequencies for every bandit). The bandit,
    its random generator included, is not changed.

    Parameters
    ----------
    mab : BaseMab
        The policy to evaluate; neither multi-objective nor with quantitative actions.
    data : dask.dataframe.DataFrame, str or os.PathLike
        The logged rows: ``action,reward,<features>`` as for :func:`update`, ideally with
        ``propensity``, the logging policy's probability of the logged action, in (0, 1].
    estimators, n_draws, n_bootstrap, random_seed, level, n_folds, hyperparameters, reward_model_kwargs
        As for :func:`pybandits.offline.evaluate` (``random_seed`` seeds the partitions' generators,
        the folds and the bootstrap).
    client : distributed.Client, None or False
        Where the tasks run, as for :func:`update`.
    progressbar : bool, optional
        A bar over the tasks; by default in a notebook or a terminal, never under pytest.

    Returns
    -------
    pandas.DataFrame
        The report of :func:`pybandits.offline.evaluate`: one row per estimator, then ``logged``
        (and ``cost``, ``logged_cost`` for cost-control bandits); ``attrs`` as there.

    Examples
    --------
    >>> import dask.dataframe as dd, numpy as np, pandas as pd
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0)
    >>> rng = np.random.default_rng(1)
    >>> played = rng.choice(["a", "b"], 400)
    >>> rewards = (rng.random(400) < np.where(played == "a", 0.8, 0.2)).astype(int)
    >>> logs = dd.from_pandas(pd.DataFrame({"action": played, "reward": rewards, "propensity": 0.5}), npartitions=4)
    >>> report = evaluate(mab, logs, estimators=["ipw", "dm"], n_bootstrap=100, random_seed=0, client=False)
    >>> report["estimator"].tolist(), report.attrs["n_rows"]
    (['ipw', 'dm', 'logged'], 400)
    """
    arguments = check_arguments(
        mab, estimators, n_draws, n_bootstrap, random_seed, level, n_folds, hyperparameters, reward_model_kwargs
    )
    return run_evaluate(mab, data, arguments, reward_model_kwargs, _runner(client, progressbar))
