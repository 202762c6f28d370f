"""Cloud Function entry points: `analytics_api` (HTTP: ingest, queries) and
`ingest_usage` (CloudEvent: the usage-events consumer)."""

import functions_framework

from shared_lib.envelope import from_cloudevent

from netra_analytics import bootstrap, routes

# Read and validated at cold start: a bad setting stops the instance, named, before any request.
SETTINGS, _OWN = bootstrap.settings()


@functions_framework.http
def analytics_api(request):
    return routes.dispatch(request, bootstrap.service, SETTINGS.cors_allowed_origins)


@functions_framework.cloud_event
def ingest_usage(event):
    bootstrap.service().store_usage(from_cloudevent(event))
