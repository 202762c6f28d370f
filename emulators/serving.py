"""Serving an emulator's WSGI app until SIGTERM or Ctrl-C, as the launcher expects.

A thread per connection, so a client that never finishes its request holds only its own
thread; one that sends nothing for READ_SECONDS (mid-request or kept alive) is dropped."""

from __future__ import annotations

import signal
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

READ_SECONDS = 30.0


class _RequestHandler(WSGIRequestHandler):
    timeout = READ_SECONDS  # socketserver sets it on each connection: every read waits at most this


def wsgi_server(app, host: str, port: int):
    return make_server(host, port, app, threaded=True, request_handler=_RequestHandler)


def serve(app, host: str, port: int, name: str) -> int:
    server = wsgi_server(app, host, port)
    print(f"{name} listening on http://{host}:{port}", flush=True)
    # shutdown() waits for serve_forever to return: call it off the signal handler's thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
