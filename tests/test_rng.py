"""The random generator is part of a bandit's lifecycle: copies keep its state, never share it."""

import copy

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulliDP, CmabGaussian
from pybandits.smab import SmabBernoulli


@pytest.mark.parametrize(
    "make_copy", [copy.copy, copy.deepcopy, lambda m: m.model_copy()], ids=["copy", "deepcopy", "model_copy"]
)
def test_a_copy_continues_the_same_stream_without_sharing_it(make_copy):
    mab = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, random_seed=5)
    twin = make_copy(mab)
    assert twin._rng is not mab._rng
    first = mab.predict(n_samples=20)
    assert twin.predict(n_samples=20) == first  # the same state...
    assert mab.predict(n_samples=20) == twin.predict(n_samples=20)  # ...and its own stream afterwards


def test_reseed_starts_a_new_stream_explicitly():
    one = CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=2, random_seed=1)
    two = CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=2, random_seed=2)
    context = np.zeros((10, 2))
    assert one.predict(context=context) != two.predict(context=context)
    one.reseed(9)
    two.reseed(9)
    assert one.predict(context=context) == two.predict(context=context)
    with pytest.raises(ValueError, match="random_seed: expected an integer >= 0"):
        one.reseed(-1)


def test_a_bandit_validated_from_plain_data_has_a_generator_of_its_own():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=3)
    rebuilt = SmabBernoulli.model_validate(mab.model_dump())
    assert isinstance(rebuilt._rng, np.random.Generator) and rebuilt._rng is not mab._rng
    rebuilt.predict(n_samples=2)  # usable


def _nan_after_drawing(self, models, n_samples):
    self._rng.random(n_samples)  # a draw, then a value the strategy refuses
    return np.full((n_samples, len(models)), np.nan)


@pytest.mark.parametrize("call", ["predict", "action_probabilities"])
def test_a_reading_call_refused_after_drawing_puts_the_generator_back(call, monkeypatch):
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"], random_seed=4)
    twin = copy.deepcopy(mab)
    before = mab.get_state()
    monkeypatch.setattr(SmabBernoulli, "_sample", _nan_after_drawing)
    with pytest.raises(ValueError, match="probs: expected finite sampled expected rewards"):
        getattr(mab, call)(**({"n_samples": 3} if call == "predict" else {"n_draws": 3}))
    assert mab.get_state() == before
    monkeypatch.undo()
    assert mab.predict(n_samples=10) == twin.predict(n_samples=10)  # the stream goes on as if never called


@pytest.mark.parametrize("call", ["predict", "predict_arrays", "action_probabilities"])
def test_an_interrupted_reading_call_puts_the_generator_back(call):
    def interrupting(quantities):
        raise KeyboardInterrupt

    mab = CmabBernoulliDP.cold_start(
        action_ids=["a"],
        quantitative_action_ids=["q"],
        n_features=2,
        hidden_dim_list=[3],
        action_ids_price={"a": 1.0, "q": interrupting},
        random_seed=0,
    )
    before = mab.get_state()
    with pytest.raises(KeyboardInterrupt):
        getattr(mab, call)(np.zeros((2, 2)))
    assert mab.get_state() == before
