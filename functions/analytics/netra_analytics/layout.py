"""Where the warehouse's tables live, and each migration statement rendered for it (ADR 0013).

The migration files are written for one node: plain MergeTree engines, no `ON CLUSTER`.
That is also what ClickHouse Cloud takes (it makes every MergeTree engine SharedMergeTree
and its databases replicate DDL themselves). On a self-managed cluster (`cluster` named:
replicas of one shard) every statement that changes the schema is run `ON CLUSTER` and
every MergeTree engine becomes its Replicated one, keyed in Keeper by the table's UUID.
This module is the one place that knows the difference.
"""

from __future__ import annotations

import dataclasses
import re

from shared_lib.config import CLICKHOUSE_CLUSTER_NAME

# ClickHouse's own default_replica_path and default_replica_name. By UUID, not by name:
# migrations rename and exchange tables (0004, 0008), re-create a name another table held
# (usage_events, whose dropped predecessor keeps its Keeper path until the Atomic database's
# delayed drop) and copy an engine (`CREATE TABLE usage_daily_rollup AS usage_hourly`): a
# path by name would follow none of these, the table's UUID follows all of them.
REPLICA_PATH = "/clickhouse/tables/{uuid}/{shard}"
REPLICA_NAME = "{replica}"

_COMMENTS = re.compile(r"(?:\s*--[^\n]*\n)*\s*")
_NAME = r"[A-Za-z_][\w.]*"
# Each schema statement a migration may hold, up to where `ON CLUSTER` goes.
_ON_CLUSTER_AFTER = re.compile(
    rf"CREATE\s+(?:MATERIALIZED\s+VIEW|VIEW|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}"
    rf"|DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?{_NAME}"
    rf"|ALTER\s+TABLE\s+{_NAME}"
    rf"|RENAME\s+TABLE\s+{_NAME}\s+TO\s+{_NAME}"
    rf"|EXCHANGE\s+TABLES\s+{_NAME}\s+AND\s+{_NAME}",
    re.IGNORECASE,
)
# Data statements run on the node the client talks to; replication carries their rows.
_DATA = re.compile(r"INSERT\s+INTO\b", re.IGNORECASE)
_ENGINE = re.compile(r"\bENGINE\s*=\s*(\w+)(?:\(([^()]*)\))?")


@dataclasses.dataclass(frozen=True)
class Layout:
    """One node (`cluster` None: chDB, a single server, ClickHouse Cloud) or the replicas
    of one shard of the named cluster."""

    cluster: str | None = None

    def __post_init__(self):
        if self.cluster is not None and not CLICKHOUSE_CLUSTER_NAME.match(self.cluster):
            raise ValueError(f"not a ClickHouse cluster name: {self.cluster!r}")

    def render(self, statement: str) -> str:
        """The statement as this layout runs it; on one node, the statement itself."""
        if self.cluster is None:
            return statement
        start = _COMMENTS.match(statement).end()
        if _DATA.match(statement, start):
            return statement
        head = _ON_CLUSTER_AFTER.match(statement, start)
        if head is None:
            first = statement[start:].splitlines()[0] if statement[start:] else ""
            raise ValueError(f"no rule places this statement on a cluster: {first!r}")
        placed = f"{statement[: head.end()]} ON CLUSTER '{self.cluster}'{statement[head.end() :]}"
        return _ENGINE.sub(_replicated, placed)


SINGLE_NODE = Layout()


def _replicated(engine: re.Match) -> str:
    name, arguments = engine.group(1), engine.group(2)
    if not name.endswith("MergeTree") or name.startswith(("Replicated", "Shared")):
        raise ValueError(f"ENGINE = {name} cannot be made replicated: write a plain MergeTree-family engine")
    replicated = [f"'{REPLICA_PATH}'", f"'{REPLICA_NAME}'"] + ([arguments.strip()] if arguments else [])
    return f"ENGINE = Replicated{name}({', '.join(replicated)})"
