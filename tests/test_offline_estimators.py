"""The off-policy estimators of pybandits.offline: closed forms, limits, unbiasedness, bootstrap terms, checks."""

import math
import warnings

import numpy as np
import pytest

from pybandits.exceptions import DataWarning
from pybandits.offline import (
    ESTIMATORS,
    EstimatorTerms,
    dm,
    dr,
    dros,
    estimator_terms,
    ipw,
    replay,
    sg_dr,
    sg_ipw,
    sndr,
    snipw,
    switch_dr,
)

FUNCTIONS = {
    "replay": replay,
    "ipw": ipw,
    "snipw": snipw,
    "dm": dm,
    "dr": dr,
    "sndr": sndr,
    "switch_dr": switch_dr,
    "dros": dros,
    "sg_ipw": sg_ipw,
    "sg_dr": sg_dr,
}
HYPERPARAMETERS = {"switch_dr": {"lambda_": 1.5}, "dros": {"lambda_": 4.0}, "sg_ipw": {"lambda_": 0.5}}
HYPERPARAMETERS["sg_dr"] = {"lambda_": 0.5}
NEEDS_MODEL = {"dm", "dr", "sndr", "switch_dr", "dros", "sg_dr"}

# A hand-computed log: 3 rows, 3 actions.
#   policy of the logged action pi(a_i|x_i) = 0.6, 0.5, 0.4; propensities 0.5, 0.25, 0.2 -> weights w = 1.2, 2, 2
#   dm_i = sum_a pi(a|x_i) q(x_i, a): 0.6*0.5 + 0.2*1 = 0.5; 0.5*1 + 0.5*0.5 = 0.75; 0.4*1.5 + 0.5*1 = 1.1 (sum 2.35)
#   q_i = q(x_i, a_i) = 0.5, 0.5, 1.5; residuals r_i - q_i = 0.5, -0.5, 1.5
#   corrections w_i (r_i - q_i) = 0.6, -1.0, 3.0 (sum 2.6)
LOG = {
    "rewards": [1.0, 0.0, 3.0],
    "actions": [0, 2, 1],
    "propensities": [0.5, 0.25, 0.2],
    "policy_probabilities": [[0.6, 0.2, 0.2], [0.0, 0.5, 0.5], [0.1, 0.4, 0.5]],
    "estimated_rewards": [[0.5, 0.0, 1.0], [1.0, 1.0, 0.5], [0.0, 1.5, 1.0]],
}

EXPECTED = {
    # (0.6*1 + 0.5*0 + 0.4*3) / (0.6 + 0.5 + 0.4) = 1.8 / 1.5
    "replay": 1.8 / 1.5,
    # (1.2*1 + 2*0 + 2*3) / 3 = 7.2 / 3
    "ipw": 7.2 / 3,
    # 7.2 / (1.2 + 2 + 2)
    "snipw": 7.2 / 5.2,
    # 2.35 / 3
    "dm": 2.35 / 3,
    # (2.35 + 2.6) / 3
    "dr": 4.95 / 3,
    # 2.35 / 3 + 2.6 / 5.2
    "sndr": 2.35 / 3 + 0.5,
    # lambda_ = 1.5: only row 0 (w = 1.2) keeps its correction: (2.35 + 0.6) / 3
    "switch_dr": 2.95 / 3,
    # lambda_ = 4: shrunk weights 4*1.2/(1.44 + 4) = 4.8/5.44 and 4*2/(4 + 4) = 1
    # (2.35 + (4.8/5.44)*0.5 - 0.5 + 1.5) / 3
    "dros": (2.35 + (4.8 / 5.44) * 0.5 + 1.0) / 3,
    # lambda_ = 0.5: corrected weights 1.2/(0.5 + 0.6) = 1.2/1.1 and 2/(0.5 + 1) = 4/3
    # ((1.2/1.1)*1 + (4/3)*0 + (4/3)*3) / 3
    "sg_ipw": (1.2 / 1.1 + 4.0) / 3,
    # (2.35 + (1.2/1.1)*0.5 + (4/3)*(-0.5) + (4/3)*1.5) / 3
    "sg_dr": (2.35 + 0.6 / 1.1 + 4.0 / 3) / 3,
}


