"""The shared trunk's training objective: weight decay on the weights, a Normal prior on the embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from pybandits.engines.trunk import train_trunk
from pybandits.model.backbone import Backbone, Trunk
from pybandits.model.backbone.backbone import BackboneSettings, parse_backbone_kwargs
from pybandits.model.family import Bernoulli


def test_embedding_prior_is_per_row_and_old_states_keep_weight_decay():
    """``embedding_sigma`` sets the tables' penalty per buffered row; None (states before it) decays them."""
    rng = np.random.default_rng(5)
    trunk = Trunk.cold_start(2, [4], "tanh", False, rng, categorical={1: (3, 2)})
    context = np.column_stack([rng.normal(size=40), rng.integers(0, 3, 40)])
    readout, played, rewards = rng.normal(size=(5, 1)), np.zeros(40, dtype=np.int64), np.ones(40)
    default = Backbone.model_fields["settings"].default.model_copy(update={"num_steps": 1, "weight_decay": 0.0})
    base = train_trunk(trunk, readout, Bernoulli(), context, played, rewards, default, rng).losses[0]
    tables = (trunk.tables[1] ** 2).sum()
    wide = default.model_copy(update={"embedding_sigma": 2.0})
    assert train_trunk(trunk, readout, Bernoulli(), context, played, rewards, wide, rng).losses[0] == pytest.approx(
        base - tables / 80 + tables / (2 * 4.0 * 40), rel=1e-10
    )
    old = BackboneSettings.model_validate(
        {"num_steps": 1, "batch_size": 256, "learning_rate": 0.01, "weight_decay": 0.2}
    )
    assert old.embedding_sigma is None
    assert train_trunk(trunk, readout, Bernoulli(), context, played, rewards, old, rng).losses[0] == pytest.approx(
        base - tables / 80 + 0.1 * (tables + sum((w**2).sum() for w in trunk.weights) + (readout[:-1] ** 2).sum()),
        rel=1e-10,
    )
    assert BackboneSettings().embedding_sigma == 1.0
    assert parse_backbone_kwargs({"weight_decay": 0.2})[0].embedding_sigma == 1.0  # a user's kwargs are not a state
    assert BackboneSettings(weight_decay=0.05).embedding_sigma == 1.0  # nor are settings given by hand


def test_a_state_saved_before_the_embedding_prior_loads_with_weight_decay_on_its_tables(tmp_path):
    import json

    import pybandits
    from pybandits.cmab import CmabBernoulli

    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"],
        n_features=2,
        categorical_features={1: 4},
        backbone_hidden_dim_list=[3],
        backbone_kwargs={"num_steps": 2},
        random_seed=0,
    )
    rng = np.random.default_rng(0)
    context = np.column_stack([rng.normal(size=20), rng.integers(0, 4, 20)])
    mab.update(actions=["a", "b"] * 10, rewards=rng.integers(0, 2, 20), context=context)
    path = tmp_path / "bandit.json"
    pybandits.save(mab, path)
    document = json.loads(path.read_text())
    settings = document["bandit"]["backbone"]["settings"]
    assert settings.pop("embedding_sigma") == 1.0  # as an earlier version wrote it
    path.write_text(json.dumps(document))
    old = pybandits.load(path)
    assert old.backbone.settings.embedding_sigma is None
    assert old.backbone.settings.model_dump() == {**settings, "embedding_sigma": None}
    old.update(actions=["a", "b"] * 10, rewards=rng.integers(0, 2, 20), context=context)  # and keeps learning
    with pytest.raises(ValueError, match="embedding_sigma"):
        parse_backbone_kwargs({"embedding_sigma": 0.0})
