"""A fake clamd on 127.0.0.1 speaking INSTREAM: it finds "EICAR" and answers OK otherwise."""

from __future__ import annotations

import asyncio
import struct
from types import TracebackType


class FakeClamd:
    def __init__(self) -> None:
        self.scanned: list[bytes] = []
        self._server: asyncio.Server | None = None

    @property
    def socket(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"

    async def __aenter__(self) -> FakeClamd:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            command = await reader.readuntil(b"\0")
            if command != b"zINSTREAM\0":
                writer.write(b"UNKNOWN COMMAND\0")
                return
            content = b""
            while size := struct.unpack("!L", await reader.readexactly(4))[0]:
                content += await reader.readexactly(size)
            self.scanned.append(content)
            verdict = b"Eicar-Test-Signature FOUND" if b"EICAR" in content else b"OK"
            writer.write(b"stream: " + verdict + b"\0")
            await writer.drain()
        finally:
            writer.close()
