"""A virus scan through clamd's INSTREAM command, over its unix socket or TCP.

The protocol: send `zINSTREAM\\0`, then the content in chunks, each prefixed with its length as a
4-byte big-endian integer, then a zero-length chunk; clamd answers one NUL-terminated line:
`stream: OK`, `stream: <signature> FOUND`, or `<reason> ERROR`.
"""

from __future__ import annotations

import asyncio
import struct

CHUNK = 64 * 1024
TIMEOUT = 30.0


class ScanError(Exception):
    """clamd could not be reached or did not give a verdict."""


async def scan(socket: str, content: bytes) -> str | None:
    """None when the content is clean, the signature's name when clamd found something."""
    try:
        async with asyncio.timeout(TIMEOUT):
            reply = await _instream(socket, content)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        raise ScanError(f"clamd at {socket}: {type(exc).__name__}") from exc
    if reply.endswith(" OK"):
        return None
    if reply.endswith(" FOUND"):
        return reply.removeprefix("stream:").removesuffix(" FOUND").strip() or "unknown"
    raise ScanError(f"clamd at {socket}: {reply[:200]}")


async def _instream(socket: str, content: bytes) -> str:
    if socket.startswith("/"):
        reader, writer = await asyncio.open_unix_connection(socket)
    else:
        host, _, port = socket.rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(b"zINSTREAM\0")
        for start in range(0, len(content), CHUNK):
            chunk = content[start : start + CHUNK]
            writer.write(struct.pack("!L", len(chunk)) + chunk)
            await writer.drain()
        writer.write(struct.pack("!L", 0))
        await writer.drain()
        reply = await reader.readuntil(b"\0")
    finally:
        writer.close()
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
