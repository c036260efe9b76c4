"""``python -m pybandits.cli``: the ``pybandits`` command."""

import sys

from pybandits.cli import main

sys.exit(main())
