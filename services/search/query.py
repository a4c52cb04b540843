"""The query language of the search box, parsed once into a small tree that every
adapter translates (so that all of them accept and refuse the same inputs).

    velo piste            both words (AND is the default)
    velo OR trottinette   either
    "piste cyclable"      a phrase
    -voiture              exclusion (also NOT voiture)
    (velo OR bus) ecole   grouping

Words are normalised with `analysis.stem`. Malformed input raises QuerySyntaxError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.search.analysis import stems
from services.search.errors import QuerySyntaxError

MAX_QUERY_CHARS = 500


@dataclass(frozen=True, slots=True)
class Term:
    stem: str


@dataclass(frozen=True, slots=True)
class Phrase:
    stems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


@dataclass(frozen=True, slots=True)
class MatchAll:
    pass


Node = Term | Phrase | And | Or | Not | MatchAll

_TOKEN = re.compile(r'\s*(?:(?P<phrase>"[^"]*")|(?P<open>\()|(?P<close>\))|(?P<minus>-)(?=\S)'
                    r'|(?P<word>[^\s()"]+)|(?P<quote>"))')


def parse(text: str) -> Node:
    """The tree of `text`; an empty query matches everything."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"La recherche dépasse {MAX_QUERY_CHARS} caractères.")
    tokens = _tokens(text)
    if not tokens:
        return MatchAll()
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.pos != len(tokens):
        raise QuerySyntaxError("Parenthèse fermante en trop.")
    return node


def positive_stems(node: Node) -> set[str]:
    """Stems a hit is expected to contain (for highlighting): not the excluded ones."""
    if isinstance(node, Term):
        return {node.stem}
    if isinstance(node, Phrase):
        return set(node.stems)
    if isinstance(node, And | Or):
        return set().union(*(positive_stems(p) for p in node.parts))
    return set()


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "quote":
            raise QuerySyntaxError("Guillemet non refermé.")
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self._keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.unary()]
        while (tok := self.peek()) is not None and tok[0] != "close" and tok[1] != "OR":
            self._keyword("AND")
            parts.append(self.unary())
        positives = [p for p in parts if not isinstance(p, Not)]
        if not positives:  # "-voiture" alone: everything but
            parts.insert(0, MatchAll())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("La recherche se termine par un opérateur.")
        if tok[0] == "minus" or tok == ("word", "NOT"):
            self.pos += 1
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("La recherche se termine par un opérateur.")
        kind, value = tok
        self.pos += 1
        if kind == "open":
            node = self.expression()
            if self.peek() is None or self.peek() == ("close", ")"):
                if self.peek() is None:
                    raise QuerySyntaxError("Parenthèse non refermée.")
                self.pos += 1
                return node
            raise QuerySyntaxError("Parenthèse non refermée.")
        if kind == "close":
            raise QuerySyntaxError("Parenthèse fermante inattendue.")
        if value in ("AND", "OR"):
            raise QuerySyntaxError(f"L'opérateur {value} doit relier deux termes.")
        if kind == "phrase":
            found = tuple(stems(value[1:-1]))
            if not found:
                raise QuerySyntaxError("Expression entre guillemets vide.")
            return Phrase(found) if len(found) > 1 else Term(found[0])
        found = tuple(stems(value))
        if not found:  # punctuation only ("!!"): nothing to look for
            raise QuerySyntaxError(f"« {value} » ne contient aucun mot.")
        return Term(found[0]) if len(found) == 1 else Phrase(found)  # "l'école" -> phrase

    def _keyword(self, word: str) -> bool:
        if self.peek() == ("word", word):
            self.pos += 1
            return True
        return False
