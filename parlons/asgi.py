"""ASGI entry point: HTTP (UI, API, static files) and websockets in one process.

The platforms' webhook deliveries (``/webhooks/...``) take a lean path: the same URLs and views, without the
browser middleware (sessions, sign-in, CSRF, language, security headers for pages). Those endpoints check the
platform's signature themselves and answer machines; skipping a dozen middleware, and the hops between the
server's event loop and worker threads that mixing sync and async middleware costs, is most of what an
acknowledgement takes (issue 5: acknowledge p95 < 50 ms)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402

django_asgi = get_asgi_application()

from parlons.web.routing import websocket_urlpatterns  # noqa: E402

WEBHOOK_PREFIX = "/webhooks/"


class WebhookHandler(ASGIHandler):
    """Django's ASGI handler with no middleware (what ``load_middleware`` builds from an empty list). The host is
    still checked against ``ALLOWED_HOSTS`` (``get_host``), as ``CommonMiddleware`` would."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []

        if is_async:

            async def checked(request):
                request.get_host()  # DisallowedHost -> 400, as for every other URL
                return await self._get_response_async(request)

        else:

            def checked(request):
                request.get_host()
                return self._get_response(request)

        self._middleware_chain = convert_exception_to_response(checked)


webhooks_asgi = WebhookHandler()


async def http(scope, receive, send):
    app = webhooks_asgi if scope.get("path", "").startswith(WEBHOOK_PREFIX) else django_asgi
    await app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
