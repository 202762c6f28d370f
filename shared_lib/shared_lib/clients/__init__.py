"""Client factories for every external system, one module each.

Each factory takes `Settings` (or the one value it needs) and imports its library inside
the call, so a function pays the import only for the clients it builds. Components build
their clients once, in their own bootstrap, and pass them to handlers.
"""
