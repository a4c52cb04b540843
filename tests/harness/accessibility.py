"""The structural accessibility rules (RGAA / WCAG 2.1 AA) a page's HTML can be
checked for without a browser: one h1 and no skipped heading level, `lang="fr"`,
a meaningful <title>, skip links that lead somewhere, a label for every form
control, radio and checkbox groups in a fieldset with a legend, error messages
tied to their fields and listed in a focused error summary, images and SVG with
a text alternative or hidden, tables with headers and a caption, unique ids,
links that are links. What needs layout (reflow at 360 px, focus visibility,
contrast) is the browser tests' business (axe-core in tests/e2e)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

DASH = "\u2013"  # the en dash between a title's parts (page, consultation, site)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}
ERROR_MESSAGE = ("fr-error-text", "fr-message--error")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def content(self) -> str:
        return " ".join(" ".join(n.text) for n in self.walk()).strip()


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.at = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.at.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.at))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data: str) -> None:
        self.at.text.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    return tree.root


def _titles(nodes: list[Node]) -> list[str]:
    """The document's <title> (an SVG's <title> names a shape, not the page)."""
    return [" ".join(n.content().split()) for n in nodes
            if n.tag == "title" and any(a.tag == "head" for a in n.ancestors())]


def title_of(html: str) -> str:
    found = _titles(list(parse(html).walk()))
    return found[0] if found else ""


def problems(html: str, site_name: str = "Parlons") -> list[str]:
    """What breaks the rules in `html`, in French-free plain words (empty: none)."""
    root = parse(html)
    nodes = list(root.walk())
    by_id: dict[str, Node] = {}
    out: list[str] = []
    for n in nodes:
        if "id" in n.attrs:
            if n.attrs["id"] in by_id:
                out.append(f"duplicate id {n.attrs['id']!r}")
            by_id.setdefault(n.attrs["id"], n)
    out += _document(nodes, by_id, site_name)
    out += _headings(nodes)
    out += _controls(nodes, by_id)
    out += _errors(nodes, by_id, site_name)
    out += _media_tables_links(nodes)
    return out


def _document(nodes: list[Node], by_id: dict[str, Node], site_name: str) -> list[str]:
    out = []
    html = next((n for n in nodes if n.tag == "html"), None)
    if html is None or html.attrs.get("lang") != "fr":
        out.append('<html> without lang="fr"')
    titles = _titles(nodes)
    parts = [p.strip() for p in titles[0].split(f" {DASH} ")] if len(titles) == 1 else []
    if not [p for p in parts if p and p != site_name]:
        out.append(f"no meaningful <title>: {titles}")
    elif parts.count(site_name) > 1:
        out.append(f"the site's name twice in the title: {titles[0]!r}")
    for n in nodes:
        if n.tag == "a" and any("fr-skiplinks" in a.classes() for a in n.ancestors()):
            href = n.attrs.get("href", "")
            if not href.startswith("#") or href[1:] not in by_id:
                out.append(f"skip link {href!r} leads nowhere")
    return out


def _headings(nodes: list[Node]) -> list[str]:
    out = []
    headings = [n for n in nodes if n.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]
    h1s = [n for n in headings if n.tag == "h1"]
    if len(h1s) != 1:
        out.append(f"{len(h1s)} h1 (one expected): {[n.content()[:60] for n in h1s]}")
    main = [n for n in headings if any(a.tag == "main" for a in n.ancestors())]
    previous = 0
    for n in main:
        level = int(n.tag[1])
        if previous == 0 and level != 1:
            out.append(f"{n.tag} before the page's h1: {n.content()[:60]!r}")
        elif level > previous + 1:
            out.append(f"{n.tag} after h{previous}: {n.content()[:60]!r}")
        previous = level
    return out


def _labelled(n: Node, by_id: dict[str, Node], labels_for: set[str]) -> bool:
    if n.attrs.get("id") in labels_for or any(a.tag == "label" for a in n.ancestors()):
        return True
    if n.attrs.get("aria-label", "").strip() or n.attrs.get("title", "").strip():
        return True
    ids = n.attrs.get("aria-labelledby", "").split()
    return bool(ids) and all(i in by_id for i in ids)


def _controls(nodes: list[Node], by_id: dict[str, Node]) -> list[str]:
    out = []
    labels_for = {n.attrs["for"] for n in nodes if n.tag == "label" and "for" in n.attrs}
    for label in labels_for:
        if label not in by_id:
            out.append(f"<label for={label!r}> names no element")
    groups: dict[tuple[int, str], list[Node]] = {}
    for n in nodes:
        if n.tag not in {"input", "select", "textarea"}:
            continue
        kind = n.attrs.get("type", "text")
        if n.tag == "input" and kind in UNLABELLED_TYPES:
            continue
        if not _labelled(n, by_id, labels_for):
            out.append(f"<{n.tag} name={n.attrs.get('name')!r}> without a label")
        if kind in {"radio", "checkbox"}:
            form = next((a for a in n.ancestors() if a.tag == "form"), None)
            groups.setdefault((id(form), n.attrs.get("name", "")), []).append(n)
    for (_, name), members in groups.items():
        if len(members) < 2 and members[0].attrs.get("type") != "radio":
            continue
        for member in members:
            fieldset = next((a for a in member.ancestors() if a.tag == "fieldset"), None)
            if fieldset is None or not any(c.tag == "legend" and c.content()
                                           for c in fieldset.children):
                out.append(f"the choices {name!r} outside a fieldset with a legend")
                break
    for n in nodes:
        if n.tag == "fieldset" and not any(c.tag == "legend" for c in n.children):
            out.append("a fieldset without a legend")
    return out


def _describers(nodes: list[Node]) -> dict[str, Node]:
    """Which element each id describes (aria-describedby, or a fieldset's
    aria-labelledby beyond its legend)."""
    out: dict[str, Node] = {}
    for n in nodes:
        for ref in (*n.attrs.get("aria-describedby", "").split(),
                    *n.attrs.get("aria-labelledby", "").split()):
            out.setdefault(ref, n)
    return out


def _errors(nodes: list[Node], by_id: dict[str, Node], site_name: str) -> list[str]:
    out = []
    described = _describers(nodes)
    messages = [n for n in nodes if n.classes() & set(ERROR_MESSAGE)]
    fields: list[Node] = []
    for m in messages:
        ref = m.attrs.get("id")
        if not ref or ref not in described:
            out.append(f"error message not tied to its field: {m.content()[:60]!r}")
        else:
            fields.append(described[ref])
    alerts = [n for n in nodes if "fr-alert--error" in n.classes()]
    has_form = any(n.tag == "form" for n in nodes)
    if not (messages or (alerts and has_form)):
        return out
    titles = _titles(nodes)
    if not titles or not titles[0].startswith("Erreur"):
        out.append(f"a page showing errors whose title does not say so: {titles}")
    summaries = [n for n in nodes if "parlons-error-summary" in n.classes()]
    if len(summaries) != 1:
        out.append(f"{len(summaries)} error summaries (one expected)")
        return out
    summary = summaries[0]
    for attr, value in (("role", "alert"), ("tabindex", "-1"), ("autofocus", "")):
        if summary.attrs.get(attr) != value:
            out.append(f"the error summary lacks {attr}={value!r} (announced and focused)")
    links = {n.attrs.get("href", "")[1:] for n in summary.walk() if n.tag == "a"}
    for f in fields:
        target = f
        if f.tag == "fieldset":  # a group: its first choice
            target = next((c for c in f.walk() if c.tag in {"input", "select", "textarea"}), f)
        if target.attrs.get("id") not in links:
            out.append(f"the error summary has no link to the field {target.attrs.get('id')!r}")
    for ref in links:
        if ref not in by_id:
            out.append(f"the error summary links to #{ref}, which is not on the page")
    return out


def _media_tables_links(nodes: list[Node]) -> list[str]:
    out = []
    for n in nodes:
        a = n.attrs
        if n.tag == "img" and "alt" not in a:
            out.append(f"<img src={a.get('src')!r}> without alt")
        elif n.tag == "svg" and a.get("aria-hidden") != "true" and not (
                a.get("role") in {"img", "group"} and (a.get("aria-label")
                                                       or a.get("aria-labelledby"))):
            out.append("an <svg> neither hidden nor named (role and aria-label)")
        elif n.tag == "table":
            cells = [c.tag for c in n.walk()]
            if "th" not in cells:
                out.append("a table without header cells")
            if "caption" not in cells and not a.get("aria-label"):
                out.append("a table without a caption")
        elif n.tag == "a" and "href" not in a and "aria-current" not in a:
            out.append(f"a link without href (a button?): {n.content()[:60]!r}")
        elif n.tag == "a" and "href" in a and (a["href"] in {"#", ""}
                                               or a["href"].startswith("javascript:")):
            out.append(f"a link to nowhere: {n.content()[:60]!r}")
        elif n.tag in {"a", "button"} and not (n.content() or a.get("aria-label")
                                               or a.get("title")):
            out.append(f"a <{n.tag}> without a name")
        elif a.get("tabindex", "0").lstrip("-").isdigit() and int(a.get("tabindex", "0")) > 0:
            out.append(f"a positive tabindex on <{n.tag}>")
        if n.tag == "button" and any(p.tag == "a" for p in n.ancestors()):
            out.append("a button inside a link")
    return out
