"""Firestore client. The library itself switches to the emulator on FIRESTORE_EMULATOR_HOST.

The SDK is imported in the factory: heavy, kept off the cold start of every importer.
"""

from __future__ import annotations

import os

from shared_lib.config import ConfigError, Settings


def firestore_client(settings: Settings):
    from google.cloud import firestore

    host = settings.firestore_emulator_host
    if host is not None and os.environ.get("FIRESTORE_EMULATOR_HOST") != host:
        # The client reads the variable itself; settings that disagree with it would
        # send traffic somewhere the configuration does not say.
        raise ConfigError([f"FIRESTORE_EMULATOR_HOST in the process environment must equal {host!r}"])
    if host is not None:
        from google.auth.credentials import AnonymousCredentials

        return firestore.Client(project=settings.project_id, credentials=AnonymousCredentials())
    return firestore.Client(project=settings.project_id)
