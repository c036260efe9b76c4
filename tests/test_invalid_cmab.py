"""Contextual bandits: every wrong argument gets a named error, and nothing changes."""

import numpy as np
import pytest

from pybandits.bandits.strategies import CostControlBandit
from pybandits.cmab import CmabBernoulli, CmabBernoulliMO


def cold(**overrides):
    kwargs = {"action_ids": {"a", "b"}, "n_features": 3} | overrides
    return CmabBernoulli.cold_start(**kwargs)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"n_features": 0}, ValueError, "n_features: expected an integer >= 1, got 0"),
        ({"n_features": 2.5}, TypeError, "n_features: expected an integer >= 1"),
        (
            {"hidden_dim_list": [4, 0]},
            ValueError,
            r"hidden_dim_list: expected widths that are integers >= 1, got \[4, 0\]",
        ),
        ({"hidden_dim_list": [4.5]}, ValueError, "hidden_dim_list: expected widths that are integers >= 1"),
        ({"hidden_dim_list": 8}, TypeError, "hidden_dim_list: expected a list of layer widths, got 8"),
        (
            {"activation": "softmax"},
            ValueError,
            r"activation: expected one of \['tanh', 'relu', 'sigmoid', 'gelu'\], got 'softmax'",
        ),
        ({"dist_type": "cauchy"}, ValueError, "dist_type: expected one of \\['studentt', 'normal'\\], got 'cauchy'"),
        ({"update_method": "SVGD"}, ValueError, "update_method: expected one of \\['VI', 'MCMC'\\], got 'SVGD'"),
        ({"use_residual_connections": "yes"}, TypeError, "use_residual_connections: expected True or False"),
        ({"update_kwargs": {"num_step": 10}}, ValueError, r"update_kwargs: unknown settings \['num_step'\]"),
        (
            {"update_kwargs": {"num_steps": 0}},
            ValueError,
            "update_kwargs: num_steps: expected greater than or equal to 1, got 0",
        ),
        ({"update_kwargs": {"num_steps": 10.5}}, ValueError, "update_kwargs: num_steps"),
        ({"update_kwargs": {"batch_size": -1}}, ValueError, "update_kwargs: batch_size"),
        ({"update_kwargs": {"fit": {"n": 10, "obj_optimizer": 1}}}, ValueError, "legacy 'fit' entry takes only 'n'"),
        ({"update_kwargs": {"fit": {"n": 10}, "num_steps": 5}}, ValueError, "give the number of steps once"),
        ({"update_kwargs": [("num_steps", 5)]}, TypeError, "update_kwargs: expected a mapping"),
        (
            {"update_method": "MCMC", "update_kwargs": {"num_steps": 5}},
            ValueError,
            r"unknown settings \['num_steps'\] for update_method='MCMC'",
        ),
        ({"update_method": "MCMC", "update_kwargs": {"target_accept": 1.5}}, ValueError, "target_accept"),
        ({"dist_params_init": {"sigma": -1}}, ValueError, "dist_params_init: .*sigma"),
        ({"dist_params_init": {"scale": 1}}, ValueError, "dist_params_init: .*scale"),
        ({"dist_params_init": 1.0}, TypeError, "dist_params_init: expected a mapping"),
        (
            {"strategy": CostControlBandit()},
            TypeError,
            "strategy: expected a ClassicBandit for CmabBernoulli, got CostControlBandit",
        ),
        ({"epsilon": 2}, ValueError, "epsilon: expected a number in \\[0, 1\\], got 2"),
        ({"default_action": "a"}, ValueError, "default_action: 'a' is only played .* needs an epsilon"),
        ({"action_ids": []}, ValueError, "action_ids: expected at least one action id"),
    ],
)
def test_bad_cold_start(overrides, error, message):
    with pytest.raises(error, match=message):
        cold(**overrides)


@pytest.fixture
def mab():
    return cold(random_seed=0, update_kwargs={"num_steps": 10})


@pytest.mark.parametrize(
    ("context", "error", "message"),
    [
        (np.zeros((4, 2)), ValueError, "context: expected 3 features \\(columns\\), got 2"),
        (np.zeros(3), ValueError, "context: expected a 2-D array \\(n_rows, 3\\), got 1-D with shape \\(3,\\)"),
        (np.zeros((0, 3)), ValueError, "context: expected at least one row, got shape \\(0, 3\\)"),
        (
            np.array([[0.0, np.nan, 1.0]]),
            ValueError,
            "context: expected finite numbers, got NaN or infinity in rows \\[0\\]",
        ),
        (np.array([[0.0, np.inf, 1.0]]), ValueError, "context: expected finite numbers"),
        ([["a", "b", "c"]], TypeError, "context: expected a 2-D array of numbers"),
        (None, TypeError, "context: expected a 2-D array of numbers"),
        (np.zeros((2, 3), dtype="M8[s]"), TypeError, r"array of numbers .*got dates or durations \(datetime64\[s\]\)"),
        (np.zeros((2, 3), dtype="m8[D]"), TypeError, r"array of numbers .*got dates or durations \(timedelta64\[D\]\)"),
    ],
)
def test_bad_predict_context_changes_nothing(mab, context, error, message):
    before = mab.get_state()
    with pytest.raises(error, match=message):
        mab.predict(context=context)
    assert mab.get_state() == before


@pytest.mark.parametrize(
    ("actions", "rewards", "context", "error", "message"),
    [
        (
            ["a", "b"],
            [1, 0],
            np.zeros((3, 3)),
            ValueError,
            "context: expected one row per action played \\(2 actions\\), got 3 rows",
        ),
        (["a", "b"], [1], np.zeros((2, 3)), ValueError, "rewards: expected one entry per action played"),
        (
            ["a", "z"],
            [1, 0],
            np.zeros((2, 3)),
            ValueError,
            "actions: expected actions of this bandit .* unknown \\['z'\\]",
        ),
        (["a", "b"], [1, 3], np.zeros((2, 3)), ValueError, "rewards: expected 0 or 1"),
        (["a", "b"], [1, 0], np.zeros((2, 4)), ValueError, "context: expected 3 features \\(columns\\), got 4"),
        (["a", "b"], [1, 0], np.full((2, 3), np.nan), ValueError, "context: expected finite numbers"),
        (["a", "b"], [1, 0], np.zeros(2), ValueError, "context: expected a 2-D array"),
    ],
)
def test_bad_update_changes_nothing(mab, actions, rewards, context, error, message):
    before = mab.get_state()
    with pytest.raises(error, match=message):
        mab.update(actions=actions, rewards=rewards, context=context)
    assert mab.get_state() == before


def test_empty_update_is_a_no_op(mab):
    before = mab.get_state()
    mab.update(actions=[], rewards=[], context=np.zeros((0, 3)))
    assert mab.get_state() == before


def test_multi_objective_rewards_need_one_column_per_objective():
    mo = CmabBernoulliMO.cold_start(action_ids={"a"}, n_features=2, n_objectives=2)
    before = mo.get_state()
    with pytest.raises(ValueError, match="rewards: expected rows of 2 rewards, one per objective"):
        mo.update(actions=["a"], rewards=[1], context=np.zeros((1, 2)))
    assert mo.get_state() == before
