"""CMRC2018-style answer scores: F1 from the longest common run of tokens, and
exact match, over answers without their citation markers (eval/metrics.py
scores records with them)."""
from __future__ import annotations

import difflib
import re
import string
import unicodedata
from collections.abc import Sequence

# CMRC2018's own list, kept for its symbols (+ = ^ ~ `) that Unicode does not
# class as punctuation; string.punctuation covers the rest of ASCII.
_CMRC_SP_CHARS = frozenset(
    "-:_*^/\\~`+=，。：？！“”；’《》…·、「」（）－～『』"
)
_EXTRA_PUNCTUATION = _CMRC_SP_CHARS | frozenset(string.punctuation)
# CJK characters become single tokens via `\S`; a run of Latin letters and
# digits stays one token, as the NLTK step of the official script does.
_TOKEN = re.compile(r"[0-9a-z]+(?:\.[0-9]+)*|\S")
# The answerer appends markers like "[2]"; they are not part of the answer.
_CITATION_MARKER = re.compile(r"[\[【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】]")


def _is_punctuation(char: str) -> bool:
    return char in _EXTRA_PUNCTUATION or unicodedata.category(char).startswith("P")


def answer_tokens(text: str) -> list[str]:
    """Tokens for CMRC2018-style F1/EM.

    NFKC folds full-width letters and digits (１２３, ＡＢＣ) into ASCII, then
    the text is lowercased, whitespace and Chinese/English punctuation are
    dropped, each CJK character is a token and each Latin/digit run is a token.
    """
    normalized = unicodedata.normalize("NFKC", text).lower()
    return [token for token in _TOKEN.findall(normalized) if not all(map(_is_punctuation, token))]


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    # autojunk would silently ignore frequent tokens (common CJK characters)
    # in longer texts and under-report the match.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.find_longest_match(0, len(a), 0, len(b)).size


def char_f1(prediction: str, reference: str) -> float:
    """CMRC2018 F1: precision/recall from the longest common *substring* of tokens."""
    pred, ref = answer_tokens(prediction), answer_tokens(reference)
    common = _longest_common_run(pred, ref)
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, reference: str) -> float:
    """CMRC2018 EM: 1.0 when both texts are equal after normalisation."""
    return float(answer_tokens(prediction) == answer_tokens(reference))


def strip_citation_markers(answer: str) -> str:
    """The answer text without its "[n]" / "【n】" citation markers."""
    return _CITATION_MARKER.sub("", answer)
