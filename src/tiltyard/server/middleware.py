"""A plain ASGI middleware (no BaseHTTPMiddleware: that one costs a task and a stream per
request, which shows at hundreds of requests a second): refuse an oversized upload before
reading it, and add the security headers to every response."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tiltyard.config import get_settings

UPLOAD_SLACK = 64 * 1024  # multipart headers and the other form fields
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin"}


class UploadLimitAndSecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        # uploads.saved_upload also counts bytes, for requests that do not say their length.
        limit = get_settings().max_submission_bytes + UPLOAD_SLACK
        if length.isdigit() and int(length) > limit:
            # errors imports the pages, which sit above this middleware; needed only to refuse.
            from tiltyard.server.errors import error_response
            from tiltyard.server.uploads import too_large

            response = error_response(Request(scope, receive), too_large(int(length)), 413)
            await response(scope, receive, self._with_headers(send))
            return
        await self.app(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        return send_with_headers
