"""The package's public surface, and that it imports where no provider SDK is installed."""

from __future__ import annotations

import subprocess
import sys

from tests.unit.clients.conftest import CLIENT

import netra_client


def test_the_public_surface_is_the_client_and_its_stats():
    assert sorted(netra_client.__all__) == ["Netra", "SenderStats", "__version__"]
    assert all(hasattr(netra_client, name) for name in netra_client.__all__)


def test_it_imports_and_records_without_any_provider_sdk():
    # A None in sys.modules makes `import openai` (or anthropic, google.genai) fail.
    script = f"""
import sys
sys.path.insert(0, {str(CLIENT)!r})
for name in ("openai", "anthropic", "google", "google.genai", "httpx"):
    sys.modules[name] = None
from netra_client import Netra
netra = Netra(api_key="nk", base_url="http://127.0.0.1:9", max_retries=0)
event = netra.record_gemini({{"model": "gemini-2.5-flash", "contents": "hi"}}, {{"usage_metadata": {{"prompt_token_count": 3}}}})
assert event["provider"] == "google" and event["input_tokens"] == 3, event
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
