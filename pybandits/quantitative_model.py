"""The original library's path of its quantitative models (:mod:`pybandits.compat.quantitative`)."""

from pybandits.compat.quantitative import (
    CmabZoomingModel,
    QuantitativeBayesianNeuralNetwork,
    QuantitativeBayesianNeuralNetworkCC,
    SmabZoomingModel,
    SmabZoomingModelCC,
    Zooming,
    ZoomingCC,
)

__all__ = [
    "CmabZoomingModel",
    "QuantitativeBayesianNeuralNetwork",
    "QuantitativeBayesianNeuralNetworkCC",
    "SmabZoomingModel",
    "SmabZoomingModelCC",
    "Zooming",
    "ZoomingCC",
]
