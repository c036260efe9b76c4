"""The numpy samplers draw the numbers they drew before the engines moved out of the model (recorded at c576b7e).

``tests/data/recorded_draws.json`` holds draws made with fixed seeds by the code before
``pybandits.engines`` existed: Thompson draws of networks (local reparameterisation, Student-t
factors, embeddings, the per-weight reference), draws at candidate quantities and ``draw_actions``.
A change in the order or the number of random calls, or in the arithmetic, changes these numbers.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from pybandits.model.bnn.action import Bnn
from pybandits.model.bnn.candidates import candidates, outputs_at_candidates, quantity_inputs
from pybandits.model.bnn.growth import grow_network
from pybandits.model.bnn.multi import draw_actions
from pybandits.model.bnn.network import Network
from pybandits.model.bnn.sampler import sample_networks
from pybandits.model.priors import LocationScale

RECORDED = json.loads((Path(__file__).resolve().parents[1] / "data" / "recorded_draws.json").read_text())


def _networks() -> dict[str, Network]:
    rng = np.random.default_rng(3)

    def posterior(network: Network, nu: float | None) -> Network:
        parameters = {
            name: LocationScale(
                mu=rng.normal(size=dist.shape),
                sigma=0.2 + rng.random(dist.shape),
                nu=None if nu is None else np.full(dist.shape, nu),
            )
            for name, dist in network.parameters.items()
        }
        return network.with_parameters(parameters)

    categorical = {1: (9, 3)}
    networks = {
        "student": Network.cold_start(3, [5], "tanh", False, 0.0, 1.0, 5.0),
        "normal": posterior(Network.cold_start(3, [5, 5], "gelu", True, 0.0, 1.0, None), None),
        "categorical": posterior(Network.cold_start(4, [6], "relu", False, 0.0, 1.0, None, categorical), 4.0),
        "categorical_normal": posterior(
            Network.cold_start(4, [6], "sigmoid", False, 0.0, 1.0, None, categorical), None
        ),
    }
    networks["mixed"] = grow_network(networks["normal"], Network.cold_start(4, [6, 6], "gelu", True, 0.0, 1.0, 3.0), {})
    networks["residual_first"] = posterior(Network.cold_start(3, [3], "tanh", True, 0.0, 1.0, None), 5.0)
    networks["two_quantities"] = posterior(
        Network.cold_start(5, [4, 4], "tanh", True, 0.0, 1.0, None, categorical), 6.0
    )
    return networks


def _context(n_rows: int = 24) -> np.ndarray:
    rng = np.random.default_rng(4)
    context = rng.normal(size=(n_rows, 5))
    context[:, 1] = rng.integers(0, 9, n_rows)
    return context


def _draws() -> dict[str, list]:
    context = _context()
    drawn = {}
    for name, network in _networks().items():
        rows = context[:, : network.n_features]
        drawn[f"sample_networks/{name}"] = sample_networks([network, network], rows, np.random.default_rng(7))
        drawn[f"per_weight/{name}"] = sample_networks([network], rows, np.random.default_rng(8), per_weight=True)
        dimension = 2 if name == "two_quantities" else 1
        inputs = quantity_inputs(candidates(dimension, 7, np.random.default_rng(1)), "standardised")
        drawn[f"candidates/{name}"] = outputs_at_candidates(
            network, rows[:, :-dimension], inputs, np.random.default_rng(9)
        )
    actions = [Bnn.cold_start(n_features=3), Bnn.cold_start(n_features=3, dist_type="normal")]
    drawn["draw_actions"] = np.array(draw_actions(actions, context[:, :3], np.random.default_rng(10)))
    return drawn


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_draws_equal_the_recorded_ones(key):
    # to the last bits on the machine that recorded them; 1e-12 leaves room for another BLAS's rounding
    np.testing.assert_allclose(_draws()[key], np.array(RECORDED[key]), rtol=1e-12, atol=1e-12)
