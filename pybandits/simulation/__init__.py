"""Simulators: try a bandit, its network and its inference settings against a known world.

:class:`SmabSimulator` plays a stochastic bandit against fixed reward probabilities;
:class:`CmabSimulator` plays a contextual bandit against a reward function of the context. Both
record every decision with its expected regret and compare with a uniformly random policy on the
same rounds. Bandits with quantitative actions play against reward surfaces over the quantity,
and dynamic-pricing bandits are measured in revenue (:mod:`pybandits.simulation.quantities`, with
:class:`LogisticDemand` for pricing worlds). :mod:`pybandits.simulation.plots` draws the results; it
needs matplotlib (the ``plot`` extra). The results are pandas DataFrames.
"""

from pybandits.simulation.base import SimulationResult, SimulationSummary, pareto_regret
from pybandits.simulation.cmab import CmabSimulator, LinearReward, LogisticReward, SharedRepresentationReward
from pybandits.simulation.quantities import LogisticDemand, quantity_grid
from pybandits.simulation.smab import SmabSimulator

__all__ = [
    "CmabSimulator",
    "LinearReward",
    "LogisticDemand",
    "LogisticReward",
    "SimulationResult",
    "SharedRepresentationReward",
    "SimulationSummary",
    "SmabSimulator",
    "pareto_regret",
    "quantity_grid",
]
