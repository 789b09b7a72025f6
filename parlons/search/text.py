"""Text normalisation shared by the SQLite index and the queries: accent folding and a light EN/FR stemmer.

The stemmer is deliberately small and predictable, not Snowball: it folds accents and case, then strips the
common plural and feminine endings of English and French (``permits`` -> ``permit``, ``études`` -> ``etud``,
``étude`` -> ``etud``, ``bureaux`` -> ``bureau``, ``journaux`` -> ``journal``, ``policies`` -> ``policy``).
It does not conjugate verbs. PostgreSQL uses its own Snowball stemmers (``french_stem``, ``english_stem``).
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents: ``Étude`` -> ``etude``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    w = fold(word)
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("eaux"):
        return w[:-1]
    if w.endswith("aux") and len(w) > 4:
        return w[:-3] + "al"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("s", "x")) and not w.endswith("ss"):
        w = w[:-1]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def stems_of(text: str) -> str:
    """The stems of every word of a text, space separated (what the SQLite ``stems`` column holds)."""
    return " ".join(stem(w) for w in WORD.findall(text))
