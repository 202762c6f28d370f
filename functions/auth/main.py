"""Cloud Function entry point `auth`: OAuth sign-in, tokens, validation, API keys."""

import functions_framework

from netra_auth import bootstrap, routes

# Read and validated at cold start: a bad setting stops the instance, named, before any request.
SETTINGS, _ = bootstrap.settings()


@functions_framework.http
def auth(request):
    return routes.dispatch(request, bootstrap.service, SETTINGS.cors_allowed_origins)
