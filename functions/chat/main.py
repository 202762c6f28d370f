"""Cloud Function entry point `chat`: threads, messages, runs, WebSocket tickets."""

import functions_framework

from netra_chat import bootstrap, routes

# Read and validated at cold start: a bad setting stops the instance, named, before any request.
SETTINGS = bootstrap.settings()


@functions_framework.http
def chat(request):
    return routes.dispatch(request, bootstrap.service, SETTINGS.cors_allowed_origins)
