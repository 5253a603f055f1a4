import datetime

import pytest
from django.core.exceptions import ValidationError

from xueshi.core.identifiers import (
    clean_credit_code,
    clean_id_number,
    clean_phone,
    credit_code_problem,
    id_number_birth_date,
    id_number_sex,
    mask_id_number,
)
from xueshi.core.testing import make_credit_code, make_id_number


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("360426199101010071", "360426199101010071"), ("44011320141005001x", "44011320141005001X")],
)
def test_valid_id_numbers_are_stored_upper_case(raw, stored):
    assert clean_id_number(raw) == stored


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(ValidationError) as error:
        clean_id_number("36042619910102009X")
    assert error.value.code == "checksum"
    assert "校验位错误" in error.value.messages[0]
    assert "X" in error.value.messages[0]


def test_month_thirteen_is_an_invalid_birth_date():
    with pytest.raises(ValidationError) as error:
        clean_id_number("360426199113010079")
    assert error.value.code == "birth_date"
    assert "19911301" in error.value.messages[0]


def test_unknown_region_code_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_id_number("990426199101010071")
    assert error.value.code == "region"


@pytest.mark.parametrize(
    "raw", ["", "36042619910101007", "3604261991010100711", "36042619910101007A"]
)
def test_wrong_length_or_characters_refused(raw):
    with pytest.raises(ValidationError):
        clean_id_number(raw)


def test_birth_date_and_sex_derived():
    assert id_number_birth_date("360426199101010071") == datetime.date(1991, 1, 1)
    assert id_number_sex("360426199101010071") == "M"  # 17th character 7 is odd
    assert id_number_sex("44011320141005001X") == "M"
    assert id_number_sex(make_id_number("450102", datetime.date(1990, 5, 6), 3, female=True)) == "F"


def test_mask_keeps_first_six_and_last_four():
    assert mask_id_number("360426199101010071") == "360426********0071"


def test_credit_codes():
    assert clean_credit_code("91110000600037341L") == "91110000600037341L"
    problem = credit_code_problem("91110000600037341N")
    assert problem is not None and problem.code == "checksum"
    assert "第 18 位应为 L" in problem.messages[0]
    with pytest.raises(ValidationError):
        clean_credit_code("91110000600037341N")
    # An override may accept a checksum failure, never a malformed code.
    assert (
        clean_credit_code("91110000600037341N", allow_checksum_override=True)
        == "91110000600037341N"
    )
    with pytest.raises(ValidationError):
        clean_credit_code("9111000060003734", allow_checksum_override=True)


def test_generated_identifiers_are_valid():
    for sequence in range(50):
        clean_id_number(make_id_number("410502", datetime.date(1985, 1, 1), sequence))
        clean_credit_code(make_credit_code("410500", sequence))


@pytest.mark.parametrize(
    ("raw", "stored"), [("13800138000", "13800138000"), ("0771-5551234", "07715551234")]
)
def test_phone_numbers(raw, stored):
    assert clean_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "1380013800", "abc"])
def test_bad_phone_numbers_refused(raw):
    with pytest.raises(ValidationError):
        clean_phone(raw)


def test_region_names():
    from xueshi.core.identifiers import region_name

    assert region_name("410500") == "河南省安阳市"
    assert region_name("650000") == "新疆维吾尔自治区"
    # Unknown, or known to stdnum without a county entry: the code itself comes back.
    assert region_name("990000") == "990000"
    assert region_name("450199") == "450199"


def test_county_names_carry_their_prefecture():
    from xueshi.core.identifiers import region_name

    assert region_name("410502") == "河南省安阳市文峰区"
    assert region_name("650102") == "新疆维吾尔自治区乌鲁木齐市天山区"
    assert region_name("110101") == "北京市东城区"
