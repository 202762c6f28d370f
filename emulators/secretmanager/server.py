"""gRPC front of the Secret Manager emulator, built on the client library's message classes.

No code generation: `grpc.method_handlers_generic_handler` serves the service by name,
with request/response (de)serialisers taken from `secretmanager_v1.types.X.pb()`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from concurrent import futures
from pathlib import Path

import grpc
import yaml
from google.cloud.secretmanager_v1 import types
from google.protobuf import empty_pb2, timestamp_pb2

from emulators.secretmanager.store import SecretError, SecretRecord, SecretStore, Version

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"
_STATE = {"ENABLED": 1, "DISABLED": 2, "DESTROYED": 3}


def _timestamp(seconds: float) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def _secret_pb(record: SecretRecord):
    secret = types.Secret.pb()(name=record.name, create_time=_timestamp(record.create_time), etag=record.etag)
    secret.labels.update(record.labels)
    secret.replication.automatic.SetInParent()
    return secret


def _version_pb(version: Version):
    message = types.SecretVersion.pb()(
        name=version.name,
        create_time=_timestamp(version.create_time),
        state=_STATE[version.state],
        client_specified_payload_checksum=version.client_checksum,
    )
    if version.destroy_time is not None:
        message.destroy_time.CopyFrom(_timestamp(version.destroy_time))
    message.replication_status.automatic.SetInParent()
    return message


class SecretManagerServicer:
    def __init__(self, store: SecretStore):
        self.store = store

    def CreateSecret(self, request, context):
        return _secret_pb(self.store.create_secret(request.parent, request.secret_id, dict(request.secret.labels)))

    def GetSecret(self, request, context):
        return _secret_pb(self.store.get_secret(request.name))

    def ListSecrets(self, request, context):
        if request.filter:
            raise SecretError("INVALID_ARGUMENT", "the emulator does not support list filters")
        records, token, total = self.store.list_secrets(request.parent, request.page_size, request.page_token)
        return types.ListSecretsResponse.pb()(
            secrets=[_secret_pb(r) for r in records], next_page_token=token, total_size=total
        )

    def DeleteSecret(self, request, context):
        self.store.delete_secret(request.name, request.etag)
        return empty_pb2.Empty()

    def AddSecretVersion(self, request, context):
        payload = request.payload
        crc = payload.data_crc32c if payload.HasField("data_crc32c") else None
        return _version_pb(self.store.add_version(request.parent, payload.data, crc))

    def GetSecretVersion(self, request, context):
        return _version_pb(self.store.get_version(request.name))

    def ListSecretVersions(self, request, context):
        if request.filter:
            raise SecretError("INVALID_ARGUMENT", "the emulator does not support list filters")
        versions, token, total = self.store.list_versions(request.parent, request.page_size, request.page_token)
        return types.ListSecretVersionsResponse.pb()(
            versions=[_version_pb(v) for v in versions], next_page_token=token, total_size=total
        )

    def AccessSecretVersion(self, request, context):
        version = self.store.access_version(request.name)
        payload = types.SecretPayload.pb()(data=version.data, data_crc32c=version.crc32c)
        return types.AccessSecretVersionResponse.pb()(name=version.name, payload=payload)

    def DisableSecretVersion(self, request, context):
        return _version_pb(self.store.set_version_state(request.name, "DISABLED"))

    def EnableSecretVersion(self, request, context):
        return _version_pb(self.store.set_version_state(request.name, "ENABLED"))

    def DestroySecretVersion(self, request, context):
        return _version_pb(self.store.set_version_state(request.name, "DESTROYED"))


# method -> (request type, response protobuf class)
_METHODS = {
    "CreateSecret": (types.CreateSecretRequest, types.Secret.pb()),
    "GetSecret": (types.GetSecretRequest, types.Secret.pb()),
    "ListSecrets": (types.ListSecretsRequest, types.ListSecretsResponse.pb()),
    "DeleteSecret": (types.DeleteSecretRequest, empty_pb2.Empty),
    "AddSecretVersion": (types.AddSecretVersionRequest, types.SecretVersion.pb()),
    "GetSecretVersion": (types.GetSecretVersionRequest, types.SecretVersion.pb()),
    "ListSecretVersions": (types.ListSecretVersionsRequest, types.ListSecretVersionsResponse.pb()),
    "AccessSecretVersion": (types.AccessSecretVersionRequest, types.AccessSecretVersionResponse.pb()),
    "DisableSecretVersion": (types.DisableSecretVersionRequest, types.SecretVersion.pb()),
    "EnableSecretVersion": (types.EnableSecretVersionRequest, types.SecretVersion.pb()),
    "DestroySecretVersion": (types.DestroySecretVersionRequest, types.SecretVersion.pb()),
}


def _unary(method):
    def handle(request, context):
        try:
            return method(request, context)
        except SecretError as exc:
            context.abort(getattr(grpc.StatusCode, exc.code), exc.message)

    return handle


def build_server(store: SecretStore, address: str) -> tuple[grpc.Server, int]:
    servicer = SecretManagerServicer(store)
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            _unary(getattr(servicer, name)),
            request_deserializer=request_type.pb().FromString,
            response_serializer=response_type.SerializeToString,
        )
        for name, (request_type, response_type) in _METHODS.items()
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    return server, port


def seed(store: SecretStore, project: str, path: Path) -> int:
    """Create one secret with one version per `name: value` in a YAML file; returns the count."""
    values = yaml.safe_load(path.read_text()) or {}
    if not isinstance(values, dict):
        raise SystemExit(f"{path}: expected a mapping of secret name to value")
    for name, value in values.items():
        store.create_secret(f"projects/{project}", str(name))
        store.add_version(f"projects/{project}/secrets/{name}", str(value).encode(), None)
    return len(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="secretmanager-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8086)
    parser.add_argument("--project", default="netra-local", help="project the seed secrets are created in")
    parser.add_argument("--seed", type=Path, help="YAML file of secret name -> value to create at start")
    args = parser.parse_args(argv)

    store = SecretStore()
    seeded = seed(store, args.project, args.seed) if args.seed else 0
    server, port = build_server(store, f"{args.host}:{args.port}")
    server.start()
    print(f"secretmanager-emulator listening on {args.host}:{port} ({seeded} seeded secrets)", flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
