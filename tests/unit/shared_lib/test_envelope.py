import base64
import json

import pytest
from cloudevents.http import CloudEvent

from shared_lib.envelope import CLOUDEVENT_PUBSUB_TYPE, EnvelopeError, from_cloudevent, from_http, from_push

DATA = base64.b64encode(b'{"run_id": "r1"}').decode()
MESSAGE = {"data": DATA, "attributes": {"kind": "step"}, "messageId": "42", "publishTime": "2026-11-25T10:00:00Z"}
WRAPPED = {"message": MESSAGE, "subscription": "projects/p/subscriptions/s", "deliveryAttempt": 3}


def test_wrapped_push_envelope():
    message = from_push(json.dumps(WRAPPED).encode())
    assert message.message_id == "42"
    assert message.json() == {"run_id": "r1"}
    assert message.attributes == {"kind": "step"}
    assert message.subscription == "projects/p/subscriptions/s"
    assert message.delivery_attempt == 3
    assert message.delivery_key == "42@2026-11-25T10:00:00Z"


def test_cloudevent_object_as_functions_framework_builds_it():
    event = CloudEvent(
        {"type": CLOUDEVENT_PUBSUB_TYPE, "source": "//pubsub.googleapis.com/projects/p/topics/t", "id": "42"},
        {
            "message": {k: v for k, v in MESSAGE.items() if k != "messageId"},
            "subscription": "projects/p/subscriptions/s",
        },
    )
    message = from_cloudevent(event)
    assert message.message_id == "42"  # taken from the event id when the message lacks it
    assert message.data == b'{"run_id": "r1"}'


def test_binary_mode_cloudevent_over_http():
    headers = {
        "Content-Type": "application/json",
        "ce-id": "42",
        "ce-source": "//pubsub.googleapis.com/projects/p/topics/t",
        "ce-type": CLOUDEVENT_PUBSUB_TYPE,
        "ce-specversion": "1.0",
    }
    message = from_http(headers, json.dumps({"message": MESSAGE, "subscription": "s"}).encode())
    assert message.json() == {"run_id": "r1"} and message.subscription == "s"


def test_structured_mode_cloudevent_over_http():
    document = {
        "specversion": "1.0",
        "id": "42",
        "source": "//pubsub.googleapis.com/projects/p/topics/t",
        "type": CLOUDEVENT_PUBSUB_TYPE,
        "data": {"message": MESSAGE},
    }
    message = from_http({"content-type": "application/cloudevents+json; charset=utf-8"}, json.dumps(document).encode())
    assert message.message_id == "42"


def test_raw_push_over_http():
    assert from_http({"Content-Type": "application/json"}, json.dumps(WRAPPED).encode()).message_id == "42"


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, b"not json", "push envelope is not JSON"),
        ({}, b"[1, 2]", "must be a JSON object, got list"),
        ({}, b"{}", "no 'message' object"),
        ({}, json.dumps({"message": {"data": DATA}}).encode(), "no 'messageId'"),
        ({}, json.dumps({"message": {"messageId": "1", "data": "%%%"}}).encode(), "not valid base64"),
        ({}, json.dumps({"message": {"messageId": "1", "data": 7}}).encode(), "must be a base64 string"),
        (
            {},
            json.dumps({"message": {"messageId": "1", "attributes": {"a": 1}}}).encode(),
            "'attributes' must map strings",
        ),
        ({"Content-Type": "text/plain"}, b"hi", "unsupported content type 'text/plain'"),
        ({"ce-id": "1", "ce-type": CLOUDEVENT_PUBSUB_TYPE}, b"{}", "lacks headers: ce-source, ce-specversion"),
        (
            {"content-type": "application/cloudevents+json"},
            b'{"id": "1"}',
            "lacks attributes: source, type, specversion",
        ),
        (
            {"ce-id": "1", "ce-source": "s", "ce-type": "com.example.other", "ce-specversion": "1.0"},
            b"{}",
            "is not google.cloud.pubsub.topic.v1.messagePublished",
        ),
    ],
)
def test_garbage_gets_a_clear_error(headers, body, expected):
    with pytest.raises(EnvelopeError, match=None) as caught:
        from_http(headers, body)
    assert expected in str(caught.value)


def test_data_that_is_not_json_is_reported_with_the_message_id():
    message = from_push({"message": {"messageId": "9", "data": base64.b64encode(b"\xff").decode()}})
    with pytest.raises(EnvelopeError, match="message 9: data is not UTF-8 JSON"):
        message.json()


def test_delivery_key_falls_back_to_the_id_without_a_publish_time():
    assert from_push({"message": {"messageId": "9"}}).delivery_key == "9"


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"message": ' + b"1" * 5_000 + b"}"])
def test_a_hostile_push_body_is_an_envelope_error(body):
    with pytest.raises(EnvelopeError, match="push envelope is not JSON"):
        from_http({}, body)


@pytest.mark.parametrize("data", [b"[" * 100_000 + b"]" * 100_000, b'{"org_id": ' + b"1" * 5_000 + b"}"])
def test_a_hostile_payload_is_an_envelope_error(data):
    message = from_push({"message": {"messageId": "9", "data": base64.b64encode(data).decode()}})
    with pytest.raises(EnvelopeError, match="message 9: data is not UTF-8 JSON"):
        message.json()
