"""The ``parley`` command line. Run it from a project folder (domain.yml, config.yml, data/)."""

from __future__ import annotations

import asyncio
import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal, NoReturn, TextIO, TypeVar

import click

from parley import __version__
from parley.rasa_cli import (
    RasaOrderedGroup,
    ServeFiles,
    project_paths,
    serve_files,
    train_parts,
    training_inputs,
)
from parley.rasa_cli import register as register_rasa_commands

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


@click.group(cls=RasaOrderedGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.group(invoke_without_command=True)
@PROJECT_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for model archives.  [default: <project>/models]",
)
@click.option("--force", is_flag=True, help="Retrain everything even if nothing changed.")
@click.option(
    "--skip-nlg",
    is_flag=True,
    help="Do not fine-tune the NLG model (also: PARLEY_SKIP_NLG_TRAINING=1).",
)
@training_inputs
@click.pass_context
def train(
    ctx: click.Context,
    project: Path,
    out: Path | None,
    force: bool,
    skip_nlg: bool,
    config: Path | None,
    domain: Path | None,
    data_paths: tuple[Path, ...],
    fixed_model_name: str | None,
) -> None:
    """Train NLU, dialogue policies and (if set up) the NLG model into models/<stamp>.tar.gz.

    Only the parts whose inputs changed since the newest model are retrained.
    The subcommands train one part.
    """
    from parley.commands import train_command

    if ctx.invoked_subcommand is not None:
        return
    if config or domain or data_paths or fixed_model_name:
        paths = project_paths(config, domain, data_paths)
        _run_reporting_errors(
            lambda: train_parts(
                project, out, force, paths, model_name=fixed_model_name, skip_nlg=skip_nlg
            )
        )
        return
    _run_reporting_errors(lambda: train_command(project, out, force, skip_nlg))


