"""The commands and options a team coming from Rasa types: ``train nlu|core``, ``--config``,
``--domain``, ``--data``, ``--fixed-model-name``, ``shell nlu``, ``data split nlu``,
``data convert nlu`` and ``visualize``. :func:`register` hangs them on ``parley``'s groups.
"""

from __future__ import annotations

import json
import sys
import tarfile
import tempfile
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from parley.errors import ConfigError, ParleyError

if TYPE_CHECKING:
    from parley.project.project import ProjectPaths

F = TypeVar("F", bound=Callable[..., Any])

_PROJECT = click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder.",
)


@dataclass(frozen=True)
class ServeFiles:
    """``parley run``'s ``--credentials``, ``--endpoints``, ``--ssl-certificate`` and
    ``--ssl-keyfile``; ``None`` means the project's file, or plain HTTP."""

    credentials: Path | None = None
    endpoints: Path | None = None
    ssl_certificate: Path | None = None
    ssl_keyfile: Path | None = None


def serve_files(function: F) -> F:
    """The options behind :class:`ServeFiles`, as ``rasa run`` has them."""
    existing = click.Path(exists=True, dir_okay=False, path_type=Path)
    options = [
        click.option(
            "--credentials",
            type=existing,
            default=None,
            help="Channels file.  [default: <project>/credentials.yml]",
        ),
        click.option(
            "--endpoints",
            type=existing,
            default=None,
            help="Stores, actions and NLG file.  [default: <project>/endpoints.yml]",
        ),
        click.option(
            "--ssl-certificate",
            type=existing,
            default=None,
            help="Certificate (PEM) to serve HTTPS with.",
        ),
        click.option(
            "--ssl-keyfile", type=existing, default=None, help="Private key of that certificate."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


RASA_COMMAND_ORDER = ("init", "run", "shell", "train", "test", "visualize", "data")
"""The order of ``rasa --help``; Parley's own commands follow, alphabetically."""


class RasaOrderedGroup(click.Group):
    """A group whose ``--help`` lists commands in the order ``rasa --help`` does."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        known = [name for name in RASA_COMMAND_ORDER if name in names]
        return known + sorted(name for name in names if name not in RASA_COMMAND_ORDER)


def training_inputs(function: F) -> F:
    """Rasa's ``--config``, ``--domain``, ``--data`` and ``--fixed-model-name``."""
    options = [
        click.option(
            "--config",
            "-c",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="Model configuration file.  [default: <project>/config.yml]",
        ),
        click.option(
            "--domain",
            "-d",
            type=click.Path(exists=True, path_type=Path),
            default=None,
            help="Domain file or folder.  [default: <project>/domain.yml]",
        ),
        click.option(
            "--data",
            "data_paths",
            multiple=True,
            type=click.Path(exists=True, path_type=Path),
            help="Training data file or folder (repeatable).  [default: <project>/data]",
        ),
        click.option(
            "--fixed-model-name",
            default=None,
            help="Name the archive <name>.tar.gz instead of a timestamp.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def project_paths(config: Path | None, domain: Path | None, data: Sequence[Path]) -> ProjectPaths:
    from parley.project.project import ProjectPaths

    return ProjectPaths(domain=domain, config=config, data=tuple(data))


def train_parts(
    root: Path,
    out: Path | None,
    force: bool,
    paths: ProjectPaths,
    parts: Sequence[str] = ("nlu", "core", "nlg"),
    model_name: str | None = None,
    skip_nlg: bool = False,
) -> Path:
    """Validate (stop on errors), then train ``parts`` into ``out`` (default ``root/models``)."""
    import warnings

    from dialogue.policies.errors import UnsupportedPolicyWarning
    from nlu.errors import UnsupportedComponentWarning
    from parley.commands import train_with_progress
    from parley.project import Project, validate_project
    from parley.project.rasa_keys import IgnoredRasaKey

    problems = validate_project(root, paths=paths)
    for problem in problems:
        click.secho(str(problem), fg="red" if problem.severity == "error" else "yellow", err=True)
    errors = sum(p.severity == "error" for p in problems)
    if problems:
        click.echo(f"{errors} error(s), {len(problems) - errors} warning(s).", err=True)
    if errors:
        raise ConfigError("the project has errors; fix them and train again")
    for category in (UnsupportedComponentWarning, UnsupportedPolicyWarning, IgnoredRasaKey):
        warnings.filterwarnings("ignore", category=category)  # reported by the validation
    project = Project.load(root, paths=paths)
    return train_with_progress(
        project,
        out or root / "models",
        force=force,
        parts=parts,
        model_name=model_name,
        skip_nlg=skip_nlg,
    )


def shell_nlu(root: Path, model: Path | None) -> None:
    """Read messages from standard input and print what the NLU model makes of each."""
    from nlu.pipeline import NLUPipeline
    from parley.model import resolve_model

    archive = resolve_model(model, root / "models")
    with tempfile.TemporaryDirectory(prefix="parley-nlu-") as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("nlu")]
            if not members:
                raise ParleyError(f"{archive} has no NLU model; run `parley train nlu`")
            tar.extractall(tmp, members=members, filter="data")
        interpreter = NLUPipeline.load(Path(tmp) / "nlu")
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"NLU model {archive.name}. Type a message (/stop to quit):")
    for line in sys.stdin:
        text = line.strip()
        if text == "/stop":
            break
        if text:
            click.echo(json.dumps(interpreter.parse(text).to_dict(), indent=2, default=str))


def split_nlu(
    root: Path, data: Sequence[Path], fraction: float, seed: int, out: Path
) -> tuple[Path, Path]:
    """Write ``training_data.yml`` and ``test_data.yml`` into ``out`` (Rasa's file names)."""
    from parley.nlu_data_tools import nlu_yaml, split_stratified
    from parley.project.project import ProjectFiles, ProjectPaths

    nlu = ProjectFiles(root, paths=ProjectPaths(data=tuple(data))).training_content().nlu
    training, test = split_stratified(nlu, fraction, seed)
    out.mkdir(parents=True, exist_ok=True)
    files = (out / "training_data.yml", out / "test_data.yml")
    for part, path in zip((training, test), files, strict=True):
        path.write_text(nlu_yaml(part), encoding="utf-8")
    click.echo(
        f"{len(training.examples)} training and {len(test.examples)} test examples written "
        f"to {files[0]} and {files[1]}"
    )
    return files


def convert_nlu(source: Path, out: Path) -> list[Path]:
    """Convert each Rasa 2 Markdown (``.md``) or JSON (``.json``) NLU file under ``source``;
    a file goes to ``out`` if ``out`` ends in ``.yml``, else to ``out/<name>.yml``."""
    from parley.nlu_data_tools import nlu_yaml, read_rasa2_markdown, read_rasa_json

    inputs = (
        sorted(p for p in source.rglob("*") if p.suffix in (".md", ".json"))
        if (source.is_dir())
        else [source]
    )
    if not inputs:
        raise ParleyError(f"{source}: no .md or .json NLU files to convert")
    single = out.suffix in (".yml", ".yaml")
    if single and len(inputs) > 1:
        raise ParleyError(f"{len(inputs)} files to convert; give --out a folder")
    written = []
    for path in inputs:
        reader = read_rasa_json if path.suffix == ".json" else read_rasa2_markdown
        target = out if single else out / f"{path.stem}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nlu_yaml(reader(path)), encoding="utf-8")
        click.echo(f"{path} -> {target}")
        written.append(target)
    return written


def visualize(root: Path, paths: ProjectPaths, out: Path, open_browser: bool) -> Path:
    from parley.project import Project
    from parley.story_graph import graph_html, story_graph

    project = Project.load(root, paths=paths)
    graph = story_graph([*project.stories, *project.rules])
    page = graph_html(graph, f"Stories of {root.resolve().name}")
    out.write_text(page, encoding="utf-8")
    click.echo(f"Story graph written to {out}")
    if open_browser:
        webbrowser.open(out.resolve().as_uri())
    return out


def _report(work: Callable[[], Any]) -> None:
    from parley.cli import _run_reporting_errors

    _run_reporting_errors(work)


def _out_option(default: str | None, help_text: str) -> Callable[[F], F]:
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=Path(default) if default else None,
        show_default=bool(default),
        help=help_text,
    )


def _train_part(part: str) -> click.Command:
    @click.command(name=part)
    @_PROJECT
    @_out_option(None, "Folder for model archives.  [default: <project>/models]")
    @click.option("--force", is_flag=True, help="Retrain even if nothing changed.")
    @training_inputs
    def command(
        project: Path,
        out: Path | None,
        force: bool,
        config: Path | None,
        domain: Path | None,
        data_paths: tuple[Path, ...],
        fixed_model_name: str | None,
    ) -> None:
        paths = project_paths(config, domain, data_paths)
        _report(lambda: train_parts(project, out, force, paths, (part,), fixed_model_name))

    what = {
        "nlu": "the NLU pipeline",
        "core": "the dialogue policies",
        "nlg": "the fine-tuned NLG model (nlg: {finetune: ...} in endpoints.yml)",
    }[part]
    command.help = (
        f"Train only {what}; the other parts come from the newest model, if there is one."
    )
    return command


@click.command(name="nlu")
@_PROJECT
@click.option(
    "--model",
    "-m",
    type=click.Path(path_type=Path),
    default=None,
    help="Model archive.  [default: the newest in <project>/models]",
)
def shell_nlu_command(project: Path, model: Path | None) -> None:
    """Print the NLU model's parse of each message typed (intent, entities, responses)."""
    _report(lambda: shell_nlu(project, model))


@click.group(name="split")
def split_group() -> None:
    """Split training data into a training and a test part."""


@split_group.command(name="nlu")
@_PROJECT
@click.option(
    "--nlu",
    "--data",
    "data_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="NLU data file or folder (repeatable).  [default: <project>/data]",
)
@click.option(
    "--training-fraction",
    default=0.8,
    show_default=True,
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
)
@click.option("--random-seed", default=42, show_default=True, type=int)
@_out_option("train_test_split", "Folder for training_data.yml and test_data.yml.")
def split_nlu_command(
    project: Path,
    data_paths: tuple[Path, ...],
    training_fraction: float,
    random_seed: int,
    out: Path,
) -> None:
    """Split the NLU examples intent by intent (stratified), as `rasa data split nlu`."""
    _report(lambda: split_nlu(project, data_paths, training_fraction, random_seed, out))


@click.group(name="convert")
def convert_group() -> None:
    """Convert training data from older Rasa formats."""


@convert_group.command(name="nlu")
@click.option(
    "--data",
    "source",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Rasa 2 Markdown (.md) or JSON NLU file, or a folder of them.",
)
@_out_option("converted_data", "Output .yml file, or folder for one .yml per input.")
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["yaml"]),
    default="yaml",
    show_default=True,
    help="Output format (Rasa 3 YAML).",
)
def convert_nlu_command(source: Path, out: Path, output_format: str) -> None:
    """Convert Rasa 2 Markdown or JSON NLU data to Rasa 3 YAML."""
    _report(lambda: convert_nlu(source, out))


@click.command(name="visualize")
@_PROJECT
@training_inputs
@_out_option("graph.html", "HTML file to write.")
@click.option("--no-browser", is_flag=True, help="Only write the file.")
def visualize_command(
    project: Path,
    config: Path | None,
    domain: Path | None,
    data_paths: tuple[Path, ...],
    fixed_model_name: str | None,
    out: Path,
    no_browser: bool,
) -> None:
    """Draw the stories and rules as one graph in an HTML page and open it in a browser."""
    paths = project_paths(config, domain, data_paths)
    _report(lambda: visualize(project, paths, out, not no_browser))


def register(cli: click.Group, train: click.Group, data: click.Group, shell: click.Group) -> None:
    """Add this module's commands to ``parley``'s groups."""
    train.add_command(_train_part("nlu"))
    train.add_command(_train_part("core"))
    train.add_command(_train_part("nlg"))
    shell.add_command(shell_nlu_command)
    data.add_command(split_group)
    data.add_command(convert_group)
    cli.add_command(visualize_command)
