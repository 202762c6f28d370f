"""Requests and answers as the front end reads and forwards them (HTTP/1.x framing); no I/O."""

from __future__ import annotations

import json
import re

HEAD_SECONDS = 10.0  # a request line and its headers, from the first byte (or the connection)
BODY_SECONDS = 30.0  # a request's whole body, once its header is read
IDLE_SECONDS = 60.0  # a kept-alive connection waiting for its next request
WRITE_SECONDS = 30.0  # a client reading its answer
MAX_HEAD_BYTES = 1024 * 1024
MAX_BODY_BYTES = 32 * 1024 * 1024  # Cloud Run functions' request limit (2nd gen)
MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # Cloud Run's limit on an answer that is not streamed

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Hop-by-hop: about this connection, not the request; the front end speaks for itself on each side.
_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"transfer-encoding", b"upgrade", b"expect"}


class Refused(Exception):
    """A request the front end answers itself, without the function."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Request:
    def __init__(self, method: bytes, target: bytes, version: bytes, headers: list[tuple[bytes, bytes]]):
        self.method, self.target, self.version, self.headers = method, target, version, headers
        self.body = b""

    def values(self, name: bytes) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name]

    def tokens(self, name: bytes) -> list[bytes]:
        return [token.strip().lower() for value in self.values(name) for token in value.split(b",") if token.strip()]

    @property
    def keep_alive(self) -> bool:
        return self.version == b"HTTP/1.1" and b"close" not in self.tokens(b"connection")

    def forwarded(self, peer: str) -> bytes:
        """The request as the function receives it: one request per connection, its body
        framed by length, and the peer appended to X-Forwarded-For as Google's front end does."""
        listed = set(self.tokens(b"connection"))
        lines = [b"%s %s HTTP/1.1" % (self.method, self.target)]
        forwarded_for = []
        for key, value in self.headers:
            lower = key.lower()
            if lower in _HOP or lower in listed or lower == b"content-length":
                continue
            if lower == b"x-forwarded-for":
                forwarded_for.append(value)
                continue
            lines.append(key + b": " + value)
        lines.append(b"X-Forwarded-For: " + b", ".join([*forwarded_for, peer.encode()]))
        if self.body or self.values(b"content-length") or self.values(b"transfer-encoding"):
            lines.append(b"Content-Length: %d" % len(self.body))
        lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body


def parse_head(head: bytes) -> Request:
    """A request line and headers (without the blank line that ends them)."""
    line, *fields = head.split(b"\r\n")
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1]:
        raise Refused(400, "bad_request", "malformed request line")
    if parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise Refused(505, "http_version_not_supported", "HTTP/1.0 and HTTP/1.1 only")
    headers = []
    for field in fields:
        name, colon, value = field.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):  # obsolete line folding included
            raise Refused(400, "bad_request", "malformed header field")
        headers.append((name, value.strip(b" \t")))
    return Request(parts[0], parts[1], parts[2], headers)


def body_length(request: Request) -> int | None:
    """The body's length, or None for a chunked body; refuses what could be read two ways."""
    if request.values(b"transfer-encoding"):
        if request.values(b"content-length") or request.version != b"HTTP/1.1":
            raise Refused(400, "bad_request", "a body framed both by length and by chunks")
        if request.tokens(b"transfer-encoding") != [b"chunked"]:
            raise Refused(501, "not_implemented", "the only transfer coding accepted is chunked")
        return None
    lengths = {value.strip() for raw in request.values(b"content-length") for value in raw.split(b",")}
    if not lengths:
        return 0
    (length,) = lengths if len(lengths) == 1 else (b"",)
    if not length.isdigit() or len(length) > 12:
        raise Refused(400, "bad_request", "malformed Content-Length")
    if int(length) > MAX_BODY_BYTES:
        raise Refused(413, "payload_too_large", f"a request body is at most {MAX_BODY_BYTES} bytes")
    return int(length)


def answer_for_client(raw: bytes, head_request: bool, keep_alive: bool) -> bytes:
    """The function's answer (read to its end: it was asked to close) as the client gets it:
    interim 1xx answers dropped, the body de-chunked and framed by its length."""
    while True:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        status_line, *fields = head.split(b"\r\n")
        parts = status_line.split(b" ", 2)
        if not sep or len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise Refused(502, "bad_gateway", "the function's answer was not HTTP")
        status = int(parts[1])
        if status >= 200:
            break
        raw = rest
    headers = [field.partition(b":") for field in fields]
    chunked = any(n.strip().lower() == b"transfer-encoding" and b"chunked" in v.lower() for n, _, v in headers)
    bodiless = head_request or status in (204, 304)
    body = b"" if bodiless else (_dechunk(rest) if chunked else rest)
    lines = [b"HTTP/1.1 " + b" ".join(parts[1:])]
    for name, _, value in headers:
        lower = name.strip().lower()
        if lower in _HOP or (lower == b"content-length" and not bodiless):
            continue
        lines.append(name + b":" + value)
    if not bodiless:
        lines.append(b"Content-Length: %d" % len(body))
    if not keep_alive:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _dechunk(data: bytes) -> bytes:
    parts, at = [], 0
    while True:
        end = data.find(b"\r\n", at)
        size_text = data[at:end].split(b";", 1)[0].strip() if end >= 0 else b""
        if not size_text or len(size_text) > 16 or not re.fullmatch(rb"[0-9A-Fa-f]+", size_text):
            raise Refused(502, "bad_gateway", "the function's chunked answer was malformed")
        size = int(size_text, 16)
        if size == 0:
            return b"".join(parts)
        parts.append(data[end + 2 : end + 2 + size])
        at = end + 2 + size + 2


def refusal(error: Refused) -> bytes:
    body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
    reason = error.code.replace("_", " ").capitalize().encode()
    retry = b"Retry-After: 1\r\n" if error.status == 503 else b""  # a function restarts within seconds
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n%s"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (error.status, reason, retry, len(body), body)
    )
