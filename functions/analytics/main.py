"""Cloud Function entry points: `analytics_api` (HTTP: ingest, queries) and
`ingest_usage` (CloudEvent: the usage-events consumer)."""

import functions_framework

from netra_analytics import routes


@functions_framework.http
def analytics_api(request):
    from shared_lib.config import settings

    from netra_analytics.bootstrap import service

    return routes.dispatch(request, service, local=settings().is_local)


@functions_framework.cloud_event
def ingest_usage(event):
    from shared_lib.envelope import from_cloudevent

    from netra_analytics.bootstrap import service

    service().store_usage(from_cloudevent(event))
