"""Demo data for the five seed regions, so every journey can be tried right after `make run`.

Everything is created through the services, deterministically, and only once: running it again
finds what exists and changes nothing. Passwords are the demo password below, except for one
person per region who keeps the initial password (last six characters of the ID number) to show
the forced change at first login.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.accounts.services import initial_password, person_create, role_grant
from xueshi.core.testing import make_credit_code, make_id_number
from xueshi.declarations.models import Attachment
from xueshi.orgs.models import DeclaringWindow, Department, Organization, OrganizationKind
from xueshi.orgs.selectors import unit_may_open_window
from xueshi.orgs.services import department_create, organization_create
from xueshi.portal.demo_applications import load_demo_applications, load_xinjiang_details
from xueshi.portal.demo_certificates import load_demo_certificates
from xueshi.portal.demo_claims import load_demo_claims
from xueshi.portal.demo_notices import load_demo_notices
from xueshi.portal.demo_regions2 import load_demo_regions2
from xueshi.portal.demo_supplements import load_demo_supplements
from xueshi.units.services import declaring_window_open

DEMO_PASSWORD = "Xueshi@2026"  # noqa: S105 (printed for the demo on purpose)


@dataclass
class OrgSpec:
    key: str
    kind: str
    name: str
    region_code: str
    parent: str | None = None
    departments: tuple[str, ...] = ()
    account: str | None = None  # organisation account name (logs in with account or credit code)
    code: str | None = None  # unit code, e.g. Xinjiang's 单位职称编码
    credit_category: str = (
        "12"  # 12: public institution, 11: government, 91: enterprise, 51: society
    )


@dataclass
class PersonSpec:
    name: str
    unit: str
    department: str | None = None
    specialty: str = ""
    female: bool = False
    roles: tuple[tuple[str, str, str | None], ...] = ()  # (kind, org key, department name)
    first_login: bool = False  # keeps the initial password to show the forced change


@dataclass
class RegionSpec:
    key: str
    label: str
    policy_profile: str
    county_code: str  # where demo people's ID numbers are "issued"
    organizations: list[OrgSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)


REGIONS: list[RegionSpec] = [
    RegionSpec(
        key="anyang",
        label="安阳",
        policy_profile="anyang",
        county_code="410502",
        organizations=[
            OrgSpec(
                "authority",
                "authority",
                "安阳市专业技术人员继续教育协会",
                "410500",
                account="ay_xiehui",
                credit_category="51",
            ),
            OrgSpec(
                "health",
                "supervisor",
                "安阳市卫生健康委员会",
                "410500",
                "authority",
                account="ay_weijian",
                credit_category="11",
            ),
            OrgSpec(
                "hospital",
                "unit",
                "安阳市人民医院",
                "410502",
                "health",
                departments=("内科", "外科"),
                account="ay_yiyuan",
            ),
            # No managing unit: its claims go from the unit straight to the association.
            OrgSpec(
                "school", "unit", "安阳市第一中学", "410502", "authority", account="ay_yizhong"
            ),
        ],
        people=[
            PersonSpec("李明", "hospital", "内科", "卫生系列/临床医学/主治医师(中级)"),
            PersonSpec("王芳", "school", None, "教师系列/中小学教师/一级教师(中级)", female=True),
            PersonSpec(
                "刘洋", "hospital", "外科", "卫生系列/临床医学/住院医师(初级)", first_login=True
            ),
        ],
    ),
    RegionSpec(
        key="henan",
        label="河南",
        policy_profile="henan",
        county_code="410105",
        organizations=[
            OrgSpec(
                "authority",
                "authority",
                "河南省人力资源和社会保障厅",
                "410000",
                account="ha_rst",
                credit_category="11",
            ),
            OrgSpec(
                "education",
                "supervisor",
                "河南省教育厅",
                "410000",
                "authority",
                account="ha_jyt",
                credit_category="11",
            ),
            OrgSpec(
                "university",
                "unit",
                "郑州大学",
                "410105",
                "education",
                departments=("信息工程学院", "医学院"),
                account="ha_zzu",
            ),
            OrgSpec(
                "base",
                "training_base",
                "河南省专业技术人员继续教育基地（郑州大学）",
                "410105",
                "education",
                account="ha_jidi",
            ),
        ],
        people=[
            PersonSpec("赵磊", "university", "信息工程学院", "工程系列/电子信息/高级工程师(副高)"),
            PersonSpec("孙丽", "university", "医学院", "教师系列/高校教师/讲师(中级)", female=True),
            PersonSpec("周强", "university", "信息工程学院", "教师系列/高校教师/副教授(副高)"),
            PersonSpec(
                "郑雪",
                "university",
                None,
                "教师系列/高校教师/助教(初级)",
                female=True,
                first_login=True,
            ),
        ],
    ),
    RegionSpec(
        key="guangxi",
        label="广西",
        policy_profile="guangxi",
        county_code="450102",
        organizations=[
            OrgSpec(
                "authority",
                "authority",
                "广西壮族自治区人力资源和社会保障厅",
                "450000",
                account="gx_rst",
                credit_category="11",
            ),
            OrgSpec(
                "education",
                "supervisor",
                "广西壮族自治区教育厅",
                "450000",
                "authority",
                account="gx_jyt",
                credit_category="11",
            ),
            OrgSpec(
                "nanning_education",
                "supervisor",
                "南宁市教育局",
                "450100",
                "authority",
                account="gx_nnjyj",
                credit_category="11",
            ),
            OrgSpec(
                "university",
                "unit",
                "广西大学",
                "450102",
                "education",
                departments=("计算机与电子信息学院", "人力资源处", "财务处"),
                account="gx_gxu",
            ),
            OrgSpec(
                "school", "unit", "南宁市第一中学", "450102", "nanning_education", account="gx_nnyz"
            ),
        ],
        people=[
            # The unit's main admin is also a professional: she switches roles in the top bar.
            PersonSpec(
                "陈静",
                "university",
                "人力资源处",
                "教师系列/高校教师/副教授(副高)",
                female=True,
                roles=(("unit_admin", "university", None),),
            ),
            # A department admin manages only the computer science school's people.
            PersonSpec(
                "黄伟",
                "university",
                "计算机与电子信息学院",
                "教师系列/高校教师/教授(正高)",
                roles=(("department_admin", "university", "计算机与电子信息学院"),),
            ),
            PersonSpec(
                "覃海燕",
                "university",
                "计算机与电子信息学院",
                "教师系列/高校教师/讲师(中级)",
                female=True,
            ),
            PersonSpec("蒙丽", "university", "财务处", "会计系列/会计/会计师(中级)", female=True),
            PersonSpec("梁晓东", "school", None, "教师系列/中小学教师/高级教师(副高)"),
            PersonSpec(
                "莫新", "university", None, "教师系列/高校教师/助教(初级)", first_login=True
            ),
        ],
    ),
    RegionSpec(
        key="zhejiang",
        label="浙江建设",
        policy_profile="zhejiang_construction",
        county_code="330106",
        organizations=[
            OrgSpec(
                "authority",
                "authority",
                "浙江省住房和城乡建设厅（建设行业学时办）",
                "330000",
                account="zj_jst",
                credit_category="11",
            ),
            OrgSpec(
                "builder",
                "unit",
                "浙江省建工集团有限责任公司",
                "330106",
                "authority",
                departments=("工程管理部", "技术中心"),
                account="zj_jiangong",
                credit_category="91",
            ),
            OrgSpec(
                "design",
                "unit",
                "浙江省建筑设计研究院",
                "330106",
                "authority",
                account="zj_sheji",
                credit_category="91",
            ),
        ],
        people=[
            PersonSpec("钱伟", "builder", "工程管理部", "工程系列/建筑工程/工程师(中级)"),
            PersonSpec("吴婷", "design", None, "工程系列/建筑设计/高级工程师(副高)", female=True),
            PersonSpec(
                "冯军",
                "builder",
                "技术中心",
                "工程系列/建筑工程/助理工程师(初级)",
                first_login=True,
            ),
        ],
    ),
    RegionSpec(
        key="xinjiang",
        label="新疆",
        policy_profile="xinjiang",
        county_code="650102",
        organizations=[
            OrgSpec(
                "authority",
                "authority",
                "新疆维吾尔自治区人力资源和社会保障厅",
                "650000",
                account="xj_rst",
                credit_category="11",
            ),
            # Prefecture tier: decides junior and intermediate titles.
            OrgSpec(
                "urumqi",
                "authority",
                "乌鲁木齐市人力资源和社会保障局",
                "650100",
                "authority",
                account="xj_wlmq",
                credit_category="11",
            ),
            OrgSpec(
                "education",
                "supervisor",
                "新疆维吾尔自治区教育厅",
                "650000",
                "authority",
                account="xj_jyt",
                credit_category="11",
            ),
            OrgSpec(
                "university",
                "unit",
                "新疆大学",
                "650102",
                "education",
                departments=("信息科学与工程学院", "人事处"),
                account="xj_xju",
                code="DWBH000101",
            ),
            OrgSpec(
                "school",
                "unit",
                "乌鲁木齐市第一中学",
                "650102",
                "urumqi",
                account="xj_wlmqyz",
                code="DWBH000102",
            ),
        ],
        people=[
            PersonSpec(
                "阿依古丽",
                "university",
                "信息科学与工程学院",
                "教师系列/高校教师/教授(正高)",
                female=True,
            ),
            PersonSpec("石磊", "school", None, "教师系列/中小学教师/一级教师(中级)"),
            PersonSpec(
                "古丽娜",
                "university",
                "人事处",
                "工程系列/水利专业/工程师(中级)",
                female=True,
                first_login=True,
            ),
        ],
    ),
]

ROLE_FOR_KIND = {
    OrganizationKind.UNIT: RoleKind.UNIT_ADMIN,
    OrganizationKind.SUPERVISOR: RoleKind.SUPERVISOR_ADMIN,
    OrganizationKind.AUTHORITY: RoleKind.AUTHORITY_ADMIN,
    OrganizationKind.TRAINING_BASE: RoleKind.TRAINING_BASE_ADMIN,
}


@dataclass
class Login:
    region: str
    who: str
    role: str
    username: str
    password: str


def _organization(
    spec: OrgSpec, parent: Organization | None, region: RegionSpec, sequence: int
) -> Organization:
    existing = Organization.objects.filter(name=spec.name).first()
    if existing is not None:
        return existing
    return organization_create(
        kind=spec.kind,
        name=spec.name,
        region_code=spec.region_code,
        parent=parent,
        credit_code=make_credit_code(spec.region_code, sequence, category=spec.credit_category),
        code=spec.code,
        policy_profile=region.policy_profile if parent is None else "",
    )


def _organization_account(organization: Organization, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=organization.name, organization=organization)
        user.set_password(DEMO_PASSWORD)
        user.save()
    role_grant(
        user=user,
        kind=ROLE_FOR_KIND[OrganizationKind(organization.kind)],
        organization=organization,
    )
    return user


def _open_declaring_this_year(account: User, unit: Organization) -> None:
    """Where units open declaring themselves (Guangxi), open it for this whole year."""
    today = timezone.localdate()
    if DeclaringWindow.objects.filter(unit=unit, credit_year=today.year).exists():
        return
    if not unit_may_open_window(unit, today):
        return
    declaring_window_open(
        role=RoleAssignment.objects.get(user=account, kind=RoleKind.UNIT_ADMIN, organization=unit),
        credit_year=today.year,
        opens_on=datetime.date(today.year, 1, 1),
        closes_on=datetime.date(today.year, 12, 31),
        note="演示数据：全年开放",
        today=today,
        actor=account,
    )


def _person(
    spec: PersonSpec, region: RegionSpec, units: dict[str, Organization], sequence: int
) -> Person:
    birth = datetime.date(1985 + sequence * 3 % 15, 1 + sequence % 12, 1 + sequence * 7 % 28)
    id_number = make_id_number(region.county_code, birth, sequence, female=spec.female)
    person = Person.objects.by_id_number(id_number).first()
    unit = units[spec.unit]
    if person is None:
        department = (
            Department.objects.get(unit=unit, name=spec.department) if spec.department else None
        )
        person = person_create(
            id_number=id_number,
            name=spec.name,
            phone=f"139{sequence:08d}",
            unit=unit,
            department=department,
            specialty=spec.specialty,
            # The demo's specialties end with their grade, e.g. "…/教授(正高)".
            title_grade=spec.specialty.rpartition("(")[2].rstrip(")")
            if "(" in spec.specialty
            else "",
            in_establishment=True,
        )
        if not spec.first_login and person.user is not None:
            person.user.set_password(DEMO_PASSWORD)
            person.user.must_change_password = False
            person.user.save(update_fields=["password", "must_change_password"])
    if person.user is None:
        raise ValueError(f"演示人员 {spec.name} 没有登录账号。")
    for kind, org_key, department_name in spec.roles:
        organization = units[org_key]
        department = (
            Department.objects.get(unit=organization, name=department_name)
            if department_name
            else None
        )
        role_grant(user=person.user, kind=kind, organization=organization, department=department)
    return person


@transaction.atomic
def load_demo(*, claims: bool = False) -> list[Login]:
    """The demo organisations and people; with `claims`, their claims at every stage too."""
    logins: list[Login] = []
    sequence = 0
    for region_number, region in enumerate(REGIONS, start=1):
        organizations: dict[str, Organization] = {}
        for org_number, spec in enumerate(region.organizations, start=1):
            parent = organizations[spec.parent] if spec.parent else None
            organization = _organization(spec, parent, region, region_number * 1000 + org_number)
            organizations[spec.key] = organization
            for name in spec.departments:
                if not organization.departments.filter(name=name).exists():
                    department_create(unit=organization, name=name)
            if spec.account:
                account = _organization_account(organization, spec.account)
                if spec.kind == OrganizationKind.UNIT:
                    _open_declaring_this_year(account, organization)
                role = ROLE_FOR_KIND[OrganizationKind(spec.kind)]
                logins.append(
                    Login(
                        region.label, spec.name, RoleKind(role).label, spec.account, DEMO_PASSWORD
                    )
                )
        for person_spec in region.people:
            sequence += 1
            person = _person(person_spec, region, organizations, sequence)
            roles = "、".join(
                RoleKind(kind).label
                for kind in RoleAssignment.objects.filter(user=person.user).values_list(
                    "kind", flat=True
                )
            )
            password = (
                initial_password(person.id_number) if person_spec.first_login else DEMO_PASSWORD
            )
            note = "（首次登录须改密码）" if person_spec.first_login else ""
            logins.append(
                Login(region.label, person.name + note, roles, person.id_number, password)
            )
    _declaring_access()
    logins.append(
        Login("全平台", "平台管理员", RoleKind.PLATFORM_ADMIN.label, "admin", DEMO_PASSWORD)
    )
    _platform_admin()
    logins.append(Login("全平台", "审计管理员", RoleKind.AUDIT_ADMIN.label, "audit", DEMO_PASSWORD))
    _audit_admin()
    logins.extend(_separated_duty_admins())
    load_xinjiang_details()
    if claims:
        load_demo_claims()
        load_demo_applications()
        load_demo_supplements()
        load_demo_notices()
        _attachment_captions()
        load_demo_regions2()
        load_demo_certificates()
    return logins


def _platform_admin() -> None:
    user = User.objects.filter(username="admin").first()
    if user is None:
        user = User(username="admin", full_name="平台管理员", is_staff=True, is_superuser=True)
        user.set_password(DEMO_PASSWORD)
        user.save()
    role_grant(user=user, kind=RoleKind.PLATFORM_ADMIN)


def _separated_duty_admins() -> list[Login]:
    """三员分立: the system admin (organisations and settings, the Django admin) and the
    security admin (roles, locks, sessions, second factors). Like every platform admin they
    enrol their TOTP at the first login (left un-enrolled here)."""
    logins = []
    for username, kind, staff in (
        ("sysadmin", RoleKind.SYSTEM_ADMIN, True),
        ("secadmin", RoleKind.SECURITY_ADMIN, False),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=RoleKind(kind).label, is_staff=staff)
            user.set_password(DEMO_PASSWORD)
            user.save()
        role_grant(user=user, kind=kind)
        logins.append(
            Login("全平台", RoleKind(kind).label, RoleKind(kind).label, username, DEMO_PASSWORD)
        )
    return logins


def _audit_admin() -> None:
    """三员分立: the audit admin reads and exports the audit log and does nothing else."""
    user = User.objects.filter(username="audit").first()
    if user is None:
        user = User(username="audit", full_name="审计管理员")
        user.set_password(DEMO_PASSWORD)
        user.save()
    role_grant(user=user, kind=RoleKind.AUDIT_ADMIN)


# Zhejiang (seed 003): only 省属企业 learners their enterprise reported and the department enabled
# declare. Both demo enterprises hold 省属管理权限; 钱伟 and 吴婷 are reported, 冯军 (a learner who
# registered himself) is not, so he reads "请您联系本企业管理员…" (issue 13 item 4).
DECLARING_ACCESS_UNITS = ("浙江省建工集团有限责任公司", "浙江省建筑设计研究院")
DECLARING_ENABLED_PEOPLE = ("钱伟", "吴婷")


def _declaring_access() -> None:
    Organization.objects.filter(name__in=DECLARING_ACCESS_UNITS).update(
        declaring_access_granted=True
    )
    Person.objects.filter(
        name__in=DECLARING_ENABLED_PEOPLE, unit__name__in=DECLARING_ACCESS_UNITS
    ).update(declaring_enabled=True)


def _attachment_captions() -> None:
    """Zhejiang's pictures carry their 附件说明 ("附件说明限33个字", issue 13 item 10)."""
    Attachment.objects.filter(
        declaration__policy_profile="zhejiang_construction", caption=""
    ).update(caption="培训结业证书（扫描件）")
