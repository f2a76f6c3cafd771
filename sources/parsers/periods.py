"""The one reader of application periods and deadlines, as Korean boards write them.

Every announcement parser hands it what it has — the source's own period field (an API
field, a list cell, a labelled detail field), the title and the body — and gets back one
``Period``: start and end as aware datetimes in KST, whether the call is rolling (상시 접수,
예산·자금 소진 시까지), whether the deadline was extended (연장, ``→``), where it was read and
the text it was read from. dbt reads these fields and keeps no date patterns of its own.

Where it looks, best first: a period that was extended (the new date wins); the source's own
field; a labelled line of the body (접수기간, 신청기한, 입찰서 제출기간, 원서접수, 사전등록,
마감일 …, label and value on one line or the value on the next); a deadline in the title
(``(~12/12 신청)``, ``(마감: 10.31 18:00)``); a line saying 까지 or 마감 next to 접수/신청/제출.
Lines about something else (사업기간, 교육기간, 행사 일시, 개찰일시, 결과 발표 …) are never
read as deadlines. A date without a time ends at 23:59:59; ``24:00`` and 자정 end that day too.
A date without a year takes the year before it in the same text, else the reference date's
(the posted date), moved to the next year when it would fall well before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sources.parsers.dates import KST

END_OF_DAY = time(23, 59, 59)

_WEEKDAY = r"(?:\s*[(（]\s*[월화수목금토일](?:요일)?\s*[)）]|\s*[월화수목금토일]요일)?"
_DATE = re.compile(
    r"(?<![\d.])"
    r"(?:(?P<y>\d{4}|['’‘]?\d{2})\s*(?:[.\-/]|년)\s*)?"
    r"(?P<m>1[0-2]|0?[1-9])\s*(?:[.\-/]|월)\s*"
    r"(?P<d>3[01]|[12]\d|0?[1-9])(?![\d,])(?!\s*[:시])(?:\s*일|\s*\.(?!\d))?" + _WEEKDAY
)
_COMPACT = re.compile(
    r"(?<!\d)(?P<y>20\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)"
    r"(?:(?P<h>[0-2]\d)(?P<mi>[0-5]\d)\d{0,2})?(?!\d)"
)
_TIME = re.compile(
    r"(?P<ampm>오전|오후|AM|PM|am|pm)?\s*"
    r"(?:(?P<h>[0-2]?\d)\s*:\s*(?P<mi>[0-5]\d)(?::[0-5]\d)?"
    r"|(?P<hk>[0-2]?\d)\s*시(?:\s*(?P<mik>[0-5]?\d)\s*분|\s*(?P<half>반))?)"
    r"|(?P<word>정오|자정)"
)
_RANGE = re.compile(r"[~∼～〜]|부터|-(?=\s*\d)")
_ARROW = re.compile(r"→|⇒|->|=>|연장")
_ROLLING = re.compile(
    r"상시\s*(?:접수|모집|신청|운영|진행)?|수시\s*(?:접수|모집|신청)|연중\s*(?:상시|수시|접수)|"
    r"(?:예산|자금|재원|사업비|한도)\s*(?:\S+\s*)?소진\s*시|소진\s*시\s*까지|선착순\s*마감\s*시|"
    r"(?:채용|모집|선발|충원)\s*시\s*(?:까지|마감)|(?:별도\s*)?(?:공지|안내)\s*시\s*까지|"
    r"마감\s*시\s*까지"
)
_EARLY_CLOSE = re.compile(r"소진\s*시\s*(?:조기|까지\s*조기)|조기\s*마감")

# Labels of an application window or its deadline, with their rank (lower is better).
_SUBMITTED = r"(?:입찰서?|전자\s*입찰서?|제안서|견적서?|서류|신청서|계획서|응모작|작품|원서)"
_LABELS = [
    (re.compile(r"(?:접수|신청|모집|공모|응모|참가\s*신청|지원)\s*(?:마감|종료)"), 0),
    (re.compile(r"마감\s*(?:일시|일자|일|기한|시한)"), 0),
    (re.compile(_SUBMITTED + r"\s*(?:의\s*)?(?:제출|접수)"), 1),
    (re.compile(r"(?:원서|서류|온라인|방문|우편|이메일|사전)\s*(?:접수|신청|등록)"), 1),
    (
        re.compile(
            r"(?:신청|접수|모집|공모|응모|참가\s*신청|참여\s*신청|등록)"
            r"\s*(?:기간|기한|일정|일시|마감)"
        ),
        1,
    ),
    (re.compile(r"입찰\s*(?:기간|마감)"), 1),
    (re.compile(r"(?:신청|접수|모집|응모)\s*(?=[:：])"), 2),
    (re.compile(r"마감\s*(?=[:：])"), 2),
    (re.compile(r"(?:공고|게시)\s*기간"), 3),
]
# Registration to take part in a tender comes before its deadline (the bids).
_PRE_TENDER = re.compile(r"입찰\s*참가\s*(?:자격\s*)?(?:등록|신청)")
# Lines about something other than the application window.
_NOT_DEADLINE = re.compile(
    r"사업\s*기간|협약\s*기간|수행\s*기간|과제\s*기간|지원\s*기간|교육\s*(?:기간|일시|일정)|"
    r"행사\s*(?:기간|일시|일정)|운영\s*(?:기간|일시)|개최\s*(?:일시|기간)|(?<![가-힣])일\s*시|"
    r"개찰|발표|결과|면접|근무\s*기간|계약\s*기간|임용|점검|공사\s*기간|착공|준공|"
    r"설명회\s*(?:일시|개최)|시험\s*일|평가\s*일|선정\s*통보|협약\s*체결|대관\s*기간|이용\s*기간|"
    r"사전\s*공고|사전\s*규격|의견\s*제출"
)
# A closure told in the past tense (접수가 … 마감되었습니다) is news, not a deadline.
_CLOSED_NOW = re.compile(r"마감\s*(?:되었|됐|하였|했|되어)")
_DEADLINE_WORDS = re.compile(r"까지|마감|기한|종료")
_APPLY_WORDS = re.compile(r"접수|신청|제출|모집|응모|등록|마감|회신|참석|참가")
# A line giving the new value of a changed or extended deadline (변경 후: …, 연장: …).
_CHANGED = re.compile(r"^\W*(?:변경|연장|수정|정정)\s*(?:후|기간|일시)?\s*[:：)]")
_ABOUT_DEADLINE = re.compile(r"마감|기간|접수|신청|제출|기한|연장")


@dataclass(frozen=True)
class Period:
    """An application period as read: times are KST; ``origin`` is field, body or title."""

    start: datetime | None = None
    end: datetime | None = None
    rolling: bool = False
    extended: bool = False
    evidence: str | None = None
    origin: str | None = None


@dataclass
class _Token:
    at: int
    stop: int
    year: int | None
    month: int
    day: int
    times: list[tuple[time, int]]


def _year(text: str | None) -> int | None:
    if not text:
        return None
    digits = text.lstrip("'’‘")
    year = int(digits)
    return year + 2000 if year < 100 else year


def _clock(match: re.Match[str]) -> time:
    if match["word"]:
        return time(12) if match["word"] == "정오" else END_OF_DAY
    hour = int(match["h"] if match["h"] is not None else match["hk"])
    minute = int(match["mi"] or match["mik"] or 0) + (30 if match["half"] else 0)
    if match["ampm"] in ("오후", "PM", "pm") and hour < 12:
        hour += 12
    elif match["ampm"] in ("오전", "AM", "am") and hour == 12:
        hour = 0
    if hour >= 24:
        return END_OF_DAY
    return time(hour, min(minute, 59))


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    taken: list[tuple[int, int]] = []
    for match in _COMPACT.finditer(text):
        times = []
        if match["h"]:
            times.append((time(int(match["h"]) % 24, int(match["mi"])), match.end()))
        found.append(
            _Token(
                match.start(), match.end(), int(match["y"]), int(match["m"]), int(match["d"]), times
            )
        )
        taken.append(match.span())
    for match in _DATE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        found.append(
            _Token(
                match.start(), match.end(), _year(match["y"]), int(match["m"]), int(match["d"]), []
            )
        )
    found.sort(key=lambda t: t.at)
    for index, token in enumerate(found):
        limit = found[index + 1].at if index + 1 < len(found) else len(text)
        for clock in _TIME.finditer(text, token.stop, limit):
            token.times.append((_clock(clock), clock.start()))
    return found


def _resolve(token: _Token, year: int | None) -> date | None:
    if year is None:
        return None
    try:
        return date(year, token.month, token.day)
    except ValueError:
        return None


def _read_dates(text: str, reference: date | None) -> tuple[datetime | None, datetime | None, bool]:
    """Start, end and whether an extension moved the end, from one period text."""
    tokens = _tokens(text)
    if not tokens:
        return None, None, False
    arrow = _ARROW.search(text)
    extended = arrow is not None
    year = next((t.year for t in tokens if t.year), None)
    days: list[date | None] = []
    for token in tokens:
        if token.year:
            year = token.year
        days.append(_resolve(token, token.year or year or (reference.year if reference else None)))
    pairs = [(t, d) for t, d in zip(tokens, days, strict=True) if d is not None]
    if not pairs:
        return None, None, False
    first, first_day = pairs[0]
    last, last_day = pairs[-1]
    before = text[: first.at]
    # Before an extension's arrow, a range marker means the first date is the start; without
    # one (당초 11.14 → 11.21) the first date is the old deadline.
    between = text[first.stop : arrow.start() if arrow else last.at] if len(pairs) > 1 else ""
    ranged = len(pairs) > 1 and bool(_RANGE.search(between))
    start_day: date | None
    hours = last.times[-2][0] if len(last.times) >= 2 else None
    if ranged:
        start_day = first_day
        start_time = first.times[0][0] if first.times else (hours or time(0))
    elif len(pairs) == 1 and len(first.times) >= 2 and _RANGE.search(text[first.stop :]):
        start_day, start_time = first_day, first.times[0][0]
    elif len(pairs) == 1 and _RANGE.search(text[first.stop :]) and not _RANGE.search(before):
        opened = datetime.combine(first_day, first.times[0][0] if first.times else time(0), KST)
        return opened, None, False
    else:
        start_day, start_time = None, time(0)
    end_time = last.times[-1][0] if last.times else END_OF_DAY
    end_day = last_day
    if start_day is not None and last.year is None and end_day < start_day:
        end_day = _resolve(last, end_day.year + 1) or end_day
    if not any(t.year for t, _ in pairs) and reference is not None:
        anchor = start_day or end_day
        if anchor < reference - timedelta(days=60):
            start_day = _resolve(first, start_day.year + 1) if start_day else None
            end_day = _resolve(last, end_day.year + 1) or end_day
    start = datetime.combine(start_day, start_time, KST) if start_day else None
    end = datetime.combine(end_day, end_time, KST)
    if start is not None and end < start:
        return None, None, False
    return start, end, extended and len(pairs) > 1


def _label_rank(line: str) -> tuple[int, int] | None:
    """The rank of the best label at the head of ``line`` and where its value starts."""
    best = None
    weak = _PRE_TENDER.search(line[:24])
    for pattern, rank in _LABELS:
        match = pattern.search(line)
        if match and match.start() <= 24 and (best is None or rank < best[0]):
            best = (rank, match.end())
    return (3, best[1]) if best and weak else best


def _is_other(text: str) -> bool:
    return bool(_NOT_DEADLINE.search(text))


def _candidate_lines(body: str) -> list[tuple[int, str]]:
    """Labelled period lines of a body as (rank, text); a bare label takes the next line."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in body.splitlines()]
    lines = [line for line in lines if line]
    found = []
    for index, line in enumerate(lines):
        labelled = _label_rank(line)
        if labelled is None:
            continue
        rank, value_at = labelled
        head = line[:value_at]
        if _is_other(head):
            continue
        value = line[value_at:]
        if not (_tokens(value) or _ROLLING.search(value)) and index + 1 < len(lines):
            following = lines[index + 1]
            if _label_rank(following) is None and not _is_other(following[:12]):
                value = following
                line = f"{line} {following}"
        found.append((rank, line))
    return found


