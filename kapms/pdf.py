"""HTML -> PDF bytes with WeasyPrint and a locked-down URL fetcher.

Only two kinds of reference are ever loaded: ``data:`` URLs and the app's own static
files (``/static/...``, read straight from kapms/static, never over the network).
Everything else — ``file://``, ``http(s)://``, other paths — is refused, so text a user
typed into a note can never make the server read a local file or call out.
"""

from pathlib import Path
from urllib.parse import unquote, urlparse

STATIC_ROOT = (Path(__file__).resolve().parent / "static").resolve()
# A fake origin for relative links in the document; only its /static/ paths resolve.
BASE_URL = "https://kapms.invalid/"
_MIME = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml",
         ".jpg": "image/jpeg", ".woff2": "font/woff2", ".ttf": "font/ttf"}


class FetchRefused(ValueError):
    """A document referred to something outside the allow-list."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """WeasyPrint fetcher allowing only data: URLs and files under kapms/static."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            return URLFetcherResponse(url, body=static_file(url), headers={
                "Content-Type": _MIME.get(Path(urlparse(url).path).suffix,
                                          "application/octet-stream")})

    return SafeURLFetcher


def static_file(url: str) -> bytes:
    """The bytes of an app static file named by ``url``; FetchRefused for anything else."""
    parsed = urlparse(url)
    if f"{parsed.scheme}://{parsed.netloc}/" == BASE_URL and parsed.path.startswith("/static/"):
        path = (STATIC_ROOT / unquote(parsed.path[len("/static/"):])).resolve()
        if path.is_relative_to(STATIC_ROOT) and path.is_file():
            return path.read_bytes()
    raise FetchRefused(f"refused to fetch {url[:80]!r}")


def render_pdf(html: str) -> bytes:
    """Render an HTML string (from a template) to PDF bytes.

    Refused references are skipped by WeasyPrint (logged as warnings), so a hostile
    reference costs an image, never the document.
    """
    from weasyprint import HTML

    fetcher = _fetcher_class()(allowed_protocols={"data", "https"})
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
