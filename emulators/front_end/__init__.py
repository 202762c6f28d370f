"""Cloud Run's front end, locally. Deployed, Google's front end terminates every client
connection and hands the function's gunicorn whole requests; locally this process does, for
every function the launcher runs: each function's public port is served here, each request is
read whole (its header within HEAD_SECONDS of its first byte, its body within BODY_SECONDS)
and sent to the function's functions-framework server on a private port, and the whole answer
is read before it is written back (ADR 0015).

Every socket waits in one asyncio loop, so a client that never finishes a request, or never
reads its answer, holds no thread of a function's gthread worker (8 threads here): the
function only ever sees complete requests, on connections that close after one answer.
"""