def _from_text(text: str, reference: date | None, origin: str) -> Period | None:
    start, end, extended = _read_dates(text, reference)
    rolling = bool(_ROLLING.search(text)) and end is None
    if end is not None and _ROLLING.search(text) and not _EARLY_CLOSE.search(text):
        tail = text[text.find("~") + 1 :] if "~" in text else text
        if _ROLLING.search(tail) and not _tokens(tail):
            end, rolling = None, True
    if start is None and end is None and not rolling:
        return None
    return Period(start, end, rolling, extended, text.strip(), origin)


def _title_period(title: str, reference: date | None) -> Period | None:
    """A deadline the title gives: ``(~12/12 신청)``, ``(마감: 10.31 18:00)``, ``12.5까지``."""
    tokens = _tokens(title)
    for index, token in enumerate(tokens):
        before = title[max(0, token.at - 8) : token.at]
        after = title[token.stop : token.stop + 12]
        if not (re.search(r"[~∼～]|마감", before) or re.search(r"까지|마감", after)):
            continue
        begin = max(0, token.at - 8)
        if index and not title[tokens[index - 1].stop : token.at].strip(" ~∼～"):
            begin = tokens[index - 1].at
        stop = token.times[-1][1] + 6 if token.times else token.stop
        found = _from_text(title[begin:stop], reference, "title")
        if found is not None and found.end is not None:
            return found
    rolling = _ROLLING.search(title)
    if rolling:
        return Period(rolling=True, evidence=rolling.group(0), origin="title")
    return None


