"""The ``pybandits`` command: create, retrain, predict, evolve and inspect saved bandits from scripts and jobs.

::

    pybandits init --config BANDIT.toml --out STATE.json [--force] [--quiet]
    pybandits update --state STATE.json --data DATA.csv --out NEW.json [--workers N] [--quiet]
    pybandits predict --state STATE.json --data CONTEXTS.csv --out PREDICTIONS.csv [--propensity [--draws N]]
    pybandits edit --state STATE.json --template TEMPLATE.toml|TEMPLATE.json --out NEW.json [--quiet]
    pybandits info --state STATE.json
    pybandits evaluate --state STATE.json --data LOGS.csv --out REPORT.csv [--plot REPORT.png]

States are the files of :func:`pybandits.save`. Configs are TOML (``.toml``) or JSON (``.json``)
files naming a bandit class and the arguments of its ``cold_start`` (format: :mod:`pybandits.config`);
``init`` writes the cold-started bandit a config describes, so a bandit's configuration can live
in version control. ``edit``'s template is a saved bandit or a config: a ``.toml`` file is a
config; a ``.json`` file is a config when its top-level object has a ``class`` or ``cold_start``
key and no ``schema_version`` (every saved state has one), a saved state otherwise; a file of any
other extension is a saved state.

Update data is CSV (Parquet with pyarrow) with the header ``action,reward,`` and then the feature
columns in order (rewards as the bandit's family takes them: 0/1 or fractions for Bernoulli
bandits, real numbers for Gaussian ones); prediction data holds only the feature columns. A bandit
with ``feature_names`` reads its features by name, in any order, ignoring other columns, and its
categorical columns hold category values such as ``FR`` or ``ios`` (:mod:`pybandits.boundary.tabular`). The
predictions hold the chosen action, with ``--propensity`` the probability that the bandit plays it
(``propensity``, estimated from ``--draws`` repeated selections, the action then being drawn from
those probabilities: what off-policy evaluation needs logged), and every action's sampled expected
reward (``sampled_probability_<action>`` or ``sampled_mean_<action>``: one Thompson draw per action,
not a propensity).
A bandit with quantitative actions reads the quantity each row was played at from ``quantity``
(every quantitative action of dimension 1) or ``quantity_0`` ... ``quantity_{D-1}`` (``D`` the
largest dimension; an action of dimension ``d`` fills the first ``d``), anywhere after
``action,reward``; the cells of an ordinary action's row are empty. ``predict`` writes the chosen
quantity in the same columns after ``action`` (``--propensity`` is refused: a quantity has no
probability to log). A dynamic-pricing bandit whose prices are functions of the quantity (code a
state does not hold) is updated, edited and described, but ``predict`` and ``evaluate``, which
need its prices, refuse it: predict with it in Python, ``pybandits.load(path, price_functions=...)``.
Categorical cells are read as text and matched to a bandit's levels by text (``1`` in a file is
the level ``1`` of a bandit trained from Python integers; ``007`` stays ``"007"``).
Outputs are checked before any work (a folder, a missing folder, an output that would replace an
input, a ``--plot`` format matplotlib cannot write: nothing is written) and written atomically: a
failed or killed job leaves an existing output file as it was.
Exit codes: 0 success, 2 bad arguments or input (the message names the option and the file, and
the row and column of data), 1 a failed fit or another error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pybandits.boundary.tabular import DataError
from pybandits.cli.commands import _UsageError
from pybandits.cli.parser import parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = parser().parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        print(f"pybandits: error: --workers: expected an integer >= 1, got {args.workers}", file=sys.stderr)
        return 2
    try:
        args.run(args)
    except _UsageError as error:
        print(f"pybandits: error: {error}", file=sys.stderr)
        return 2
    except DataError as error:
        print(f"pybandits: error: --data: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a failed fit, a full disk...: reported, and the old files are intact
        print(f"pybandits: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0
