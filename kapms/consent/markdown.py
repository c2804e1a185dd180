"""Consent text: Markdown to safe HTML. markdown-it-py renders CommonMark with raw HTML
turned off; nh3 (the Ammonia sanitizer) then keeps only the tags and attributes a document
needs, so a document can carry no script, style, form or remote image, whoever wrote it."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "blockquote",
                "hr", "br", "a", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


def to_html(body: str) -> Markup:
    """The version's Markdown as sanitized HTML, safe to put in a page or a PDF."""
    html = _md.render(body or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"https", "mailto", "tel"}, link_rel="noopener noreferrer"))
