"""Fields read from a certificate's text lines: plain functions, no engine, no database.

The lines come top to bottom as the engine read them; OCR confuses full- and half-width
punctuation and drops spaces, so every pattern accepts both and none needs a space.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_COLON = r"\s*[:：]?\s*"
_HAN = r"\u3400-\u9fff"
_DATE = r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?"
_DATE_RE = re.compile(_DATE)
# 2024年3月1日至2024年3月3日; 2024年3月1日至3月3日; 2024年3月1日至3日; 2024.3.1—2024.3.3
_RANGE_RE = re.compile(
    _DATE
    + r"\s*(?:至|到|—+|-+|~|～|－)\s*"
    + r"(?:(\d{4})\s*[年.\-/]\s*)?(?:(\d{1,2})\s*[月.\-/]\s*)?(\d{1,2})\s*日?"
)
_HOURS_RE = re.compile(r"(\d{1,4}(?:\.\d{1,2})?)\s*(学时|课时|学分)")
_NAME_RE = re.compile(
    rf"(?:学员姓名|姓名|学员|兹证明|兹有){_COLON}([{_HAN}·]{{2,5}}?)(?=同志|先生|女士|[，,。（(性于]|$)"
)
_NAME_ADDRESS_RE = re.compile(rf"^([{_HAN}·]{{2,5}})\s*(?:同志|先生|女士)")
_NUMBER_RE = re.compile(
    r"(?:证书编号|证书号码|证书号|编号|No\.?|NO\.?)"
    + _COLON
    + r"([A-Za-z0-9][A-Za-z0-9\-—_/]{3,40})"
)
_COURSE_LABEL_RE = re.compile(
    rf"(?:课程名称|培训项目|培训名称|项目名称|培训内容|课程|培训班){_COLON}(.{{2,80}})"
)
_QUOTED_RE = re.compile(r"[“\"《「]([^”\"》」]{2,80})[”\"》」]")
# The quotes lost by the engine: "建筑工程质量安全管理培训，" on a line of its own.
_TRAINING_LINE_RE = re.compile(
    r"^[“\"《「]?([^：:，,。]{4,40}?)[”\"》」]?(?:培训班|研修班|培训)[，,。]?$"
)
_ISSUER_LABEL_RE = re.compile(
    rf"(?:颁发单位|发证单位|发证机构|发证机关|颁证单位|主办单位|培训机构|培训单位){_COLON}(.{{2,60}})"
)
_ORGANIZATION_RE = re.compile(
    rf"^[{_HAN}（）()]{{4,40}}(?:协会|学会|中心|学院|大学|学校|委员会|厅|局|研究院|研究所|公司|集团|基地)$"
)
_TITLE_WORDS = ("证书", "证明", "合格证")


@dataclass(frozen=True)
class CertificateFields:
    """What was read; None where nothing was found."""

    name: str | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    hours: Decimal | None = None
    hours_unit: str | None = None  # 学时, 课时 or 学分 as printed
    course_title: str | None = None
    issuer: str | None = None
    certificate_number: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            key: (
                value.isoformat()
                if isinstance(value, datetime.date)
                else str(value)
                if isinstance(value, Decimal)
                else value
            )
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertificateFields:
        def date(value: Any) -> datetime.date | None:
            return datetime.date.fromisoformat(value) if value else None

        return cls(
            name=data.get("name"),
            start_date=date(data.get("start_date")),
            end_date=date(data.get("end_date")),
            hours=Decimal(data["hours"]) if data.get("hours") else None,
            hours_unit=data.get("hours_unit"),
            course_title=data.get("course_title"),
            issuer=data.get("issuer"),
            certificate_number=data.get("certificate_number"),
        )

    @property
    def empty(self) -> bool:
        return not any(asdict(self).values())


def _date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _dates(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    match = _RANGE_RE.search(text)
    if match:
        year, month, day, end_year, end_month, end_day = match.groups()
        start = _date(year, month, day)
        end = _date(end_year or year, end_month or month, end_day)
        if start and end and end >= start:
            return start, end
    found = [d for d in (_date(*m.groups()) for m in _DATE_RE.finditer(text)) if d]
    if len(found) >= 2:
        # The first two dates of the text: training from … to …; a third is the issue date.
        first, second = found[0], found[1]
        return (first, second) if second >= first else (first, None)
    return None, None


def _clean(value: str) -> str:
    return value.strip(' ，,。.:：;；“”"《》')


def _course(lines: Sequence[str]) -> str | None:
    for line in lines:
        match = _COURSE_LABEL_RE.search(line)
        if match and not _HOURS_RE.search(match.group(1)):
            return _clean(match.group(1))
    for line in lines:
        match = _QUOTED_RE.search(line)
        if match:
            return _clean(match.group(1))
    for line in lines:
        match = _TRAINING_LINE_RE.match(line.replace(" ", ""))
        if match:
            return _clean(match.group(1))
    return None


def _issuer(lines: Sequence[str]) -> str | None:
    for line in lines:
        match = _ISSUER_LABEL_RE.search(line)
        if match:
            return _clean(match.group(1))
    # Unlabelled: the organisation printed above the seal, the lowest such line.
    for line in reversed(lines):
        text = line.replace(" ", "")
        if _ORGANIZATION_RE.match(text) and not any(word in text for word in _TITLE_WORDS):
            return text
    return None


def _name(lines: Sequence[str]) -> str | None:
    for line in lines:
        text = line.replace(" ", "")
        match = _NAME_RE.search(text) or _NAME_ADDRESS_RE.search(text)
        if match:
            return match.group(1)
    return None


def _hours(text: str) -> tuple[Decimal | None, str | None]:
    match = _HOURS_RE.search(text)
    if not match:
        return None, None
    try:
        return Decimal(match.group(1)), match.group(2)
    except InvalidOperation:
        return None, None


def _number(lines: Sequence[str]) -> str | None:
    for line in lines:
        match = _NUMBER_RE.search(line.replace(" ", ""))
        if match:
            return match.group(1).replace("—", "-").upper()
    return None


def extract_fields(lines: Sequence[str]) -> CertificateFields:
    """The certificate's fields from its text lines (top to bottom)."""
    lines = [line.strip() for line in lines if line and line.strip()]
    joined = "".join(line.replace(" ", "") for line in lines)
    start, end = _dates(joined)
    hours, unit = _hours(joined)
    return CertificateFields(
        name=_name(lines),
        start_date=start,
        end_date=end,
        hours=hours,
        hours_unit=unit,
        course_title=_course(lines),
        issuer=_issuer(lines),
        certificate_number=_number(lines),
    )
