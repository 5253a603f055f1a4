from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from xueshi.core.crypto import lookup_digest, lookup_digests
from xueshi.core.fields import EncryptedCharField, LookupDigestField
from xueshi.core.identifiers import mask_id_number, normalise_id_number
from xueshi.orgs.models import Department, Organization


class User(AbstractUser):
    """A login. People log in by ID number; organisation accounts by account name or credit code."""

    full_name = models.CharField("姓名/名称", max_length=100, blank=True)
    # Set for an initial or reset password: every page redirects to the change form until changed.
    must_change_password = models.BooleanField("须修改密码", default=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="所属机构账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text="机构账号（以账号名或统一社会信用代码登录）所属的机构",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class TitleGrade(models.TextChoices):
    """The grade of the person's professional title (职称等级), recorded, not read from text:
    Xinjiang's review tiers (申报区域) go by it."""

    SENIOR = "正高", "正高级"
    ASSOCIATE_SENIOR = "副高", "副高级"
    INTERMEDIATE = "中级", "中级"
    JUNIOR = "初级", "初级"
    NONE = "无", "无"


class Education(models.TextChoices):
    """文化程度 (the seed's reviewer page shows it beside 学位)."""

    DOCTORATE = "doctorate", "博士研究生"
    MASTER = "master", "硕士研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专"
    HIGH_SCHOOL = "high_school", "高中"
    BELOW = "below", "初中及以下"


class Degree(models.TextChoices):
    """学位."""

    DOCTOR = "doctor", "博士"
    MASTER = "master", "硕士"
    BACHELOR = "bachelor", "学士"
    NONE = "none", "无"


# 民族: the 56 ethnic groups (GB/T 3304), as the person chooses one.
ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]


