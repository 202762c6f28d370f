"""The front end's loop: every connection of the functions' ports, each request read whole
within its deadlines, then sent to its function on a connection of its own."""

from __future__ import annotations

import asyncio
import resource
import signal

from emulators.front_end import messages as m


class FrontEnd:
    def __init__(self, backend_port: int):
        self.backend_port = backend_port

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str((writer.get_extra_info("peername") or ("unknown",))[0])
        waiting = m.HEAD_SECONDS  # a new connection sends its request at once
        try:
            while True:
                try:
                    request = await self._read(reader, writer, waiting)
                    if request is None:
                        return
                    answer, keep_alive = await self._answer(request, peer)
                except m.Refused as error:
                    answer, keep_alive = m.refusal(error), False
                writer.write(answer)
                async with asyncio.timeout(m.WRITE_SECONDS):
                    await writer.drain()
                if not keep_alive:
                    return
                waiting = m.IDLE_SECONDS
        except (ConnectionError, EOFError, TimeoutError):  # the client went, or would not read its answer
            pass
        finally:
            writer.close()

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, waiting: float):
        """The next request, whole; None when the client closed (or stayed silent) before one."""
        loop, head, begun = asyncio.get_running_loop(), b"", False
        try:
            async with asyncio.timeout(waiting) as deadline:
                while not head:  # blank lines before a request are skipped (RFC 9112 2.2)
                    first = await reader.read(1)
                    if not first:
                        return None
                    if not begun:  # from its first byte, a header has HEAD_SECONDS
                        begun = True
                        deadline.reschedule(loop.time() + m.HEAD_SECONDS)
                    head = (first + await reader.readuntil(b"\r\n\r\n")).lstrip(b"\r\n")
        except TimeoutError:
            if not begun:  # a silent connection is closed, not answered
                return None
            raise m.Refused(
                408, "request_timeout", f"the request header did not arrive within {m.HEAD_SECONDS:.0f} s"
            ) from None
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            raise m.Refused(431, "headers_too_large", f"a request header is at most {m.MAX_HEAD_BYTES} bytes") from None
        request = m.parse_head(head[:-4])
        length = m.body_length(request)
        if length != 0 and request.version == b"HTTP/1.1" and b"100-continue" in request.tokens(b"expect"):
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            async with asyncio.timeout(m.BODY_SECONDS):
                request.body = await (reader.readexactly(length) if length is not None else _chunked(reader))
        except TimeoutError:
            raise m.Refused(
                408, "request_timeout", f"the request body did not arrive within {m.BODY_SECONDS:.0f} s"
            ) from None
        except asyncio.LimitOverrunError:
            raise m.Refused(400, "bad_request", "a malformed chunked body") from None
        return request

    async def _answer(self, request: m.Request, peer: str) -> tuple[bytes, bool]:
        raw = await self._exchange(request.forwarded(peer))
        return m.answer_for_client(raw, request.method == b"HEAD", request.keep_alive), request.keep_alive

    async def _exchange(self, data: bytes) -> bytes:
        """Send one request to the function and read its answer to the end (it closes)."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except OSError:
            raise m.Refused(503, "unavailable", "the function is not serving (starting, or restarting)") from None
        chunks, size = [], 0
        try:
            writer.write(data)
            try:
                await writer.drain()
            except ConnectionError:  # it answered without reading the whole body: the answer stands
                pass
            while chunk := await reader.read(256 * 1024):
                size += len(chunk)
                if size > m.MAX_RESPONSE_BYTES + m.MAX_HEAD_BYTES:
                    raise m.Refused(502, "bad_gateway", f"the function's answer is over {m.MAX_RESPONSE_BYTES} bytes")
                chunks.append(chunk)
        except ConnectionError:
            pass
        finally:
            writer.close()
        if not chunks:
            raise m.Refused(502, "bad_gateway", "the function closed the connection without answering")
        return b"".join(chunks)


class Health(FrontEnd):
    """The front end's own port: every request read as a function's is, and answered here."""

    def __init__(self, routes: int):
        super().__init__(0)
        self.routes = routes

    async def _answer(self, request: m.Request, peer: str) -> tuple[bytes, bool]:
        body = b'{"status": "ok", "routes": %d}' % self.routes
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        return head + (b"\r\n" if request.keep_alive else b"Connection: close\r\n\r\n") + body, request.keep_alive


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts, total = [], 0
    while True:
        size_text = (await reader.readuntil(b"\r\n"))[:-2].split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 16 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            raise m.Refused(400, "bad_request", "a malformed chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > m.MAX_BODY_BYTES:
            raise m.Refused(413, "payload_too_large", f"a request body is at most {m.MAX_BODY_BYTES} bytes")
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise m.Refused(400, "bad_request", "a chunk longer than its size")
    for _ in range(100):  # trailer fields, dropped
        if await reader.readuntil(b"\r\n") == b"\r\n":
            return b"".join(parts)
    raise m.Refused(400, "bad_request", "too many trailer fields")


def serve(routes: dict[int, int], host: str = "127.0.0.1", health_port: int | None = None) -> int:
    """Serve each public port in `routes` in front of its function's port until SIGTERM, and
    `/health` on `health_port`."""
    # Idle sockets cost a descriptor each, nothing more: allow as many as the system does.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return asyncio.run(_serve(host, routes, health_port))


async def _serve(host: str, routes: dict[int, int], health_port: int | None) -> int:
    loop = asyncio.get_running_loop()
    servers = [
        await asyncio.start_server(FrontEnd(backend).connection, host, port, limit=m.MAX_HEAD_BYTES, backlog=1024)
        for port, backend in routes.items()
    ]
    if health_port is not None:  # last: once it answers, every route is served
        servers.append(await asyncio.start_server(Health(len(routes)).connection, host, health_port))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"front-end listening on {host}, ports {', '.join(f'{p} -> {b}' for p, b in routes.items())}", flush=True)
    await stop.wait()
    for server in servers:
        server.close()
    return 0
