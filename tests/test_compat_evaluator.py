"""The original library's OfflinePolicyEvaluator and estimator classes, against this package's estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybandits import offline
from pybandits.cmab import CmabBernoulli
from pybandits.offline_policy_estimator import (
    BalancedInverseProbabilityWeighting,
    DirectMethod,
    DoublyRobust,
    DoublyRobustWithOptimisticShrinkage,
    DoublyRobustWithPessimisticShrinkage,
    InverseProbabilityWeighting,
    ReplayMethod,
    SelfNormalizedDoublyRobust,
    SelfNormalizedInverseProbabilityWeighting,
    SubGaussianDoublyRobust,
    SubGaussianInverseProbabilityWeighting,
    SwitchDoublyRobust,
)
from pybandits.offline_policy_evaluator import OfflinePolicyEvaluator
from pybandits.smab import SmabBernoulli

ACTIONS = ["a0", "a1", "a2"]
FAST = {"num_steps": 30}


def _arrays(seed: int = 0, n: int = 300):
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, 3, n)
    policy = rng.dirichlet(np.ones(3), n)
    return {
        "action": actions,
        "reward": (rng.random(n) < 0.3 + 0.2 * actions).astype(float),
        "propensity_score": rng.uniform(0.2, 0.6, n),
        "estimated_policy": policy,
        "expected_reward": rng.uniform(0, 1, (n, 3)),
    }


@pytest.mark.parametrize(
    ("estimator", "name", "ours", "hyperparameters"),
    [
        (ReplayMethod(), "rep", offline.replay, {}),
        (InverseProbabilityWeighting(), "ipw", offline.ipw, {}),
        (SelfNormalizedInverseProbabilityWeighting(), "snips", offline.snipw, {}),
        (DirectMethod(), "dm", offline.dm, {}),
        (DoublyRobust(), "dr", offline.dr, {}),
        (SelfNormalizedDoublyRobust(), "sndr", offline.sndr, {}),
        (SwitchDoublyRobust(switch_threshold=2.0), "switch-dr", offline.switch_dr, {"lambda_": 2.0}),
        (SwitchDoublyRobust(), "switch-dr", offline.dr, {}),  # inf: every row corrected
        (DoublyRobustWithOptimisticShrinkage(shrinkage_factor=3.0), "dros-opt", offline.dros, {"lambda_": 3.0}),
        (DoublyRobustWithOptimisticShrinkage(), "dros-opt", offline.dm, {}),  # the original's default, 0: dm
        (SubGaussianInverseProbabilityWeighting(shrinkage_factor=0.2), "sg-ipw", offline.sg_ipw, {"lambda_": 0.2}),
        (SubGaussianInverseProbabilityWeighting(), "sg-ipw", offline.ipw, {}),
        (SubGaussianDoublyRobust(), "sg-dr", offline.dr, {}),
    ],
)
def test_each_estimator_class_is_this_packages_estimator(estimator, name, ours, hyperparameters):
    data = _arrays()
    expected = ours(
        data["reward"],
        data["action"],
        data["propensity_score"],
        data["estimated_policy"],
        data["expected_reward"],
        **hyperparameters,
    )
    estimator.n_bootstrap_samples, estimator.random_state = 400, 1
    value, lower, upper, std = estimator.estimate_policy_value_with_confidence_interval(**data)
    assert estimator.name == name
    assert value == pytest.approx(expected, abs=1e-12)
    assert lower <= value <= upper and std > 0
    # a 95% percentile interval spans about 3.9 bootstrap standard deviations
    assert (upper - lower) / std == pytest.approx(3.92, rel=0.2)
    again = estimator.estimate_policy_value_with_confidence_interval(**data)
    assert again == (value, lower, upper, std)  # random_state fixes the bootstrap


def test_estimators_refuse_what_has_no_counterpart_and_unknown_settings():
    with pytest.raises(ValueError, match=r"BalancedInverseProbabilityWeighting \(b-ipw\): no counterpart"):
        BalancedInverseProbabilityWeighting()
    with pytest.raises(ValueError, match=r"dros-pess.*DoublyRobustWithOptimisticShrinkage"):
        DoublyRobustWithPessimisticShrinkage(shrinkage_factor=2.0)
    with pytest.raises(TypeError, match=r"unexpected arguments \['shrinkage_factor'\]"):
        InverseProbabilityWeighting(shrinkage_factor=0.5)
    with pytest.raises(ValueError, match="alpha: expected a number strictly between 0 and 1"):
        DoublyRobust(alpha=1.5)
    with pytest.raises(ValueError, match="n_bootstrap_samples: expected a positive integer"):
        DoublyRobust(n_bootstrap_samples=0)
    with pytest.raises(TypeError, match="expected_reward: dm needs the reward model's predictions"):
        DirectMethod().estimate_policy_value_with_confidence_interval(**{**_arrays(), "expected_reward": None})


# --------------------------------------------------------------------------------------------------------------------
# The evaluator


def _logs(n_per_batch: int = 150, n_batches: int = 4, seed: int = 0) -> pd.DataFrame:
    """A uniform logger; a0 pays where x0 > 0, a2 rarely."""
    rng = np.random.default_rng(seed)
    n = n_per_batch * n_batches
    context = rng.normal(size=(n, 2))
    played = rng.choice(ACTIONS, n)
    chance = np.where(played == "a0", np.where(context[:, 0] > 0, 0.9, 0.2), np.where(played == "a1", 0.5, 0.1))
    return pd.DataFrame(
        {
            "batch": np.repeat(np.arange(n_batches), n_per_batch),
            "action_id": played,
            "reward": (rng.random(n) < chance).astype(int),
            "x0": context[:, 0],
            "x1": context[:, 1],
            "propensity": np.full(n, 1 / 3),
            "group": rng.integers(0, 2, n),
        }
    )


def _evaluator(**changes) -> OfflinePolicyEvaluator:
    settings = {
        "split_prop": 0.5,
        "propensity_score_model_type": "propensity_score",
        "expected_reward_model_type": "logreg",
        "importance_weights_model_type": "logreg",
        "batch_feature": "batch",
        "action_feature": "action_id",
        "reward_feature": "reward",
        "contextual_features": ["x0", "x1"],
        "propensity_score_feature": "propensity",
    }
    return OfflinePolicyEvaluator(**{**settings, **changes})


def _contextual(**kwargs):
    return CmabBernoulli.cold_start(action_ids=ACTIONS, n_features=2, update_kwargs=FAST, random_seed=0, **kwargs)


def test_the_later_batches_are_evaluated_as_this_packages_evaluation_evaluates_them():
    logs = _logs()
    mab = _contextual(epsilon=1.0)  # uniform probabilities, exactly: both evaluations see the same policy
    estimators = [ReplayMethod(), InverseProbabilityWeighting(), SelfNormalizedInverseProbabilityWeighting()]
    report = _evaluator(ope_estimators=estimators).evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=20)
    assert report.columns.tolist() == ["value", "lower", "upper", "std", "estimator", "objective"]
    assert report["estimator"].tolist() == ["rep", "ipw", "snips"] and set(report["objective"]) == {"reward"}
    # split_prop 0.5 of batches 0..3: floor(4 * 0.5) = 2, so batches 0, 1, 2 train and batch 3 is evaluated
    test = logs[logs["batch"] == 3].rename(columns={"action_id": "action"})[
        ["action", "reward", "x0", "x1", "propensity"]
    ]
    ours = offline.evaluate(mab, test, estimators=["replay", "ipw", "snipw"], n_draws=20, n_bootstrap=50, random_seed=0)
    np.testing.assert_allclose(report["value"], ours.set_index("estimator").loc[["replay", "ipw", "snipw"], "value"])


def test_update_and_evaluate_trains_on_the_earlier_batches_in_place():
    logs = _logs().drop(columns=["x0", "x1"])
    evaluator = _evaluator(contextual_features=None, propensity_score_model_type="batch_empirical")
    mab = SmabBernoulli.cold_start(action_ids=ACTIONS, random_seed=0)
    report = evaluator.update_and_evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=50)
    train = logs[logs["batch"] <= 2]
    for action in ACTIONS:
        rows = train[train["action_id"] == action]
        assert mab.actions[action].n_successes == 1 + rows["reward"].sum()  # Beta(1, 1) plus the training rows
        assert mab.actions[action].n_failures == 1 + (1 - rows["reward"]).sum()
    assert report["estimator"].tolist() == [
        "rep",
        "ipw",
        "snips",
        "dm",
        "dr",
        "sndr",
        "switch-dr",
        "dros-opt",
        "sg-ipw",
        "sg-dr",
    ]
    # by hand: batch_empirical propensities are each action's frequency in the evaluated rows
    test = logs[logs["batch"] == 3]
    played = test["action_id"].map(ACTIONS.index).to_numpy()
    frequencies = np.bincount(played, minlength=3) / len(test)
    _, one_row = mab.model_copy(deep=True).action_probabilities(n_draws=50)
    ipw = np.mean(one_row[0][played] * test["reward"].to_numpy() / frequencies[played])
    assert report.set_index("estimator").loc["ipw", "value"] == pytest.approx(ipw, abs=1e-12)
    # dm: the reward model trained on the earlier batches, the per-action posterior means
    model = SmabBernoulli.cold_start(action_ids=ACTIONS)
    model.update(train["action_id"].tolist(), train["reward"].tolist())
    dm = one_row[0] @ np.array([model.actions[a].mean for a in ACTIONS])
    assert report.set_index("estimator").loc["dm", "value"] == pytest.approx(dm, abs=1e-12)
    # with_test: the evaluated batch trains too
    again = SmabBernoulli.cold_start(action_ids=ACTIONS, random_seed=0)
    evaluator.update_and_evaluate(again, logged_data=logs, visualize=False, n_mc_experiments=10, with_test=True)
    assert sum(again.actions[a].n_successes + again.actions[a].n_failures for a in ACTIONS) == 6 + len(logs)


def test_empirical_propensities_are_frequencies_within_each_batch():
    logs = _logs(n_batches=6).drop(columns=["x0", "x1"])
    evaluator = _evaluator(
        contextual_features=None,
        propensity_score_model_type="empirical",
        ope_estimators=[InverseProbabilityWeighting()],
    )
    mab = SmabBernoulli.cold_start(action_ids=ACTIONS, random_seed=0)
    report = evaluator.evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=50)
    test = logs[logs["batch"] > 3]
    share = test.groupby("batch")["action_id"].transform(lambda a: a.map(a.value_counts(normalize=True)))
    _, one_row = mab.model_copy(deep=True).action_probabilities(n_draws=50)
    expected = np.mean(one_row[0][test["action_id"].map(ACTIONS.index)] * test["reward"] / share)
    assert report["value"].iloc[0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("kind", ["logreg", "gbm", "rf", "mlp"])
def test_models_of_the_logging_policy_and_rewards(kind):
    pytest.importorskip("sklearn")
    from sklearn.preprocessing import MinMaxScaler

    logs = _logs(n_per_batch=100)
    evaluator = _evaluator(
        propensity_score_model_type=kind,
        expected_reward_model_type=kind,
        scaler=MinMaxScaler(),
        fast_fit=kind != "rf",  # rf: a randomised search of 2 settings
        n_trials=2,
        ope_estimators=[InverseProbabilityWeighting(), DirectMethod(), DoublyRobust()],
    )
    mab = _contextual()
    before = mab.get_state()
    report = evaluator.evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=20)
    assert mab.get_state() == before  # evaluate draws with a copy
    values = report.set_index("estimator")["value"]
    assert np.isfinite(values).all() and 0 < values["dm"] < 1
    if kind == "logreg":  # a calibrated model of the uniform logger: ipw near ipw with the true propensities
        truth = _evaluator(ope_estimators=[InverseProbabilityWeighting()], scaler=MinMaxScaler())
        true_ipw = truth.evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=20)["value"].iloc[0]
        assert values["ipw"] == pytest.approx(true_ipw, abs=0.1)


def test_saving_and_drawing(tmp_path):
    pytest.importorskip("matplotlib")
    evaluator = _evaluator(ope_estimators=[InverseProbabilityWeighting()])
    evaluator.evaluate(_contextual(), logged_data=_logs(), save_path=str(tmp_path / "out"), n_mc_experiments=10)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "estimated_policy_value.csv",
        "estimated_policy_value.png",
    ]
    assert pd.read_csv(tmp_path / "out" / "estimated_policy_value.csv")["estimator"].tolist() == ["ipw"]
    evaluator.evaluate(_contextual(), logged_data=_logs(), n_mc_experiments=10)  # outside a notebook: kept
    assert evaluator.figure.axes[0].get_yticklabels()[0].get_text() == "ipw"


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"split_prop": 1}, ValueError, "split_prop: expected a number strictly between 0 and 1"),
        ({"split_prop": True}, ValueError, "split_prop"),
        ({"propensity_score_model_type": "svm"}, ValueError, "propensity_score_model_type: expected one of"),
        ({"expected_reward_model_type": "batch_empirical"}, ValueError, "expected_reward_model_type: expected one of"),
        ({"propensity_score_feature": None}, ValueError, "propensity_score_feature: expected the column"),
        ({"shuffle": True}, ValueError, "shuffle: expected False; .* give the logs a batch column drawn with a seed"),
        ({"ope_estimators": ["ipw"]}, TypeError, "ope_estimators: expected estimators of"),
        ({"ope_estimators": []}, TypeError, "ope_estimators: expected a non-empty list"),
        ({"expected_reward_model_type": "gbm", "n_trials": 0}, ValueError, "n_trials: expected a positive integer"),
        ({"verbose": "yes"}, TypeError, "verbose: expected True or False"),
        ({"logged_data": _logs().drop(columns="x1")}, ValueError, r"contextual_features: expected columns .*\['x1'\]"),
        (
            {"logged_data": _logs().assign(batch=0.5)},
            TypeError,
            "batch_feature: expected a column of integers or dates",
        ),
        ({"true_reward_feature": "nope", "logged_data": _logs()}, ValueError, "true_reward_feature: expected columns"),
    ],
)
def test_wrong_constructions_are_refused_by_name(changes, error, match):
    with pytest.raises(error, match=match):
        _evaluator(**changes)


@pytest.mark.parametrize(
    ("evaluator_changes", "call", "error", "match"),
    [
        ({}, {"n_cores": 4}, ValueError, "n_cores: the policy's probabilities are drawn vectorised"),
        ({}, {"n_mc_experiments": 0}, ValueError, "n_mc_experiments: expected a positive integer"),
        ({}, {"save_path": 3}, TypeError, "save_path: expected a folder path or None"),
        ({}, {"logged_data": None}, TypeError, "logged_data: expected the logs"),
        ({"logged_data": _logs()}, {"logged_data": _logs()}, TypeError, "logged_data: expected the logs once"),
        ({}, {"logged_data": _logs().assign(action_id="zz")}, ValueError, r"action_feature: .* got also \['zz'\]"),
        ({"contextual_features": None}, {}, ValueError, "contextual_features: a contextual bandit"),
        ({"contextual_features": ["x0"]}, {}, ValueError, "contextual_features: expected the bandit's 2 features"),
        ({"split_prop": 0.9}, {}, ValueError, "split_prop: 0.9 of 4 batches leaves no later batch"),
        ({"reward_feature": ["reward", "reward"]}, {}, ValueError, r"reward_feature: expected 1 reward column"),
        (
            {"propensity_score_model_type": "batch_empirical"},
            {"logged_data": _logs().assign(propensity=0.0)},
            None,
            None,
        ),
        ({}, {"logged_data": _logs().assign(propensity=0.0)}, ValueError, r"propensity_score_feature: expected"),
    ],
)
def test_wrong_runs_are_refused_by_name_and_change_nothing(evaluator_changes, call, error, match):
    evaluator = _evaluator(**evaluator_changes)
    mab = _contextual()
    before = mab.get_state()
    kwargs = {"logged_data": None if "logged_data" in evaluator_changes else _logs(), "visualize": False}
    kwargs["n_mc_experiments"] = 5
    kwargs.update(call)
    if error is None:  # the control: the same logs are fine when the propensity column is not read
        evaluator.evaluate(mab, **kwargs)
        return
    generator = mab._rng.bit_generator.state
    with pytest.raises(error, match=match):
        evaluator.update_and_evaluate(mab, **kwargs)
    assert mab.get_state() == before and mab._rng.bit_generator.state == generator


def test_classifiers_of_the_reward_take_rewards_of_zero_or_one():
    pytest.importorskip("sklearn")
    logs = _logs().assign(reward=lambda frame: frame["reward"] * 2)  # rewards of 0 or 2
    evaluator = _evaluator(expected_reward_model_type="gbm", fast_fit=True, ope_estimators=[DirectMethod()])
    with pytest.raises(ValueError, match="expected_reward_model_type: 'gbm' classifies rewards of 0 or 1, got .* 2.0"):
        evaluator.evaluate(_contextual(), logged_data=logs, visualize=False, n_mc_experiments=5)


def test_dates_as_batches_and_a_scaler_per_feature():
    sklearn = pytest.importorskip("sklearn.preprocessing")
    logs = _logs()
    dated = logs.assign(batch=pd.Timestamp("2026-01-01") + pd.to_timedelta(logs["batch"], unit="D"))
    scalers = {"x0": sklearn.StandardScaler(), "x1": sklearn.MinMaxScaler()}
    estimators = [InverseProbabilityWeighting(random_state=0, n_bootstrap_samples=50)]
    mab = _contextual(epsilon=1.0)  # uniform probabilities: the scaled context changes nothing but is read
    by_date = _evaluator(ope_estimators=estimators, scaler=scalers)
    by_number = _evaluator(ope_estimators=estimators)
    dated_report = by_date.evaluate(mab, logged_data=dated, visualize=False, n_mc_experiments=5)
    numbered = by_number.evaluate(mab, logged_data=logs, visualize=False, n_mc_experiments=5)
    assert dated_report["value"].iloc[0] == pytest.approx(numbered["value"].iloc[0], abs=1e-12)  # the same split
    assert scalers["x0"].mean_[0] == pytest.approx(logs.loc[logs["batch"] <= 2, "x0"].mean())  # fitted on train


def test_estimator_settings_are_checked_when_built_and_bootstraps_are_chunked():
    with pytest.raises(ValueError, match=r"shrinkage_factor: expected a number in \[0, 1\], got 2.0"):
        SubGaussianInverseProbabilityWeighting(shrinkage_factor=2)
    with pytest.raises(ValueError, match="switch_threshold: expected a number in"):
        SwitchDoublyRobust(switch_threshold=-1)
    with pytest.raises(ValueError, match="bootstrap_batch_size: expected a positive integer"):
        DoublyRobust(bootstrap_batch_size=0)
    data = _arrays()
    whole = InverseProbabilityWeighting(n_bootstrap_samples=300, random_state=2)
    pieces = InverseProbabilityWeighting(n_bootstrap_samples=300, random_state=2, bootstrap_batch_size=7)
    assert whole.estimate_policy_value_with_confidence_interval(
        **data
    ) == pieces.estimate_policy_value_with_confidence_interval(**data)  # the same resamples, drawn in pieces
