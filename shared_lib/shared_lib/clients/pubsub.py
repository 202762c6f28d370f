"""Pub/Sub publisher and admin clients; an emulator host in settings means an insecure channel.

The SDK and gRPC are imported in the factories: heavy, kept off the cold start of every importer.
"""

from __future__ import annotations

from shared_lib.config import Settings


def _grpc_channel(settings: Settings):
    import grpc

    # gRPC's default 4 MB receive limit is below what a pull of a few usage batches returns
    # (up to 4 MB each); the SDK's own channel to Pub/Sub has no limit either. The launcher
    # restarts a dead emulator within seconds: gRPC's reconnect backoff (growing to 120 s)
    # would leave a component unable to publish long after it is back, failing the next
    # step's deadline, so a reconnect is tried at least every second.
    return grpc.insecure_channel(
        settings.pubsub_emulator_host,
        options=[
            ("grpc.max_receive_message_length", -1),
            ("grpc.max_send_message_length", -1),
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 1000),
        ],
    )


# Every publisher here waits for its message's acknowledgement before it answers (intake's
# 202, a step's hand-off), so the SDK's wait of 10 ms for more messages to batch is 10 ms on
# each such answer (a message over 1 MB goes at once; a usage batch of 1,000 events waited).
# Messages published within the same millisecond still go together.
MAX_BATCH_LATENCY_SECONDS = 0.001


def publisher_client(settings: Settings):
    from google.cloud import pubsub_v1

    batching = pubsub_v1.types.BatchSettings(max_latency=MAX_BATCH_LATENCY_SECONDS)
    if settings.pubsub_emulator_host:
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

        return pubsub_v1.PublisherClient(batching, transport=PublisherGrpcTransport(channel=_grpc_channel(settings)))
    return pubsub_v1.PublisherClient(batching)


def subscriber_client(settings: Settings):
    from google.cloud import pubsub_v1

    if settings.pubsub_emulator_host:
        from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

        return pubsub_v1.SubscriberClient(transport=SubscriberGrpcTransport(channel=_grpc_channel(settings)))
    return pubsub_v1.SubscriberClient()


def topic_path(settings: Settings, topic: str) -> str:
    return f"projects/{settings.project_id}/topics/{topic}"


def subscription_path(settings: Settings, subscription: str) -> str:
    return f"projects/{settings.project_id}/subscriptions/{subscription}"
