"""The local push check of the usage consumer's route (Pub/Sub's OIDC does it in GCP)."""

import pytest

from shared_lib.push_auth import PushAuthenticator, PushRefused


def test_only_the_shared_token_passes_and_it_is_read_once_at_the_first_push():
    reads = []
    push = PushAuthenticator(lambda: reads.append(1) or "s3cret-token")
    for query in ({}, {"token": ""}, {"token": "s3cret-toke"}, {"token": "S3CRET-TOKEN"}):
        with pytest.raises(PushRefused):
            push.check({}, query)
    push.check({}, {"token": "s3cret-token"})
    assert reads == [1]


def test_without_a_token_configured_every_push_is_refused():
    with pytest.raises(PushRefused):
        PushAuthenticator(lambda: None).check({}, {"token": ""})
    with pytest.raises(PushRefused):
        PushAuthenticator(None).check({}, {"token": "anything"})


def test_with_a_push_identity_an_oidc_bearer_token_is_required():
    push = PushAuthenticator("unused", service_account="push@p.iam.gserviceaccount.com", audience="https://a")
    with pytest.raises(PushRefused, match="missing OIDC token"):
        push.check({}, {"token": "unused"})  # the shared token means nothing once OIDC is configured
    with pytest.raises(PushRefused, match="missing OIDC token"):
        push.check({"Authorization": "Basic abc"}, {})
