"""The auth function's own code: OAuth sign-in, tokens, sessions, API keys."""
