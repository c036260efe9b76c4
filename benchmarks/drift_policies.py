"""Reference policies for the drifting worlds of ``bench_drift``, in numpy, vectorised across runs.

Every policy plays ``n_runs`` independent bandits at once: ``select(rng)`` returns the action of
every run (shape ``(n_runs,)``) and ``update(actions, rewards)`` feeds back one 0/1 reward per run.
They are prototypes that fix the design of the library's forgetting and change detection:

- :class:`Thompson`: Thompson sampling with Beta(1, 1) priors.
- :class:`DiscountedThompson`: discounted Thompson sampling (Raj & Kalyani 2017): before every row
  the successes and failures of *every* action are multiplied by ``gamma`` (their evidence shrinks
  toward the Beta(1, 1) prior), then the played action adds its reward.
- :class:`GLRThompson`: Thompson sampling with a Bernoulli GLR change test per action (Besson,
  Kaufmann, Maillard & Seznec 2022): each action keeps its last ``window`` rewards in memory and the
  count and sum of the older rows since its last restart; after every update the played action is
  tested on every split of the rows since its last restart (O(n) with cumulative sums); on an alarm
  it restarts from Beta(1, 1) and refits on the rows after the split with the largest statistic.
  ``restart="global"`` restarts every action at that time instead (each keeps its rows after it);
  ``refit=False`` restarts empty; ``epsilon`` plays a uniformly random action on that share of rows.
"""

from __future__ import annotations

import numpy as np

from pybandits.model import changepoint


