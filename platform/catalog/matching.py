"""How well a query matches an app's texts, the same on PostgreSQL and SQLite.

The database finds the candidates with its indexes (``repository.candidates``); the score and
the highlighted spans are computed here, so both backends rank alike:

- a substring of a name (case-folded) scores 1.0 at the start of the name, 0.9 at the start of
  a word, 0.8 elsewhere: prefixes and two-character Chinese queries match this way;
- otherwise the best trigram similarity between the query and one word of the text (pg_trgm's
  padded trigrams, ``similarity``), accepted from ``FUZZY_THRESHOLD``: one wrong letter in
  "Uniswap" is 0.45 or more;
- tags count at 0.7 of a name and short descriptions at 0.5.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

FUZZY_THRESHOLD = 0.4
MAX_QUERY = 64
WEIGHTS = {"name": 1.0, "tag": 0.7, "short_description": 0.5}
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed (full-width letters match their ASCII form)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: two spaces before, one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def query_trigrams(query: str) -> list[str]:
    """The unpadded trigrams of the query's words, for SQLite's FTS5 trigram index."""
    grams: dict[str, None] = {}
    for word in _WORD.findall(normalise(query)):
        for i in range(len(word) - 2):
            grams[word[i : i + 3]] = None
    return list(grams)


@dataclass
class Match:
    score: float = 0.0
    spans: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)


def _substring_spans(needle: str, text: str) -> list[tuple[int, int]]:
    """Where ``needle`` (normalised) occurs in ``text``, in positions of ``text`` itself."""
    folded = text.casefold()
    if len(folded) != len(text):  # a letter that folds to two: fall back to no highlight
        return []
    spans, start = [], folded.find(needle)
    while start >= 0 and needle:
        spans.append((start, start + len(needle)))
        start = folded.find(needle, start + len(needle))
    return spans


def _substring_score(needle: str, text: str) -> float:
    folded = normalise(text)
    at = folded.find(needle)
    if at < 0:
        return 0.0
    if at == 0:
        return 1.0
    return 0.9 if not folded[at - 1].isalnum() else 0.8


def _fuzzy(needle: str, text: str) -> tuple[float, list[tuple[int, int]]]:
    best, spans = 0.0, []
    words = _WORD.findall(needle) or [needle]
    for query_word in words:
        for found in _WORD.finditer(text):
            score = similarity(query_word, found.group().casefold())
            if score > best:
                best, spans = score, [(found.start(), found.end())]
    return best, spans


def score(query: str, fields: Iterable[tuple[str, str, str]]) -> Match:
    """Score ``fields`` — (kind, language, text) with kind name, tag or short_description."""
    needle = normalise(query)
    match = Match()
    for kind, language, text in fields:
        if not text:
            continue
        weight = WEIGHTS[kind]
        value = _substring_score(needle, text)
        spans = _substring_spans(needle, text) if value else []
        if not value:
            value, spans = _fuzzy(needle, text)
            if value < FUZZY_THRESHOLD:
                continue
            value *= 0.95  # an exact substring ranks above a near miss of the same strength
        if spans and kind != "tag":
            match.spans.setdefault((kind, language), spans)
        match.score = max(match.score, round(value * weight, 6))
    return match
