"""Updates of one, two and three rows work for every model kind and both reward families.

A shared trunk's first update of one row once failed inside PyTensor 2.x (the gradient of one
gathered row was taken for a broadcast); so did a trunk with ``batch_size=1``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.exceptions import DataWarning

FAST = {"update_kwargs": {"num_steps": 20}}
KINDS = {
    "linear": FAST,
    "network": {"hidden_dim_list": [3], **FAST},
    "embedding": {"hidden_dim_list": [3], "categorical_features": {1: 3}, **FAST},
    "quantity": {"hidden_dim_list": [3], "action_ids": ["b"], "quantitative_action_ids": {"a": 1}, **FAST},
    "trunk": {"backbone_hidden_dim_list": [3], "backbone_kwargs": {"num_steps": 20}},
    "trunk, embedding": {
        "backbone_hidden_dim_list": [3],
        "backbone_kwargs": {"num_steps": 20},
        "categorical_features": {1: 3},
    },
    "trunk, minibatches of one": {
        "backbone_hidden_dim_list": [3],
        "backbone_kwargs": {"num_steps": 5, "batch_size": 1},
    },
    "trunk, network heads": {"backbone_hidden_dim_list": [3], "hidden_dim_list": [2], **FAST},
}


@pytest.mark.parametrize("n_rows", [1, 2, 3])
@pytest.mark.parametrize("cls", [CmabBernoulli, CmabGaussian])
@pytest.mark.parametrize("kind", list(KINDS))
def test_updates_of_one_two_and_three_rows(kind, cls, n_rows):
    settings = {"action_ids": ["a", "b"], **KINDS[kind]}
    mab = cls.cold_start(n_features=3, random_seed=0, **settings)
    context = np.array([[0.5, 2.0, -1.0], [0.1, 0.0, 0.3], [-0.7, 1.0, 0.2]])[:n_rows]
    actions = ["a", "b", "a"][:n_rows]
    if kind == "quantity":
        actions = [("a", 0.3), "b", ("a", 0.8)][:n_rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # one row: every feature is constant
        for _ in range(2):  # a first update, and one from a learned state
            mab.update(context=context, actions=actions, rewards=[1.0, 0.0, 1.0][:n_rows])
    predicted, expected, _ = mab.predict(context=context)
    assert len(predicted) == n_rows
    assert all(np.isfinite(list(row.values())).all() for row in expected)