class Thompson:
    """Thompson sampling with Beta(1, 1) priors; ``epsilon`` mixes in uniform exploration."""

    name = "TS"

    def __init__(self, n_runs: int, n_actions: int, epsilon: float = 0.0) -> None:
        self.successes = np.zeros((n_runs, n_actions))
        self.failures = np.zeros((n_runs, n_actions))
        self.epsilon = epsilon
        self.n_restarts = np.zeros(n_runs, dtype=int)

    def select(self, rng: np.random.Generator) -> np.ndarray:
        n_runs, n_actions = self.successes.shape
        chosen = rng.beta(1.0 + self.successes, 1.0 + self.failures).argmax(axis=1)
        if self.epsilon:
            explore = rng.random(n_runs) < self.epsilon
            chosen[explore] = rng.integers(n_actions, size=int(explore.sum()))
        return chosen

    def update(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        runs = np.arange(len(actions))
        self.successes[runs, actions] += rewards
        self.failures[runs, actions] += 1 - rewards


class DiscountedThompson(Thompson):
    """Discounted Thompson sampling: every row multiplies every action's counts by ``gamma`` first."""

    def __init__(self, n_runs: int, n_actions: int, gamma: float, epsilon: float = 0.0) -> None:
        super().__init__(n_runs, n_actions, epsilon)
        self.gamma = gamma
        self.name = f"discounted TS, gamma={gamma:g}"

    def update(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        self.successes *= self.gamma
        self.failures *= self.gamma
        super().update(actions, rewards)


class GLRThompson(Thompson):
    """Thompson sampling with a Bernoulli GLR change test and restarts (see the module notes).

    ``threshold`` is ``"guaranteed"`` (the time-uniform threshold of
    :func:`pybandits.model.changepoint.bernoulli_threshold`) or ``"practical"``
    (``log(3 n^1.5 / delta)``, the one Besson et al. use in their experiments).

    Every reward of every action is kept with its cumulative sums (a simulation may afford it); only
    the last ``window`` rows of an action can be split, the older rows since its restart enter the
    test as one summary, and a restart keeps at most the rows of that window.
    """

    def __init__(
        self,
        n_runs: int,
        n_actions: int,
        horizon: int,
        delta: float = 0.01,
        window: int = 1000,
        epsilon: float = 0.0,
        restart: str = "local",
        refit: bool = True,
        threshold: str = "guaranteed",
    ) -> None:
        super().__init__(n_runs, n_actions, epsilon)
        self.window, self.restart, self.refit, self.horizon = window, restart, refit, horizon
        self.cumulative = np.zeros((n_runs * n_actions, horizon + 1), dtype=np.int64)  # per (run, action)
        self.times = np.zeros((n_runs * n_actions, horizon), dtype=np.int64)  # the step of every row
        self.count = np.zeros(n_runs * n_actions, dtype=np.int64)  # rows ever
        self.begin = np.zeros(n_runs * n_actions, dtype=np.int64)  # first row since the last restart
        self.step = 0
        n = np.arange(1, horizon + 2)
        if threshold == "guaranteed":
            self.thresholds = np.array([np.inf, *changepoint.bernoulli_threshold(n[1:], delta)])
        else:
            self.thresholds = np.array([np.inf, *np.log(3 * n[1:] ** 1.5 / delta)])
        self._xlogx = np.concatenate([[0.0], n * np.log(n)])  # x log x at x = 0, 1, ..., horizon + 1
        self.detections: list[tuple[int, int, int]] = []  # (run, action, step)
        self.name = (
            f"TS + GLR ({threshold}), delta={delta:g}, W={window}, eps={epsilon:g}, {restart}"
            + ("" if refit else ", no refit")
        )

    def _loglik(self, total: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Maximised Bernoulli log-likelihood of ``count`` rows summing to ``total``."""
        return self._xlogx[total] + self._xlogx[count - total] - self._xlogx[count]

    def update(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        runs = np.arange(len(actions))
        key = runs * self.successes.shape[1] + actions
        position = self.count[key]
        self.cumulative[key, position + 1] = self.cumulative[key, position] + rewards
        self.times[key, position] = self.step
        self.count[key] += 1
        super().update(actions, rewards)
        self._test(runs, actions, key)
        self.step += 1

    def _test(self, runs: np.ndarray, actions: np.ndarray, key: np.ndarray) -> None:
        count, begin = self.count[key], self.begin[key]
        low = np.maximum(begin, count - self.window)  # first row that can start the new regime... or be split at
        width = int((count - low).max())
        split = low[:, None] + np.arange(width)  # first row after the change
        valid = (split > begin[:, None]) & (split < count[:, None])
        split = np.where(valid, split, count[:, None] - 1)
        base = self.cumulative[key, begin][:, None]
        total = self.cumulative[key, count][:, None] - base
        n = (count - begin)[:, None]
        sum1 = self.cumulative[key[:, None], split] - base
        count1 = split - begin[:, None]
        statistic = self._loglik(sum1, count1) + self._loglik(total - sum1, n - count1) - self._loglik(total, n)
        statistic = np.where(valid, statistic, -np.inf)
        best = statistic.argmax(axis=1)
        alarm = statistic[np.arange(len(runs)), best] >= self.thresholds[n[:, 0]]
        for i in np.flatnonzero(alarm):
            self._restart(int(runs[i]), int(actions[i]), int(split[i, best[i]]))

    def _keep_from(self, run: int, action: int, first: int) -> None:
        """Restart ``action`` on its rows from ``first`` on (at most its last ``window`` rows)."""
        key = run * self.successes.shape[1] + action
        count = self.count[key]
        first = max(first, count - self.window)
        self.begin[key] = first
        kept = self.cumulative[key, count] - self.cumulative[key, first]
        self.successes[run, action] = kept
        self.failures[run, action] = count - first - kept

    def _restart(self, run: int, action: int, first: int) -> None:
        self.n_restarts[run] += 1
        self.detections.append((run, action, self.step))
        n_actions = self.successes.shape[1]
        change_time = self.times[run * n_actions + action, first]
        targets = range(n_actions) if self.restart == "global" else [action]
        for target in targets:
            key = run * n_actions + target
            if not self.refit:
                first_kept = int(self.count[key])
            elif target == action:
                first_kept = first
            else:
                first_kept = int(np.searchsorted(self.times[key, : self.count[key]], change_time))
            self._keep_from(run, target, first_kept)