def photo_path(instance: Person, filename: str) -> str:
    """A server-made name: nothing the uploader typed reaches the file system."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else "jpg"
    return f"photos/{uuid.uuid4().hex}.{extension}"


class PersonQuerySet(models.QuerySet["Person"]):
    """ID numbers are encrypted (a value never repeats): every lookup goes by the digest."""

    def by_id_number(self, id_number: str) -> PersonQuerySet:
        return self.filter(id_number_q(id_number))

    def by_id_numbers(self, id_numbers: Iterable[str]) -> PersonQuerySet:
        return self.filter(id_numbers_q(id_numbers))


def id_number_digest(id_number: str) -> str:
    """The lookup digest of an ID number as typed (normalised first), under the current key."""
    return lookup_digest(normalise_id_number(id_number))


def id_number_digests(id_number: str) -> list[str]:
    """Every digest a stored row may carry for this ID number (a lookup-key rotation may be
    under way: `core.crypto.lookup_digests`)."""
    return lookup_digests(normalise_id_number(id_number))


def id_numbers_q(id_numbers: Iterable[str], prefix: str = "") -> Q:
    """A condition "the person's ID number is one of these" (see `id_number_q`)."""
    digests = {digest for number in id_numbers for digest in id_number_digests(number)}
    return Q(**{f"{prefix}id_number_digest__in": digests})


def id_number_q(id_number: str, prefix: str = "") -> Q:
    """A condition "the person's ID number is this one", for a search box on a related model
    (`prefix` such as ``"person__"``)."""
    digests = id_number_digests(id_number)
    if len(digests) == 1:
        return Q(**{f"{prefix}id_number_digest": digests[0]})
    return Q(**{f"{prefix}id_number_digest__in": digests})


class Person(models.Model):
    """A licensed professional (专业技术人员), keyed by resident ID number.

    The ID number and phone are SM4-encrypted at rest (plain in Python); `id_number_digest`
    (HMAC-SM3, kept in step on every save) is what lookups and the uniqueness go by."""

    id_number = EncryptedCharField("身份证号", max_length=18)
    id_number_digest = LookupDigestField(
        "身份证号摘要", source="id_number", normalise=normalise_id_number, unique=True
    )
    name = models.CharField("姓名", max_length=50)
    phone = EncryptedCharField("联系电话", max_length=20, blank=True)
    birth_date = models.DateField("出生日期", editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    specialty = models.CharField(
        "认定专业",
        max_length=100,
        blank=True,
        help_text="职称系列/专业/等级，如 教师系列/高校教师/教授",
    )
    # A database default too: bulk inserts (COPY in imports, the bench) that name no grade.
    title_grade = models.CharField(
        "职称等级",
        max_length=2,
        choices=TitleGrade.choices,
        default=TitleGrade.NONE,
        db_default=TitleGrade.NONE,
    )
    # No unit means the person chose "其他单位" (no employer at present).
    unit = models.ForeignKey(
        Organization,
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        limit_choices_to={"kind": "unit"},
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    in_establishment = models.BooleanField("在编", default=False)
    # Where the region's profile says access.mode enabled_by_unit (Zhejiang 省属企业): the
    # enterprise admin has reported (上报) this person for 学时登记. Ignored elsewhere.
    declaring_enabled = models.BooleanField("已上报开通学时登记", default=False, db_default=False)
    # Person details (issue 13 item 11, Xinjiang): shown to reviewers of a yearly application;
    # the photo is printed on the certificate.
    photo = models.FileField("一寸照", upload_to=photo_path, blank=True, max_length=200)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    education = models.CharField("文化程度", max_length=20, blank=True, choices=Education.choices)
    degree = models.CharField("学位", max_length=10, blank=True, choices=Degree.choices)
    emergency_phone = EncryptedCharField("紧急联系电话", max_length=20, blank=True)
    # 申报区域: a `yearly_application.declaring_regions` code of the person's profile.
    declaring_region = models.CharField("申报区域", max_length=60, blank=True)
    user = models.OneToOneField(
        User,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "专业技术人员"
        verbose_name_plural = "专业技术人员"
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(unit__isnull=False),
                name="person_department_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_id_number}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def unit_display(self) -> str:
        return self.unit.name if self.unit else "其他单位"


class RoleKind(models.TextChoices):
    PROFESSIONAL = "professional", "专业技术人员"
    UNIT_ADMIN = "unit_admin", "单位管理员"
    DEPARTMENT_ADMIN = "department_admin", "二级管理员"
    SUPERVISOR_ADMIN = "supervisor_admin", "主管部门管理员"
    AUTHORITY_ADMIN = "authority_admin", "认定机构管理员"
    TRAINING_BASE_ADMIN = "training_base_admin", "继续教育基地管理员"
    PLATFORM_ADMIN = "platform_admin", "平台管理员"
    # 三员分立 (separation of duties), three platform roles attached to no organisation:
    # the system admin runs organisations and settings, the security admin accounts, roles,
    # locks, sessions and second factors, the audit admin reads and exports the audit log.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# 三员: one person holds at most one of these (role_grant refuses a second).
SEPARATED_DUTY_KINDS = (RoleKind.SYSTEM_ADMIN, RoleKind.SECURITY_ADMIN, RoleKind.AUDIT_ADMIN)

# Which kind of organisation each administrative role is attached to.
ROLE_ORGANIZATION_KIND = {
    RoleKind.UNIT_ADMIN: "unit",
    RoleKind.DEPARTMENT_ADMIN: "unit",
    RoleKind.SUPERVISOR_ADMIN: "supervisor",
    RoleKind.AUTHORITY_ADMIN: "authority",
    RoleKind.TRAINING_BASE_ADMIN: "training_base",
}
# The administrator roles attached to a unit (总管理员 and 二级管理员): a fact about the data,
# not a permission (who may do what is in permissions.PERMISSIONS).
UNIT_ROLE_KINDS = tuple(kind for kind, org in ROLE_ORGANIZATION_KIND.items() if org == "unit")


class RoleAssignment(models.Model):
    """One role a user holds; a user may hold several and switch between them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("角色", max_length=30, choices=RoleKind.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name="机构",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["user_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "organization", "department"], name="role_assignment_unique"
            ),
            # A department admin is scoped to exactly one department; no other role has one.
            models.CheckConstraint(
                condition=(
                    Q(kind=RoleKind.DEPARTMENT_ADMIN, department__isnull=False)
                    | (~Q(kind=RoleKind.DEPARTMENT_ADMIN) & Q(department__isnull=True))
                ),
                name="role_department_only_for_department_admin",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=[
                            RoleKind.PLATFORM_ADMIN,
                            RoleKind.SYSTEM_ADMIN,
                            RoleKind.SECURITY_ADMIN,
                            RoleKind.AUDIT_ADMIN,
                            RoleKind.PROFESSIONAL,
                        ]
                    )
                    | Q(organization__isnull=False)
                ),
                name="role_admin_needs_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What the top bar shows, e.g. "二级管理员 · 广西大学 / 计算机学院"."""
        where = ""
        if self.organization_id:
            where = str(self.organization)
            if self.department_id:
                where += f" / {self.department}"
        return f"{self.get_kind_display()} · {where}" if where else self.get_kind_display()

    @property
    def is_admin(self) -> bool:
        return self.kind != RoleKind.PROFESSIONAL


