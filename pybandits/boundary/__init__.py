"""The boundary: user input checked into rows the library trusts, and what goes back out.

- :mod:`~pybandits.boundary.validation`: one short check per kind of argument, with messages that
  name the argument, what was expected and what came;
- :mod:`~pybandits.boundary.context`: contexts as DataFrames, categories mapped to codes;
- :mod:`~pybandits.boundary.quantities`: quantitative actions, forbidden regions and prices;
- :mod:`~pybandits.boundary.tabular`: logged rows and contexts read from CSV or Parquet files;
- :mod:`~pybandits.boundary.files`: output paths checked, atomic file writes, JSON without a key twice;
- :mod:`~pybandits.boundary.rows` and :mod:`~pybandits.boundary.progress`: results as rows of
  dicts, progress bars.
"""
