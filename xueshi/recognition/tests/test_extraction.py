"""The fields read from text lines: plain functions, no engine."""

from __future__ import annotations

import datetime
from decimal import Decimal

from xueshi.recognition.extraction import CertificateFields, extract_fields


def test_classic_certificate():
    fields = extract_fields(
        [
            "结业证书",
            "学员：钱伟",
            "于2024年3月1日至2024年3月3日参加",
            "“建筑工程质量安全管理”培训，",
            "完成24学时，考核合格，特发此证。",
            "颁发单位：浙江省建设人才与教育协会",
            "证书编号：ZJ2024001234",
            "2024年3月6日",
        ]
    )
    assert fields == CertificateFields(
        name="钱伟",
        start_date=datetime.date(2024, 3, 1),
        end_date=datetime.date(2024, 3, 3),
        hours=Decimal(24),
        hours_unit="学时",
        course_title="建筑工程质量安全管理",
        issuer="浙江省建设人才与教育协会",
        certificate_number="ZJ2024001234",
    )


def test_letter_with_short_range_credits_and_unlabelled_issuer():
    fields = extract_fields(
        [
            "培训证书",
            "覃海燕 同志：",
            "您于2023年11月28日至30日",
            "参加《临床护理新进展》继续教育",
            "共计 2.5 学分，成绩合格。",
            "证书编号: gx-2023-00981",
            "广西壮族自治区人力资源和社会保障厅",
            "2023年12月3日",
        ]
    )
    assert fields.name == "覃海燕"
    assert (fields.start_date, fields.end_date) == (
        datetime.date(2023, 11, 28),
        datetime.date(2023, 11, 30),
    )
    assert (fields.hours, fields.hours_unit) == (Decimal("2.5"), "学分")
    assert fields.course_title == "临床护理新进展"
    assert fields.issuer == "广西壮族自治区人力资源和社会保障厅"
    assert fields.certificate_number == "GX-2023-00981"


def test_table_layout_with_dotted_dates():
    fields = extract_fields(
        [
            "继续教育培训合格证明",
            "姓名：吴婷",
            "培训项目：BIM技术应用",
            "培训时间：2022.09.05-2022.09.09",
            "培训学时：40课时",
            "发证机构：中国建筑业协会",
            "证书号：2022123456",
        ]
    )
    assert fields.name == "吴婷"
    assert fields.start_date == datetime.date(2022, 9, 5)
    assert fields.end_date == datetime.date(2022, 9, 9)
    assert (fields.hours, fields.hours_unit) == (Decimal(40), "课时")
    assert fields.course_title == "BIM技术应用"
    assert fields.issuer == "中国建筑业协会"
    assert fields.certificate_number == "2022123456"


def test_nothing_read_from_something_else():
    fields = extract_fields(["今日菜单", "红烧肉 38元", "", "  "])
    assert fields.empty
    assert extract_fields([]).empty


def test_impossible_dates_are_not_taken():
    fields = extract_fields(["于2024年2月30日至2024年3月3日参加培训", "完成8学时"])
    assert fields.start_date is None
    assert fields.hours == Decimal(8)


def test_json_round_trip():
    fields = extract_fields(["学员：钱伟", "2024年3月1日至2024年3月3日", "完成24学时"])
    assert CertificateFields.from_json(fields.as_json()) == fields


def test_course_title_when_the_quotes_were_not_read():
    fields = extract_fields(
        ["学员：钱伟", "于2024年3月1日至2024年3月3日参加", "建筑工程质量安全管理培训，"]
    )
    assert fields.course_title == "建筑工程质量安全管理"