@cli.group(invoke_without_command=True)
@PROJECT_OPTION
@MODEL_OPTION
@click.option("--port", default=5005, show_default=True, help="Port of the HTTP server.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option("--cors", "cors", multiple=True, help="Allowed CORS origin (repeatable), e.g. '*'.")
@click.option(
    "--auth-token",
    envvar="PARLEY_AUTH_TOKEN",
    default=None,
    help="Token the HTTP API requires (?token= or 'Authorization: Bearer'). "
    "Env: PARLEY_AUTH_TOKEN.",
)
@click.option(
    "--jwt-secret",
    envvar="PARLEY_JWT_SECRET",
    default=None,
    help="Secret of the JWTs the HTTP API accepts. Env: PARLEY_JWT_SECRET.",
)
@click.option(
    "--jwt-method",
    type=click.Choice(["HS256", "HS384", "HS512"]),
    default="HS256",
    show_default=True,
    help="Signature algorithm of those JWTs.",
)
@click.option(
    "--rate-limit",
    default="60/minute",
    show_default=True,
    help="Messages per sender on channel webhooks, e.g. '30/60s', '100/hour', or 'off'.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Server processes. Over 1 needs a Redis lock store and a shared SQL tracker store.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="'json': one JSON object per line, with the conversation id.",
)
@click.option("--redact-text", is_flag=True, help="Keep users' message text out of the logs.")
@click.option(
    "--enable-api",
    is_flag=True,
    help="Serve the management API (trackers, events, parse, hand-off, metrics); off by default.",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Allow --enable-api on a non-loopback host without --auth-token or --jwt-secret.",
)
@click.option(
    "--address-rate-limit",
    default="600/minute",
    show_default=True,
    help="Messages per client address on channel webhooks, e.g. '300/minute', or 'off'.",
)
@serve_files
@click.pass_context
def run(
    ctx: click.Context,
    project: Path,
    model: Path | None,
    port: int,
    host: str,
    cors: tuple[str, ...],
    auth_token: str | None,
    jwt_secret: str | None,
    jwt_method: str,
    rate_limit: str,
    workers: int,
    log_format: Literal["text", "json"],
    redact_text: bool,
    enable_api: bool,
    insecure: bool,
    address_rate_limit: str,
    credentials: Path | None,
    endpoints: Path | None,
    ssl_certificate: Path | None,
    ssl_keyfile: Path | None,
) -> None:
    """Serve the bot: REST channel, HTTP API (/docs), and the channels in credentials.yml.

    `parley run actions` serves the project's custom actions instead (rasa_sdk).
    """
    if ctx.invoked_subcommand is not None:
        return
    from parley.commands import run_command, security_settings
    from parley.logs import LogSettings

    security = security_settings(
        auth_token,
        jwt_secret,
        jwt_method,
        rate_limit,
        enable_api=enable_api,
        address_rate_limit=address_rate_limit,
    )
    from parley.security.exposure import check_exposure

    _run_reporting_errors(lambda: check_exposure(host, security, insecure))
    logs = LogSettings(log_format, redact_text)
    files = ServeFiles(credentials, endpoints, ssl_certificate, ssl_keyfile)
    _run_reporting_errors(
        lambda: run_command(
            project, model, host, port, cors, security, workers=workers, logs=logs, files=files
        )
    )



@run.command(name="actions")
@PROJECT_OPTION
@click.option("--port", default=5055, show_default=True, help="Port of the action server.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option(
    "--actions",
    "actions_module",
    default=None,
    help="Python package of the actions.  [default: endpoints.yml action_endpoint "
    "actions_module, else 'actions']",
)
def run_actions(project: Path, port: int, host: str, actions_module: str | None) -> None:
    """Serve the project's custom actions with rasa_sdk's action server (Rasa's protocol).

    Point the bot at it with `action_endpoint: {url: http://HOST:PORT/webhook}` in
    endpoints.yml.
    """
    from parley.commands import run_actions_command

    _run_reporting_errors(lambda: run_actions_command(project, actions_module, host, port))

@cli.group(invoke_without_command=True)
@PROJECT_OPTION
@MODEL_OPTION
@click.option("--sender", default="shell", show_default=True, help="Conversation id to use.")
@click.pass_context
def shell(ctx: click.Context, project: Path, model: Path | None, sender: str) -> None:
    """Talk to the bot in this terminal. Type /stop to quit. `shell nlu`: the NLU alone."""
    from parley.commands import shell_command

    if ctx.invoked_subcommand is not None:
        return
    _run_reporting_errors(lambda: asyncio.run(shell_command(project, model, sender)))


@cli.group(name="test", invoke_without_command=True)
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
@click.pass_context
def test_command(
    ctx: click.Context, project: Path, model: Path | None, stories: Path | None, out: Path
) -> None:
    """Run the test stories through the trained bot and report every failing turn.

    Exits with 1 if any story fails. `parley test nlu` scores the NLU model alone.
    """
    from parley.commands import test_stories_command

    if ctx.invoked_subcommand is not None:
        return

    ok = _run_reporting_errors(
        lambda: asyncio.run(test_stories_command(project, model, stories, out))
    )
    if not ok:
        sys.exit(1)


@test_command.command(name="nlu")
@PROJECT_OPTION
@MODEL_OPTION
@click.option(
    "--nlu",
    "nlu_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="NLU test data (a YAML file or folder in the nlu: format). "
    "Default: the user turns of <project>/tests.",
)
@click.option(
    "--cross-validation",
    is_flag=True,
    help="Train and test on <project>/data in k folds instead of using a trained model.",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder for the reports and charts (relative to the current directory).",
)
def test_nlu(
    project: Path,
    model: Path | None,
    nlu_path: Path | None,
    cross_validation: bool,
    folds: int,
    out: Path,
) -> None:
    """Score intents and entities: intent and entity reports, errors, confusion matrix and
    confidence histogram in the results folder."""
    from parley.commands import test_nlu_command

    _run_reporting_errors(
        lambda: test_nlu_command(project, model, nlu_path, folds if cross_validation else 0, out)
    )


@test_command.command(name="nlg")
@PROJECT_OPTION
@MODEL_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder for nlg_report.json and nlg_report.md (relative to the current directory).",
)
@click.option("--sample", default=20, show_default=True, help="Side-by-side rows to write.")
def test_nlg(project: Path, model: Path | None, out: Path, sample: int) -> None:
    """Score the base and the fine-tuned NLG model on held-out examples: perplexity, BLEU,
    ROUGE-L, guard acceptance and facts altered, and a side-by-side sample."""
    from parley.nlg_evaluation import evaluate_nlg, summary

    def work() -> None:
        report = evaluate_nlg(project, model, out, sample)
        click.echo(summary(report))
        click.echo(f"Reports written to {out}")

    _run_reporting_errors(work)