def _call(name, log=LOG, **hyperparameters):
    hyperparameters = {**HYPERPARAMETERS.get(name, {}), **hyperparameters}
    return FUNCTIONS[name](**log, **hyperparameters)


def test_every_estimator_is_exported_and_named():
    assert set(ESTIMATORS) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hand_computed_values(name):
    assert _call(name) == pytest.approx(EXPECTED[name], rel=1e-12)


def test_switch_dr_keeps_the_correction_of_a_weight_equal_to_lambda():
    # lambda_ = 1.2 = w_0 keeps row 0 only; lambda_ = 2 = w_1 = w_2 keeps every row (dr)
    assert _call("switch_dr", lambda_=1.2) == pytest.approx(2.95 / 3)
    assert _call("switch_dr", lambda_=2.0) == pytest.approx(4.95 / 3)
    assert _call("switch_dr", lambda_=1.19) == pytest.approx(2.35 / 3)


def test_replay_of_a_deterministic_policy_is_the_mean_reward_of_the_matching_rows():
    # 4 rows, 2 actions; the policy chooses 0, 1, 1, 1; the logged actions 0, 1, 0, 1 match in rows 0, 1, 3
    log = {
        "rewards": [1.0, 0.0, 5.0, 1.0],
        "actions": [0, 1, 0, 1],
        "propensities": [0.5] * 4,
        "policy_probabilities": [[1, 0], [0, 1], [0, 1], [0, 1]],
    }
    assert replay(**log) == pytest.approx(2 / 3)  # (1 + 0 + 1) / 3


