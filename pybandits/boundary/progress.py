"""Progress bars for pybandits' long loops (simulations, CLI fits), drawn with rich.

In a terminal the bar is drawn on stderr, never on stdout, and redrawn in place (rich throttles
the redraws, so advancing once per step of a fast loop is fine). In a Jupyter notebook it is a
cell output updated in place; this needs no ipywidgets. Elsewhere (stderr sent to a file or a
pipe, and under pytest) a bar is off unless asked for; asked for where stderr is not a terminal,
its final state is written to stderr once, when it closes.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["UPDATE_BAR_DELAY", "ProgressBar", "fit_reporter", "progress_bar"]

#: Shortest time between two redraws of a notebook bar, in seconds.
NOTEBOOK_REFRESH_SECONDS = 0.2

_PRE_STYLE = "white-space:pre;overflow-x:auto;line-height:normal;font-family:Menlo,'DejaVu Sans Mono',monospace"


def default_enabled() -> bool:
    """Whether a bar is shown when the caller leaves it to pybandits (``enabled=None``).

    Off under pytest; otherwise on in a Jupyter notebook or when stderr is a terminal.

    Examples
    --------
    >>> default_enabled()  # under pytest
    False
    """
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    return in_notebook() or _is_terminal(sys.stderr)


def in_notebook() -> bool:
    """Whether this code runs in an IPython kernel (Jupyter, VS Code or Colab notebooks).

    Terminal IPython is not a notebook: there the bar goes to stderr like in any terminal.
    """
    ipython = sys.modules.get("IPython")  # a kernel has imported it; never import it here
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


class ProgressBar:
    """A bar opened by :func:`progress_bar`; call :meth:`advance` as the work gets done.

    This base class is the bar that shows nothing: its :meth:`advance` costs one method call.
    """

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units of work as done."""