@test_command.command(name="core")
@PROJECT_OPTION
@MODEL_OPTION
@click.option(
    "--stories",
    "stories_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Test story file or folder. Default: <project>/tests.",
)
@click.option(
    "--cross-validation",
    is_flag=True,
    help="Train the policies on <project>/data in k folds of the stories and score the "
    "held-out stories instead of using a trained model.",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder for the reports and charts (relative to the current directory).",
)
def test_core(
    project: Path,
    model: Path | None,
    stories_path: Path | None,
    cross_validation: bool,
    folds: int,
    out: Path,
) -> None:
    """Score the dialogue policies alone on stories with written intents: next-action and
    story accuracy, a per-action report and a confusion matrix in the results folder.

    Exits with 1 if any story fails."""
    from parley.core_evaluation import test_core_command

    ok = _run_reporting_errors(
        lambda: test_core_command(
            project, model, stories_path, folds if cross_validation else 0, out
        )
    )
    if not ok:
        sys.exit(1)


@cli.group()
def conversations() -> None:
    """Export and import stored conversations (JSON lines, one conversation per line)."""


@conversations.command(name="export")
@PROJECT_OPTION
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write.  [default: standard output]",
)
@click.option("--id", "ids", multiple=True, help="Only this conversation (repeatable).")
def export_conversations(project: Path, out: Path | None, ids: tuple[str, ...]) -> None:
    """Write conversations from the tracker store in endpoints.yml."""
    from parley.commands import export_conversations_command

    _run_reporting_errors(lambda: asyncio.run(export_conversations_command(project, out, ids)))


@conversations.command(name="import")
@PROJECT_OPTION
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_conversations(project: Path, path: Path) -> None:
    """Add the conversations of PATH to the tracker store; existing ones are skipped.

    The whole file is checked first: a bad line is reported with its number and
    nothing is imported.
    """
    from parley.commands import import_conversations_command

    _run_reporting_errors(lambda: asyncio.run(import_conversations_command(project, path)))


@cli.group()
def nlg() -> None:
    """Inspect the language generation: why a wording was sent or refused."""


@nlg.command(name="check")
@click.option("--template", help="The template (filled in) that the candidate rewords.")
@click.option("--candidate", help="The wording to check.")
@click.option("--slot", "slots", multiple=True, help="A filled slot value to keep (repeatable).")
@click.option("--source", "sources", multiple=True, help="A passage it must follow (repeatable).")
@click.option("--question", default="", help="The customer's question (with --source).")
@click.option(
    "--jsonl",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check every line of FILE instead: a JSON object per case.",
)
def nlg_check(
    template: str | None,
    candidate: str | None,
    slots: tuple[str, ...],
    sources: tuple[str, ...],
    question: str,
    jsonl: Path | None,
) -> None:
    """Ask the fact guard whether a wording may be sent, and why not.

    \b
    A rephrasing of a template, with the slot values it must keep:
      parley nlg check --template "Order PO-48213 can still be cancelled." \\
                       --candidate "Order PO-48213 can no longer be cancelled."
    An answer written from knowledge passages:
      parley nlg check --source "We do not offer cash on delivery." \\
                       --question "cash on delivery?" --candidate "Yes, we offer it."
    Many cases, one JSON object per line of FILE, e.g.
      {"template": "...", "candidate": "...", "slots": ["Ana"]}
      {"sources": ["..."], "question": "...", "candidate": "..."}

    Prints one verdict per case, {"ok": true|false, "reasons": [...], "categories": [...]},
    in order. Exits 0 when every case is accepted, 1 when one is refused, 2 on bad input
    (a bad line is named FILE:LINE).
    """
    from parley.nlg_check import CaseError, as_json, cases_from_options, check_cases

    try:
        cases = cases_from_options(template, candidate, slots, sources, question, jsonl)
    except CaseError as e:
        raise click.UsageError(str(e)) from e
    verdicts = check_cases(cases)
    for verdict in verdicts:
        click.echo(as_json(verdict))
    sys.exit(0 if all(v.ok for v in verdicts) else 1)


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
    from nlg.errors import NLGError
    from nlu.errors import NLUError
    from parley.errors import ParleyError
    from parley.yamlfile import ProjectFileError
    from plugins import UnknownPluginError

    try:
        return work()
    except (
        ParleyError,
        ProjectFileError,
        NLUError,
        NLGError,
        DialogueError,
        UnknownPluginError,
    ) as e:
        _fail(f"error: {e}")
    except KeyboardInterrupt:
        sys.exit(130)
    raise AssertionError("unreachable")


register_rasa_commands(cli, train, data, shell)


def main() -> None:
    cli(prog_name="parley")
