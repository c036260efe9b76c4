"""Category values in DataFrame contexts: feature names, vocabularies, values never seen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pybandits
from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.engines import fit as fitting
from pybandits.exceptions import FitError
from pybandits.transfer import describe_edit, edit_model_on_the_fly

FAST = {"num_steps": 60}
COUNTRIES = ["fr", "de", "it", "es"]


def _frame(n: int, seed: int, countries=COUNTRIES[:3]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "platform": rng.choice(["ios", "android"], n),
            "age": rng.normal(size=n),
            "country": rng.choice(countries, n),
            "session_id": np.arange(n),  # not a feature: ignored
        }
    )


def _bandit(cls=CmabBernoulli, country=5, **kwargs):
    return cls.cold_start(
        action_ids={"a", "b"},
        n_features=3,
        feature_names=["age", "country", "platform"],
        categorical_features={"country": country, "platform": ["ios", "android"]},
        update_kwargs=FAST,
        random_seed=0,
        **kwargs,
    )


def test_names_declare_columns_and_vocabularies():
    mab = _bandit()
    assert mab.categorical_features == {1: 5, 2: 2}
    assert mab.vocabularies == {2: ["ios", "android"]}
    assert mab.feature_names == ["age", "country", "platform"]


@pytest.mark.parametrize("cls", [CmabBernoulli, CmabGaussian])
def test_updates_learn_values_in_order_of_first_appearance_and_frames_equal_codes(cls):
    mab = _bandit(cls)
    frame = _frame(60, seed=1)
    rewards = np.random.default_rng(2).integers(0, 2, 60)
    mab.update(["a", "b"] * 30, rewards, frame)
    first_seen = list(pd.unique(frame["country"]))
    assert mab.vocabularies == {1: first_seen, 2: ["ios", "android"]}
    codes = np.column_stack(
        [frame["age"], [first_seen.index(c) for c in frame["country"]], (frame["platform"] == "android").astype(float)]
    )
    twin = mab.model_copy(deep=True)
    mab.reseed(5)
    twin.reseed(5)
    np.testing.assert_array_equal(mab.predict_arrays(frame)[2], twin.predict_arrays(codes)[2])
    # the column order of the frame does not matter, only the names
    mab.reseed(5)
    twin.reseed(5)
    np.testing.assert_array_equal(mab.predict_arrays(frame[frame.columns[::-1]])[2], twin.predict_arrays(codes)[2])


def test_vocabularies_survive_save_and_load(tmp_path):
    mab = _bandit()
    mab.update(["a", "b"] * 20, [1, 0] * 20, _frame(40, seed=3))
    pybandits.save(mab, tmp_path / "mab.json")
    loaded = pybandits.load(tmp_path / "mab.json")
    assert loaded == mab and loaded.vocabularies == mab.vocabularies and loaded.feature_names == mab.feature_names


def test_a_full_vocabulary_refuses_new_values_by_name_and_changes_nothing():
    mab = _bandit(country=3)
    mab.update(["a", "b"] * 20, [1, 0] * 20, _frame(40, seed=3))
    before = mab.get_state()
    with pytest.raises(ValueError, match=r"'country' \(column 1\) holds 1 value not in its vocabulary \('es'\)"):
        mab.update(["a"] * 10, [1] * 10, _frame(10, seed=4, countries=["es"]))
    with pytest.raises(ValueError, match=r"'platform' \(column 2\) holds 1 value .*\('web'\).*room for 0 more"):
        mab.update(["a"] * 10, [1] * 10, _frame(10, seed=4).assign(platform="web"))
    assert mab.get_state() == before


def test_a_failed_fit_forgets_the_values_it_brought(monkeypatch):
    mab = _bandit()
    before = mab.get_state()

    def fail(*args, **kwargs):
        raise FitError("injected")

    monkeypatch.setattr(fitting, "fit_models", fail)
    with pytest.raises(FitError, match="injected"):
        mab.update(["a", "b"] * 10, [1, 0] * 10, _frame(20, seed=5))
    assert mab.get_state() == before and mab.vocabularies == {2: ["ios", "android"]}


def test_a_value_never_seen_is_predicted_from_the_prior():
    # capacity 5, three values learned: code 4 is a row no update touched, so it is at the prior;
    # a value never seen must be drawn exactly like it (and like nothing learned)
    mab = _bandit(dist_type="normal", embedding_dims={"country": 4})
    frame = _frame(200, seed=6)
    mab.update(["a", "b"] * 100, (frame["country"] == frame["country"][0]).astype(int), frame)
    n = 4000
    unseen = pd.DataFrame({"age": np.zeros(n), "country": "jp", "platform": "ios"})
    free_row = np.column_stack([np.zeros(n), np.full(n, 4.0), np.zeros(n)])
    learned_row = np.column_stack([np.zeros(n), np.zeros(n), np.zeros(n)])
    before = mab.vocabularies
    new_value = mab.predict_arrays(unseen)[2][:, 0]
    assert mab.vocabularies == before  # predictions learn nothing
    prior = mab.predict_arrays(free_row)[2][:, 0]
    learned = mab.predict_arrays(learned_row)[2][:, 0]
    assert stats.ks_2samp(new_value, prior).pvalue > 1e-3
    assert stats.ks_2samp(new_value, learned).pvalue < 1e-6  # the check can tell learned from prior rows


def test_a_value_never_seen_in_a_full_table_gets_its_own_prior_row():
    mab = _bandit(country=3)
    mab.update(["a", "b"] * 20, [1, 0] * 20, _frame(40, seed=3))
    action = mab.actions["a"]
    extended = action.with_prior_rows([1]).network.embeddings[0].table
    table = action.network.embeddings[0].table
    assert extended.shape == (4, table.shape[1])
    np.testing.assert_array_equal(extended.mu[:3], table.mu)
    np.testing.assert_array_equal(extended.mu[3], 0.0)
    np.testing.assert_array_equal(extended.sigma[3], action.dist_params_init.sigma)
    np.testing.assert_array_equal(extended.nu[3], action.dist_params_init.nu)
    actions, _, _ = mab.predict(_frame(10, seed=8, countries=["jp", "fr"]))
    assert len(actions) == 10


@pytest.mark.parametrize(
    ("context", "error", "message"),
    [
        (
            lambda f: f.drop(columns="age"),
            ValueError,
            r"feature columns \['age', 'country', 'platform'\], missing \['age'\]",
        ),
        (
            lambda f: f.assign(age="old"),
            ValueError,
            r"finite numbers in numeric 'age' \(column 0\), got 'old' in row 0",
        ),
        (lambda f: f.assign(age=np.nan), ValueError, r"numeric 'age'"),
        (lambda f: f.assign(country=None), ValueError, r"category value in every row of 'country' \(column 1\)"),
        (lambda f: f.assign(country=1.5), TypeError, r"context 'country' \(column 1\): expected category values that"),
        (lambda f: pd.concat([f, f["age"]], axis=1), ValueError, r"distinct DataFrame column names, got \['age'\]"),
    ],
)
def test_bad_frames_are_refused_by_column_and_change_nothing(context, error, message):
    mab = _bandit()
    before = mab.get_state()
    frame = context(_frame(6, seed=9))
    with pytest.raises(error, match=message):
        mab.update(["a"] * 6, [1] * 6, frame)
    with pytest.raises(error, match=message):
        mab.predict(frame)
    assert mab.get_state() == before


def test_without_names_a_frame_is_read_in_column_order():
    mab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2, categorical_features={1: 4}, random_seed=0)
    frame = pd.DataFrame({"x": [0.1, 0.2], "segment": ["gold", "silver"]})
    mab.update(["a", "a"], [1, 0], frame)
    assert mab.vocabularies == {1: ["gold", "silver"]}
    with pytest.raises(ValueError, match="DataFrame of 2 columns .* no feature_names"):
        mab.predict(frame.assign(extra=1))


def test_codes_beyond_a_learned_vocabulary_are_refused_in_updates():
    mab = _bandit()
    mab.update(["a", "b"], [1, 0], _frame(2, seed=1, countries=["fr"]))
    before = mab.get_state()
    with pytest.raises(ValueError, match=r"'country' \(column 1\) has a vocabulary of 1 values .* got code 3"):
        mab.update(["a"], [1], np.array([[0.0, 3.0, 0.0]]))
    assert mab.get_state() == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"feature_names": ["a", "b"]}, ValueError, r"feature_names: expected 3 names \(n_features\), got 2"),
        ({"feature_names": ["a", "a", "b"]}, ValueError, r"feature_names: expected distinct names, got \['a'\]"),
        ({"feature_names": "abc"}, TypeError, "feature_names: expected a list of column names"),
        ({"feature_names": ["a", "", "b"]}, TypeError, "feature_names: expected non-empty strings"),
        ({"categorical_features": {"country": 4}}, ValueError, "column 'country', which is not a feature name"),
        ({"categorical_features": {1: ["x", "x", "y"]}}, ValueError, "distinct values for column 1, got 'x' twice"),
        ({"categorical_features": {1: ["x"]}}, ValueError, "at least two values"),
        ({"categorical_features": {1: ["x", 2.5]}}, TypeError, r"strings or integers, got 2.5 \(float\)"),
    ],
)
def test_bad_names_and_vocabularies_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        CmabBernoulli.cold_start(action_ids={"a"}, n_features=3, **kwargs)


def test_transfer_grows_a_vocabulary_and_keeps_learned_codes():
    mab = _bandit(country=3)
    mab.update(["a", "b"] * 30, np.tile([1, 0, 0], 20), _frame(60, seed=10))
    learned = mab.vocabularies[1]
    template = CmabBernoulli.cold_start(
        action_ids={"a", "b"},
        n_features=3,
        feature_names=["age", "country", "platform"],
        categorical_features={"country": ["es", *learned], "platform": ["ios", "android"]},
        embedding_dims={"country": mab.actions["a"].network.embeddings[0].dim},
        update_kwargs=FAST,
    )
    summary = describe_edit(mab, template)
    assert summary.changed["vocabulary of country"] == ("3 values", "4 values (new: es)")
    grown = edit_model_on_the_fly(mab, template)
    assert grown.vocabularies == {1: [*learned, "es"], 2: ["ios", "android"]}
    old_rows = _frame(30, seed=11)
    mab.reseed(1)
    grown.reseed(1)
    np.testing.assert_allclose(grown.predict_arrays(old_rows)[2], mab.predict_arrays(old_rows)[2], rtol=0, atol=1e-9)
    grown.update(["a"] * 10, [1] * 10, _frame(10, seed=12, countries=["es"]))  # the new value is learned
    assert grown.vocabularies[1] == [*learned, "es"]


def test_transfer_refuses_a_vocabulary_it_cannot_hold_and_renamed_columns():
    mab = _bandit(country=3)
    mab.update(["a", "b"] * 30, np.tile([1, 0, 0], 20), _frame(60, seed=10))
    too_small = _bandit(country=["es", "pt", "fr"])
    with pytest.raises(ValueError, match=r"holds the vocabulary of column 1 \(3 learned values, 2 new in new_mab\)"):
        edit_model_on_the_fly(mab, too_small)
    renamed = CmabBernoulli.cold_start(
        action_ids={"a", "b"},
        n_features=3,
        feature_names=["age", "nation", "platform"],
        categorical_features={1: 3, 2: 2},
    )
    with pytest.raises(ValueError, match="column 1 named 'country' in current_mab and 'nation' in new_mab"):
        edit_model_on_the_fly(mab, renamed)


def _segments(values) -> pd.DataFrame:
    return pd.DataFrame({"age": np.linspace(-1, 1, len(values)), "segment": pd.Series(values, dtype=object)})


def _segment_bandit(segment):
    return CmabBernoulli.cold_start(
        action_ids={"a"},
        n_features=2,
        feature_names=["age", "segment"],
        categorical_features={"segment": segment},
        update_kwargs=FAST,
        random_seed=0,
    )


def test_a_category_is_its_text_so_1_and_the_text_1_are_one_level():
    mab = _segment_bandit(4)
    mab.update(["a", "a"], [1, 0], _segments([1, 2]))
    mab.update(["a"] * 3, [1, 0, 1], _segments(["2", "1", "3"]))  # text cells: the levels 1 and 2, and a new one
    assert mab.vocabularies == {1: [1, 2, "3"]}
    mab.update(["a"] * 2, [1, 0], _segments([3, "4"]))  # the integer 3 is the level "3"
    assert mab.vocabularies == {1: [1, 2, "3", "4"]}
    twin = mab.model_copy(deep=True)
    mab.reseed(1)
    twin.reseed(1)
    np.testing.assert_array_equal(
        mab.predict_arrays(_segments(["1", "2", "3", "4"]))[2], twin.predict_arrays(_segments([1, 2, 3, 4]))[2]
    )
    fresh = _segment_bandit(4)
    fresh.update(["a"] * 3, [1, 0, 1], _segments([7, "7", 8]))  # one batch: 7 and "7" are one new level
    assert fresh.vocabularies == {1: [7, 8]}


@pytest.mark.parametrize("declared", [[1, "1"], ["x", 2, "2"]])
def test_a_vocabulary_of_two_levels_with_one_text_is_refused_by_name(declared):
    with pytest.raises(ValueError, match=r"distinct values for 'segment' \(column 1\).*same text"):
        _segment_bandit(declared)


@pytest.mark.parametrize(
    ("values", "shown"),
    [([True, False], r"True \(bool\) in row 0"), ([1, 2.5], r"2.5 \(float\) in row 1"), ([1, True], r"True \(bool\)")],
)
def test_bool_and_float_cells_are_refused_even_when_they_equal_a_level(values, shown):
    mab = _segment_bandit([0, 1, 2])
    before = mab.get_state()
    with pytest.raises(TypeError, match=r"'segment' \(column 1\): expected category values .*" + shown):
        mab.update(["a"] * len(values), [1] * len(values), _segments(values))
    with pytest.raises(TypeError, match=shown):
        mab.predict(_segments(values))
    assert mab.get_state() == before


def test_transfer_merges_vocabularies_by_text():
    mab = _segment_bandit(3)
    mab.update(["a", "a"], [1, 0], _segments([1, 2]))
    template = _segment_bandit(["2", "1", "5"])
    assert edit_model_on_the_fly(mab, template).vocabularies == {1: [1, 2, "5"]}


def test_a_state_whose_vocabulary_holds_an_empty_value_is_refused():
    from pybandits.bandits.base import BaseMab

    text = CmabBernoulli.cold_start(action_ids=["a"], n_features=1, categorical_features={0: ["x", "y"]}).get_state()[1]
    with pytest.raises(ValueError, match="vocabularies column 0: expected non-empty category values"):
        BaseMab.from_state(text.replace('"y"', '""'))
