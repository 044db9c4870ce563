"""Rasa's ``DucklingEntityExtractor``: numbers, amounts, times, emails ... as entities.

With ``url``, each message is sent to the Duckling server as Duckling's
``POST /parse`` form (``text``, ``locale``, ``tz``, ``dims`` as a JSON list,
``reftime`` in milliseconds) and every match becomes an entity in Rasa's shape:
``entity`` is the dimension, ``value`` the match's value (``{"from", "to"}`` for
an interval), ``additional_info`` Duckling's whole value object, confidence 1.
A server that cannot be reached is warned about once and the dimensions are
extracted locally meanwhile; a server that answers with an error is logged and
gives no entities, as in Rasa.

Without ``url``, the same dimensions (:data:`~nlu.components.duckling_local.DIMENSIONS`)
are found locally with maintained libraries (:mod:`nlu.components.duckling_local`),
in the same shapes; a warning says so.

Options (Rasa's): ``url``, ``dimensions`` (default: all), ``locale`` (default
``en_US``), ``timezone`` (default: the server's,
locally UTC), ``timeout`` (seconds, default 3).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, StrictFloat, StrictStr

from nlu.components import duckling_local
from nlu.components.options import ComponentOptions, Strings, TextOrDefault, read_options
from nlu.components.rasa_options import options_of
from nlu.errors import PipelineConfigError
from nlu.interfaces import Entity, Message, TrainingData

logger = logging.getLogger(__name__)


class DucklingOptions(ComponentOptions):
    """Rasa's: ``url``, ``dimensions``, ``locale``, ``timezone``, ``timeout`` (seconds)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("DucklingEntityExtractor")

    url: StrictStr | None = None
    dimensions: Strings = ()
    locale: TextOrDefault = "en_US"
    timezone: StrictStr | None = None
    timeout: StrictFloat = Field(3.0, ge=0.0)


class DucklingEntityExtractor:
    name: ClassVar[str] = "DucklingEntityExtractor"
    reads_training_messages: ClassVar[bool] = False  # trains on the data alone
    options_model: ClassVar[type[ComponentOptions]] = DucklingOptions

    def __init__(
        self,
        url: str | None,
        dimensions: Sequence[str] = (),
        locale: str = "en_US",
        timezone: str | None = None,
        timeout: float = 3.0,
    ) -> None:
        self.url, self.dimensions, self.locale = url, tuple(dimensions), locale
        self.timezone, self.timeout = timezone, timeout
        self._warned_unreachable = False

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(DucklingOptions, cls.name, options)
        url, dimensions = parsed.url, parsed.dimensions
        unknown = sorted(set(dimensions) - set(duckling_local.DIMENSIONS))
        if url is None and unknown:
            raise PipelineConfigError(
                f"{cls.name}: without a Duckling 'url', dimensions {', '.join(unknown)} cannot "
                f"be extracted; known: {', '.join(duckling_local.DIMENSIONS)}",
                component=cls.name,
                option="dimensions",
            )
        if url is None:
            logger.warning(
                "%s: no Duckling 'url' set; extracting %s locally (dateparser, phonenumbers, "
                "text2num, pint, urlextract) instead of with a Duckling server",
                cls.name,
                ", ".join(dimensions or duckling_local.DIMENSIONS),
            )
        return cls(url, dimensions, parsed.locale, parsed.timezone, parsed.timeout)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        """Nothing to learn."""

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            message.entities.extend(self.extract(message.text))

    def extract(self, text: str, reftime: dt.datetime | None = None) -> list[Entity]:
        """The entities Duckling (or the local extraction) finds in ``text``."""
        if not text.strip():
            return []
        now = reftime or dt.datetime.now(dt.UTC)
        matches = self._remote(self.url, text, now) if self.url else self._local(text, now)
        wanted = set(self.dimensions)
        return [
            _entity(match, self.name)
            for match in matches
            if isinstance(match, Mapping) and (not wanted or match.get("dim") in wanted)
        ]

    def _local(self, text: str, now: dt.datetime) -> list[dict[str, Any]]:
        return duckling_local.parse(text, self.dimensions, self.locale, self.timezone or "UTC", now)

    def _remote(self, url: str, text: str, now: dt.datetime) -> list[Any]:
        import httpx  # here: a pipeline without a Duckling server never needs it

        form = {
            "text": text,
            "locale": self.locale,
            "dims": json.dumps(list(self.dimensions)),
            "reftime": str(int(now.timestamp() * 1000)),
        }
        if self.timezone:
            form["tz"] = self.timezone
        try:
            response = httpx.post(
                f"{self.url}".rstrip("/") + "/parse", data=form, timeout=self.timeout
            )
            response.raise_for_status()
            matches = response.json()
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            if not self._warned_unreachable:
                self._warned_unreachable = True
                logger.warning(
                    "%s: the Duckling server at %s is unreachable (%s); extracting %s locally "
                    "until it answers",
                    self.name,
                    self.url,
                    e,
                    ", ".join(self.dimensions or duckling_local.DIMENSIONS),
                )
            return self._local(text, now)
        except (httpx.HTTPError, ValueError) as e:
            logger.error(
                "%s: the Duckling server at %s failed (%s); no Duckling entities for this "
                "message. Is it running, and is 'url' right?",
                self.name,
                self.url,
                e,
            )
            return []
        return matches if isinstance(matches, list) else []

    def persist(self, directory: Path) -> None:
        """Nothing learned; the options come back from ``config`` at load."""

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        return cls.create(config, "")


def _entity(match: Mapping[str, Any], extractor: str) -> Entity:
    info = match.get("value")
    info = info if isinstance(info, Mapping) else {"value": info}
    if info.get("type") == "interval":
        value: Any = {
            "to": (info.get("to") or {}).get("value"),
            "from": (info.get("from") or {}).get("value"),
        }
    else:
        value = info.get("value")
    return Entity(
        entity=str(match.get("dim")),
        value=value,
        start=match.get("start"),
        end=match.get("end"),
        extractor=extractor,
        confidence=1.0,
        additional_info=dict(info),
    )
