"""Build topics and subscriptions on the Pub/Sub emulator from the topology.

Push endpoints follow what functions-framework expects of a Pub/Sub push
(`/projects/P/topics/T` for a CloudEvent function: it takes the event source from the
path); a service is pushed to at its declared path. Every endpoint carries the local
shared push token (`?token=`; Pub/Sub's OIDC token does that job in GCP), so a receiver
that shares a process with HTTP routes (analytics' usage consumer) can tell a push from
anyone on the host.

google.api_core and protobuf are imported where topics and subscriptions are created: heavy
SDKs, kept off the start of every `netra` command (the CLI imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from shared_lib.topology import Subscription, Topology


def push_endpoint(subscription: Subscription, base_url: str, project: str, service_token: str | None = None) -> str:
    assert subscription.push is not None
    query = f"?{urlencode({'token': service_token})}" if service_token else ""
    if subscription.push.function is not None:
        return f"{base_url.rstrip('/')}/projects/{project}/topics/{subscription.topic}{query}"
    return base_url.rstrip("/") + subscription.push.path + query


def create_topics(publisher, topology: Topology, project: str) -> None:
    from google.api_core.exceptions import AlreadyExists

    for topic in topology.topics.values():
        try:
            publisher.create_topic(request={"name": f"projects/{project}/topics/{topic.name}"})
        except AlreadyExists:
            pass


def create_subscriptions(
    subscriber, topology: Topology, project: str, running: Mapping[str, str], service_token: str | None = None
) -> list[str]:
    """Create every pull subscription and every push subscription whose target runs.

    `running` maps a function or service name to its base URL. Returns the names of the
    subscriptions skipped because their target is not running.
    """
    from google.api_core.exceptions import AlreadyExists
    from google.protobuf import duration_pb2

    skipped = []
    for sub in topology.subscriptions.values():
        request: dict = {
            "name": f"projects/{project}/subscriptions/{sub.name}",
            "topic": f"projects/{project}/topics/{sub.topic}",
            "ack_deadline_seconds": sub.ack_deadline_seconds,
            "retry_policy": {
                "minimum_backoff": duration_pb2.Duration(seconds=sub.retry_policy.minimum_backoff_seconds),
                "maximum_backoff": duration_pb2.Duration(seconds=sub.retry_policy.maximum_backoff_seconds),
            },
        }
        if sub.push is not None:
            base_url = running.get(sub.push.target)
            if base_url is None:
                skipped.append(sub.name)
                continue
            request["push_config"] = {"push_endpoint": push_endpoint(sub, base_url, project, service_token)}
        if sub.dead_letter is not None:
            request["dead_letter_policy"] = {
                "dead_letter_topic": f"projects/{project}/topics/{sub.dead_letter.topic}",
                "max_delivery_attempts": sub.dead_letter.max_delivery_attempts,
            }
        try:
            subscriber.create_subscription(request=request)
        except AlreadyExists:
            pass
    return skipped
