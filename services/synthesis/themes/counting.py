"""Hashed term counts of many texts at once: the matrix that
`HashingVectorizer(analyzer=FrenchAnalyzer(), alternate_sign=False, norm=None)`
gives, with the same surface words recorded in the analyser, without running the
analyser once per document.

Why: run per document, the analyser's regular expression, stem-cache lookups and
surface counting are Python work for every word, most of a run's time on
1,000,000 contributions. Here the texts of a block are lowercased and split on
white space in C; each distinct piece ("vélos," or "l'isf") goes through the
analyser once, and numpy expands pieces into hashed features per document.
White space is never part of a word, so the words are those of each whole text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from scipy import sparse

from services.synthesis.groups.matrix import IntArray
from services.synthesis.themes.french import FrenchAnalyzer

_Int = TypeVar("_Int", np.int32, np.int64)
_SEPARATOR = "\x00"  # neither white space nor a letter: a piece of its own between texts
_BLOCK = 50_000  # texts per block: bounds the memory held by the pieces' strings


@functools.cache
def _murmurhash3_32() -> Callable[..., int]:
    # imported at the first count, not with the module: scikit-learn's import costs
    # ~1.5 s of every process's start-up, and most processes never count (ADR 0084)
    from sklearn.utils import murmurhash3_32

    return murmurhash3_32  # type: ignore[no-any-return]


def feature_of(term: str, n_features: int) -> int:
    """The column HashingVectorizer gives a term (same hash, same sign handling)."""
    h = int(_murmurhash3_32()(term, seed=0))
    if h == -(2**31):  # as sklearn: abs(-2**31) overflows an int32
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(h) % n_features


def count_terms(texts: Sequence[str], analyzer: FrenchAnalyzer,
                n_features: int) -> sparse.csr_matrix:
    """Documents x hashed features, float64 counts, indices sorted per row."""
    pieces = _Pieces(analyzer, n_features)
    blocks = [pieces.count(texts[start:start + _BLOCK])
              for start in range(0, len(texts), _BLOCK)]
    pieces.record_surface()
    if not blocks:
        return sparse.csr_matrix((0, n_features), dtype=np.float64)
    return sparse.vstack(blocks, format="csr")


class _Pieces:
    """Distinct white-space-separated pieces seen so far, each with its features."""

    def __init__(self, analyzer: FrenchAnalyzer, n_features: int) -> None:
        self._analyzer = analyzer
        self._n_features = n_features
        self._id = _Ids(self._add)
        self._id[_SEPARATOR] = 0
        self._words: list[list[tuple[str, str]]] = [[]]  # piece -> its (term, word)
        self._features: list[int] = []  # all pieces' features, piece after piece
        self._bounds: list[int] = [0, 0]  # piece p: _features[_bounds[p]:_bounds[p + 1]]
        self._uses: IntArray = np.zeros(1, dtype=np.int64)
        self._feature_array = np.zeros(0, dtype=np.int32)  # _features and _bounds as
        self._bound_array: IntArray = np.zeros(0, dtype=np.int64)  # arrays, grown per block

    def count(self, texts: Sequence[str]) -> sparse.csr_matrix:
        pieces = _split(texts)
        ids = np.fromiter(map(self._id.__getitem__, pieces), dtype=np.int64,
                          count=len(pieces))
        self._uses = _grown(self._uses, len(self._id))
        self._uses += np.bincount(ids, minlength=len(self._id))
        rows = np.cumsum(ids == 0)[ids != 0]  # the text each piece belongs to
        ids = ids[ids != 0]
        self._feature_array = _extended(self._feature_array, self._features)
        self._bound_array = _extended(self._bound_array, self._bounds)
        bounds = self._bound_array
        starts, lengths = bounds[:-1][ids], np.diff(bounds)[ids]
        ends = np.cumsum(lengths)  # each piece's features, one after the other:
        position = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(
            starts - (ends - lengths), lengths)
        columns = self._feature_array[position]
        matrix = sparse.csr_matrix(
            (np.ones(len(columns)), (np.repeat(rows, lengths), columns)),
            shape=(len(texts), self._n_features))
        matrix.sum_duplicates()
        return matrix

    def record_surface(self) -> None:
        """Tell the analyser which words it read, as often as it read them."""
        for piece, uses in enumerate(self._uses.tolist()):
            for term, word in self._words[piece] if uses else ():
                self._analyzer.saw(term, word, uses)

    def _add(self, piece: str) -> int:
        words = [(term, word) for word in self._analyzer.words(piece)
                 if (term := self._analyzer.term(word)) is not None]
        self._words.append(words)
        self._features.extend(feature_of(term, self._n_features) for term, _ in words)
        self._bounds.append(len(self._features))
        return len(self._words) - 1


class _Ids(dict[str, int]):
    """Piece -> id; a piece seen for the first time is analysed once and numbered."""

    def __init__(self, add: Callable[[str], int]) -> None:
        super().__init__()
        self._add = add

    def __missing__(self, piece: str) -> int:
        self[piece] = number = self._add(piece)
        return number


def _split(texts: Sequence[str]) -> list[str]:
    """Lowercased pieces of the texts, a separator piece between two texts."""
    glue = f" {_SEPARATOR} "
    joined = glue.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:  # a text holds one: not a letter
        joined = glue.join(text.replace(_SEPARATOR, " ") for text in texts)
    return joined.lower().split()


def _grown(array: IntArray, size: int) -> IntArray:
    return np.concatenate([array, np.zeros(size - len(array), dtype=array.dtype)])


def _extended(array: npt.NDArray[_Int], values: list[int]) -> npt.NDArray[_Int]:
    """`array` (a copy of values' head) followed by the values it lacks."""
    return np.concatenate([array, np.asarray(values[len(array):], dtype=array.dtype)])
