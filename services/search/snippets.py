"""Highlighted snippets, computed the same way for every adapter: the window of the
text with the most query words, HTML-escaped, matches wrapped in <mark>."""

from __future__ import annotations

from html import escape

from services.search.analysis import words

WINDOW = 200


def snippet(text: str, wanted: set[str], *, window: int = WINDOW) -> str:
    spans = [(a, b) for s, a, b in words(text) if s in wanted]
    if not spans:
        return escape(_cut(text, 0, window))
    start = _best_start([a for a, _ in spans], window)
    begin = max(0, start - 20)
    if begin > 0:  # start on a word boundary
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if start - space < 60 else begin
    end = min(len(text), begin + window)
    out, pos = [], begin
    for a, b in spans:
        if a < begin or b > end:
            continue
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + "".join(out) + suffix


def _best_start(starts: list[int], window: int) -> int:
    best, best_count = starts[0], 0
    for a in starts[:50]:  # long texts: the first matches are enough to choose from
        count = sum(1 for s in starts if a <= s < a + window - 40)
        if count > best_count:
            best, best_count = a, count
    return best


def _cut(text: str, begin: int, window: int) -> str:
    part = text[begin:begin + window]
    return part + (" …" if len(text) > begin + window else "")
