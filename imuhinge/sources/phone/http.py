"""Just enough HTTP/1.1 for phones on the local network, on asyncio: one request per connection.

Phone apps talk plain HTTP: phyphox answers ``GET`` requests, Sensor Logger sends ``POST`` requests.
Every exchange here opens a connection, sends one request, reads one answer and closes
(``Connection: close``): no keep-alive state to go stale when Wi-Fi drops. The server side bounds
what it reads (header size, body size, time) and answers what it cannot use with a status code; a
handler's exception is logged and answered 500, never raised into the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_CRLF = b"\r\n"


class HttpError(Exception):
    """A request that got no usable answer (connection refused, timeout, malformed reply)."""


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    peer: str

    @property
    def path(self) -> str:
        """The target without its query."""
        return urlsplit(self.target).path


@dataclass
class Response:
    """One answer: status, body and its content type, extra headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """The bytes on the wire."""
        reason = HTTPStatus(self.status).phrase
        lines = [f"HTTP/1.1 {self.status} {reason}", f"Content-Length: {len(self.body)}", "Connection: close"]
        if self.body:
            lines.append(f"Content-Type: {self.content_type}")
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def error_response(status: int, reason: str) -> Response:
    """A JSON ``{"error": ...}`` answer."""
    text = reason.replace("\\", "\\\\").replace('"', '\\"')
    return Response(status, f'{{"error": "{text}"}}'.encode())


Handler = Callable[[Request], Awaitable[Response | None]]
Refusal = Callable[[str, int, str], None]


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """Request line and headers; ValueError when malformed."""
    text = head.decode("latin-1")
    lines = text.split("\r\n")
    method, target, version = lines[0].split(" ")
    if not version.startswith("HTTP/1.") or not target.startswith("/") or not method.isalpha():
        raise ValueError("not an HTTP/1.x request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ValueError("malformed header line")
        headers[name.lower()] = value.strip()
    return method, target, headers


class HttpServer:
    """A small asyncio HTTP server: every request read whole, handed to ``handler``, answered.

    Parameters
    ----------
    handler : async callable
        ``Request -> Response``, or None to close the connection without an answer.
    max_body_bytes : int
        Larger bodies are answered 413 without being read.
    timeout_s : float
        Longest time to read one request.
    on_refusal : callable, optional
        ``(peer, status, reason)`` for every request refused here, before the handler.
    """

    def __init__(
        self,
        handler: Handler,
        max_body_bytes: int,
        timeout_s: float = 5.0,
        on_refusal: Refusal | None = None,
    ) -> None:
        self.handler = handler
        self.max_body_bytes = max_body_bytes
        self.timeout_s = timeout_s
        self.on_refusal = on_refusal
        self.server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0: any free one); returns the address bound."""
        self.server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEADER_BYTES)
        address = self.server.sockets[0].getsockname()
        return address[0], address[1]

    async def close(self) -> None:
        """Stop listening and wait for the requests in progress."""
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)

    def _refuse(self, peer: str, status: int, reason: str) -> Response:
        if self.on_refusal is not None:
            self.on_refusal(peer, status, reason)
        return error_response(status, reason)

    async def _read(self, reader: asyncio.StreamReader, peer: str) -> Request | Response:
        try:
            head = await asyncio.wait_for(reader.readuntil(_CRLF + _CRLF), self.timeout_s)
        except TimeoutError:
            return self._refuse(peer, 408, "request not received in time")
        except asyncio.LimitOverrunError:
            return self._refuse(peer, 431, "request headers too large")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise ConnectionResetError from None  # opened and closed without a request
            return self._refuse(peer, 400, "incomplete request")
        try:
            method, target, headers = _parse_head(head[:-4])
        except (ValueError, UnicodeDecodeError):
            return self._refuse(peer, 400, "malformed request")
        if "transfer-encoding" in headers:
            return self._refuse(peer, 411, "send the body with a Content-Length")
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            return self._refuse(peer, 400, "malformed Content-Length")
        if length < 0:
            return self._refuse(peer, 400, "malformed Content-Length")
        if length > self.max_body_bytes:
            return self._refuse(peer, 413, f"body of {length} bytes exceeds {self.max_body_bytes}")
        try:
            body = await asyncio.wait_for(reader.readexactly(length), self.timeout_s) if length else b""
        except TimeoutError:
            return self._refuse(peer, 408, "body not received in time")
        except asyncio.IncompleteReadError:
            return self._refuse(peer, 400, "body shorter than its Content-Length")
        return Request(method, target, headers, body, peer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        peer = "?"
        try:
            with contextlib.suppress(Exception):
                peer = f"{writer.get_extra_info('peername')[0]}"
            request = await self._read(reader, peer)
            if isinstance(request, Request):
                try:
                    response = await self.handler(request)
                except Exception:
                    logger.exception("%s: error while answering %s %s", peer, request.method, request.path)
                    response = error_response(500, "internal error")
            else:
                response = request
            if response is None:
                return
            writer.write(response.encode())
            await asyncio.wait_for(writer.drain(), self.timeout_s)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing was taken from it
        except Exception:
            logger.exception("%s: connection failed", peer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._connections.discard(task)


async def request(
    method: str,
    host: str,
    port: int,
    target: str,
    body: bytes = b"",
    timeout_s: float = 2.0,
    content_type: str = "application/json",
) -> tuple[int, bytes]:
    """Send one request on a fresh connection and read the whole answer.

    Returns
    -------
    (int, bytes)
        Status and body.

    Raises
    ------
    HttpError
        No connection, no complete answer in ``timeout_s``, or an answer that is not HTTP.
    """
    try:
        return await asyncio.wait_for(_exchange(method, host, port, target, body, content_type), timeout_s)
    except TimeoutError:
        raise HttpError(f"no answer from {host}:{port} within {timeout_s:g} s") from None
    except OSError as exc:
        raise HttpError(f"{host}:{port}: {exc.strerror or exc.__class__.__name__}") from None
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise HttpError(f"{host}:{port}: {exc}") from None


async def _exchange(
    method: str, host: str, port: int, target: str, body: bytes, content_type: str
) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        if body or method == "POST":
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        received = bytearray()
        while chunk := await reader.read(1 << 16):
            received += chunk
            if len(received) > MAX_RESPONSE_BYTES:
                raise ValueError("answer too large")
        reply = bytes(received)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    head_bytes, sep, payload = reply.partition(_CRLF + _CRLF)
    if not sep:
        raise ValueError("incomplete answer")
    lines = head_bytes.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"not an HTTP answer: {lines[0][:40]!r}")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        payload = _dechunk(payload)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if len(payload) < length:
            raise ValueError("answer shorter than its Content-Length")
        payload = payload[:length]
    return int(parts[1]), payload


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while True:
        size_line, _, data = data.partition(_CRLF)
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        if len(data) < size:
            raise ValueError("truncated chunk")
        out += data[:size]
        data = data[size + 2 :]
