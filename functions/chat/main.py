"""Cloud Function entry point `chat`: threads, messages, runs, WebSocket tickets."""

import functions_framework

from netra_chat import routes


@functions_framework.http
def chat(request):
    from netra_chat.bootstrap import service

    return routes.dispatch(request, service)