def test_an_estimator_undefined_on_the_rows_warns_and_returns_nan():
    # the policy always chooses action 1, every logged action is 0: no match, every weight 0
    log = {"rewards": [1.0, 0.0], "actions": [0, 0], "propensities": [0.5, 0.5], "policy_probabilities": [[0, 1]] * 2}
    model = [[0.2, 0.7], [0.2, 0.7]]
    for name, f in [("replay", replay), ("snipw", snipw), ("sndr", sndr)]:
        with pytest.warns(DataWarning, match=name):
            value = f(**log, estimated_rewards=model) if name == "sndr" else f(**log)
        assert math.isnan(value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ipw(**log) == 0.0  # defined: the mean of zeros
        assert dr(**log, estimated_rewards=model) == pytest.approx(0.7)


# --------------------------------------------------------------------------------------------------------------------
# Limiting cases


def _random_log(rng, n=200, n_actions=3):
    logging = rng.dirichlet(np.ones(n_actions), size=n)
    actions = np.array([rng.choice(n_actions, p=p) for p in logging])
    return {
        "rewards": rng.normal(size=n),
        "actions": actions,
        "propensities": logging[np.arange(n), actions],
        "policy_probabilities": rng.dirichlet(np.ones(n_actions), size=n),
        "estimated_rewards": rng.normal(size=(n, n_actions)),
    }, logging


def test_dr_is_ipw_when_the_model_predicts_zero():
    log, _ = _random_log(np.random.default_rng(1))
    log["estimated_rewards"] = np.zeros_like(log["estimated_rewards"])
    assert dr(**log) == pytest.approx(ipw(**log), rel=1e-12)
    assert sg_dr(**log, lambda_=0.3) == pytest.approx(sg_ipw(**log, lambda_=0.3), rel=1e-12)


def test_dr_is_dm_when_the_policy_is_the_logging_policy_and_the_model_is_exact():
    rng = np.random.default_rng(2)
    log, logging = _random_log(rng)
    log["policy_probabilities"] = logging
    log["rewards"] = log["estimated_rewards"][np.arange(200), log["actions"]]
    assert dr(**log) == pytest.approx(dm(**log), rel=1e-12)
    assert sndr(**log) == pytest.approx(dm(**log), rel=1e-12)


def test_hyperparameter_limits():
    log, _ = _random_log(np.random.default_rng(3))
    value_dr, value_dm, value_ipw = dr(**log), dm(**log), ipw(**log)
    assert switch_dr(**log, lambda_=math.inf) == pytest.approx(value_dr, rel=1e-12)
    assert switch_dr(**log, lambda_=1e300) == pytest.approx(value_dr, rel=1e-12)
    assert switch_dr(**log, lambda_=0.0) == pytest.approx(value_dm, rel=1e-12)
    assert dros(**log, lambda_=math.inf) == pytest.approx(value_dr, rel=1e-12)
    assert dros(**log, lambda_=1e300) == pytest.approx(value_dr, rel=1e-12)
    assert dros(**log, lambda_=1e12) == pytest.approx(value_dr, rel=1e-6)
    assert dros(**log, lambda_=0.0) == pytest.approx(value_dm, rel=1e-12)
    assert sg_ipw(**log, lambda_=0.0) == pytest.approx(value_ipw, rel=1e-12)
    assert sg_dr(**log, lambda_=0.0) == pytest.approx(value_dr, rel=1e-12)


def test_sg_with_lambda_one_gives_every_row_of_positive_weight_the_weight_one():
    # weights 2, 0, 1 -> 1, 0, 1: (1*1 + 0*4 + 1*3) / 3
    log = {
        "rewards": [1.0, 4.0, 3.0],
        "actions": [0, 1, 1],
        "propensities": [0.5, 0.5, 0.5],
        "policy_probabilities": [[1.0, 0.0], [1.0, 0.0], [0.5, 0.5]],
    }
    assert sg_ipw(**log, lambda_=1.0) == pytest.approx(4 / 3)


def test_self_normalised_estimators_equal_the_plain_ones_when_the_weights_average_one():
    # weights 0.5, 1.5, 1 (mean 1)
    log = {
        "rewards": [1.0, 2.0, -1.0],
        "actions": [0, 1, 0],
        "propensities": [0.8, 0.4, 0.5],
        "policy_probabilities": [[0.4, 0.6], [0.4, 0.6], [0.5, 0.5]],
        "estimated_rewards": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
    }
    assert snipw(**log) == pytest.approx(ipw(**log), rel=1e-12)  # (0.5 + 3 - 1) / 3
    assert ipw(**log) == pytest.approx(2.5 / 3)
    assert sndr(**log) == pytest.approx(dr(**log), rel=1e-12)


# --------------------------------------------------------------------------------------------------------------------
# Unbiasedness in a small simulation


def test_ipw_and_dr_are_unbiased_and_replay_is_consistent_under_uniform_logging():
    rng = np.random.default_rng(4)
    n_logs, n, n_actions = 400, 100, 3
    q = np.array([[0.2, 0.5, 0.8], [0.7, 0.4, 0.1]])  # true mean reward by context (2 kinds) and action
    logging = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    target = np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]])
    true_value = 0.5 * (target[0] @ q[0]) + 0.5 * (target[1] @ q[1])
    q_wrong = q + 0.3  # a biased reward model: dr stays unbiased

    estimates = {"ipw": [], "dr": [], "replay": []}
    for _ in range(n_logs):
        contexts = rng.integers(0, 2, size=n)
        for name, behaviour in [("ipw", logging), ("replay", np.full((2, n_actions), 1 / n_actions))]:
            cumulative = behaviour[contexts].cumsum(axis=1)
            actions = (rng.random((n, 1)) > cumulative).sum(axis=1)
            rewards = (rng.random(n) < q[contexts, actions]).astype(float)
            log = {
                "rewards": rewards,
                "actions": actions,
                "propensities": behaviour[contexts, actions],
                "policy_probabilities": target[contexts],
            }
            estimates[name].append(FUNCTIONS[name](**log))
            if name == "ipw":
                estimates["dr"].append(dr(**log, estimated_rewards=q_wrong[contexts]))
                estimates.setdefault("dm", []).append(dm(**log, estimated_rewards=q_wrong[contexts]))
    for name in ("ipw", "dr"):
        values = np.array(estimates[name])
        standard_error = values.std(ddof=1) / math.sqrt(n_logs)
        assert abs(values.mean() - true_value) < 4 * standard_error, name
    # the test can see a bias: dm with the wrong model is off by 0.3
    assert np.mean(estimates["dm"]) == pytest.approx(true_value + 0.3, abs=0.01)
    # replay is a ratio estimator: consistent, with a bias of order 1/n, far below this tolerance
    values = np.array(estimates["replay"])
    assert abs(values.mean() - true_value) < 4 * values.std(ddof=1) / math.sqrt(n_logs) + 0.01


