"""The original's scikit-learn and XGBoost models of the logging policy and the rewards, for its evaluator.

``"gbm"``, ``"rf"`` and ``"mlp"`` are scikit-learn's gradient boosting, random forest and
multi-layer perceptron classifiers, ``"xgb"`` XGBoost's; they are imported when asked for, from the
user's environment (``pip install scikit-learn`` / ``xgboost``). With ``fast_fit`` a model keeps
its library's default settings; otherwise ``n_trials`` settings drawn from the ranges below are
scored by 3-fold cross-validated accuracy and the best one is refitted on every row (a randomised
search; the original searches with Optuna's sampler over similar ranges). Every model and the
search are seeded (``random_state=0``): an evaluation is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SKLEARN_TYPES", "fitted_classifier"]

#: The model types these libraries provide, and where each comes from.
SKLEARN_TYPES = ("gbm", "rf", "mlp", "xgb")


class _Fitted:
    """A fitted classifier whose ``classes_`` are the labels it was given (XGBoost needs them as 0..k-1)."""

    def __init__(self, model: Any, classes: np.ndarray) -> None:
        self.model, self.classes_ = model, classes

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(features)


def _model_and_space(kind: str) -> tuple[Any, dict[str, Any]]:
    from scipy import stats

    if kind == "xgb":
        try:
            from xgboost import XGBClassifier
        except ImportError:
            raise ImportError("'xgb' models need XGBoost: pip install xgboost; or use 'gbm'") from None
        space = {
            "n_estimators": stats.randint(10, 200),
            "max_depth": stats.randint(2, 8),
            "learning_rate": stats.loguniform(1e-3, 1.0),
            "subsample": stats.uniform(0.6, 0.4),
        }
        return XGBClassifier(random_state=0), space
    try:
        from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        raise ImportError(
            f"{kind!r} models need scikit-learn: pip install scikit-learn; or use 'logreg' (a pybandits model)"
        ) from None
    if kind == "gbm":
        space = {
            "n_estimators": stats.randint(10, 200),
            "learning_rate": stats.loguniform(1e-3, 1.0),
            "max_depth": stats.randint(2, 8),
        }
        return GradientBoostingClassifier(random_state=0), space
    if kind == "rf":
        space = {"n_estimators": stats.randint(10, 200), "max_depth": stats.randint(2, 10)}
        return RandomForestClassifier(random_state=0), space
    space = {
        "hidden_layer_sizes": [(16,), (32,), (64,)],
        "alpha": stats.loguniform(1e-6, 1e-1),
        "learning_rate_init": stats.loguniform(1e-4, 1e-1),
    }
    return MLPClassifier(max_iter=1000, random_state=0), space


def fitted_classifier(kind: str, features: np.ndarray, labels: np.ndarray, fast_fit: bool, n_trials: int | None) -> Any:
    """A ``kind`` classifier of ``labels`` on ``features``, tuned unless ``fast_fit``; ``classes_`` are the labels.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 2))
    >>> model = fitted_classifier("rf", x, (x[:, 0] > 0).astype(int), fast_fit=True, n_trials=None)
    >>> model.classes_.tolist(), model.predict_proba(x[:3]).shape
    ([0, 1], (3, 2))
    """
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError(
            f"{kind}: expected training rows with at least two distinct labels to classify, got only {classes.tolist()}"
        )
    model, space = _model_and_space(kind)
    encoded = np.searchsorted(classes, labels)
    if not fast_fit:
        from sklearn.model_selection import RandomizedSearchCV

        search = RandomizedSearchCV(model, space, n_iter=n_trials, cv=3, random_state=0)
        model = search.fit(features, encoded).best_estimator_
    else:
        model.fit(features, encoded)
    return _Fitted(model, classes)
