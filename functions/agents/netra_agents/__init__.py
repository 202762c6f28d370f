"""Netra's agents: a supervisor that owns each run and the steps it dispatches."""
