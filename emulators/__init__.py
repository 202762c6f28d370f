"""Netra's local platform: emulators we own, the launcher, and the `netra` CLI."""
