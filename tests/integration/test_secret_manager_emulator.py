"""Our Secret Manager emulator, driven through the official google-cloud-secret-manager client."""

from __future__ import annotations

import google_crc32c
import pytest
from google.api_core import exceptions
from google.cloud.secretmanager_v1 import SecretVersion

from shared_lib.clients.secret_manager import secret_manager_client
from shared_lib.secrets import SecretNotAvailable, SecretReader


@pytest.fixture
def client(settings):
    return secret_manager_client(settings)


@pytest.fixture
def project(unique) -> str:
    return f"projects/p-{unique}"


def _create(client, project, secret_id="api-key", labels=None):
    return client.create_secret(
        request={
            "parent": project,
            "secret_id": secret_id,
            "secret": {"replication": {"automatic": {}}, "labels": labels or {}},
        }
    )


def _add(client, secret_name, data: bytes, crc=None):
    payload = {"data": data}
    if crc is not None:
        payload["data_crc32c"] = crc
    return client.add_secret_version(request={"parent": secret_name, "payload": payload})


def test_create_get_list_delete_secret(client, project):
    created = _create(client, project, labels={"team": "netra"})
    assert created.name == f"{project}/secrets/api-key"
    assert created.labels == {"team": "netra"}
    assert created.create_time.year >= 2024
    assert client.get_secret(request={"name": created.name}).name == created.name

    for index in range(3):
        _create(client, project, f"extra-{index}")
    page = client.list_secrets(request={"parent": project, "page_size": 2})
    assert sorted(s.name.rsplit("/", 1)[1] for s in page) == ["api-key", "extra-0", "extra-1", "extra-2"]

    client.delete_secret(request={"name": created.name})
    with pytest.raises(exceptions.NotFound):
        client.get_secret(request={"name": created.name})


def test_versions_are_numbered_and_latest_is_the_newest(client, project):
    secret = _create(client, project)
    first = _add(client, secret.name, b"one")
    second = _add(client, secret.name, b"two")
    assert (first.name, second.name) == (f"{secret.name}/versions/1", f"{secret.name}/versions/2")
    assert first.state == SecretVersion.State.ENABLED

    latest = client.access_secret_version(request={"name": f"{secret.name}/versions/latest"})
    assert latest.name == second.name
    assert latest.payload.data == b"two"
    assert latest.payload.data_crc32c == google_crc32c.value(b"two")
    numbered = client.access_secret_version(request={"name": first.name})
    assert numbered.payload.data == b"one"
    assert client.get_secret_version(request={"name": f"{secret.name}/versions/latest"}).name == second.name
    assert [v.name for v in client.list_secret_versions(request={"parent": secret.name})] == [second.name, first.name]


def test_disable_enable_destroy_a_version(client, project):
    secret = _create(client, project)
    version = _add(client, secret.name, b"value")

    assert client.disable_secret_version(request={"name": version.name}).state == SecretVersion.State.DISABLED
    with pytest.raises(exceptions.FailedPrecondition):
        client.access_secret_version(request={"name": version.name})

    assert client.enable_secret_version(request={"name": version.name}).state == SecretVersion.State.ENABLED
    assert client.access_secret_version(request={"name": version.name}).payload.data == b"value"

    destroyed = client.destroy_secret_version(request={"name": version.name})
    assert destroyed.state == SecretVersion.State.DESTROYED
    assert destroyed.destroy_time.year >= 2024
    for call in (
        client.access_secret_version,
        client.enable_secret_version,
        client.disable_secret_version,
        client.destroy_secret_version,
    ):
        with pytest.raises(exceptions.FailedPrecondition):
            call(request={"name": version.name})


def test_checksums_are_verified_on_add(client, project):
    secret = _create(client, project)
    good = _add(client, secret.name, b"checked", crc=google_crc32c.value(b"checked"))
    assert good.client_specified_payload_checksum is True
    with pytest.raises(exceptions.InvalidArgument, match="data_crc32c"):
        _add(client, secret.name, b"checked", crc=google_crc32c.value(b"other"))


@pytest.mark.parametrize(
    ("call", "request_of", "error"),
    [
        ("get_secret", lambda p: {"name": f"{p}/secrets/missing"}, exceptions.NotFound),
        ("delete_secret", lambda p: {"name": f"{p}/secrets/missing"}, exceptions.NotFound),
        (
            "add_secret_version",
            lambda p: {"parent": f"{p}/secrets/missing", "payload": {"data": b"x"}},
            exceptions.NotFound,
        ),
        ("access_secret_version", lambda p: {"name": f"{p}/secrets/missing/versions/latest"}, exceptions.NotFound),
        ("get_secret", lambda p: {"name": "not-a-resource-name"}, exceptions.InvalidArgument),
        ("list_secrets", lambda p: {"parent": "projects"}, exceptions.InvalidArgument),
        ("create_secret", lambda p: {"parent": p, "secret_id": "bad id!", "secret": {}}, exceptions.InvalidArgument),
    ],
)
def test_errors_carry_the_real_status_codes(client, project, call, request_of, error):
    with pytest.raises(error):
        result = getattr(client, call)(request=request_of(project))
        list(result) if call == "list_secrets" else None


def test_create_twice_is_already_exists(client, project):
    _create(client, project)
    with pytest.raises(exceptions.AlreadyExists):
        _create(client, project)


def test_unknown_and_malformed_versions(client, project):
    secret = _create(client, project)
    with pytest.raises(exceptions.NotFound):  # no version yet: latest resolves to nothing
        client.access_secret_version(request={"name": f"{secret.name}/versions/latest"})
    _add(client, secret.name, b"x")
    with pytest.raises(exceptions.NotFound):
        client.access_secret_version(request={"name": f"{secret.name}/versions/9"})
    with pytest.raises(exceptions.InvalidArgument):
        client.access_secret_version(request={"name": f"{secret.name}/versions/first"})


def test_payload_over_64_kib_is_refused(client, project):
    secret = _create(client, project)
    with pytest.raises(exceptions.InvalidArgument, match="limit"):
        _add(client, secret.name, b"x" * (64 * 1024 + 1))
    assert _add(client, secret.name, b"x" * (64 * 1024)).name.endswith("/versions/1")


def test_the_shared_reader_reads_latest_and_reports_missing(client, project, settings):
    secret = _create(client, project, "db-password")
    _add(client, secret.name, b"s3cret")
    reader = SecretReader(client, project.split("/", 1)[1])
    assert reader.get_text("db-password") == "s3cret"
    with pytest.raises(SecretNotAvailable, match="nope"):
        reader.get("nope")
