"""Serving an emulator's WSGI app until SIGTERM or Ctrl-C, as the launcher expects."""

from __future__ import annotations

import signal
import threading

from werkzeug.serving import make_server


def serve(app, host: str, port: int, name: str) -> int:
    server = make_server(host, port, app, threaded=True)
    print(f"{name} listening on http://{host}:{port}", flush=True)
    # shutdown() waits for serve_forever to return: call it off the signal handler's thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
