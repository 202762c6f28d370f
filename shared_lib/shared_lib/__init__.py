"""Shared library imported by every Netra component.

Public modules: `config`, `log`, `clients`, `envelope`, `idempotency`, `topology`,
`secrets`. Each imports its heavy dependencies lazily so that a function's cold start
pays only for what it uses.
"""
