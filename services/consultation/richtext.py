"""Markdown -> safe HTML for articles, news and reports.

markdown-it-py (CommonMark, raw HTML disabled) renders; nh3 (ammonia) then keeps
only an allowlist of tags and attributes, so whatever the Markdown contains, the
output is safe to insert unescaped into a page: no script, no style, no event
handler, no javascript: URL, no image (images would load from third parties).
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"},
                      "td": {"align"}}
URL_SCHEMES = {"https", "http", "mailto"}


@functools.cache
def _markdown() -> MarkdownIt:
    # "js-default": CommonMark without raw HTML; tables enabled, links not auto-guessed.
    return MarkdownIt("js-default").enable("table")


_HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(source: str, *, top: int | None = None) -> str:
    """Sanitised HTML of `source`. Headings start at h2: the page owns h1. With
    `top`, every heading moves down so that « # » is h<top>, « ## » the level
    below (h6 the deepest): a text shown under one of the page's own headings."""
    html = _markdown().render(source)
    if top is None:
        html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    else:
        html = _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + top - 1)}>", html)
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
