"""Messages published with the official client reach CloudEvent functions through push
subscriptions built from the topology; failures end in the dead-letter topic."""

from __future__ import annotations

import base64
import json

import httpx

from shared_lib.clients.pubsub import publisher_client, subscriber_client, subscription_path, topic_path
from tests.helpers import eventually


def test_published_message_reaches_the_function_through_its_push_subscription(settings, redis, unique):
    publisher = publisher_client(settings)
    message_id = publisher.publish(
        topic_path(settings, "test-events"), b'{"hello": "netra"}', test_key=unique, origin="test"
    ).result(timeout=10)

    raw = eventually(
        lambda: redis.lrange(f"recorder:{unique}", 0, -1), timeout=30, what="the recorder function saw the message"
    )
    assert len(raw) == 1
    entry = json.loads(raw[0])
    assert entry["message_id"] == message_id
    assert json.loads(entry["data"]) == {"hello": "netra"}
    assert entry["attributes"] == {"test_key": unique, "origin": "test"}
    # functions-framework took the topic from the push endpoint's path.
    assert entry["source"].endswith(f"/projects/{settings.project_id}/topics/test-events")


def test_a_redelivered_message_is_processed_once(platform, settings, redis, unique):
    recorder = next(item for item in platform.started if item.name == "recorder")
    envelope = {
        "message": {
            "data": base64.b64encode(b"again").decode(),
            "attributes": {"test_key": unique},
            "messageId": f"redelivered-{unique}",
            "publishTime": "2026-11-25T00:00:00Z",
        },
        "subscription": f"projects/{settings.project_id}/subscriptions/recorder-events",
    }
    url = f"{recorder.url}/projects/{settings.project_id}/topics/test-events"
    for _ in range(3):
        assert httpx.post(url, json=envelope).status_code == 200
    assert len(redis.lrange(f"recorder:{unique}", 0, -1)) == 1


def test_a_function_that_keeps_failing_sends_the_message_to_the_dead_letter_topic(settings, redis, unique):
    publisher = publisher_client(settings)
    subscriber = subscriber_client(settings)
    message_id = publisher.publish(topic_path(settings, "test-failures"), b"poison", test_key=unique).result(timeout=10)

    hold = subscription_path(settings, "dead-letter-hold")

    def dead_lettered():
        response = subscriber.pull(request={"subscription": hold, "max_messages": 10}, timeout=5)
        mine = [m for m in response.received_messages if m.message.attributes.get("test_key") == unique]
        others = [m.ack_id for m in response.received_messages if m not in mine]
        if others:  # leave other tests' messages for them
            subscriber.modify_ack_deadline(request={"subscription": hold, "ack_ids": others, "ack_deadline_seconds": 0})
        if mine:
            subscriber.acknowledge(request={"subscription": hold, "ack_ids": [m.ack_id for m in mine]})
        return mine

    received = eventually(dead_lettered, timeout=60, interval=0.5, what="the message in the dead-letter topic")
    assert len(received) == 1
    assert received[0].message.data == b"poison"
    # Every attempt reached the function before the message was dead-lettered.
    assert int(redis.get(f"failing:{unique}")) == 5
    assert received[0].message.message_id != "" and message_id
