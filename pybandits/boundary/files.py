"""Files: outputs checked before any work and written so that a crash leaves either the old file or the new one,
never a mixture; JSON documents read with every key once."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_writable", "unique_keys"]


def check_writable(path: str | os.PathLike, name: str) -> None:
    """Refuse, with a ``ValueError`` naming ``name``, a path no file can be written to.

    A folder, a path in a folder that does not exist or under a file, or in a folder that cannot
    be written. Called before any work, so that a job that cannot write its outputs writes none.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_writable(os.path.join(folder, "out.json"), "--out")
    >>> check_writable(folder, "--out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --out: expected a file, got the folder ...
    """
    target = Path(os.path.realpath(path))  # a symbolic link is written through, to the file it names
    if target.is_dir():
        raise ValueError(f"{name}: expected a file, got the folder {os.fspath(path)}")
    _check_regular(target, name, path)
    folder = target.parent
    existing = next((parent for parent in [folder, *folder.parents] if parent.exists()), folder)
    if existing.exists() and not existing.is_dir():
        raise ValueError(
            f"{name}: expected a file in a folder, got {os.fspath(path)}: {existing} is a file, not a folder"
        )
    if existing != folder:
        raise ValueError(
            f"{name}: expected a file in an existing folder, got {os.fspath(path)}: no such folder {folder}"
        )
    try:  # a real probe: permissions alone say yes to root, and to folders such as /proc that take no files
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as error:
        raise ValueError(
            f"{name}: expected a file in a folder that can be written, got {os.fspath(path)} ({error.strerror})"
        ) from None
    os.close(fd)
    os.unlink(probe)


def _check_regular(target: Path, name: str, path: str | os.PathLike) -> None:
    """Refuse an existing path that is not a regular file (a device, a pipe, a socket): it would be replaced."""
    if target.exists() and not target.is_file():
        raise ValueError(
            f"{name}: expected a regular file (or a new one), got {os.fspath(path)}, which is a device, pipe or "
            "socket that writing would replace"
        )


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook`` that refuses a key given twice in an object, naming it.

    JSON itself lets the last value win silently; a state or a config with a key twice is more
    likely an edit gone wrong than a wish, so it is refused with a ``ValueError``.

    Examples
    --------
    >>> import json
    >>> json.loads('{"a": 1, "b": {"c": 2}}', object_pairs_hook=unique_keys)
    {'a': 1, 'b': {'c': 2}}
    >>> json.loads('{"a": 1, "a": 2}', object_pairs_hook=unique_keys)
    Traceback (most recent call last):
    ...
    ValueError: expected every key once in a JSON object, got ['a'] more than once
    """
    document = dict(pairs)
    if len(document) != len(pairs):
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"expected every key once in a JSON object, got {repeated} more than once")
    return document


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so that the file is always either the old one or the new one.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> atomic_write_text(path, "one"); atomic_write_text(path, "two")
    >>> open(path).read(), os.listdir(os.path.dirname(path))
    ('two', ['note.txt'])
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is always either the old one or the new one.

    A symbolic link is written through (the file it names is replaced; the link stays). An existing
    path that is not a regular file (a device such as ``/dev/null``, a pipe) is refused with a
    ``ValueError``: replacing it by a file would destroy it.
    """
    given = path
    path = Path(os.path.realpath(path))
    _check_regular(path, "path", given)
    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable where the platform allows
        try:
            directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            with contextlib.suppress(OSError):
                os.fsync(directory)
        finally:
            os.close(directory)
