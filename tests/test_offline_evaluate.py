"""pybandits.offline.evaluate: the report, its truthfulness on a simulated world, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliCC, CmabGaussianMO
from pybandits.offline import ESTIMATORS, evaluate
from pybandits.simulation import LogisticReward
from pybandits.smab import SmabBernoulli

ACTIONS = ["a", "b", "c"]
FAST = {"num_steps": 150}


@pytest.fixture(scope="module")
def world():
    return LogisticReward.random(ACTIONS, 3, np.random.default_rng(3))


def _logs(world, n, seed, propensity=True):
    """Rows logged by a uniformly random policy in the world."""
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n, 3))
    played = rng.integers(0, 3, n)
    p = np.stack([world(context)[a] for a in ACTIONS], axis=1)
    frame = pd.DataFrame(context, columns=["x0", "x1", "x2"])
    frame.insert(0, "reward", (rng.random(n) < p[np.arange(n), played]).astype(int))
    frame.insert(0, "action", np.array(ACTIONS)[played])
    if propensity:
        frame["propensity"] = 1 / 3
    return frame


@pytest.fixture(scope="module")
def trained(world):
    mab = CmabBernoulli.cold_start(action_ids=set(ACTIONS), n_features=3, update_kwargs=FAST, random_seed=0)
    train = _logs(world, 600, seed=1)
    mab.update(train["action"].tolist(), train["reward"].to_numpy(), train[["x0", "x1", "x2"]].to_numpy())
    return mab


def test_the_estimates_cover_the_true_value_of_the_policy(world, trained):
    logs = _logs(world, 3000, seed=2)
    before = trained.get_state()
    report = evaluate(trained, logs, n_draws=100, n_bootstrap=300, random_seed=0, reward_model_kwargs=FAST)
    assert trained.get_state() == before  # the bandit, its generator included, is unchanged
    assert report["estimator"].tolist() == [*ESTIMATORS, "logged"]
    assert list(report.columns) == ["estimator", "value", "lower", "upper", "std"]
    # the truth: the world's probabilities under the bandit's action probabilities on fresh contexts
    fresh = np.random.default_rng(9).normal(size=(4000, 3))
    _, policy = trained.model_copy(deep=True).action_probabilities(fresh, n_draws=200)
    truth = float((policy * np.stack([world(fresh)[a] for a in ACTIONS], axis=1)).sum(axis=1).mean())
    values = report.set_index("estimator")
    for name in ("ipw", "snipw", "dr", "dm", "sndr"):
        assert abs(values.loc[name, "value"] - truth) < 4 * values.loc[name, "std"] + 0.01, name
        assert values.loc[name, "lower"] < values.loc[name, "value"] < values.loc[name, "upper"]
    logged = logs["reward"].mean()
    assert values.loc["logged", "value"] == pytest.approx(logged)
    assert truth > logged + 0.05  # the trained policy beats the uniform logger, and the report sees it
    assert report.attrs["propensities"] == "given (column propensity)"
    assert report.attrs["reward_model"].startswith("cross-fitted (2 folds)")


def test_without_propensities_the_logging_policy_is_estimated_from_the_context(world, trained):
    # a logger that depends on the context: a softmax policy, a for large x0, c for large x1
    rng = np.random.default_rng(4)
    logs = _logs(world, 1500, seed=4, propensity=False)
    logits = np.stack([2.0 * logs["x0"], np.zeros(len(logs)), 1.5 * logs["x1"]], axis=1)
    table = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    played = (table.cumsum(axis=1) < rng.random(len(logs))[:, None]).sum(axis=1)
    context = logs[["x0", "x1", "x2"]].to_numpy()
    p = np.stack([world(context)[a] for a in ACTIONS], axis=1)[np.arange(len(logs)), played]
    logs = logs.assign(action=np.array(ACTIONS)[played], reward=(rng.random(len(logs)) < p).astype(int))
    true = table[np.arange(len(logs)), played]
    kwargs = {"estimators": ["ipw"], "n_draws": 100, "n_bootstrap": 100, "random_seed": 0}
    estimated = evaluate(trained, logs, **kwargs)
    assert estimated.attrs["propensities"].startswith("estimated: a logistic regression per action")
    given = evaluate(trained, logs.assign(propensity=true), **kwargs)
    frequency = np.bincount(played, minlength=3)[played] / len(logs)
    with_frequencies = evaluate(trained, logs.assign(propensity=frequency), **kwargs)
    truth = given.set_index("estimator").loc["ipw", "value"]
    gap = abs(estimated.set_index("estimator").loc["ipw", "value"] - truth)
    assert gap < 0.05 and gap < abs(with_frequencies.set_index("estimator").loc["ipw", "value"] - truth)


def test_a_stochastic_bandit_estimates_propensities_as_frequencies():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    logs = pd.DataFrame({"action": ["a"] * 30 + ["b"] * 10, "reward": [1, 0] * 20})
    report = evaluate(mab, logs, estimators=["ipw"], n_bootstrap=20, random_seed=0)
    assert report.attrs["propensities"].startswith("estimated: each action's frequency in the logs")


def test_a_seed_reproduces_the_report_and_estimated_rewards_replace_the_model(world, trained):
    logs = _logs(world, 300, seed=5)
    model = np.full((300, 3), 0.5)
    one = evaluate(trained, logs, estimators=["dm", "dr"], estimated_rewards=model, n_bootstrap=50, random_seed=3)
    two = evaluate(trained, logs, estimators=["dm", "dr"], estimated_rewards=model, n_bootstrap=50, random_seed=3)
    pd.testing.assert_frame_equal(one, two)
    assert one.set_index("estimator").loc["dm", "value"] == pytest.approx(0.5)
    assert one.attrs["reward_model"] == "given (estimated_rewards)"


def test_csv_logs_categorical_columns_and_costs(tmp_path):
    mab = CmabBernoulliCC.cold_start(
        action_ids_cost={"a": 1.0, "b": 3.0},
        n_features=2,
        feature_names=["x", "country"],
        categorical_features={"country": ["FR", "DE"]},
        update_kwargs=FAST,
        random_seed=0,
    )
    rng = np.random.default_rng(0)
    logs = pd.DataFrame(
        {
            "action": rng.choice(["a", "b"], 200),
            "reward": rng.integers(0, 2, 200),
            "country": rng.choice(["FR", "DE", "IT"], 200),  # IT: never seen by the bandit
            "x": rng.normal(size=200),
            "propensity": 0.5,
        }
    )
    logs.to_csv(tmp_path / "logs.csv", index=False)
    report = evaluate(mab, tmp_path / "logs.csv", estimators=["ipw", "dr"], n_draws=50, n_bootstrap=100, random_seed=0)
    rows = report.set_index("estimator")
    assert list(rows.index) == ["ipw", "dr", "logged", "cost", "logged_cost"]
    assert 1.0 <= rows.loc["cost", "value"] <= 3.0
    expected_logged_cost = np.where(logs["action"] == "a", 1.0, 3.0).mean()
    assert rows.loc["logged_cost", "value"] == pytest.approx(expected_logged_cost)


def test_multi_objective_bandits_get_a_row_per_objective():
    mab = CmabGaussianMO.cold_start(action_ids={"a", "b"}, n_features=1, n_objectives=2, update_kwargs=FAST)
    rng = np.random.default_rng(0)
    logs = pd.DataFrame(
        {
            "action": rng.choice(["a", "b"], 100),
            "reward_0": rng.normal(size=100),
            "reward_1": rng.normal(size=100),
            "x": rng.normal(size=100),
            "propensity": 0.5,
        }
    )
    report = evaluate(mab, logs, estimators=["ipw", "dm"], n_draws=20, n_bootstrap=50, random_seed=0)
    assert list(report.columns) == ["estimator", "objective", "value", "lower", "upper", "std"]
    assert report[["estimator", "objective"]].values.tolist() == [
        ["ipw", 0],
        ["dm", 0],
        ["logged", 0],
        ["ipw", 1],
        ["dm", 1],
        ["logged", 1],
    ]


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "message"),
    [
        (
            lambda f: f.drop(columns="reward"),
            {},
            ValueError,
            r"expected the columns action, reward, missing \['reward'\]",
        ),
        (lambda f: f.assign(action="z"), {}, ValueError, r"actions the bandit does not have: .*, got \['z'\]"),
        (lambda f: f.assign(propensity=0.0), {}, ValueError, r"propensities in \(0, 1\].*got 0.0 in row 0"),
        (lambda f: f.assign(reward=2), {}, ValueError, "reward"),
        (lambda f: f, {"estimators": ["ipw", "magic"]}, ValueError, "estimators: expected names among"),
        (lambda f: f, {"n_folds": 1}, ValueError, "n_folds: expected at least 2"),
        (lambda f: f, {"level": 1.5}, ValueError, r"level: expected a number in \(0, 1\)"),
        (
            lambda f: f,
            {"estimated_rewards": np.zeros((3, 3))},
            ValueError,
            r"estimated_rewards: expected an array of shape \(20, 2\)",
        ),
        (lambda f: f, {"hyperparameters": {"magic": {}}}, ValueError, "hyperparameters: expected estimator names"),
    ],
)
def test_bad_input_is_named(change, kwargs, error, message):
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    logs = pd.DataFrame({"action": ["a", "b"] * 10, "reward": [1, 0] * 10, "propensity": 0.5})
    with pytest.raises(error, match=message):
        evaluate(mab, change(logs), n_bootstrap=10, **kwargs)


def test_logs_of_the_wrong_type_are_refused():
    with pytest.raises(TypeError, match="logs: expected a pandas DataFrame or a CSV/Parquet path"):
        evaluate(SmabBernoulli.cold_start(action_ids={"a"}), [1, 2, 3])


def test_the_reward_model_follows_the_bandits_action_order_even_when_unsorted():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=1, update_kwargs=FAST, random_seed=0)
    mab.update(["a", "b"] * 100, [1, 0] * 100, np.random.default_rng(1).normal(size=(200, 1)))  # it learns a
    document = mab.model_dump()
    document["actions"] = {"b": document["actions"]["b"], "a": document["actions"]["a"]}
    unsorted = CmabBernoulli.model_validate(document)
    assert list(unsorted.actions) == ["b", "a"]
    rng = np.random.default_rng(0)
    played = rng.choice(["a", "b"], 400)
    logs = pd.DataFrame({"action": played, "reward": (played == "a").astype(int), "x": rng.normal(size=400)})
    logs["propensity"] = 0.5
    for bandit in (mab, unsorted):
        report = evaluate(bandit, logs, estimators=["dm", "ipw"], n_draws=100, n_bootstrap=50, random_seed=0)
        values = report.set_index("estimator")["value"]
        assert values["dm"] == pytest.approx(values["ipw"], abs=0.1) and values["dm"] > 0.8


def test_bad_cells_and_arguments_name_what_is_wrong():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    logs = pd.DataFrame({"action": ["a", "b"] * 5, "reward": [1, 0] * 5, "propensity": ["0.5"] * 9 + [""]})
    with pytest.raises(ValueError, match=r"finite numbers in column 'propensity', got '' in row 9"):
        evaluate(mab, logs, n_bootstrap=10)
    with pytest.raises(ValueError, match=r"finite numbers in column 'reward', got 'x' in row 0"):
        evaluate(mab, logs.assign(reward=["x"] * 10, propensity=0.5), n_bootstrap=10)
    with pytest.raises(TypeError, match="hyperparameters: expected {name: value} for dros, got 5"):
        evaluate(mab, logs.assign(propensity=0.5), hyperparameters={"dros": 5}, n_bootstrap=10)
    with pytest.raises(TypeError, match="mab: expected a pybandits bandit"):
        evaluate("mab.json", logs, n_bootstrap=10)
    with pytest.raises(ValueError, match="estimated_rewards: expected finite numbers, got 1 NaN"):
        model = np.zeros((10, 2))
        model[3, 1] = np.nan
        evaluate(mab, logs.assign(propensity=0.5), estimated_rewards=model, n_bootstrap=10)


def test_an_undefined_estimate_warns():
    from pybandits.exceptions import DataWarning

    mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    mab.update(actions=["a"] * 200, rewards=[1] * 200)  # plays a, almost surely
    logs = pd.DataFrame({"action": ["b"] * 20, "reward": [1] * 20, "propensity": 0.5})
    with pytest.warns(DataWarning, match="replay is undefined"):
        report = evaluate(mab, logs, estimators=["replay"], n_draws=10, n_bootstrap=20, random_seed=0)
    assert np.isnan(report.set_index("estimator").loc["replay", "value"])
