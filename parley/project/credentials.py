"""``credentials.yml``: each channel's settings, by channel name.

``rest:`` with nothing after it is a channel without settings (``{}``); a file
of comments only configures no channel. ``${NAME}`` is replaced from the
environment, as in ``endpoints.yml``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from parley.project.envvars import substitute_env
from parley.project.schema import expect_mapping
from parley.yamlfile import load_yaml

Credentials = dict[str, dict[str, Any]]


def load_credentials(path: Path, environ: Mapping[str, str] | None = None) -> Credentials:
    """Channel name → settings. An absent file gives ``{}``. Raises ``ProjectFileError``."""
    if not path.exists():
        return {}
    raw = expect_mapping(load_yaml(path), path, 1, "credentials.yml")
    data = substitute_env(raw, path, os.environ if environ is None else environ)
    return {
        str(channel): dict(expect_mapping(settings, path, data.line_of(channel), repr(channel)))
        for channel, settings in data.items()
    }
