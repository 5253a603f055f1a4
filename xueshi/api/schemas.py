"""What the API sends and accepts. Status codes are the platform's stable English codes
(draft, pending, returned, approved, rejected, deleted); `status_word` is the region's own word."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from xueshi.policy.words import status_word

from .conventions import full_id_numbers, shown_id_number


class ErrorOut(Schema):
    code: str = Field(description="机器可读的错误代码，如 invalid、forbidden、not_found、conflict")
    message: str = Field(description="中文说明")
    field_errors: dict[str, list[str]] = Field(description="各字段的错误")


class CompletionIn(Schema):
    record_id: str = Field(
        min_length=1, max_length=100, description="学习平台的记录号（幂等键之一）"
    )
    id_number: str = Field(min_length=15, max_length=18, description="身份证号")
    name: str = Field(default="", max_length=50, description="姓名（填写时须与身份证号一致）")
    course: str = Field(min_length=1, max_length=200)
    hours: Decimal = Field(ge=0, le=1000, max_digits=6, decimal_places=2)
    completed_on: datetime.date


class CompletionBatchIn(Schema):
    provider: str = Field(min_length=1, max_length=100, description="学习平台名称（幂等键之一）")
    records: list[CompletionIn] = Field(min_length=1, max_length=1000)


class CompletionResult(Schema):
    record_id: str
    result: str = Field(description="created（已记录）、unchanged（此前已记录）或 refused（拒绝）")
    reason: str = ""


class CompletionBatchOut(Schema):
    created: int
    unchanged: int
    refused: int
    results: list[CompletionResult]


class DeclarationOut(Schema):
    id: int
    person_name: str
    id_number: str = Field(
        description="身份证号（密钥无 id_numbers:full 权限时脱敏：前 6 位和后 4 位）"
    )
    unit: str
    policy_profile: str
    category_code: str
    category_name: str
    level_code: str
    level_name: str
    title: str
    credit_year: int
    hours_claimed: Decimal
    hours_granted: Decimal | None
    status: str = Field(
        description="稳定的英文状态代码：draft、pending、returned、approved、rejected、deleted"
    )
    status_word: str = Field(description="本地区的状态用语，如 个人上报、终审通过")
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.name)

    @staticmethod
    def resolve_id_number(obj: Any, context: Any) -> str:
        return shown_id_number(obj.person.id_number, full_id_numbers(context["request"]))

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.name)

    @staticmethod
    def resolve_status_word(obj: Any) -> str:
        return status_word(obj.policy_profile, obj.profile_version, obj.status, obj.status_level)


class DeclarationIn(Schema):
    category_code: str = Field(min_length=1, max_length=60)
    level_code: str = Field(min_length=1, max_length=60)
    fields: dict[str, Any] = Field(
        description="本地区申报表的字段，如 title、start_date、end_date、hours_claimed、credit_year"
    )
    pledge: bool = False


class TrainingBaseIn(DeclarationIn):
    attendees: list[str] = Field(min_length=1, max_length=1000, description="参训人员身份证号")


class BatchLineOut(Schema):
    declaration_id: int
    ok: bool
    message: str
    id_number: str = ""


class ReviewIn(Schema):
    comment: str = Field(default="", max_length=500, description="审核意见（退回、不予认定时必填）")
    expected_position: int | None = Field(
        default=None, description="看到的审核级别位置；已被他人处理时返回 409"
    )
    hours_granted: Decimal | None = Field(default=None, ge=0, max_digits=7, decimal_places=2)


class YearOut(Schema):
    credit_year: int
    general_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    required_total: Decimal | None
    met: bool
    shortfall: str


class PersonYearOut(Schema):
    person_id: int
    name: str
    id_number: str = Field(description="身份证号（按权限可能为脱敏）")
    unit: str
    credit_year: int
    general_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    met: bool

    @staticmethod
    def resolve_person_id(obj: Any) -> int:
        return int(obj.pk)

    @staticmethod
    def resolve_id_number(obj: Any, context: Any) -> str:
        return shown_id_number(obj.id_number, full_id_numbers(context["request"]))

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.name)


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    credit_code: str | None
    code: str | None
    region_code: str
