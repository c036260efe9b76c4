"""Sessions: ``tests`` on Python 3.11 (PyMC 5) and 3.12 (PyMC 6), ``lint`` (ruff, import contracts) and ``docs``."""

import nox

nox.options.sessions = ["tests", "lint", "docs"]
nox.options.default_venv_backend = "venv"


@nox.session(python=["3.11", "3.12"])
def tests(session: nox.Session) -> None:
    """Install pybandits with its test extra and run the suite."""
    session.install("-e", ".[test]")
    session.run(
        "python", "-c", "import pymc, sys; print('PyMC', pymc.__version__, 'on Python', sys.version.split()[0])"
    )
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Ruff lint and format check; the layer contracts of ``pyproject.toml`` (import-linter)."""
    session.install("-e", ".", "ruff==0.17.*", "import-linter>=2.1")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site; warnings are errors."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
