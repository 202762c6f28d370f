"""Cloud Function entry point `auth`: OAuth sign-in, tokens, validation, API keys."""

import functions_framework

from netra_auth import routes


@functions_framework.http
def auth(request):
    from netra_auth.bootstrap import service

    return routes.dispatch(request, service)
