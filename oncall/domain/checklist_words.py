"""The words checklist rules 9 and 13 read (reference/triage.md 9.2): which first words make a
yes/no question or an imperative step, and what a secret looks like."""

from __future__ import annotations

import re

#: First words of a yes/no question ("Is...", "Can...", "Did...").
YES_NO_STARTERS = frozenset(
    [
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "has",
        "have",
        "had",
        "may",
        "might",
        "must",
        "any",
        "anyone",
        "anything",
    ]
)
#: First words that cannot start an imperative.
NOT_IMPERATIVE = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "we",
        "our",
        "you",
        "your",
        "i",
        "my",
        "he",
        "she",
        "they",
        "their",
        "there",
        "here",
        "if",
        "when",
        "maybe",
        "perhaps",
        "please",
        "someone",
        "something",
        "everything",
        "nothing",
        "all",
        "some",
        "what",
        "which",
        "who",
        "why",
        "how",
        "where",
    ]
)
#: Verbs that end in -ed and -ing yet are imperatives.
ED_VERBS = frozenset(
    [
        "need",
        "feed",
        "shed",
        "seed",
        "speed",
        "embed",
        "bleed",
        "proceed",
        "exceed",
        "succeed",
        "heed",
        "breed",
    ]
)
ING_VERBS = frozenset(["bring", "ring", "sing", "string", "swing", "sting", "wing"])
SECRETS = (
    re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*\S+"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}"),
)
#: A word in capitals, which reads as shouting (rule 9).
CAPS_WORD = re.compile(r"\b[A-Z]{5,}\b")
