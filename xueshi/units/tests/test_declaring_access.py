"""Issue 13 item 4, Zhejiang: only 省属企业 learners declare.

Seed 003 says: “未在本网站进行学习的学员如需登陆系统进行填报信息，请按各培训点要求进行上报信息，
由主管部门审批后，方可登录进入学时登记。” and “学员登录后，系统未提示您进入学时登记系统如（图—3），
请您核对是否属于省属企业学员（非省属企业学员不参加学时登记工作），省属企业学员需企业管理员统一
上报学员信息开通省属管理权限，如您是自行注册的省属企业学员，请您联系本企业管理员，由企业管理员
核实上报学员信息至主管部门进行权限处理，处理完毕后方有权限进行学时认定登记。”

So (profile key ``access`` of profiles/zhejiang_construction.yaml): the supervising department
grants the enterprise (省属管理权限), the enterprise admin reports the person, and only then may
the person declare; elsewhere (``access.mode: open``) nothing changes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.permissions import declaring_access, role_may
from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration
from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.orgs.tests.factories import act_as
from xueshi.policy.loader import check_profile_file
from xueshi.portal.menu import menu_for
from xueshi.review.services import declaration_submit
from xueshi.units.services import person_declaring_enabled_set, unit_declaring_access_set

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
ZHEJIANG_FIELDS = {
    "credit_year": YEAR,
    "title": "建筑施工安全管理培训",
    "hours_claimed": Decimal(24),
    "description": "省建设厅主办",
}


def _save(demo, name: str) -> Declaration:
    role = demo.professional(name)
    return declaration_save(
        person=demo.person(name),
        data=DeclarationInput("training", "per_rules", ZHEJIANG_FIELDS),
        actor=role.user,
        role=role,
    )


def test_a_person_the_enterprise_has_not_reported_may_not_declare(demo, client):
    # 冯军 registered himself: “请您联系本企业管理员，由企业管理员核实上报学员信息至主管部门进行
    # 权限处理，处理完毕后方有权限进行学时认定登记”.
    person = demo.person("冯军")
    assert person.unit.declaring_access_granted and not person.declaring_enabled
    access = declaring_access(person)
    assert not access.allowed
    assert "请您联系本企业管理员" in access.reason
    with pytest.raises(PermissionDenied, match="处理完毕后方有权限进行学时认定登记"):
        _save(demo, "冯军")
    assert not Declaration.objects.exists()

    role = demo.professional("冯军")
    role.user.must_change_password = False
    role.user.save(update_fields=["must_change_password"])
    act_as(client, role)
    home = client.get(reverse("core:home")).content.decode()
    assert "请您联系本企业管理员" in home and "进入学时登记</a>" not in home
    response = client.get(reverse("declarations:create"), follow=True)
    page = response.content.decode()
    assert "处理完毕后方有权限进行学时认定登记" in page
    assert 'name="category"' not in page  # no form


def test_a_person_of_an_enterprise_without_the_grant_may_not_declare(demo):
    # “非省属企业学员不参加学时登记工作”: the enterprise itself holds no 省属管理权限.
    person = demo.person("钱伟")
    person.unit.declaring_access_granted = False
    person.unit.save(update_fields=["declaring_access_granted"])
    access = declaring_access(demo.person("钱伟"))
    assert not access.allowed and "非省属企业学员不参加学时登记工作" in access.reason
    with pytest.raises(PermissionDenied, match="尚未开通省属管理权限"):
        _save(demo, "钱伟")


def test_an_enabled_person_is_prompted_to_declare_after_login(demo, client):
    # “学员登录后，系统…提示您进入学时登记系统”.
    act_as(client, demo.professional("钱伟"))
    home = client.get(reverse("core:home")).content.decode()
    assert "您已开通省属管理权限，请进入学时登记。" in home
    assert f'href="{reverse("declarations:create")}">进入学时登记</a>' in home
    assert _save(demo, "钱伟").pk


def test_withdrawn_access_stops_a_saved_draft_at_submit(demo):
    draft = _save(demo, "钱伟")
    authority = demo.role("zj_jst")
    builder = demo.organization("浙江省建工集团有限责任公司")
    actor = authority.user
    unit_declaring_access_set(unit_id=builder.pk, granted=False, role=authority, actor=actor)
    role = demo.professional("钱伟")
    with pytest.raises(ValidationError, match="不能提交：您所在企业尚未开通省属管理权限"):
        declaration_submit(declaration_id=draft.pk, actor=role.user, role=role)


def test_other_regions_declare_as_before(demo):
    # Guangxi (access.mode open): nobody is asked for a grant.
    person = demo.person("覃海燕")
    assert not person.declaring_enabled and not person.unit.declaring_access_granted
    assert declaring_access(person).allowed


def test_the_supervising_department_grants_the_enterprise_audited(demo, client):
    authority = demo.role("zj_jst")
    unit = demo.organization("浙江省建筑设计研究院")
    act_as(client, authority)
    page = client.get(reverse("orgs:declaring_access")).content.decode()
    assert "单位学时登记权限" in page and "浙江省建筑设计研究院" in page
    assert "确定取消“浙江省建筑设计研究院”的省属管理权限吗？" in page  # confirm before withdrawing
    response = client.post(
        reverse("orgs:declaring_access_set", args=[unit.pk]), {"granted": "0"}, follow=True
    )
    assert "已为“浙江省建筑设计研究院”取消省属管理权限。" in response.content.decode()
    unit.refresh_from_db()
    assert not unit.declaring_access_granted
    assert AuditLog.objects.filter(
        action="unit.declaring_access_withdraw", target_id=str(unit.pk)
    ).exists()
    client.post(reverse("orgs:declaring_access_set", args=[unit.pk]), {"granted": "1"})
    unit.refresh_from_db()
    assert unit.declaring_access_granted
    assert AuditLog.objects.filter(action="unit.declaring_access_grant").exists()


def test_a_unit_outside_the_scope_is_a_404_and_other_regions_have_no_such_page(demo, client):
    act_as(client, demo.role("zj_jst"))
    guangxi_unit = demo.organization("广西大学")
    response = client.post(
        reverse("orgs:declaring_access_set", args=[guangxi_unit.pk]), {"granted": "1"}
    )
    assert response.status_code == 404
    guangxi_unit.refresh_from_db()
    assert not guangxi_unit.declaring_access_granted
    with pytest.raises(PermissionDenied):
        unit_declaring_access_set(
            unit_id=guangxi_unit.pk, granted=True, role=demo.role("gx_rst"), actor=None
        )
    # Guangxi manages no access: no menu entry, no page.
    guangxi_authority = demo.role("gx_rst")
    assert not role_may(guangxi_authority, "orgs.grant_access")
    labels = [item.label for section in menu_for(guangxi_authority) for item in section.items]
    assert "单位学时登记权限" not in labels
    zhejiang_labels = [
        item.label for section in menu_for(demo.role("zj_jst")) for item in section.items
    ]
    assert "单位学时登记权限" in zhejiang_labels
    act_as(client, guangxi_authority)
    assert client.get(reverse("orgs:declaring_access")).status_code == 403


def test_the_enterprise_admin_reports_a_learner_audited(demo, client):
    # “省属企业学员需企业管理员统一上报学员信息开通省属管理权限”.
    enterprise = demo.role("zj_jiangong")
    person = demo.person("冯军")
    act_as(client, enterprise)
    page = client.get(reverse("orgs:staff_list")).content.decode()
    assert "学时登记权限" in page and "上报开通" in page
    client.post(reverse("orgs:staff_declaring_enabled", args=[person.pk]), {"enabled": "1"})
    person.refresh_from_db()
    assert person.declaring_enabled
    assert AuditLog.objects.filter(
        action="person.declaring_enable", target_id=str(person.pk)
    ).exists()
    assert declaring_access(demo.person("冯军")).allowed
    # Another enterprise's learner is out of scope: 404, nothing changes.
    other = demo.person("吴婷")
    response = client.post(
        reverse("orgs:staff_declaring_enabled", args=[other.pk]), {"enabled": "0"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.declaring_enabled
    with pytest.raises(PermissionDenied):
        person_declaring_enabled_set(
            person_id=other.pk, enabled=False, role=enterprise, actor=enterprise.user
        )


def test_a_guangxi_unit_admin_sees_no_reporting_column(demo, client):
    act_as(client, demo.role("gx_gxu"))
    page = client.get(reverse("orgs:staff_list")).content.decode()
    assert "上报开通" not in page


def test_check_profiles_refuses_inconsistent_access_texts(tmp_path):
    path = tmp_path / "access.yaml"
    source = Path("profiles/zhejiang_construction.yaml").read_text(encoding="utf-8")
    path.write_text(source.replace("      prompt: 您已开通省属管理权限，请进入学时登记。\n", ""))
    _profile, problems = check_profile_file(path)
    assert any("access.prompt" in str(problem) for problem in problems)
    path.write_text(source.replace("mode: enabled_by_unit", "mode: open"))
    _profile, problems = check_profile_file(path)
    assert any("access.grant_label" in str(problem) for problem in problems)
