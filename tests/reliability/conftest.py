"""Helpers shared by the damaged-state tests, given to them as the ``damage`` fixture.

Test modules never import one another or a conftest: under ``pytest --import-mode=importlib`` the
test folders are not on ``sys.path``.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import strategies as st

from pybandits.bandits.base import BaseMab

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def paths(document, prefix=()):
    """Every path to a value inside a JSON document."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths(value, (*prefix, index))


def replace(document, path, value):
    """``document`` with the value at ``path`` replaced (in place; the root path returns ``value``)."""
    if not path:
        return value
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def usable_or_refused(text):
    """``from_state`` either refuses with ValueError or gives a bandit that predicts finite numbers."""
    try:
        mab = BaseMab.from_state(text)
    except ValueError:
        return
    if hasattr(mab, "input_dim"):
        _, probs, _ = mab.predict(context=np.zeros((3, mab.input_dim)))
    else:
        _, probs = mab.predict(n_samples=3)
    values = [v for row in probs for value in row.values() for v in np.atleast_1d(value)]
    assert np.all(np.isfinite(values)) and all(0 <= v <= 1 for v in values)


@pytest.fixture(scope="session")
def damage():
    """``junk`` (a strategy of hostile JSON values), ``paths``, ``replace`` and ``usable_or_refused``."""
    return SimpleNamespace(junk=JUNK, paths=paths, replace=replace, usable_or_refused=usable_or_refused)
