"""Progress bars: where they are drawn, and when they are off."""

import io
import sys

import pytest

from pybandits.boundary import progress as _progress
from pybandits.boundary.progress import default_enabled, in_notebook, progress_bar


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self):
        return True


def run(total, enabled=None, description="working"):
    with progress_bar(total, description, enabled=enabled) as bar:
        for _ in range(total):
            bar.advance()


def test_forced_on_writes_the_final_count_to_stderr_only(capsys):
    run(5, enabled=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "working" in captured.err and "5/5" in captured.err


def test_forced_off_writes_nothing(capsys, monkeypatch):
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.setattr(sys, "stderr", Terminal())
    run(5, enabled=False)
    assert sys.stderr.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def test_default_is_off_under_pytest_even_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert default_enabled() is False
    run(5)
    assert sys.stderr.getvalue() == ""
    assert capsys.readouterr().out == ""


def test_default_outside_pytest_follows_the_terminal(monkeypatch):
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a file or a pipe
    assert default_enabled() is False
    run(5)
    assert sys.stderr.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert default_enabled() is True
    run(5)
    assert "working" in sys.stderr.getvalue() and "5/5" in sys.stderr.getvalue()


def test_lines_written_to_stderr_while_a_bar_is_shown_are_kept(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    with progress_bar(2, "working", enabled=True) as bar:
        print("first line", file=sys.stderr)
        bar.advance(2)
    text = sys.stderr.getvalue()
    assert "first line" in text and "2/2" in text


def test_description_is_plain_text(capsys):
    run(1, enabled=True, description="[bold]rounds[/bold]")
    assert "[bold]rounds[/bold]" in capsys.readouterr().err


def test_no_notebook_here():
    assert in_notebook() is False


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a notebook; returns the list of the outputs shown."""
    shown = []

    class Handle:
        def update(self, bundle, raw):
            shown.append(bundle)

    def show(bundle, handle):
        shown.append(bundle)
        return handle or Handle()

    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    monkeypatch.setattr(_progress, "_show_in_notebook", show)
    return shown


def test_in_a_notebook_the_bar_is_a_cell_output_updated_in_place(notebook, capsys, monkeypatch):
    monkeypatch.setattr(_progress, "NOTEBOOK_REFRESH_SECONDS", 0.0)  # redraw on every step
    run(4, enabled=True)
    assert [("working" in b["text/plain"], b["text/plain"].split()[-3]) for b in notebook] == [
        (True, "0/4"),
        (True, "1/4"),
        (True, "2/4"),
        (True, "3/4"),
        (True, "4/4"),
        (True, "4/4"),  # the final redraw when the block ends
    ]
    assert notebook[-1]["text/html"].startswith("<pre") and "4/4" in notebook[-1]["text/html"]
    assert capsys.readouterr() == ("", "")


def test_notebook_redraws_are_throttled(notebook):
    run(1000, enabled=True)
    assert 2 <= len(notebook) < 50
    assert "1000/1000" in notebook[-1]["text/plain"]


def test_default_is_on_in_a_notebook_outside_pytest(notebook, monkeypatch):
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    assert default_enabled() is True
    run(3)
    assert "3/3" in notebook[-1]["text/plain"]


def test_a_delayed_bar_shows_only_work_that_takes_long(monkeypatch):
    import contextlib
    import io

    from pybandits.boundary import progress as _progress

    clock = iter([0.0, 0.5, 0.9])
    monkeypatch.setattr(_progress, "_clock", lambda: next(clock))
    quick, slow = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(quick), _progress.progress_bar(2, "fitting actions", True, delay=2.0) as bar:
        bar.advance()  # 0.5 s
        bar.advance()  # 0.9 s: done before the delay
    assert quick.getvalue() == ""
    clock = iter([0.0, 5.0])
    monkeypatch.setattr(_progress, "_clock", lambda: next(clock))
    with contextlib.redirect_stderr(slow), _progress.progress_bar(2, "fitting actions", True, delay=2.0) as bar:
        bar.advance()  # 5 s: the bar appears, counting what was done
        bar.advance()
    assert "fitting actions" in slow.getvalue() and "2/2" in slow.getvalue()
