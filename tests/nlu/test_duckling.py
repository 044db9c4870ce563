"""DucklingEntityExtractor: Rasa's request to a Duckling server and Rasa's entity shapes;
without a server, the same dimensions found locally in the same shapes.

The Duckling server is a loopback stand-in that reads Duckling's real request
(``POST /parse``, form fields ``text``, ``locale``, ``tz``, ``dims``, ``reftime``)
and answers with matches in Duckling's JSON, as ``duckling-example-exe`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from nlu import NLUPipeline
from nlu.components.duckling import DucklingEntityExtractor
from nlu.errors import PipelineConfigError
from nlu.interfaces import TrainingData
from nlu.registry import resolve

REFTIME = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
MONEY = {
    "body": "50 dollars",
    "start": 7,
    "value": {"value": 50, "type": "value", "unit": "$"},
    "end": 17,
    "dim": "amount-of-money",
    "latent": False,
}
INTERVAL = {
    "body": "from 9 to 5",
    "start": 18,
    "value": {
        "to": {"value": "2026-12-04T17:00:00.000-08:00", "grain": "hour"},
        "from": {"value": "2026-12-04T09:00:00.000-08:00", "grain": "hour"},
        "type": "interval",
    },
    "end": 29,
    "dim": "time",
    "latent": False,
}


class FakeDuckling:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.url = ""
        self.fail = False

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        self.requests.append(form)
        if self.fail or path != "/parse" or "text" not in form:
            return 500, "Need a 'text' parameter to parse"
        dims = json.loads(form.get("dims") or "[]")
        matches = [MONEY, INTERVAL] if "50 dollars" in form["text"] else []
        return 200, [m for m in matches if not dims or m["dim"] in dims]


@pytest.fixture
def duckling() -> Iterator[FakeDuckling]:
    fake = FakeDuckling()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            status, body = fake.answer(self.path, form)
            text = body if isinstance(body, str) else json.dumps(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def extractor(**options: Any) -> DucklingEntityExtractor:
    return DucklingEntityExtractor.create(options, "duckling")


def test_the_server_gets_rasas_request_and_matches_become_rasas_entities(
    duckling: FakeDuckling,
) -> None:
    duckling_extractor = extractor(url=duckling.url, timezone="America/Los_Angeles")
    entities = duckling_extractor.extract("I need 50 dollars from 9 to 5", reftime=REFTIME)

    [request] = duckling.requests
    assert request == {
        "text": "I need 50 dollars from 9 to 5",
        "locale": "en_US",
        "tz": "America/Los_Angeles",
        "dims": "[]",
        "reftime": str(int(REFTIME.timestamp() * 1000)),
    }
    money, interval = (e.to_dict() for e in entities)
    assert money == {
        "entity": "amount-of-money",
        "value": 50,
        "start": 7,
        "end": 17,
        "extractor": "DucklingEntityExtractor",
        "additional_info": {"value": 50, "type": "value", "unit": "$"},
        "confidence_entity": 1.0,
    }
    assert interval["value"] == {
        "to": "2026-12-04T17:00:00.000-08:00",
        "from": "2026-12-04T09:00:00.000-08:00",
    }


def test_only_the_configured_dimensions_are_asked_for_and_kept(duckling: FakeDuckling) -> None:
    entities = extractor(url=duckling.url, dimensions=["time"], locale="en_GB").extract(
        "I need 50 dollars from 9 to 5"
    )

    assert [e.entity for e in entities] == ["time"]
    assert json.loads(duckling.requests[0]["dims"]) == ["time"]
    assert duckling.requests[0]["locale"] == "en_GB"


def test_a_failing_server_gives_no_entities_and_an_error_naming_it(
    duckling: FakeDuckling, caplog: pytest.LogCaptureFixture
) -> None:
    duckling.fail = True
    with caplog.at_level(logging.ERROR):
        assert extractor(url=duckling.url).extract("I need 50 dollars") == []
    assert duckling.url in caplog.text


def test_an_unreachable_server_is_warned_about_once_and_replaced_by_local_extraction(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    duckling_extractor = extractor(url=url, dimensions=["number"])

    with caplog.at_level(logging.WARNING):
        first = duckling_extractor.extract("two people", reftime=REFTIME)
        second = duckling_extractor.extract("for 4 people", reftime=REFTIME)

    assert [(e.entity, e.value) for e in first + second] == [("number", 2), ("number", 4)]
    assert caplog.text.count("unreachable") == 1 and url in caplog.text


def test_the_component_is_no_longer_skipped_and_runs_in_a_loaded_pipeline(
    duckling: FakeDuckling, tmp_path: Path
) -> None:
    assert resolve("DucklingEntityExtractor") == "DucklingEntityExtractor"
    pipeline = NLUPipeline.build(
        [{"name": "WhitespaceTokenizer"}, {"name": "DucklingEntityExtractor", "url": duckling.url}]
    )
    pipeline.train(TrainingData())
    pipeline.persist(tmp_path)

    parsed = NLUPipeline.load(tmp_path).parse("I need 50 dollars")

    assert [(e.entity, e.extractor) for e in parsed.entities] == [
        ("amount-of-money", "DucklingEntityExtractor"),
        ("time", "DucklingEntityExtractor"),
    ]


LOCAL_CASES = [
    ("write to ann@example.com", "email", "ann@example.com", {"value": "ann@example.com"}),
    (
        "see https://shop.example.com/faq",
        "url",
        "https://shop.example.com/faq",
        {"value": "https://shop.example.com/faq", "domain": "shop.example.com"},
    ),
    ("call +1 650-253-0000", "phone-number", "+16502530000", {"value": "+16502530000"}),
    ("twenty five tickets", "number", 25, {"value": 25, "type": "value"}),
    ("the third row", "ordinal", 3, {"value": 3, "type": "value"}),
    (
        "refund $20.50 please",
        "amount-of-money",
        20.5,
        {"value": 20.5, "unit": "USD", "type": "value"},
    ),
    ("it is 5 km away", "distance", 5, {"value": 5, "unit": "kilometer", "type": "value"}),
    (
        "wait for 3 hours",
        "duration",
        3,
        {
            "value": 3,
            "unit": "hour",
            "type": "value",
            "hour": 3,
            "normalized": {"value": 10800, "unit": "second"},
        },
    ),
]


@pytest.mark.parametrize(
    ("text", "dim", "value", "info"), LOCAL_CASES, ids=[case[1] for case in LOCAL_CASES]
)
def test_without_a_server_each_dimension_is_found_locally_in_duckling_shape(
    text: str, dim: str, value: Any, info: dict[str, Any]
) -> None:
    [entity] = extractor().extract(text, reftime=REFTIME)

    assert (entity.entity, entity.value, entity.additional_info) == (dim, value, info)
    assert entity.start is not None and text[entity.start : entity.end].strip()


def test_without_a_server_times_resolve_against_the_reference_time_in_the_timezone() -> None:
    [entity] = extractor(timezone="Europe/Berlin").extract("book it for tomorrow at 5pm", REFTIME)

    assert entity.entity == "time"
    assert entity.value == "2026-12-05T17:00:00.000+01:00"
    assert entity.additional_info is not None and entity.additional_info["grain"] == "hour"


def test_without_a_server_a_warning_says_the_extraction_is_local(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        extractor(dimensions=["number"])
    assert "no Duckling 'url'" in caplog.text and "locally" in caplog.text


def test_text_without_entities_gives_none_and_unknown_local_dimensions_are_refused() -> None:
    assert extractor().extract("hello there, how are you", reftime=REFTIME) == []
    with pytest.raises(PipelineConfigError, match="credit-card"):
        extractor(dimensions=["credit-card"])
