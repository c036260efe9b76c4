"""Logged rows and contexts read from files, at the import path users know: see :mod:`pybandits.boundary.tabular`."""

from pybandits.boundary.tabular import (
    DataError,
    LoggedRows,
    quantity_columns,
    read_contexts,
    read_logged_rows,
    write_csv_atomically,
)

__all__ = ["DataError", "LoggedRows", "quantity_columns", "read_contexts", "read_logged_rows", "write_csv_atomically"]
