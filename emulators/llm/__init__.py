"""An OpenAI- and Anthropic-compatible LLM emulator: deterministic, metered, fault-injectable."""
