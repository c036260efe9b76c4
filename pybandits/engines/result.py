"""What a fit returns for one network: the posterior of every parameter, the fit's summary, ADVI's losses.

Both engines (:mod:`pybandits.engines.advi`, :mod:`pybandits.engines.nuts`) return a
:class:`FitResult` per network; :meth:`~pybandits.model.bnn.action.Bnn.with_fit` turns it into
the action's new description.

Examples
--------
>>> from pybandits.model.bnn.diagnostics import FitDiagnostics
>>> from pybandits.model.priors import LocationScale
>>> result = FitResult({"w0": LocationScale.full((2, 1), 0.0, 1.0)}, FitDiagnostics(method="MCMC", n_rows=3))
>>> list(result.parameters), result.loss_history is None
(['w0'], True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.priors import LocationScale

__all__ = ["FitResult"]


@dataclass
class FitResult:
    """What a fit returns for one network: the posterior of every parameter, the fit's summary, ADVI's losses.

    Examples
    --------
    >>> FitResult({}, FitDiagnostics(method="VI", n_rows=0, num_steps=1, final_loss=0.0)).diagnostics.method
    'VI'
    """

    parameters: dict[str, LocationScale]
    diagnostics: FitDiagnostics
    loss_history: np.ndarray | None = field(default=None)
