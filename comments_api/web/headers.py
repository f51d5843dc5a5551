"""The security headers on every answer: static pages, API JSON, the service's HTML pages, 404s.

The theme and the service's pages need nothing but their own origin: scripts and styles are
files under /theme/, images are same-origin SVGs, the scripts fetch /api/ and the forms post
there. The one inline <script> is a JSON-LD data block, which browsers never run, so the
policy holds no 'unsafe-inline'. An answer that sets its own policy (the avatars) keeps it.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",  # the search index runs as WebAssembly
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Only features Chromium, Firefox and Safari know; an unknown name is a console error.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # For browsers without frame-ancestors, and for answers with their own policy.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Content-Type-Options": "nosniff",
}


def add_security_headers(response: Response) -> Response:
    """Add the security headers an answer does not set itself."""
    # One pass over the answer's headers: every answer of the service goes through here.
    present = {name.lower() for name, _ in response.headers.items()}
    response.headers.extend(
        [(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present]
    )
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every answer of `app`, error pages included."""
    app.after_request(add_security_headers)
