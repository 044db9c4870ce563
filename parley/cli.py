"""The ``parley`` command line. Run it from a project folder (domain.yml, config.yml, data/)."""

from __future__ import annotations

import asyncio
import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TextIO, TypeVar

import click

from parley import __version__

PROJECT_OPTION = click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder holding domain.yml, config.yml, endpoints.yml and data/.",
)
MODEL_OPTION = click.option(
    "--model",
    "-m",
    type=click.Path(path_type=Path),
    default=None,
    help="Model archive to use, or a folder of archives. Default: the newest in <project>/models.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parley")
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
def cli(verbose: bool) -> None:
    """Parley: build, train and run customer-service assistants.

    \b
    Typical session in a project folder:
      parley init my-bot && cd my-bot   # scaffold the reference bot
      parley data validate              # check the project files
      parley train                      # train NLU and policies into models/
      parley shell                      # talk to the bot in this terminal
      parley run --port 5005            # serve the HTTP API and channels
      parley test                       # run tests/test_*.yml end to end
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    warnings.showwarning = _show_warning


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Warnings meant for the user (e.g. a skipped Rasa component) as one plain line."""
    click.secho(f"warning: {message}", fg="yellow", err=True)


def _fail(message: str) -> NoReturn:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(path: Path, force: bool) -> None:
    """Create a new project at PATH from the reference customer-service bot."""
    from parley.scaffold import create_project

    try:
        written = create_project(path, overwrite=force)
    except FileExistsError as e:
        _fail(f"{e}. Use --force to overwrite.")
    click.echo(f"Created {len(written)} files in {path.resolve()}.")
    click.echo(f"Next: cd {path} && parley train && parley shell")


@cli.command()
@PROJECT_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for model archives.  [default: <project>/models]",
)
@click.option("--force", is_flag=True, help="Retrain everything even if nothing changed.")
def train(project: Path, out: Path | None, force: bool) -> None:
    """Train NLU and dialogue policies into models/<timestamp>.tar.gz.

    Only the parts whose inputs changed since the newest model are retrained.
    """
    from parley.commands import train_command

    _run_reporting_errors(lambda: train_command(project, out, force))


@cli.command()
@PROJECT_OPTION
@MODEL_OPTION
@click.option("--port", default=5005, show_default=True, help="Port of the HTTP server.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option("--cors", "cors", multiple=True, help="Allowed CORS origin (repeatable), e.g. '*'.")
def run(project: Path, model: Path | None, port: int, host: str, cors: tuple[str, ...]) -> None:
    """Serve the bot: REST channel, HTTP API (/docs), and the channels in credentials.yml."""
    from parley.commands import run_command

    _run_reporting_errors(lambda: run_command(project, model, host, port, cors))


@cli.command()
@PROJECT_OPTION
@MODEL_OPTION
@click.option("--sender", default="shell", show_default=True, help="Conversation id to use.")
def shell(project: Path, model: Path | None, sender: str) -> None:
    """Talk to the bot in this terminal. Type /stop to quit."""
    from parley.commands import shell_command

    _run_reporting_errors(lambda: asyncio.run(shell_command(project, model, sender)))


@cli.command(name="test")
@PROJECT_OPTION
@MODEL_OPTION
@click.option(
    "--stories",
    type=click.Path(path_type=Path),
    default=None,
    help="Test story file or folder. Default: <project>/tests.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder for the report files (relative to the current directory).",
)
def test_command(project: Path, model: Path | None, stories: Path | None, out: Path) -> None:
    """Run the test stories through the trained bot and report every failing turn.

    Exits with 1 if any story fails.
    """
    from parley.commands import test_stories_command

    ok = _run_reporting_errors(
        lambda: asyncio.run(test_stories_command(project, model, stories, out))
    )
    if not ok:
        sys.exit(1)


@cli.group()
def data() -> None:
    """Check and inspect training data."""


@data.command()
@PROJECT_OPTION
def validate(project: Path) -> None:
    """Check domain, NLU data, stories and rules; print every problem with file and line.

    Exits with 1 if there are errors (warnings alone exit 0).
    """
    from parley.commands import validate_command

    if not validate_command(project):
        sys.exit(1)


T = TypeVar("T")


def _run_reporting_errors(work: Callable[[], T]) -> T:
    """Run a command; a known error becomes one red line and exit code 1, not a traceback."""
    from dialogue.errors import DialogueError
    from nlu.errors import NLUError
    from parley.errors import ParleyError
    from parley.registry import UnknownPluginError
    from parley.yamlfile import ProjectFileError

    try:
        return work()
    except (ParleyError, ProjectFileError, NLUError, DialogueError, UnknownPluginError) as e:
        _fail(f"error: {e}")
    except KeyboardInterrupt:
        sys.exit(130)
    raise AssertionError("unreachable")


def main() -> None:
    cli(prog_name="parley")