# --------------------------------------------------------------------------------------------------------------------
# Bootstrap terms


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_terms_give_the_estimate_on_the_full_sample_and_on_resamples(name):
    rng = np.random.default_rng(5)
    log, _ = _random_log(rng, n=40)
    hyperparameters = HYPERPARAMETERS.get(name, {})
    terms = estimator_terms(name, **log, **hyperparameters)
    assert isinstance(terms, EstimatorTerms)
    assert terms.numerators.shape == terms.denominators.shape == ((2 if name == "sndr" else 1), 40)
    assert terms.value() == pytest.approx(FUNCTIONS[name](**log, **hyperparameters), rel=1e-12)

    counts = rng.multinomial(40, np.full(40, 1 / 40), size=5)
    replicates = terms.value(counts)
    assert replicates.shape == (5,)
    for count, replicate in zip(counts, replicates, strict=True):
        rows = np.repeat(np.arange(40), count)  # the resample itself, row by row
        resample = {key: np.asarray(value)[rows] for key, value in log.items()}
        assert replicate == pytest.approx(FUNCTIONS[name](**resample, **hyperparameters), rel=1e-10)
    assert terms.value(counts[0]) == pytest.approx(replicates[0], rel=1e-12)


def test_the_terms_of_the_hand_computed_log():
    terms = estimator_terms("sndr", **LOG)
    np.testing.assert_allclose(terms.numerators, [[0.5, 0.75, 1.1], [0.6, -1.0, 3.0]])
    np.testing.assert_allclose(terms.denominators, [[1, 1, 1], [1.2, 2, 2]])
    terms = estimator_terms("replay", **LOG)
    np.testing.assert_allclose(terms.numerators, [[0.6, 0.0, 1.2]])
    np.testing.assert_allclose(terms.denominators, [[0.6, 0.5, 0.4]])


