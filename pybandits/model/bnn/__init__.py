"""Bayesian neural network action models: their description and prediction, in numpy and pydantic.

:mod:`~pybandits.model.bnn.network` (the network's description), :mod:`~pybandits.model.bnn.forward`
(its one forward pass), :mod:`~pybandits.model.bnn.sampler` (Thompson draws of networks),
:mod:`~pybandits.model.bnn.candidates` (draws at candidate quantities),
:mod:`~pybandits.model.bnn.growth` (growing a network for transfer), :mod:`~pybandits.model.bnn.settings`
(how it is fitted) and :mod:`~pybandits.model.bnn.action` (an action's model). Fitting is the
engines' (:mod:`pybandits.engines`), the only code that imports PyMC; nothing here imports them.
"""

from pybandits.model.bnn.action import Bnn, DistParams, FitDiagnostics
from pybandits.model.bnn.multi import BnnMO
from pybandits.model.bnn.network import Layer, Network
from pybandits.model.bnn.settings import MCMCSettings, VISettings

__all__ = ["Bnn", "BnnMO", "DistParams", "FitDiagnostics", "Layer", "MCMCSettings", "Network", "VISettings"]
