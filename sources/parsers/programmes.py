"""The programme a post belongs to, as a normalised title shared by its re-posts and copies.

One call is often posted several times: by its host and by aggregators (Bizinfo, K-Startup,
Gyeonggi TP, Ansan City), and again as 재공고, 수정공고 or 연장 notices. They share their title
once the aggregators' tags (``[경기]``, ``[기업마당]``), the re-post markers, brackets, the
words 공고/안내/모집 and punctuation are taken away. dbt links posts whose normalised titles
(and years) agree into one ``programme_id``.
"""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = re.compile(r"\[[^\]]*\]|［[^］]*］|\([^)]*\)|（[^）]*）|<[^>]*>|【[^】]*】")
_ROUND = re.compile(r"\d+\s*차")
_NOISE = re.compile(
    r"재공고|수정\s*공고|정정\s*공고|연장\s*공고|추가\s*공고|변경\s*공고|긴급\s*공고|"
    r"기간\s*연장|마감\s*연장|접수\s*연장|"
    r"공고문?|안내|알림|모집|추가|연장|수정|정정|변경"
)
_NOT_WORD = re.compile(r"[\W_]+")
MIN_LENGTH = 8


def programme_title(title: str) -> str | None:
    """The title reduced to what its re-posts share; None when too little is left to link by."""
    text = unicodedata.normalize("NFKC", title)
    rounds = " ".join(_ROUND.findall(text))
    text = _BRACKETS.sub(" ", text)
    text = text.replace("년도", "년")
    text = _NOISE.sub(" ", text)
    if rounds and not _ROUND.search(text):
        text = f"{text} {rounds}"
    key = _NOT_WORD.sub("", text).lower()
    return key if len(key) >= MIN_LENGTH else None
