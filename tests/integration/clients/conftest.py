"""netra_client as `pip install ./clients/python` gives it: its own package, put on the path
here rather than installed into the platform's environment."""

from __future__ import annotations

import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[3] / "clients" / "python"
if str(CLIENT) not in sys.path:
    sys.path.insert(0, str(CLIENT))
