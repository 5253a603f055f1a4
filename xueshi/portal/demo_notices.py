"""Demo notices and policies for each region's public home (loaded with the demo claims)."""

from __future__ import annotations

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.notices.models import Notice
from xueshi.notices.services import NoticeInput, notice_pin, notice_publish, notice_save

# (authority account, kind, title, audience); the first of each region is pinned.
DEMO_NOTICES = [
    ("gx_rst", "notice", "关于开展本年度专业技术人员继续教育专业科目学时登记工作的通知", "public"),
    ("gx_rst", "notice", "请各单位管理员在年底前完成本单位学时审核", RoleKind.UNIT_ADMIN),
    ("gx_rst", "policy", "专业技术人员继续教育规定（人力资源社会保障部令第25号）", "public"),
    ("zj_jst", "notice", "浙江省建设行业专业技术人员继续教育学时登记说明", "public"),
    ("zj_jst", "policy", "浙江省专业技术人员继续教育规定", "public"),
    ("xj_rst", "notice", "关于做好专业技术人员继续教育学时认定工作的通知", "public"),
    ("xj_rst", "policy", "新疆维吾尔自治区专业技术人员继续教育实施办法", "public"),
]
BODY = "各有关单位：\n请按本地区学时认定细则做好继续教育学时登记、审核工作。\n特此通知。"


def load_demo_notices() -> None:
    for account, kind, title, audience in DEMO_NOTICES:
        role = (
            RoleAssignment.objects.select_related("organization", "user")
            .filter(user__username=account, kind=RoleKind.AUTHORITY_ADMIN)
            .first()
        )
        if role is None or Notice.objects.filter(title=title).exists():
            continue
        notice = notice_save(
            role=role,
            actor=role.user,
            data=NoticeInput(kind=kind, title=title, body=BODY, audience=str(audience)),
        )
        notice_publish(role=role, actor=role.user, notice_id=notice.pk, publish=True)
        if not Notice.objects.filter(authority=notice.authority, pinned=True).exists():
            notice_pin(role=role, actor=role.user, notice_id=notice.pk, pinned=True)
