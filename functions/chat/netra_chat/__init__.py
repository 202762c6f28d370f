"""The chat function's own code: threads, messages, runs, WebSocket tickets."""