def _changed_period(body: str, reference: date | None) -> Period | None:
    """The new deadline of a post that changes or extends one (변경 후: …, 연장: …)."""
    if not _ABOUT_DEADLINE.search(body):
        return None
    for line in body.splitlines():
        if _CHANGED.match(line):
            found = _from_text(line, reference, "body")
            if found is not None and found.end is not None:
                return Period(None, found.end, False, True, found.evidence, "body")
    return None


def _loose_deadline(body: str, reference: date | None) -> Period | None:
    """A line that says 까지/마감 next to 접수/신청/제출 and holds a date."""
    for line in body.splitlines():
        line = re.sub(r"\s+", " ", line).strip()
        if not (_DEADLINE_WORDS.search(line) and _APPLY_WORDS.search(line)) or _is_other(line):
            continue
        if _CLOSED_NOW.search(line):
            continue
        found = _from_text(line, reference, "body")
        if found is not None and found.end is not None:
            return Period(found.start, found.end, False, found.extended, found.evidence, "body")
    return None


def _loose_rolling(body: str) -> Period | None:
    """A line saying applications are taken at any time (상시 접수, 수시 신청) with no date."""
    for line in body.splitlines():
        line = re.sub(r"\s+", " ", line).strip()
        rolling = _ROLLING.search(line)
        if rolling and _APPLY_WORDS.search(line) and not _tokens(line) and not _is_other(line):
            return Period(rolling=True, evidence=line, origin="body")
    return None


def read_period(
    title: str = "",
    body: str | None = None,
    *,
    field: str | None = None,
    posted: date | None = None,
) -> Period:
    """The application period of one post (see the module's docstring for the order)."""
    body = body or ""
    candidates: list[tuple[int, Period]] = []
    if field and field.strip() not in ("", "-"):
        found = _from_text(field, posted, "field")
        if found is not None:
            candidates.append((0, found))
    for rank, line in _candidate_lines(body):
        found = _from_text(line, posted, "body")
        if found is not None:
            candidates.append((rank + 1, found))
    changed = _changed_period(body, posted)
    if changed is not None:
        candidates.append((0, changed))
    extended = [p for _, p in candidates if p.extended and p.end is not None]
    if extended:
        return max(extended, key=lambda p: p.end)
    if candidates:
        best = min(rank for rank, _ in candidates)
        chosen = next(p for rank, p in candidates if rank == best)
        if chosen.end is None and not chosen.rolling:
            later = [p for _, p in candidates if p.end is not None or p.rolling]
            chosen = later[0] if later else chosen
        return chosen
    return (
        _title_period(title, posted)
        or _loose_deadline(body, posted)
        or _loose_rolling(body)
        or Period()
    )