def test_a_resample_with_a_zero_denominator_is_nan():
    terms = EstimatorTerms(numerators=np.array([[1.0, 0.0]]), denominators=np.array([[1.0, 0.0]]))
    np.testing.assert_array_equal(terms.value(np.array([[2, 0], [0, 2], [1, 1]])), [1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match=r"counts: expected an array of shape \(2,\)"):
        terms.value(np.ones((3, 5)))


# --------------------------------------------------------------------------------------------------------------------
# Bad input


def _with(**changes):
    return {**LOG, **changes}


@pytest.mark.parametrize(
    ("log", "error", "message"),
    [
        (_with(rewards=[]), ValueError, "rewards: expected"),
        (_with(rewards=[1.0, np.nan, 0.0]), ValueError, "rewards: expected finite"),
        (_with(rewards=["a", "b", "c"]), TypeError, "rewards: expected an array of real numbers"),
        (_with(rewards=[[1.0, 0.0, 3.0]]), ValueError, r"rewards: expected a 1-D array .* got shape \(1, 3\)"),
        (_with(actions=[0, 2]), ValueError, "actions: expected 3 rows"),
        (_with(actions=[0, 2.5, 1]), TypeError, r"actions: expected integer action indices, got non-integer .*2\.5"),
        (_with(actions=["0", "2", "1"]), TypeError, "actions: expected integer"),
        (_with(actions=[0, 3, 1]), ValueError, r"actions: expected indices in \[0, 3\) .* got \[3\]"),
        (_with(actions=[0, -1, 1]), ValueError, r"actions: expected indices in \[0, 3\)"),
        (_with(propensities=[0.5, 0.0, 0.2]), ValueError, r"propensities: expected probabilities in \(0, 1\]"),
        (
            _with(propensities=[0.5, 1.5, 0.2]),
            ValueError,
            r"propensities: .* in \(0, 1\], got \[1.5\]",
        ),
        (_with(propensities=[0.5, np.inf, 0.2]), ValueError, "propensities: expected finite"),
        (_with(propensities=[0.5, 0.2]), ValueError, "propensities: expected 3 rows"),
        (_with(policy_probabilities=[0.6, 0.5, 0.4]), ValueError, "policy_probabilities: expected a 2-D array"),
        (
            _with(policy_probabilities=[[0.6, 0.2, 0.2], [-0.5, 1.0, 0.5], [0.1, 0.4, 0.5]]),
            ValueError,
            r"policy_probabilities: expected probabilities >= 0, got \[-0.5\]",
        ),
        (
            _with(policy_probabilities=[[0.6, 0.2, 0.2], [0.0, 0.5, 0.6], [0.1, 0.4, 0.5]]),
            ValueError,
            r"policy_probabilities: expected every row to sum to 1 .* rows \[1\]",
        ),
        (_with(policy_probabilities=[[0.6, 0.4]] * 2), ValueError, "policy_probabilities: expected 3 rows"),
        (_with(estimated_rewards=[[0.5, 0.0]] * 3), ValueError, r"estimated_rewards: expected shape \(3, 3\)"),
        (_with(estimated_rewards=[[0.5, np.nan, 1.0]] * 3), ValueError, "estimated_rewards: expected finite"),
        (_with(estimated_rewards=None), TypeError, r"estimated_rewards: dr needs .* shape \(3, 3\), got None"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(log, error, message):
    with pytest.raises(error, match=message):
        dr(**log)


def test_estimated_rewards_is_required_by_the_model_estimators_and_optional_elsewhere():
    log = _with(estimated_rewards=None)
    for name in ESTIMATORS:
        if name in NEEDS_MODEL:
            with pytest.raises(TypeError, match=f"estimated_rewards: {name} needs"):
                _call(name, log)
        else:
            assert _call(name, log) == _call(name)  # ignored when given
    with pytest.raises(ValueError, match="estimated_rewards: expected shape"):
        ipw(**_with(estimated_rewards=[[0.0]]))  # but checked


def test_integral_float_actions_are_accepted():
    assert dr(**_with(actions=[0.0, 2.0, 1.0])) == pytest.approx(EXPECTED["dr"])


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        ("switch_dr", -1.0, ValueError, r"lambda_: expected a number in \[0, inf\], got -1.0"),
        ("dros", math.nan, ValueError, r"lambda_: expected a number in \[0, inf\], got nan"),
        ("dros", "big", TypeError, "lambda_: expected a real number"),
        ("dros", True, TypeError, "lambda_: expected a real number"),
        ("sg_ipw", 1.5, ValueError, r"lambda_: expected a number in \[0, 1\], got 1.5"),
        ("sg_dr", -0.1, ValueError, r"lambda_: expected a number in \[0, 1\]"),
    ],
)
def test_bad_hyperparameters_are_refused(name, value, error, message):
    with pytest.raises(error, match=message):
        _call(name, lambda_=value)


def test_hyperparameters_are_keyword_only_required_and_only_where_they_exist():
    with pytest.raises(TypeError, match="lambda_"):
        switch_dr(**LOG)
    with pytest.raises(TypeError, match="lambda_: dros needs the hyperparameter"):
        estimator_terms("dros", **LOG)
    with pytest.raises(TypeError, match="lambda_"):
        ipw(**LOG, lambda_=1.0)
    with pytest.raises(TypeError, match=r"ipw: takes no hyperparameters \(expected \[\]\), got \['lambda_'\]"):
        estimator_terms("ipw", **LOG, lambda_=1.0)
    with pytest.raises(TypeError, match=r"dros: takes only lambda_ \(expected \['lambda_'\]\), got \['alpha'\]"):
        estimator_terms("dros", **LOG, lambda_=1.0, alpha=0.1)
    with pytest.raises(ValueError, match="name: expected one of"):
        estimator_terms("ips", **LOG)
