"""Forms as a browser sees them: parse a page's <form>s (action, method, fields with their
current values and choices) and a small HTTP client that signs in and submits them.

Shared by the double-submit test (real threads against a live server) and the hostile
input test (the Flask test client)."""

import http.client
import re
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit


@dataclass
class Field:
    """One named control: its type, the value a browser would send, and its choices."""

    name: str
    kind: str  # input type, "select", "select-multiple" or "textarea"
    value: str | None = None  # None: a browser sends nothing (unchecked box, no choice)
    choices: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    """A <form> of a page."""

    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    enctype: str = "application/x-www-form-urlencoded"

    def values(self, **overrides) -> list[tuple[str, str]]:
        """(name, value) pairs a browser would send, with ``overrides`` replacing (or
        adding) fields; a list value sends the name once per item."""
        pairs, done = [], set()
        for f in self.fields:
            if f.name in overrides:
                if f.name not in done:
                    pairs += _pairs(f.name, overrides[f.name])
                    done.add(f.name)
            elif f.value is not None:
                pairs.append((f.name, f.value))
        for name, value in overrides.items():
            if name not in done:
                pairs += _pairs(name, value)
        return pairs

    def field_named(self, name: str) -> Field | None:
        """The first field called ``name``."""
        return next((f for f in self.fields if f.name == name), None)


def _pairs(name, value) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [(name, str(v)) for v in value]
    return [(name, str(value))]


class _FormParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base, self.forms, self.form, self.select, self.textarea = base, [], None, None, None
        self.option = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self.form = PageForm(action=urljoin(self.base, a.get("action") or self.base),
                                 method=(a.get("method") or "get").lower(),
                                 enctype=a.get("enctype") or "application/x-www-form-urlencoded")
            self.forms.append(self.form)
        elif self.form is None or "name" not in a and tag in ("input", "select", "textarea"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            checked = "checked" in a
            existing = self.form.field_named(a["name"]) if kind == "radio" else None
            if existing is not None:
                existing.choices.append(a.get("value", "on"))
                if checked:
                    existing.value = a.get("value", "on")
                return
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            f = Field(a["name"], kind, value if checked or kind not in ("checkbox", "radio")
                      else None, [a.get("value", "on")] if kind in ("checkbox", "radio") else [])
            self.form.fields.append(f)
        elif tag == "select":
            self.select = Field(a["name"], "select-multiple" if "multiple" in a else "select")
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = a.get("value")
            self.select.choices.append(self.option if self.option is not None else "")
            if "selected" in a and self.select.kind == "select":
                self.select.value = self.select.choices[-1]
        elif tag == "textarea":
            self.textarea = Field(a["name"], "textarea", "")
            self.form.fields.append(self.textarea)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            if self.select.kind == "select" and self.select.value is None and self.select.choices:
                self.select.value = self.select.choices[0]
            self.select = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea":
            self.textarea = None


def page_forms(html: str, url: str = "http://localhost/") -> list[PageForm]:
    """Every <form> of ``html`` (actions resolved against ``url``)."""
    parser = _FormParser(url)
    parser.feed(html)
    return parser.forms


def find_form(html: str, action_part: str, url: str = "http://localhost/") -> PageForm:
    """The first form whose action contains ``action_part`` (ends with it, when
    ``action_part`` ends with "$")."""
    for form in page_forms(html, url):
        path = urlsplit(form.action).path
        if path.endswith(action_part[:-1]) if action_part.endswith("$") else \
                action_part in form.action:
            return form
    raise AssertionError(f"no form posting to {action_part!r}")


def links(html: str) -> list[str]:
    """Every href of the page."""
    return re.findall(r'href="([^"#]*)"', html)


def multipart(pairs, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = uuid.uuid4().hex
    out = []
    for name, value in pairs:
        if name in files:
            continue
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n".encode())
    for name, (filename, content) in files.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                   f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                   + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class Browser:
    """A cookie-keeping HTTP client for a live server (one connection per request, so
    several threads can send through one signed-in browser at once)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str, str, str | None]:
        """(status, Location header, body text, Set-Cookie); never follows redirects."""
        url = urlsplit(urljoin(self.base + "/", path))
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, url.path + (f"?{url.query}" if url.query else ""), body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        return response.status, response.getheader("Location") or "", text, \
            response.getheader("Set-Cookie")

    def get(self, path: str) -> str:
        """The page at ``path`` (keeping the session cookie); fails on an error status."""
        status, _, text, cookie = self.request("GET", path)
        self._keep(cookie)
        assert status == 200, (path, status)
        return text

    def send(self, form: PageForm, files=None, keep_cookie=True, **overrides):
        """Submit ``form`` with ``overrides``: (status, location, body)."""
        pairs = form.values(**overrides)
        if files:
            body, content_type = multipart(pairs, files)
        else:
            body, content_type = urlencode(pairs).encode(), "application/x-www-form-urlencoded"
        status, location, text, cookie = self.request("POST", form.action, body, content_type)
        if keep_cookie:
            self._keep(cookie)
        return status, location, text

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the login form (CSRF token and all)."""
        form = find_form(self.get("/login"), "/login", self.base + "/login")
        status, location, _ = self.send(form, email=email, password=password)
        assert status == 302 and "/login" not in location, (status, location)

    def _keep(self, set_cookie: str | None) -> None:
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
