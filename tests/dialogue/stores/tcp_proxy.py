"""A loopback TCP proxy the tests control: put it between Parley and PostgreSQL to take the
database "down" (refuse and cut connections) and bring it back on the same port, or to
cut a connection right after the client sent a given command (a lost acknowledgement)."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target_host:target_port`` while it is up."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.cut_after: bytes | None = None  # cut once the client sent a chunk containing it
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (again, on the same port once it has one)."""
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones, like a database that went away."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self._writers.update((client_w, server_w))
        cut = asyncio.Event()  # set: the server's answers are dropped from now on
        upstream = asyncio.create_task(self._pipe(client_r, server_w, client_w, cut, watch=True))
        downstream = asyncio.create_task(self._pipe(server_r, client_w, server_w, cut, watch=False))
        self._pipes.update((upstream, downstream))
        await asyncio.gather(upstream, downstream, return_exceptions=True)
        self._pipes.difference_update((upstream, downstream))
        self._writers.difference_update((client_w, server_w))

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
        cut: asyncio.Event,
        *,
        watch: bool,
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if watch and self.cut_after is not None and self.cut_after in chunk:
                    self.cut_after, self.cuts = None, self.cuts + 1
                    cut.set()
                if not watch and cut.is_set():
                    continue
                writer.write(chunk)
                await writer.drain()
                if watch and cut.is_set():
                    await asyncio.sleep(0.2)  # the server acts on it; its answer is dropped
                    break
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for end in (writer, other):
                with contextlib.suppress(Exception):
                    end.transport.abort()
