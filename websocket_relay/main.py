"""Cloud Run entry point of the WebSocket relay: `python main.py` (PORT from the environment)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from aiohttp import web

    from netra_relay.bootstrap import build

    app, settings, shared = build()
    # aiohttp runs on_shutdown on SIGTERM/SIGINT: sockets are closed with 1012 first.
    host = "127.0.0.1" if shared.is_local else "0.0.0.0"  # Cloud Run routes to all interfaces
    web.run_app(app, host=host, port=settings.port, print=None, shutdown_timeout=5, access_log=None)


if __name__ == "__main__":
    main()
