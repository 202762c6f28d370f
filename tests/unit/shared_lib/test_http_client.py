"""shared_lib.clients.http: a read that went out on a keep-alive connection the server had
just dropped is sent once more, on a new connection; a write is not. Against a real socket
server that answers the first request of a connection and drops the connection on the second
unanswered, as gunicorn does when its keep-alive timer fires as the request arrives."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from shared_lib.clients.http import http_client


class DropsSecondRequest:
    """Answers each connection's first request (keep-alive), then reads the second and closes."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    @staticmethod
    def _request(conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
        )
        while len(body) < length:
            body += conn.recv(65536)
        return True

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            if not self._request(conn):
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
            self._request(conn)  # the second request: dropped unanswered

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server():
    server = DropsSecondRequest()
    yield server
    server.close()


def test_a_read_on_a_dropped_keep_alive_connection_is_sent_again_on_a_new_one(server):
    with http_client(timeout=5) as client:
        assert client.get(server.url).text == "ok"
        assert client.get(server.url).text == "ok"  # dropped on the first connection, answered on a second
    assert server.connections == 2


def test_a_write_on_a_dropped_connection_is_the_callers_to_handle(server):
    with http_client(timeout=5) as client:
        assert client.post(server.url, content=b"a").text == "ok"
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(server.url, content=b"b")
    assert server.connections == 1


def test_plain_httpx_fails_where_the_client_sends_again(server):
    # What the test above guards against: without it, the same read fails.
    with httpx.Client(timeout=5) as client:
        client.get(server.url)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get(server.url)