class RecoveryCode(models.Model):
    """A one-time code for 找回密码: only its SM3 digest (with a salt) is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    salt = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)
    channel = models.CharField("发送方式", max_length=10)
    wrong_tries = models.PositiveSmallIntegerField("错误次数", default=0)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用或作废时间", null=True, blank=True)
    created_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "找回密码验证码"
        verbose_name_plural = "找回密码验证码"
        indexes = [models.Index(fields=["user", "used_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class PasswordHistory(models.Model):
    """A password the user had (its hash only): a new password may not be one of the last
    PASSWORD_HISTORY_COUNT (validators.PasswordHistoryValidator)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("密码摘要", max_length=128)
    created_at = models.DateTimeField("启用时间", auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["user_id", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """A session a user logged in with, so that all of them can be ended at once (password
    change, account disabled, or the security admin ending them)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField("会话", max_length=40, unique=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    created_at = models.DateTimeField("登录时间", auto_now_add=True)

    class Meta:
        verbose_name = "登录会话"
        verbose_name_plural = "登录会话"
        ordering = ["user_id", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class RegistrationStatus(models.TextChoices):
    UNIT_REVIEW = "unit_review", "待单位审核"
    SUPERVISOR_REVIEW = "supervisor_review", "待主管部门审批"
    APPROVED = "approved", "已通过"
    REFUSED = "refused", "未通过"


# The states in which the account waits for someone (and cannot log in).
REGISTRATION_WAITING = (RegistrationStatus.UNIT_REVIEW, RegistrationStatus.SUPERVISOR_REVIEW)


class Registration(models.Model):
    """A person's own registration (注册, issue 17 item 3): the login stays inactive until the
    unit admin approves it, and where the region's profile says
    (``registration.supervisor_approval``) the supervising department afterwards.

    One per person (the person's ID number digest is unique, so one ID number never gets a
    second account); a refused registration is reused when the person registers again."""

    person = models.OneToOneField(
        Person, verbose_name="专业技术人员", on_delete=models.CASCADE, related_name="registration"
    )
    unit = models.ForeignKey(
        Organization,
        verbose_name="工作单位",
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    # The supervising department that approves after the unit; None where the profile asks
    # only the unit.
    supervisor = models.ForeignKey(
        Organization,
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_registrations",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.UNIT_REVIEW,
    )
    reason = models.CharField("不通过原因", max_length=300, blank=True)
    unit_decided_by = models.ForeignKey(
        User,
        verbose_name="单位审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_decided_at = models.DateTimeField("单位审核时间", null=True, blank=True)
    supervisor_decided_by = models.ForeignKey(
        User,
        verbose_name="主管部门审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supervisor_decided_at = models.DateTimeField("主管部门审批时间", null=True, blank=True)
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人注册"
        verbose_name_plural = "个人注册"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["supervisor", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"

    @property
    def waiting(self) -> bool:
        return self.status in REGISTRATION_WAITING
