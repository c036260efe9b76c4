"""Bayesian neural network action models: description and prediction (numpy), fitting (PyMC).

:mod:`~pybandits.model.bnn.fit` is the only module that imports PyMC; it is imported on the
first update, never on the prediction path.
"""

from pybandits.model.bnn.action import Bnn, BnnMO, DistParams, FitDiagnostics
from pybandits.model.bnn.network import Layer, Network
from pybandits.model.bnn.settings import MCMCSettings, VISettings

__all__ = ["Bnn", "BnnMO", "DistParams", "FitDiagnostics", "Layer", "MCMCSettings", "Network", "VISettings"]
