"""Secret Manager client: Google's endpoint, or our emulator over an insecure gRPC channel.

`api_endpoint` with anonymous credentials alone would try TLS against the emulator and
hang in retries, so the emulator gets an explicit insecure channel. The SDK and gRPC are
imported in the factory: heavy, kept off the cold start of every importer.
"""

from __future__ import annotations

from shared_lib.config import Settings


def secret_manager_client(settings: Settings):
    from google.cloud import secretmanager

    host = settings.secret_manager_emulator_host
    if host:
        import grpc
        from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
            SecretManagerServiceGrpcTransport,
        )

        channel = grpc.insecure_channel(host)
        return secretmanager.SecretManagerServiceClient(transport=SecretManagerServiceGrpcTransport(channel=channel))
    return secretmanager.SecretManagerServiceClient()
