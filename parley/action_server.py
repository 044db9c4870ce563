"""``python -m parley.action_server``: rasa_sdk's action server, for code written for Rasa 3.6.

It takes rasa_sdk's own arguments (``--actions``, ``--port``, ...). Before
rasa_sdk imports the project's package, ruamel.yaml's module-level functions that
Rasa 3.6 bots call are restored (see ``actions/sdk_compat.py``). That module is
loaded by file path: importing Parley's ``actions`` package here would shadow a
project package of the same name, which is what rasa_sdk is about to import.

The restoring happens when this module is imported, not only in :func:`main`:
Sanic serves from a worker process that imports this module again (as
``__mp_main__``) and then imports the project's actions there.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

log = logging.getLogger(__name__)

COMPAT_SOURCE = Path(__file__).resolve().parent.parent / "actions" / "sdk_compat.py"


def install_compat() -> list[str]:
    """Run ``actions/sdk_compat.py``'s ``install()`` without importing the ``actions`` package."""
    spec = importlib.util.spec_from_file_location("_parley_sdk_compat", COMPAT_SOURCE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {COMPAT_SOURCE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    restored: list[str] = module.install()
    return restored


RESTORED = install_compat()


def main() -> None:
    if RESTORED:
        log.debug("ruamel.yaml functions restored for Rasa 3.6 action code: %s", RESTORED)
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
