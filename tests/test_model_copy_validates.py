"""model_copy(update=...) validates the updated object like construction, and keeps what a copy keeps."""

from __future__ import annotations

import numpy as np
import pytest

from pybandits.bandits.strategies import CostControlBandit
from pybandits.cmab import CmabBernoulli
from pybandits.model.beta import Beta
from pybandits.model.priors import LocationScale
from pybandits.smab import SmabBernoulli, SmabBernoulliDP


@pytest.mark.parametrize(
    ("make", "update", "message"),
    [
        (lambda: SmabBernoulli.cold_start(action_ids=["a", "b"]), {"epsilon": 7}, "epsilon"),
        (lambda: SmabBernoulli.cold_start(action_ids=["a", "b"]), {"default_action": "zzz"}, "default_action"),
        (lambda: SmabBernoulli.cold_start(action_ids=["a", "b"]), {"actions": {}}, "actions"),
        (lambda: CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2), {"epsilon": -1.0}, "epsilon"),
        (lambda: Beta(), {"n_successes": -1}, "n_successes"),
        (lambda: CostControlBandit(), {"subsidy_factor": 2.0}, "subsidy_factor"),
        (lambda: LocationScale(mu=[0.0, 1.0], sigma=[1.0, 1.0]), {"sigma": [1.0, -1.0]}, "sigma"),
        (lambda: LocationScale(mu=[0.0, 1.0], sigma=[1.0, 1.0]), {"sigma": [1.0]}, "shape"),  # a model validator
        (lambda: Beta(), {"n_successes": 2, "colour": "red"}, r"update: Beta has no field\(s\) \['colour'\]"),
    ],
)
@pytest.mark.parametrize("deep", [False, True])
def test_an_invalid_update_is_refused_and_changes_nothing(make, update, message, deep):
    original = make()
    before = original.model_dump_json()
    with pytest.raises(ValueError, match=message):
        original.model_copy(update=update, deep=deep)
    assert original.model_dump_json() == before


def test_a_valid_update_is_converted_like_construction():
    weights = LocationScale(mu=[0.0, 1.0], sigma=[1.0, 1.0])
    copied = weights.model_copy(update={"sigma": [0.5, 2]})
    assert isinstance(copied.sigma, np.ndarray) and copied.sigma.dtype == np.float64
    assert not copied.sigma.flags.writeable and copied.sigma.tolist() == [0.5, 2.0]
    assert copied.mu is weights.mu  # a shallow copy shares what the update does not replace
    assert "sigma" in copied.model_fields_set
    assert weights.model_copy(update={}) == weights and weights.model_copy() == weights


@pytest.mark.parametrize("deep", [False, True])
def test_a_bandits_copy_with_an_update_keeps_its_generator_state_and_price_functions(deep):
    def price(q):
        return 1.0 + q[:, 0]

    mab = SmabBernoulliDP.cold_start(
        action_ids=["a"], quantitative_action_ids={"dose": 1}, action_ids_price={"a": 2.0, "dose": price}
    )
    mab.predict(n_samples=3)  # move the generator
    copied = mab.model_copy(update={"epsilon": 0.25}, deep=deep)
    assert copied.epsilon == 0.25 and mab.epsilon is None
    assert copied._rng is not mab._rng
    assert copied._rng.bit_generator.state == mab._rng.bit_generator.state
    assert copied._price_functions == {"dose": price}
    assert copied.model_copy(update={"epsilon": None}) == mab
