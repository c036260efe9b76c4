"""The original library's ``OfflinePolicyEvaluator``: its constructor, ``evaluate`` and ``update_and_evaluate``.

The logs are split by batch (the batches up to the ``split_prop`` quantile train, the later ones
test, as in the original); the test rows are evaluated by the estimators of
:mod:`pybandits.compat.estimators` (this library's :mod:`pybandits.offline` estimators under the
original's names), with the evaluated policy's probabilities from
:meth:`~pybandits.bandits.base.BaseMab.action_probabilities` (``n_mc_experiments`` draws per row).

The models of the logging policy and of the rewards, fitted on the training rows:

- ``propensity_score_model_type``: ``"propensity_score"`` reads ``propensity_score_feature``;
  ``"batch_empirical"`` is each action's frequency in the test rows and ``"empirical"`` its
  frequency within each test batch (the original's two names, as it defines them); ``"logreg"`` is
  this library's Bayesian logistic regression per action (:func:`pybandits.offline.report.fit_logging_policy`),
  normalised per row; ``"gbm"``, ``"rf"``, ``"mlp"`` are scikit-learn's classifiers and ``"xgb"``
  XGBoost's (installed by you, as the original's users have them);
- ``expected_reward_model_type``: ``"logreg"`` is this library's reward model (a Bayesian logistic
  or linear regression per action of the bandit's reward family, its posterior mean); the others
  are the classifiers above, of the reward on the context and the action;
- ``fast_fit=False`` tunes a scikit-learn or XGBoost model by a randomised search of ``n_trials``
  settings, each scored by 3-fold cross-validation (the original searches with Optuna);
- ``importance_weights_model_type`` is checked and not used: it serves the original's ``b-ipw``
  only, which has no counterpart here. What else differs, and why: "Coming from pybandits 8.x".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pybandits.boundary.progress import in_notebook
from pybandits.boundary.validation import describe
from pybandits.compat.estimators import BaseOfflinePolicyEstimator, every_estimator
from pybandits.compat.learners import SKLEARN_TYPES, fitted_classifier
from pybandits.offline.report import cold_reward_model, fit_logging_policy, logging_probabilities, posterior_means

__all__ = ["OfflinePolicyEvaluator"]

_PROPENSITY_TYPES = ("logreg", "gbm", "rf", "mlp", "xgb", "batch_empirical", "empirical", "propensity_score")
_MODEL_TYPES = ("logreg", "gbm", "rf", "mlp", "xgb")
_EPSILON = 1e-8  # the smallest propensity a classifier gives, as in the original


class OfflinePolicyEvaluator:
    """Evaluate a bandit on logged data with several off-policy estimators, as the original does.

    Parameters
    ----------
    logged_data : DataFrame, optional
        The logs; or give them to :meth:`evaluate` / :meth:`update_and_evaluate` (the original's
        newer releases take them there).
    split_prop : float
        In (0, 1): the batches up to this quantile of the sorted batch values train the models
        (and, in :meth:`update_and_evaluate`, the bandit); the later ones are evaluated.
    propensity_score_model_type, expected_reward_model_type, importance_weights_model_type : str
        See the module.
    scaler : transformer or dict of them, optional
        Fitted on the training rows' contextual features (one per feature when a dict), applied to
        both sets: the bandit and the models see the scaled context.
    n_trials : int, default 100
        Settings tried when tuning a scikit-learn or XGBoost model (``fast_fit=False``).
    fast_fit : bool, default False
        Use the models' default settings instead of tuning them.
    ope_estimators : list, optional
        Estimators of :mod:`pybandits.offline_policy_estimator`; by default one of each that has a
        counterpart here (not ``b-ipw`` nor ``dros-pess``).
    shuffle : bool, default False
        Only False: the split follows the batch order (give a random batch column to split at random).
    batch_feature, action_feature : str
        The columns of the batch (integers or datetimes) and of the logged action.
    reward_feature : str or list of str
        The reward column, or one per objective of a multi-objective bandit.
    contextual_features : list of str, optional
        The context's columns, in the bandit's feature order; required by a contextual bandit.
    cost_feature, group_feature, true_reward_feature : optional
        Checked to be columns of the logs, as the original does; the estimates do not use them.
    propensity_score_feature : str, optional
        The logging policy's probability of the logged action; required by ``"propensity_score"``.
    verbose : bool, default False
        Print each step.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybandits.smab import SmabBernoulli
    >>> rng = np.random.default_rng(0)
    >>> logs = pd.DataFrame({"batch": np.repeat([0, 1, 2, 3], 100), "action": rng.choice(["a", "b"], 400)})
    >>> logs["reward"] = (rng.random(400) < np.where(logs["action"] == "a", 0.8, 0.2)).astype(int)
    >>> evaluator = OfflinePolicyEvaluator(
    ...     split_prop=0.5, propensity_score_model_type="batch_empirical", expected_reward_model_type="logreg",
    ...     importance_weights_model_type="logreg", batch_feature="batch", action_feature="action",
    ...     reward_feature="reward",
    ... )
    >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0)
    >>> report = evaluator.update_and_evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=100)
    >>> report.columns.tolist()
    ['value', 'lower', 'upper', 'std', 'estimator', 'objective']
    >>> bool(report.set_index("estimator").loc["ipw", "value"] > 0.6)  # it learned to play a
    True
    """

    def __init__(
        self,
        *,
        logged_data: Any = None,
        split_prop: float,
        propensity_score_model_type: str,
        expected_reward_model_type: str,
        importance_weights_model_type: str,
        scaler: Any = None,
        n_trials: int | None = 100,
        fast_fit: bool = False,
        ope_estimators: Sequence[BaseOfflinePolicyEstimator] | None = None,
        shuffle: bool = False,
        batch_feature: str,
        action_feature: str,
        reward_feature: str | Sequence[str],
        contextual_features: Sequence[str] | None = None,
        cost_feature: str | None = None,
        group_feature: str | None = None,
        true_reward_feature: str | Sequence[str] | None = None,
        propensity_score_feature: str | None = None,
        verbose: bool = False,
    ) -> None:
        if isinstance(split_prop, bool) or not isinstance(split_prop, int | float) or not 0 < split_prop < 1:
            raise ValueError(f"split_prop: expected a number strictly between 0 and 1, got {describe(split_prop)}")
        for name, value, allowed in (
            ("propensity_score_model_type", propensity_score_model_type, _PROPENSITY_TYPES),
            ("expected_reward_model_type", expected_reward_model_type, _MODEL_TYPES),
            ("importance_weights_model_type", importance_weights_model_type, _MODEL_TYPES),
        ):
            if value not in allowed:
                raise ValueError(f"{name}: expected one of {list(allowed)}, got {describe(value)}")
        if propensity_score_model_type == "propensity_score" and propensity_score_feature is None:
            raise ValueError(
                "propensity_score_feature: expected the column of the logged propensities with "
                "propensity_score_model_type='propensity_score', got None"
            )
        for name, flag in (("fast_fit", fast_fit), ("shuffle", shuffle), ("verbose", verbose)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}: expected True or False, got {describe(flag)}")
        if shuffle:
            raise ValueError(
                "shuffle: expected False; the split follows the batch order here (the original's shuffle permutes the "
                "rows' batch labels with numpy's global generator, a split that changes from run to run): give the "
                "logs a batch column drawn with a seed to split at random, reproducibly"
            )
        learners = {propensity_score_model_type, expected_reward_model_type} & set(SKLEARN_TYPES)
        if not fast_fit and learners and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1):
            raise ValueError(
                f"n_trials: expected a positive integer to tune {sorted(learners)}, got {describe(n_trials)}"
            )
        if ope_estimators is None:
            ope_estimators = every_estimator()
        if not isinstance(ope_estimators, Sequence) or not ope_estimators:
            raise TypeError(f"ope_estimators: expected a non-empty list of estimators, got {describe(ope_estimators)}")
        for estimator in ope_estimators:
            if not isinstance(estimator, BaseOfflinePolicyEstimator):
                raise TypeError(
                    "ope_estimators: expected estimators of pybandits.offline_policy_estimator, "
                    f"got {describe(estimator)}"
                )
        self.split_prop = float(split_prop)
        self.propensity_score_model_type = propensity_score_model_type
        self.expected_reward_model_type = expected_reward_model_type
        self.importance_weights_model_type = importance_weights_model_type
        self.scaler, self.n_trials, self.fast_fit = scaler, n_trials, fast_fit
        self.ope_estimators, self.shuffle, self.verbose = list(ope_estimators), shuffle, verbose
        self.batch_feature, self.action_feature = batch_feature, action_feature
        self.reward_feature = [reward_feature] if isinstance(reward_feature, str) else list(reward_feature)
        self.contextual_features = None if contextual_features is None else list(contextual_features)
        self.cost_feature, self.group_feature = cost_feature, group_feature
        self.true_reward_feature = (
            None
            if true_reward_feature is None
            else [true_reward_feature]
            if isinstance(true_reward_feature, str)
            else list(true_reward_feature)
        )
        self.propensity_score_feature = propensity_score_feature
        self.logged_data = None
        if logged_data is not None:
            self._check_columns(logged_data)
            self.logged_data = logged_data

    # -- the data --------------------------------------------------------------------------------

    def _check_columns(self, logs: Any) -> None:
        import pandas as pd

        if not isinstance(logs, pd.DataFrame):
            raise TypeError(f"logged_data: expected a pandas DataFrame, got {describe(logs)}")
        named = [
            ("batch_feature", [self.batch_feature]),
            ("action_feature", [self.action_feature]),
            ("reward_feature", self.reward_feature),
            ("contextual_features", self.contextual_features or []),
            ("cost_feature", [self.cost_feature] if self.cost_feature else []),
            ("group_feature", [self.group_feature] if self.group_feature else []),
            ("true_reward_feature", self.true_reward_feature or []),
            ("propensity_score_feature", [self.propensity_score_feature] if self.propensity_score_feature else []),
        ]
        for name, columns in named:
            missing = [column for column in columns if column not in logs.columns]
            if missing:
                raise ValueError(
                    f"{name}: expected columns of logged_data, got {missing} (it has {list(logs.columns)})"
                )
        if self.true_reward_feature is not None and len(self.true_reward_feature) != len(self.reward_feature):
            raise ValueError(
                f"true_reward_feature: expected one column per reward column ({len(self.reward_feature)}), "
                f"got {self.true_reward_feature}"
            )
        batch = logs[self.batch_feature]
        if not (pd.api.types.is_integer_dtype(batch) or pd.api.types.is_datetime64_any_dtype(batch)):
            raise TypeError(f"batch_feature: expected a column of integers or dates, got dtype {batch.dtype}")

    def _logs(self, logged_data: Any) -> Any:
        if logged_data is not None and self.logged_data is not None:
            raise TypeError("logged_data: expected the logs once, in the constructor or here, got them in both")
        logs = self.logged_data if logged_data is None else logged_data
        if logs is None:
            raise TypeError("logged_data: expected the logs (a DataFrame) here or in the constructor, got None")
        if logged_data is not None:
            self._check_columns(logs)
        return logs

    def _split(self, logs: Any, mab: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The training and test sets, as the bandit and the models read them."""
        from pybandits.cmab import BaseCmab
        from pybandits.smab import BaseSmab

        if not isinstance(mab, BaseCmab | BaseSmab):
            raise TypeError(f"mab: expected a pybandits bandit, got {describe(mab)}")
        contextual = isinstance(mab, BaseCmab)
        if contextual and not self.contextual_features:
            raise ValueError(
                f"contextual_features: a contextual bandit ({type(mab).__name__}) needs its "
                f"{mab.input_dim} context columns, got None"
            )
        if not contextual and self.contextual_features:
            raise ValueError(
                f"contextual_features: a stochastic bandit ({type(mab).__name__}) reads no context, got "
                f"{self.contextual_features}; give None"
            )
        if contextual and len(self.contextual_features) != mab.input_dim:
            raise ValueError(
                f"contextual_features: expected the bandit's {mab.input_dim} features, got "
                f"{len(self.contextual_features)} columns {self.contextual_features}"
            )
        if len(self.reward_feature) != (mab.n_objectives or 1):
            raise ValueError(
                f"reward_feature: expected {mab.n_objectives or 1} reward column(s), one per objective of the bandit, "
                f"got {self.reward_feature}"
            )
        action_ids = list(mab.actions)
        unknown = sorted(set(logs[self.action_feature].astype(str)) - set(action_ids))
        if unknown:
            raise ValueError(f"action_feature: expected the bandit's actions {action_ids}, got also {unknown}")
        batches = np.sort(logs[self.batch_feature].unique())
        split = batches[math.floor(len(batches) * self.split_prop)]
        train_rows = (logs[self.batch_feature] <= split).to_numpy()
        if train_rows.all():
            raise ValueError(
                f"split_prop: {self.split_prop} of {len(batches)} batches leaves no later batch to evaluate; lower it"
            )
        sets = []
        for rows in (train_rows, ~train_rows):
            part = logs[rows].reset_index(drop=True)
            actions = part[self.action_feature].astype(str).map({a: j for j, a in enumerate(action_ids)}).to_numpy()
            rewards = part[self.reward_feature].to_numpy(dtype=np.float64)
            sets.append(
                {
                    "frame": part,
                    "actions": actions.astype(np.int64),
                    "rewards": rewards,
                    "batch": part[self.batch_feature].to_numpy(),
                    "context": None,
                }
            )
        if contextual:
            train, test = (part["frame"][self.contextual_features].to_numpy(dtype=np.float64) for part in sets)
            sets[0]["context"], sets[1]["context"] = self._scaled(train, test)
        return sets[0], sets[1]

    def _scaled(self, train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.scaler is None:
            return train, test
        if isinstance(self.scaler, Mapping):
            missing = [column for column in self.contextual_features if column not in self.scaler]
            if missing:
                raise ValueError(f"scaler: expected a scaler for every contextual feature, missing {missing}")
            scalers = [self.scaler[column] for column in self.contextual_features]
            fitted = [s.fit_transform(train[:, [j]]) for j, s in enumerate(scalers)]
            return np.hstack(fitted), np.hstack([s.transform(test[:, [j]]) for j, s in enumerate(scalers)])
        return np.asarray(self.scaler.fit_transform(train)), np.asarray(self.scaler.transform(test))

    # -- the models ------------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message)

    def _propensities(self, mab: Any, train: dict[str, Any], test: dict[str, Any]) -> np.ndarray:
        kind, n = self.propensity_score_model_type, len(test["actions"])
        self._say(f"propensity score: {kind}")
        if kind == "propensity_score":
            values = test["frame"][self.propensity_score_feature].to_numpy(dtype=np.float64)
            bad = ~((values > 0) & (values <= 1))
            if bad.any():
                raise ValueError(
                    f"propensity_score_feature: expected probabilities in (0, 1], got {values[bad][0]!r} in the "
                    "test rows"
                )
            return values
        if kind == "batch_empirical":
            frequencies = np.bincount(test["actions"], minlength=len(mab.actions)) / n
            return frequencies[test["actions"]]
        if kind == "empirical":
            frame = test["frame"].assign(_action=test["actions"])
            shares = frame.groupby(self.batch_feature)["_action"].transform(
                lambda played: played.map(played.value_counts(normalize=True))
            )
            return shares.to_numpy(dtype=np.float64)
        if test["context"] is None:
            raise ValueError(
                f"propensity_score_model_type: {kind!r} models the logging policy on the context, and the logs have "
                "none; use 'batch_empirical', 'empirical' or 'propensity_score'"
            )
        if kind == "logreg":
            model = fit_logging_policy(mab, train["actions"], train["context"], seed=0)
            return logging_probabilities(model, test["context"], list(mab.actions))[np.arange(n), test["actions"]]
        classifier = fitted_classifier(kind, train["context"], train["actions"], self.fast_fit, self.n_trials)
        scores = np.zeros((n, len(mab.actions)))
        scores[:, classifier.classes_] = classifier.predict_proba(test["context"])
        return np.clip(scores[np.arange(n), test["actions"]], _EPSILON, 1.0)

    def _expected_rewards(self, mab: Any, train: dict[str, Any], test: dict[str, Any]) -> np.ndarray:
        """``(n_test, n_actions, n_objectives)``: each action's expected reward in each test row, fitted on train."""
        kind, action_ids, n = self.expected_reward_model_type, list(mab.actions), len(test["actions"])
        self._say(f"expected reward: {kind}")
        out = np.empty((n, len(action_ids), len(self.reward_feature)))
        contextual = test["context"] is not None
        played = [action_ids[a] for a in train["actions"]]
        for k in range(len(self.reward_feature)):
            rewards = train["rewards"][:, k]
            if kind == "logreg":
                model = cold_reward_model(mab, contextual, None, seed=k)
                if contextual:
                    model.update(played, rewards.tolist(), train["context"], progressbar=False)
                    out[:, :, k] = posterior_means(model, test["context"], action_ids)
                else:
                    model.update(played, rewards.tolist())
                    out[:, :, k] = [model.actions[a].mean for a in action_ids]
                continue
            if not np.isin(rewards, (0.0, 1.0)).all():
                other = float(rewards[~np.isin(rewards, (0.0, 1.0))][0])
                raise ValueError(
                    f"expected_reward_model_type: {kind!r} classifies rewards of 0 or 1, got others such as {other!r}; "
                    "use 'logreg' (a pybandits model of the bandit's reward family)"
                )
            features = _with_actions(train["context"], train["actions"], len(action_ids))
            classifier = fitted_classifier(kind, features, rewards.astype(int), self.fast_fit, self.n_trials)
            for j in range(len(action_ids)):
                every = np.full(n, j)
                scores = classifier.predict_proba(_with_actions(test["context"], every, len(action_ids)))
                out[:, j, k] = scores[:, list(classifier.classes_).index(1)] if 1 in classifier.classes_ else 0.0
        return out

    # -- the evaluation --------------------------------------------------------------------------

    def evaluate(
        self,
        mab: Any,
        logged_data: Any = None,
        n_mc_experiments: int = 1000,
        save_path: str | None = None,
        visualize: bool = True,
        n_cores: int | None = None,
    ) -> Any:
        """Every estimator's value of ``mab``'s policy on the test batches, with its bootstrap interval.

        Columns ``value, lower, upper, std, estimator, objective`` (the reward column), one row per
        estimator and objective.

        The bandit is not changed (its probabilities are drawn by a copy). ``save_path`` gets
        ``estimated_policy_value.csv`` (and the figure, ``estimated_policy_value.png``, when
        ``visualize``). Without it the figure is shown in a notebook and kept in ``self.figure``
        (the original refuses ``visualize`` without ``save_path`` outside a notebook).
        """
        self._check_run(n_mc_experiments, save_path, visualize, n_cores)
        train, test = self._split(self._logs(logged_data), mab)
        return self._evaluated(mab, train, test, n_mc_experiments, save_path, visualize)

    def _evaluated(
        self, mab: Any, train: dict, test: dict, n_mc_experiments: int, save_path: str | None, visualize: bool
    ) -> Any:
        """:meth:`evaluate` on sets already split (the arguments checked)."""
        import pandas as pd

        propensities = self._propensities(mab, train, test)
        needs_model = any(estimator.needs_expected_reward for estimator in self.ope_estimators)
        expected = self._expected_rewards(mab, train, test) if needs_model else None
        self._say(f"policy: {n_mc_experiments} draws per row")
        policy = mab.model_copy(deep=True)
        if test["context"] is None:
            probabilities = np.repeat(policy.action_probabilities(n_draws=n_mc_experiments)[1], len(propensities), 0)
        else:
            probabilities = policy.action_probabilities(test["context"], n_draws=n_mc_experiments)[1]
        records = []
        for k, objective in enumerate(self.reward_feature):
            for estimator in self.ope_estimators:
                value, lower, upper, std = estimator.estimate_policy_value_with_confidence_interval(
                    action=test["actions"],
                    reward=test["rewards"][:, k],
                    propensity_score=propensities,
                    estimated_policy=probabilities,
                    expected_reward=None if expected is None else expected[:, :, k],
                )
                records.append((value, lower, upper, std, estimator.name, objective))
        report = pd.DataFrame.from_records(
            records, columns=["value", "lower", "upper", "std", "estimator", "objective"]
        )
        if save_path:
            Path(save_path).mkdir(parents=True, exist_ok=True)
            report.to_csv(Path(save_path) / "estimated_policy_value.csv")
        if visualize:
            self._draw(report, save_path)
        return report

    def update_and_evaluate(
        self,
        mab: Any,
        logged_data: Any = None,
        n_mc_experiments: int = 1000,
        save_path: str | None = None,
        visualize: bool = True,
        with_test: bool = False,
        n_cores: int | None = None,
    ) -> Any:
        """Update ``mab`` in place on the training batches (and the test ones, ``with_test``), then :meth:`evaluate`.

        A failure leaves the bandit as it was.
        """
        self._check_run(n_mc_experiments, save_path, visualize, n_cores)
        if not isinstance(with_test, bool):
            raise TypeError(f"with_test: expected True or False, got {describe(with_test)}")
        logs = self._logs(logged_data)
        train, test = self._split(logs, mab)
        with mab._unchanged_on_failure():
            for part in [train, test] if with_test else [train]:
                self._say(f"updating {type(mab).__name__} on {len(part['actions'])} rows")
                played = [list(mab.actions)[a] for a in part["actions"]]
                rewards = part["rewards"][:, 0] if part["rewards"].shape[1] == 1 else part["rewards"]
                context = {} if part["context"] is None else {"context": part["context"]}
                mab.update(actions=played, rewards=rewards.tolist(), **context)
            return self._evaluated(mab, train, test, n_mc_experiments, save_path, visualize)

    def _check_run(self, n_mc_experiments: object, save_path: object, visualize: object, n_cores: object) -> None:
        if isinstance(n_mc_experiments, bool) or not isinstance(n_mc_experiments, int) or n_mc_experiments < 1:
            raise ValueError(f"n_mc_experiments: expected a positive integer, got {describe(n_mc_experiments)}")
        if not isinstance(visualize, bool):
            raise TypeError(f"visualize: expected True or False, got {describe(visualize)}")
        if n_cores is not None:
            raise ValueError(
                f"n_cores: the policy's probabilities are drawn vectorised in this process "
                f"(mab.action_probabilities), not in processes; expected None, got {describe(n_cores)}"
            )
        if save_path is not None and not isinstance(save_path, str | Path):
            raise TypeError(f"save_path: expected a folder path or None, got {describe(save_path)}")
        if visualize:
            try:  # checked before any work: a missing plotting library must not cost a fit
                import matplotlib  # noqa: F401
            except ImportError:
                raise ImportError(
                    "visualize: the figure needs matplotlib (pip install pybandits[plot]); or pass visualize=False"
                ) from None

    def _draw(self, report: Any, save_path: str | None) -> None:
        from pybandits.offline.plots import plot_evaluation

        figure = plot_evaluation(report)
        self.figure = figure
        if save_path:
            figure.savefig(Path(save_path) / "estimated_policy_value.png")
        elif in_notebook():
            from IPython.display import display

            display(figure)


def _with_actions(context: np.ndarray | None, actions: np.ndarray, n_actions: int) -> np.ndarray:
    """The context beside a one-hot column per action: a reward classifier's features."""
    one_hot = np.eye(n_actions)[actions]
    return one_hot if context is None else np.hstack([context, one_hot])
