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

    ``test`` is ``"kl"`` (the Bernoulli-kl GLR), ``"subgaussian"`` (the Gaussian GLR with
    ``sigma = 1/2`` and :func:`pybandits.model.changepoint.gaussian_threshold`) or ``"combined"``
    (an alarm when either fires, each at ``delta / 2``). The kl test's ``threshold`` is ``"union"``
    (:func:`pybandits.model.changepoint.bernoulli_threshold`), ``"besson"`` (the threshold Besson
    et al. prove, :func:`pybandits.model.changepoint.besson_threshold`) or ``"practical"``
    (``log(3 n^1.5 / delta)``, the one they use in their experiments; no proof).

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
        threshold: str = "union",
        test: str = "kl",
    ) -> None:
        super().__init__(n_runs, n_actions, epsilon)
        self.window, self.restart, self.refit, self.horizon = window, restart, refit, horizon
        self.cumulative = np.zeros((n_runs * n_actions, horizon + 1), dtype=np.int64)  # per (run, action)
        self.times = np.zeros((n_runs * n_actions, horizon), dtype=np.int64)  # the step of every row
        self.count = np.zeros(n_runs * n_actions, dtype=np.int64)  # rows ever
        self.begin = np.zeros(n_runs * n_actions, dtype=np.int64)  # first row since the last restart
        self.step = 0
        n = np.arange(1, horizon + 2)
        self.test = test
        kl_delta = delta / 2 if test == "combined" else delta
        functions = {
            "union": changepoint.bernoulli_threshold,
            "besson": changepoint.besson_threshold,
            "practical": lambda rows, d: np.log(3 * rows**1.5 / d),
        }
        self.thresholds = np.array([np.inf, *functions[threshold](n[1:].astype(float), kl_delta)])
        self.gaussian_thresholds = np.array([np.inf, *changepoint.gaussian_threshold(n[1:], kl_delta)])
        self._xlogx = np.concatenate([[0.0], n * np.log(n)])  # x log x at x = 0, 1, ..., horizon + 1
        self.detections: list[tuple[int, int, int]] = []  # (run, action, step)
        self.name = (
            f"TS + GLR ({test if test != 'kl' else threshold}), delta={delta:g}, W={window}, eps={epsilon:g}, {restart}"
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
        rows = np.arange(len(runs))
        alarm = np.zeros(len(runs), dtype=bool)
        best = np.zeros(len(runs), dtype=np.int64)
        if self.test in ("kl", "combined"):
            statistic = self._loglik(sum1, count1) + self._loglik(total - sum1, n - count1) - self._loglik(total, n)
            statistic = np.where(valid, statistic, -np.inf)
            best = statistic.argmax(axis=1)
            alarm = statistic[rows, best] >= self.thresholds[n[:, 0]]
        if self.test in ("subgaussian", "combined"):
            count1 = np.where(valid, count1, 1)
            gap = sum1 / count1 - (total - sum1) / np.maximum(n - count1, 1)
            statistic = np.where(valid, count1 * (n - count1) / n * gap**2 * 2.0, -np.inf)  # sigma = 1/2
            gaussian_best = statistic.argmax(axis=1)
            gaussian_alarm = (statistic[rows, gaussian_best] >= self.gaussian_thresholds[n[:, 0]]) & ~alarm
            best = np.where(gaussian_alarm, gaussian_best, best)
            alarm |= gaussian_alarm
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


class GaussianThompson:
    """Thompson sampling for Gaussian rewards of unknown mean and noise: a Normal-inverse-gamma per action.

    Prior ``mu=0, kappa=1, alpha=1, beta=1`` (the library's default); the mean is drawn from its
    Student-t posterior.
    """

    name = "Gaussian TS (NIG)"

    def __init__(self, n_runs: int, n_actions: int) -> None:
        self.n = np.zeros((n_runs, n_actions))
        self.total = np.zeros((n_runs, n_actions))
        self.squares = np.zeros((n_runs, n_actions))
        self.n_restarts = np.zeros(n_runs, dtype=int)

    def posterior(self) -> tuple[np.ndarray, ...]:
        n, total = self.n, self.total
        mean = np.where(n > 0, total / np.maximum(n, 1), 0.0)
        spread = np.maximum(self.squares - n * mean**2, 0.0)
        kappa = 1.0 + n
        mu = total / kappa
        alpha = 1.0 + n / 2
        beta = 1.0 + spread / 2 + n * mean**2 / (2 * kappa)
        return mu, kappa, alpha, beta

    def select(self, rng: np.random.Generator) -> np.ndarray:
        mu, kappa, alpha, beta = self.posterior()
        draws = mu + np.sqrt(beta / (alpha * kappa)) * rng.standard_t(2 * alpha)
        return draws.argmax(axis=1)

    def update(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        runs = np.arange(len(actions))
        self.n[runs, actions] += 1
        self.total[runs, actions] += rewards
        self.squares[runs, actions] += rewards**2


class GaussianGLRThompson(GaussianThompson):
    """:class:`GaussianThompson` with the Gaussian GLR test and local restarts (refit on the rows after).

    ``sigma``: a number (the noise standard deviation, known) or ``"estimated"`` (the standard
    deviation of the rows since the action's restart; no test before ``min_rows`` rows).
    """

    def __init__(
        self,
        n_runs: int,
        n_actions: int,
        horizon: int,
        delta: float = 0.01,
        window: int = 1000,
        sigma: float | str = "estimated",
        min_rows: int = 2,
    ) -> None:
        super().__init__(n_runs, n_actions)
        self.window, self.sigma, self.min_rows = window, sigma, min_rows
        self.cumulative = np.zeros((n_runs * n_actions, horizon + 1))
        self.cumulative_squares = np.zeros((n_runs * n_actions, horizon + 1))
        self.count = np.zeros(n_runs * n_actions, dtype=np.int64)
        self.begin = np.zeros(n_runs * n_actions, dtype=np.int64)
        self.thresholds = np.array([np.inf, *changepoint.gaussian_threshold(np.arange(1, horizon + 2), delta)])
        self.detections: list[tuple[int, int, int]] = []
        self.step = 0
        self.name = f"Gaussian TS + GLR, sigma={sigma}, delta={delta:g}, W={window}" + (
            f", min_rows={min_rows}" if min_rows > 2 else ""
        )

    def update(self, actions: np.ndarray, rewards: np.ndarray) -> None:
        runs = np.arange(len(actions))
        key = runs * self.n.shape[1] + actions
        position = self.count[key]
        self.cumulative[key, position + 1] = self.cumulative[key, position] + rewards
        self.cumulative_squares[key, position + 1] = self.cumulative_squares[key, position] + rewards**2
        self.count[key] += 1
        super().update(actions, rewards)
        count, begin = self.count[key], self.begin[key]
        low = np.maximum(begin, count - self.window)
        split = low[:, None] + np.arange(int((count - low).max()))
        valid = (split > begin[:, None]) & (split < count[:, None])
        split = np.where(valid, split, count[:, None] - 1)
        base, base_squares = self.cumulative[key, begin][:, None], self.cumulative_squares[key, begin][:, None]
        n = (count - begin)[:, None].astype(float)
        total = self.cumulative[key, count][:, None] - base
        total_squares = self.cumulative_squares[key, count][:, None] - base_squares
        count1 = np.where(valid, split - begin[:, None], 1).astype(float)
        sum1 = self.cumulative[key[:, None], split] - base
        count2 = np.maximum(n - count1, 1.0)
        gap = sum1 / count1 - (total - sum1) / count2
        if self.sigma == "estimated":
            variance = np.maximum(total_squares - total**2 / n, 0.0) / np.maximum(n - 1, 1)
        else:
            variance = np.full_like(n, float(self.sigma) ** 2)
        statistic = count1 * count2 / n * gap**2 / (2 * np.maximum(variance, 1e-12))
        statistic = np.where(valid & (n >= self.min_rows), statistic, -np.inf)
        best = statistic.argmax(axis=1)
        rows = np.arange(len(runs))
        alarm = statistic[rows, best] >= self.thresholds[count - begin]
        for i in np.flatnonzero(alarm):
            run, action, first = int(runs[i]), int(actions[i]), int(split[i, best[i]])
            self.n_restarts[run] += 1
            self.detections.append((run, action, self.step))
            k = key[i]
            self.begin[k] = first
            kept = self.count[k] - first
            self.n[run, action] = kept
            self.total[run, action] = self.cumulative[k, self.count[k]] - self.cumulative[k, first]
            self.squares[run, action] = self.cumulative_squares[k, self.count[k]] - self.cumulative_squares[k, first]
        self.step += 1


class OneRunGLRThompson:
    """One run of Thompson sampling + change detection through :func:`pybandits.model.changepoint.bernoulli_glr`.

    What a bandit does with the library's test: per action, a memory of its last ``window`` rewards
    since its restart and the count and sum of the older ones; after every update the played action
    is tested; on a change it restarts from Beta(1, 1) with the rows from the change on. It has the
    ``predict()`` / ``update(action, reward)`` interface of :func:`bench_drift.play`.
    """

    def __init__(self, n_actions: int, seed: int, delta: float = 0.05, window: int = 1000) -> None:
        self.rng = np.random.default_rng(seed)
        self.delta, self.window = delta, window
        self.memory = [np.zeros(0) for _ in range(n_actions)]
        self.n_before = [0] * n_actions
        self.sum_before = [0.0] * n_actions
        self.n_restarts = 0

    def predict(self) -> int:
        successes = np.array([m.sum() + s for m, s in zip(self.memory, self.sum_before, strict=True)])
        counts = np.array([len(m) + n for m, n in zip(self.memory, self.n_before, strict=True)])
        return int(self.rng.beta(1.0 + successes, 1.0 + counts - successes).argmax())

    def update(self, action: int, reward: int) -> None:
        memory = np.append(self.memory[action], float(reward))
        if len(memory) > self.window:  # the oldest row leaves the memory for the summary
            self.n_before[action] += 1
            self.sum_before[action] += float(memory[0])
            memory = memory[1:]
        change = changepoint.bernoulli_glr(
            memory, self.delta, n_before=self.n_before[action], sum_before=self.sum_before[action]
        )
        if change is not None:
            memory = memory[change.index :]
            self.n_before[action], self.sum_before[action] = 0, 0.0
            self.n_restarts += 1
        self.memory[action] = memory
