"""An OAuth 2.0 / OpenID Connect provider emulator standing in for Google and GitHub."""
