"""Security headers on every response (error pages included)."""

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def init_app(app) -> None:
    """Register the header hook and the session cookie policy."""
    app.session_interface = SessionCookies()

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["X-Frame-Options"] = "DENY"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Anything behind a sign-in may show patient data: never cache it.
        if request.endpoint != "static":
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response



class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https (behind a TLS
    proxy this needs PROXY_FIX_HOPS), so production cannot forget SESSION_COOKIE_SECURE."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]
                    or (has_request_context() and request.is_secure))
