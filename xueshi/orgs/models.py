from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Length

from xueshi.core.fields import EncryptedCharField
from xueshi.core.identifiers import region_name
from xueshi.core.memo import memoized
from xueshi.policy.validators import validate_profile_key


class OrganizationKind(models.TextChoices):
    UNIT = "unit", "单位"
    SUPERVISOR = "supervisor", "主管部门"
    AUTHORITY = "authority", "认定机构"
    TRAINING_BASE = "training_base", "继续教育基地"


class OrganizationStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    ACTIVE = "active", "已启用"
    REJECTED = "rejected", "未通过"


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def active(self) -> OrganizationQuerySet:
        return self.filter(status=OrganizationStatus.ACTIVE)

    def units(self) -> OrganizationQuerySet:
        return self.filter(kind=OrganizationKind.UNIT)

    def subtree_of(self, organization: Organization) -> OrganizationQuerySet:
        """The organisation and everything beneath it, by its materialised path."""
        return self.filter(path__startswith=organization.path)


class Organization(models.Model):
    """One node of the single tree: authorities at the top, supervisors, then units."""

    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    name = models.CharField("名称", max_length=200, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/1/7/42/": ids from the root down, so a subtree is one indexed prefix query.
    path = models.CharField("层级路径", max_length=255, editable=False, db_index=True, default="")
    region_code = models.CharField("所属地区代码", max_length=6, help_text="6 位行政区划代码")
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, null=True, blank=True, unique=True
    )
    # A real code that fails its check character is accepted only when an authority says so.
    credit_code_override_reason = models.CharField(
        "信用代码校验豁免原因", max_length=200, blank=True
    )
    code = models.CharField(
        "单位编码",
        max_length=30,
        null=True,
        blank=True,
        unique=True,
        help_text="如职称系统单位编号",
    )
    status = models.CharField(
        "状态", max_length=10, choices=OrganizationStatus.choices, default=OrganizationStatus.ACTIVE
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="注册人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_organizations",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.CharField("审批意见", max_length=200, blank=True)
    # Name of a policy profile in profiles/; empty means the nearest ancestor's applies.
    policy_profile = models.CharField(
        "政策配置",
        max_length=40,
        blank=True,
        validators=[validate_profile_key],
        help_text="profiles/ 中的配置代码；留空则沿用上级机构的配置",
    )
    # Where the region's profile says access.mode enabled_by_unit (Zhejiang): the supervising
    # department has granted this enterprise access (省属管理权限). Ignored elsewhere.
    declaring_access_granted = models.BooleanField(
        "已开通学时登记权限", default=False, db_default=False
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    # Personal data (a named contact's phone): SM4-encrypted at rest like people's phones.
    contact_phone = EncryptedCharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | Q(kind=OrganizationKind.AUTHORITY),
                name="org_only_authority_is_root",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if self.path != expected:
            old_path = self.path
            self.path = expected
            type(self).objects.filter(pk=self.pk).update(path=expected)
            if old_path:
                # Moving a node moves its subtree: rewrite every descendant's prefix.
                for child in (
                    type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk)
                ):
                    child.path = expected + child.path[len(old_path) :]
                    type(self).objects.filter(pk=child.pk).update(path=child.path)

    @property
    def region_name(self) -> str:
        return region_name(self.region_code)

    @property
    def is_active(self) -> bool:
        return self.status == OrganizationStatus.ACTIVE

    @property
    def accepts_submissions(self) -> bool:
        """Declarations may be sent here only once the organisation is approved (active)."""
        return self.status == OrganizationStatus.ACTIVE

    @property
    def depth(self) -> int:
        """0 for a root authority, 1 for its children, and so on (from the materialised path)."""
        return path_depth(self.path)

    def ancestors(self) -> OrganizationQuerySet:
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Organization.objects.filter(pk__in=ids).exclude(pk=self.pk)

    def effective_policy_profile(self) -> str:
        """The profile named on this node or on its nearest ancestor."""
        if self.policy_profile:
            return self.policy_profile
        # The ancestors' answer, remembered on this instance for its path: a page asks it
        # several times (menu, region words, the page's own rules) of the same unit.
        remembered = self.__dict__.get("_inherited_policy_profile")
        if remembered is not None and remembered[0] == self.path:
            return str(remembered[1])
        # The ancestors are the nodes of the parent's path: nodes under one parent share it
        # (a batch of moves remembers it per parent, core/memo.py).
        parent_path = self.path[: self.path.rstrip("/").rfind("/") + 1]
        inherited = memoized(
            ("inherited_policy_profile", parent_path), self._ancestors_policy_profile
        )
        self.remember_inherited_policy_profile(inherited)
        return inherited

    def _ancestors_policy_profile(self) -> str:
        for ancestor in sorted(self.ancestors(), key=lambda node: -len(node.path)):
            if ancestor.policy_profile:
                return ancestor.policy_profile
        return ""

    def remember_inherited_policy_profile(self, inherited: str) -> None:
        """What `inherited_policy_profile` read with this row: no query for the ancestors."""
        self.__dict__["_inherited_policy_profile"] = (self.path, inherited or "")


def path_depth(path: str) -> int:
    """An organisation's depth from its materialised path alone (lists that read no rows)."""
    return max(path.count("/") - 2, 0)


def inherited_policy_profile(path_field: str) -> Coalesce:
    """For an outer query over organisations (or rows joined to one): the profile named on the
    nearest proper ancestor of the organisation whose path is `path_field`, "" if none; what
    `Organization.effective_policy_profile` reads when the node names none itself."""
    nearest = (
        Organization.objects.annotate(
            descendant_path=ExpressionWrapper(OuterRef(path_field), output_field=models.CharField())
        )
        .filter(descendant_path__startswith=F("path"))
        .exclude(path=OuterRef(path_field))
        .exclude(policy_profile="")
        .order_by(Length("path").desc())
        .values("policy_profile")[:1]
    )
    return Coalesce(Subquery(nearest), Value(""))


class Department(models.Model):
    """A part of a unit (学院, 财务部…); a department admin is scoped to one."""

    unit = models.ForeignKey(
        Organization,
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="departments",
        limit_choices_to={"kind": OrganizationKind.UNIT},
    )
    name = models.CharField("部门名称", max_length=100)
    note = models.CharField("部门备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="department_name_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class UnitChangeStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class UnitChangeRequest(models.Model):
    """A unit's request to change its name or credit code; its supervisor approves it."""

    unit = models.ForeignKey(
        Organization,
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="change_requests",
    )
    old_name = models.CharField("原单位名称", max_length=200)
    new_name = models.CharField("新单位名称", max_length=200)
    old_credit_code = models.CharField("原统一社会信用代码", max_length=18, blank=True)
    new_credit_code = models.CharField("新统一社会信用代码", max_length=18, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=UnitChangeStatus.choices, default=UnitChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    reason = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "单位信息变更申请"
        verbose_name_plural = "单位信息变更申请"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # At most one request waits per unit.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status="pending"),
                name="unit_change_one_pending_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_name} → {self.new_name}"

    @property
    def name_changed(self) -> bool:
        return self.new_name != self.old_name

    @property
    def credit_code_changed(self) -> bool:
        return self.new_credit_code != self.old_credit_code


class DeclaringWindow(models.Model):
    """学时登记开放: dates in which a unit's people may declare hours for a credit year."""

    unit = models.ForeignKey(
        Organization,
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="declaring_windows",
    )
    credit_year = models.PositiveSmallIntegerField("计入年度")
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("结束日期")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "学时登记开放时间"
        verbose_name_plural = "学时登记开放时间"
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="declaring_window_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_year} 年度：{self.opens_on} 至 {self.closes_on}"


class UnitAdminInfo(models.Model):
    """What the 新增管理员 dialog records beyond the role itself: 分管工作."""

    role = models.OneToOneField(
        "accounts.RoleAssignment",
        verbose_name="管理员角色",
        on_delete=models.CASCADE,
        related_name="unit_admin_info",
    )
    duties = models.CharField("分管工作", max_length=200, blank=True)

    class Meta:
        verbose_name = "单位管理员分管工作"
        verbose_name_plural = "单位管理员分管工作"

    def __str__(self) -> str:
        return self.duties
