"""Netra's Python client: LLM calls (OpenAI, Anthropic, Gemini) as Netra usage events, with the
prompt's hashes and prefix chain computed locally, sent in batches in the background."""

from netra_client.client import Netra
from netra_client.sender import SenderStats

__all__ = ["Netra", "SenderStats", "__version__"]
__version__ = "0.1.0"
