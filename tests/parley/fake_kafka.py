"""A one-broker Kafka stand-in on loopback, speaking enough of Kafka's wire protocol for
``aiokafka``'s producer: ApiVersions, Metadata (every asked-for topic exists, one
partition led by this broker) and Produce (records are kept per topic, in order).

Requests and responses are encoded with ``aiokafka``'s own protocol structs, so the
bytes are Kafka's; record batches are read with ``aiokafka``'s record readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from io import BytesIO

from aiokafka.protocol.admin import ApiVersionResponse_v0
from aiokafka.protocol.metadata import MetadataRequest_v0, MetadataResponse_v0
from aiokafka.protocol.produce import ProduceRequest_v2, ProduceResponse_v2
from aiokafka.record.memory_records import MemoryRecords

_API_VERSIONS, _METADATA, _PRODUCE = 18, 3, 0
SUPPORTED = [(_PRODUCE, 2, 2), (_METADATA, 0, 0), (_API_VERSIONS, 0, 0)]


@dataclass(frozen=True)
class Record:
    key: bytes | None
    value: bytes


@dataclass
class FakeKafka:
    host: str = "127.0.0.1"
    port: int = 0
    topics: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))

    @property
    def url(self) -> str:
        return f"{self.host}:{self.port}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                size = struct.unpack(">i", await reader.readexactly(4))[0]
                frame = BytesIO(await reader.readexactly(size))
                api_key, version, correlation = struct.unpack(">hhi", frame.read(8))
                client_id_length = struct.unpack(">h", frame.read(2))[0]
                frame.read(max(client_id_length, 0))
                body = self._answer(api_key, version, frame)
                payload = struct.pack(">i", correlation) + body
                writer.write(struct.pack(">i", len(payload)) + payload)
                await writer.drain()
        writer.close()

    def _answer(self, api_key: int, version: int, frame: BytesIO) -> bytes:
        if api_key == _API_VERSIONS:
            return bytes(ApiVersionResponse_v0(error_code=0, api_versions=SUPPORTED).encode())
        if api_key == _METADATA:
            topics = MetadataRequest_v0.decode(frame).topics or list(self.topics)
            partitions = [(0, 0, 0, [0], [0])]
            response = MetadataResponse_v0(
                brokers=[(0, self.host, self.port)],
                topics=[(0, topic, partitions) for topic in topics],
            )
            return bytes(response.encode())
        if api_key == _PRODUCE and version == 2:
            return self._produce(ProduceRequest_v2.decode(frame))
        raise ConnectionError(f"the fake Kafka does not speak api {api_key} v{version}")

    def _produce(self, request: ProduceRequest_v2) -> bytes:
        answers = []
        for topic, partitions in request.topics:
            answered = []
            for partition, messages in partitions:
                offset = len(self.topics[topic])
                records = MemoryRecords(messages)
                while records.has_next():
                    batch = records.next_batch()
                    assert batch is not None
                    for record in batch:
                        self.topics[topic].append(Record(record.key, record.value or b""))
                answered.append((partition, 0, offset, -1))
            answers.append((topic, answered))
        return bytes(ProduceResponse_v2(topics=answers, throttle_time_ms=0).encode())


@contextlib.asynccontextmanager
async def running_fake_kafka(port: int = 0) -> AsyncIterator[FakeKafka]:
    fake = FakeKafka()
    server = await asyncio.start_server(fake.serve, fake.host, port)
    fake.port = server.sockets[0].getsockname()[1]
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()
