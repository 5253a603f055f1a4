"""Checks for the national identifiers, done by python-stdnum, with the reason in Chinese.

- Resident ID number, GB 11643-1999 (`stdnum.cn.ric`).
- Unified social credit code, GB 32100-2015 (`stdnum.cn.uscc`).
- Phone numbers, mainland China (`phonenumbers`).
"""

from __future__ import annotations

import datetime
import functools

import phonenumbers
from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc


def clean_id_number(value: str) -> str:
    """Return the ID number in its stored form (upper-case X) or raise with the reason."""
    compact = ric.compact(value or "")
    if not compact:
        raise ValidationError("请输入身份证号。", code="required")
    if len(compact) != 18:
        raise ValidationError(
            "身份证号应为 18 位，当前为 %(length)d 位。",
            code="length",
            params={"length": len(compact)},
        )
    if not compact[:17].isdigit() or not (compact[17].isdigit() or compact[17] == "X"):
        raise ValidationError("身份证号前 17 位应为数字，最后一位为数字或 X。", code="format")
    try:
        ric.get_birth_date(compact)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            "身份证号中的出生日期 %(date)s 不是有效日期。",
            code="birth_date",
            params={"date": compact[6:14]},
        ) from error
    try:
        ric.get_birth_place(compact)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            "身份证号前 6 位 %(code)s 不是有效的行政区划代码。",
            code="region",
            params={"code": compact[:6]},
        ) from error
    try:
        return str(ric.validate(compact))
    except stdnum_errors.InvalidChecksum as error:
        raise ValidationError(
            "身份证号校验位错误：第 18 位应为 %(expected)s，实际为 %(actual)s。",
            code="checksum",
            params={"expected": ric.calc_check_digit(compact), "actual": compact[17]},
        ) from error
    except stdnum_errors.ValidationError as error:
        raise ValidationError("身份证号无效。", code="invalid") from error


def normalise_id_number(value: str) -> str:
    """The form an ID number is stored and looked up in (no spaces, upper-case X), without
    checking it: a lookup of a wrong number simply finds nobody."""
    return str(ric.compact(value or "")).upper()


def id_number_birth_date(id_number: str) -> datetime.date:
    return ric.get_birth_date(id_number)


def id_number_sex(id_number: str) -> str:
    """'M' or 'F': the 17th character is odd for men and even for women (GB 11643-1999 §4.3)."""
    return "M" if int(id_number[16]) % 2 else "F"


def mask_id_number(id_number: str) -> str:
    """First 6 and last 4 characters shown, the rest hidden, where the full number is not needed."""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"


def credit_code_problem(value: str) -> ValidationError | None:
    """The reason a credit code is refused, or None. A checksum error alone can be overridden."""
    compact = uscc.compact(value or "")
    if len(compact) != 18:
        return ValidationError(
            "统一社会信用代码应为 18 位，当前为 %(length)d 位。",
            code="length",
            params={"length": len(compact)},
        )
    try:
        uscc.validate(compact)
    except stdnum_errors.InvalidChecksum:
        return ValidationError(
            "统一社会信用代码校验位错误：第 18 位应为 %(expected)s，实际为 %(actual)s。",
            code="checksum",
            params={"expected": uscc.calc_check_digit(compact), "actual": compact[17]},
        )
    except stdnum_errors.ValidationError:
        return ValidationError(
            "统一社会信用代码格式错误：只能由数字和除 I、O、Z、S、V 以外的大写字母组成。",
            code="format",
        )
    return None


def clean_credit_code(value: str, *, allow_checksum_override: bool = False) -> str:
    problem = credit_code_problem(value)
    if problem is not None and not (allow_checksum_override and problem.code == "checksum"):
        raise problem
    return str(uscc.compact(value))


def clean_phone(value: str) -> str:
    """A mainland mobile or landline number, stored in national format without spaces."""
    text = (value or "").strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as error:
        raise ValidationError("电话号码格式不正确。", code="format") from error
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "电话号码 %(value)s 无效：请填写 11 位手机号或带区号的固定电话。",
            code="invalid",
            params={"value": text},
        )
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return str(number.national_number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(
        " ", ""
    )


# Pure in the code (stdnum's data does not change while the process runs); lists name the
# same few regions on every row and page.
@functools.lru_cache(maxsize=4096)
def region_name(region_code: str) -> str:
    """Province and county names for a 6-digit administrative division code, from stdnum's data."""
    # get_birth_place reads the first six characters and checks the code existed in the birth year.
    try:
        place = ric.get_birth_place(f"{region_code}20000101000")
    except (stdnum_errors.ValidationError, KeyError):
        # KeyError: stdnum knows some codes (e.g. 450199) without a county entry.
        return region_code
    province, county = place.get("province", ""), place.get("county", "")
    if county in ("", province):
        return province
    # A county (410502 文峰区) reads better with its prefecture (410500 安阳市) in between.
    city_code = f"{region_code[:4]}00"
    if region_code[4:] != "00" and city_code != region_code and region_code[2:4] != "00":
        city = region_name(city_code)
        # Municipalities list their districts under "市辖区": no prefecture to name there.
        if (
            city not in (city_code, province)
            and city.startswith(province)
            and not city.endswith(("市辖区", "县"))
        ):
            return f"{city}{county}"
    return f"{province}{county}"


def region_in_use(region_code: str, year: int = 2024) -> str:
    """The name a 6-digit division code had in `year` (a prefecture: 百色市), "" if it named no
    place then (abolished codes such as 452100 南宁地区): for lists of today's prefectures."""
    try:
        place = ric.get_birth_place(f"{region_code}{year}0101000")
    except (stdnum_errors.ValidationError, KeyError):
        return ""
    return str(place.get("county") or place.get("province") or "")