class _RichBar(ProgressBar):
    """A bar drawn by a started ``rich.progress.Progress`` (terminal or stderr)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress = progress
        self._task = task

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._task, n)


class _NotebookBar(_RichBar):
    """A bar in a notebook cell's output, redrawn at most every ``NOTEBOOK_REFRESH_SECONDS``.

    rich draws live displays in notebooks through ipywidgets, which many kernels lack (rich then
    only warns), so the bar is rendered to text and HTML here and shown with an IPython display
    handle, which every notebook front end updates in place.
    """

    def __init__(self, progress: Any, task: Any) -> None:
        super().__init__(progress, task)
        self._handle = None
        self._shown_at = -float("inf")

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if time.monotonic() - self._shown_at >= NOTEBOOK_REFRESH_SECONDS:
            self.refresh()

    def refresh(self) -> None:
        """Redraw the bar now."""
        from rich.console import Console

        renderable = self._progress.get_renderable()
        plain = Console(file=io.StringIO(), width=100, color_system=None, force_jupyter=False)
        with plain.capture() as capture:
            plain.print(renderable)  # without colours the bar's remaining part is blank
        text = capture.get().rstrip("\n")
        coloured = Console(file=io.StringIO(), width=100, record=True, color_system="truecolor", force_jupyter=False)
        coloured.print(renderable)
        html = coloured.export_html(inline_styles=True, code_format=f'<pre style="{_PRE_STYLE}">{{code}}</pre>')
        self._handle = _show_in_notebook({"text/plain": text, "text/html": html}, self._handle)
        self._shown_at = time.monotonic()


def _show_in_notebook(bundle: dict[str, str], handle: Any) -> Any:
    """Show ``bundle`` as a new cell output (``handle`` None) or in place of the earlier one."""
    from IPython.display import display

    if handle is None:
        return display(bundle, raw=True, display_id=True)
    handle.update(bundle, raw=True)
    return handle


def _new_progress(description: str, total: int, **options: Any) -> tuple[Any, Any]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        **options,
    )
    return progress, progress.add_task(description, total=total)


_clock = time.monotonic  # the delayed bar's clock (replaceable in tests)


class _DelayedBar(ProgressBar):
    """A bar that appears only once the work has taken ``delay`` seconds (at the next ``advance``)."""

    def __init__(self, stack: contextlib.ExitStack, total: int, description: str, delay: float) -> None:
        self._stack, self._total, self._description = stack, total, description
        self._deadline = _clock() + delay
        self._done = 0
        self._bar: ProgressBar | None = None

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(n)
            return
        self._done += n
        if _clock() >= self._deadline:
            self._bar = self._stack.enter_context(_shown_bar(self._total, self._description))
            self._bar.advance(self._done)


@contextlib.contextmanager
def progress_bar(
    total: int, description: str, enabled: bool | None = None, delay: float = 0.0
) -> Iterator[ProgressBar]:
    """Show the progress of a loop of ``total`` units of work while the ``with`` block runs.

    Parameters
    ----------
    total : int
        Units of work the loop will do (rounds, fitted actions, optimisation steps...).
    description : str
        Shown before the bar, as plain text.
    enabled : bool, optional
        True shows the bar, False shows nothing. None (the default) shows it in a Jupyter
        notebook or when stderr is a terminal, and never under pytest.
    delay : float, default 0
        Show the bar only once the work has taken this many seconds (checked as it advances), so
        that quick work prints nothing.

    Yields
    ------
    ProgressBar
        Call its ``advance(n=1)`` as work gets done; a disabled bar ignores the calls.

    Notes
    -----
    The bar is written to stderr (a notebook cell's output in notebooks), never to stdout. In a
    terminal, lines written to ``sys.stderr`` while the bar is shown appear above it. When the
    block ends, the bar stays on screen with its final count.

    Examples
    --------
    >>> with progress_bar(total=3, description="simulating", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.advance()
    >>> import contextlib, io
    >>> stderr = io.StringIO()
    >>> with contextlib.redirect_stderr(stderr), progress_bar(3, "simulating", enabled=True) as bar:
    ...     bar.advance(3)
    >>> "simulating" in stderr.getvalue() and "3/3" in stderr.getvalue()
    True
    """
    if enabled is None:
        enabled = default_enabled()
    if not enabled:
        yield ProgressBar()
    elif delay > 0:
        with contextlib.ExitStack() as stack:
            yield _DelayedBar(stack, total, description, delay)
    else:
        with _shown_bar(total, description) as bar:
            yield bar


@contextlib.contextmanager
def _shown_bar(total: int, description: str) -> Iterator[ProgressBar]:
    """A bar shown now: in the notebook's cell output, or on stderr."""
    if in_notebook():
        progress, task = _new_progress(description, total, auto_refresh=False)  # never started: drawn by the bar
        bar = _NotebookBar(progress, task)
        bar.refresh()  # shown at 0 before the first, maybe slow, unit of work
        try:
            yield bar
        finally:
            bar.refresh()
        return

    from rich.console import Console
    from rich.errors import LiveError

    console = Console(stderr=True, force_jupyter=False)  # reads sys.stderr when it writes
    progress, task = _new_progress(description, total, console=console, redirect_stdout=False)
    try:
        progress.start()
    except LiveError:  # another bar is shown and this version of rich cannot nest live displays
        progress = None
    if progress is None:
        yield ProgressBar()
        return
    try:
        yield _RichBar(progress, task)
    finally:
        progress.stop()


#: Seconds an update runs before its default progress bar appears: quick updates print nothing.
UPDATE_BAR_DELAY = 2.0


@contextlib.contextmanager
def fit_reporter(
    total: int, description: str, progressbar: bool | None, callback: Callable[[str, int], None] | None
) -> Iterator[Callable[[str, int], None]]:
    """An update's progress over ``total`` fits: yields ``report(action_id, n_rows)`` for each fit done.

    ``report`` advances the bar and calls the user's ``callback``. The bar appears after
    :data:`UPDATE_BAR_DELAY` seconds by default (``progressbar=None``), at once with True, never with
    False.
    """
    delay = UPDATE_BAR_DELAY if progressbar is None else 0.0
    with progress_bar(total, description, progressbar, delay=delay) as bar:

        def report(action_id: str, n_rows: int) -> None:
            bar.advance()
            if callback is not None:
                callback(action_id, n_rows)

        yield report
