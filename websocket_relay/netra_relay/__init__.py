"""The WebSocket relay: sockets in, client events out, resumable from a Redis stream."""
