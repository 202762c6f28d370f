"""The warehouse's settings: a cluster named only with a server, and TLS as the DSN says."""

import pytest
from clickhouse_connect.driver.exceptions import OperationalError

from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.config import ConfigError, load_settings

SERVER = "https://netra:secret@abc123.europe-west4.gcp.clickhouse.cloud/netra"


def test_one_node_unless_a_cluster_is_named():
    settings = load_settings({"CLICKHOUSE_DSN": SERVER})
    assert settings.clickhouse_cluster is None
    assert settings.sources["clickhouse_cluster"] == "default"
    named = load_settings({"CLICKHOUSE_DSN": "http://ch-1:8123/netra", "CLICKHOUSE_CLUSTER": "analytics"})
    assert (named.clickhouse_cluster, named.sources["clickhouse_cluster"]) == ("analytics", "env:CLICKHOUSE_CLUSTER")
    assert (
        load_settings({"CLICKHOUSE_DSN": SERVER, "CLICKHOUSE_CLUSTER": "{cluster}"}).clickhouse_cluster == "{cluster}"
    )


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        (
            {"CLICKHOUSE_DSN": "chdb:///data", "CLICKHOUSE_CLUSTER": "analytics"},
            "CLICKHOUSE_CLUSTER needs CLICKHOUSE_DSN",
        ),
        ({"CLICKHOUSE_CLUSTER": "analytics"}, "CLICKHOUSE_CLUSTER needs CLICKHOUSE_DSN"),
        ({"CLICKHOUSE_DSN": SERVER, "CLICKHOUSE_CLUSTER": "a b"}, "CLICKHOUSE_CLUSTER must be a cluster name"),
        ({"CLICKHOUSE_DSN": SERVER, "CLICKHOUSE_CLUSTER": "x'; DROP"}, "CLICKHOUSE_CLUSTER must be a cluster name"),
    ],
)
def test_a_cluster_setting_that_cannot_work_stops_cold_start(environ, problem):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert [p for p in caught.value.problems if p.startswith(problem)]


def test_an_https_dsn_without_a_port_is_tls_on_8443():
    # Nothing listens here: the refused connection names where the client went.
    with pytest.raises(OperationalError, match=r"https://127\.0\.0\.1:8443"):
        clickhouse_client(load_settings({"CLICKHOUSE_DSN": "https://netra:secret@127.0.0.1/netra"}))
