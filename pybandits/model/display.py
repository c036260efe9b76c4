"""How an action model shows itself: a ``repr`` that fits one screen, and an HTML table for notebooks.

Every action model (conjugate, zooming, network, linear head) takes :class:`Displayed` as its first
base. Both displays come from :meth:`Displayed.display_rows`: what the model has learned (its own
``summary``), and for networks their shape, inference settings and last fit.

Examples
--------
>>> from pybandits.model import Beta, Bnn
>>> Beta(n_successes=3, n_failures=2)
Beta(n_successes=3, n_failures=2, cost=None)
>>> print(repr(Bnn.cold_start(n_features=2, hidden_dim_list=[4])).replace("; ", "\\n"))  # doctest: +ELLIPSIS
Bnn(learned bernoulli: ...
network 2 inputs, hidden [4], tanh
inference VI ...
last fit none)
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["Displayed", "html_table"]

#: The longest ``repr`` of a model, in characters (a zooming model's many segments are cut).
_REPR_CHARS = 400


def html_table(rows: list[tuple[str, str]], title: str) -> str:
    """A small two-column HTML table with a bold title: what notebooks show.

    Examples
    --------
    >>> text = html_table([("rewards", "a < b")], "Bnn")
    >>> text.startswith("<div><strong>Bnn</strong><table><tr>"), "a &lt; b" in text
    (True, True)
    """
    cell = "style='text-align:left'"
    body = "".join(
        f"<tr><th {cell}>{html.escape(label)}</th><td {cell}>{html.escape(text)}</td></tr>" for label, text in rows
    )
    return f"<div><strong>{html.escape(title)}</strong><table>{body}</table></div>"


class Displayed:
    """The displays of an action model (a base of every action model class).

    Examples
    --------
    >>> from pybandits.model import NormalInverseGamma
    >>> NormalInverseGamma().display_rows()
    [('posterior', 'mu=0.0, kappa=1.0, alpha=1.0, beta=1.0, n_observations=0')]
    """

    def display_rows(self) -> list[tuple[str, str]]:
        """``(label, text)`` rows: what the model has learned, its network and last fit, its cost."""
        model: Any = self
        single = model.objectives[0] if getattr(model, "objectives", None) else model
        network = getattr(single, "network", None)
        if network is None:  # a conjugate or zooming model: its summary is its posterior
            rows = [("posterior", model.summary())]
        else:
            rows = [("learned", model.summary())]
            rows.append(
                ("network", f"{network.n_features} inputs, hidden {network.hidden_dim_list}, {network.activation}")
            )
            rows.append(("inference", f"{single.update_method} {single.update_kwargs or {}}"))
            fit = single.last_fit
            rows.append(("last fit", "none" if fit is None else fit.describe()))
        if model.cost is not None:
            rows.append(("cost", f"{model.cost:g}"))
        return rows

    def __repr__(self) -> str:
        rows = self.display_rows()
        if rows[0][0] == "posterior":  # conjugate: Beta(n_successes=3, n_failures=2, cost=None)
            text = f"{rows[0][1]}, cost={getattr(self, 'cost', None)!r}"
        else:
            text = "; ".join(f"{label} {value}" for label, value in rows)
        if len(text) > _REPR_CHARS:
            text = text[: _REPR_CHARS - 3] + "..."
        return f"{type(self).__name__}({text})"

    def _repr_html_(self) -> str:
        return html_table(self.display_rows(), type(self).__name__)
