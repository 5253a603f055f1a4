"""The bundled profiles load, say what the seeds say, and broken profiles are refused clearly."""

from __future__ import annotations

import copy
import shutil
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from xueshi.policy.hours import HoursInputError, calculate_hours, validate_declaration_inputs
from xueshi.policy.loader import (
    NoVersionInForce,
    ProfileError,
    ProfileNotFound,
    get_profile,
    load_profile_file,
    profile_for,
    profile_keys,
)
from xueshi.policy.schema import ProfileVersion

BROKEN = Path(__file__).parent / "broken_profiles"
PROFILES = Path(settings.BASE_DIR) / "profiles"
# Whatever regions the folder holds (issue 23: adding a sixth must not fail this suite).
BUNDLED = sorted(path.stem for path in PROFILES.glob("*.yaml"))
SEED_REGIONS = {"anyang", "guangxi", "henan", "xinjiang", "zhejiang_construction"}


def run_check(*paths: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_profiles", *paths, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- check_profiles ----------------------------------------------------------------------


def test_check_profiles_passes_on_every_bundled_profile() -> None:
    out, err = run_check()
    assert err == ""
    for key in BUNDLED:
        assert f"OK {PROFILES / key}.yaml (" in out
    assert profile_keys() == BUNDLED
    assert set(BUNDLED) >= SEED_REGIONS  # the five seeds' regions are always shipped


@pytest.mark.parametrize(
    ("fixture", "path", "reason"),
    [
        (
            "unknown_rule_kind.yaml",
            "versions[0].categories[1].levels[0].rule",
            "未知的学时规则类型 'per_day'",
        ),
        (
            "negative_number.yaml",
            "versions[0].categories[3].levels[0].rule.per_unit_hours",
            "不能为负数",
        ),
        (
            "chain_missing_level.yaml",
            "versions[0].review.chain[1]",
            "未定义的审核级别 'supervisor'",
        ),
        ("category_without_levels.yaml", "versions[0].categories[1].levels", "没有申报等级"),
        (
            "duplicate_category_code.yaml",
            "versions[0].categories[1].code",
            "类别代码 'degree_education' 重复",
        ),
        ("not_yaml.yaml", "第 8 行", "不是有效的 YAML"),
    ],
)
def test_check_profiles_names_file_path_and_reason(fixture: str, path: str, reason: str) -> None:
    err = StringIO()
    with pytest.raises(CommandError, match="1 个政策配置文件有错误"):
        call_command("check_profiles", str(BROKEN / fixture), stdout=StringIO(), stderr=err)
    line = next(line for line in err.getvalue().splitlines() if fixture in line)
    assert f"{BROKEN / fixture}: {path}" in line
    assert reason in line


def test_check_profiles_on_a_folder_reports_every_broken_file_and_exits_non_zero() -> None:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_profiles", str(BROKEN), stdout=StringIO(), stderr=err)
    reported = {
        Path(line.split(": ")[0].removeprefix("ERROR ")).name
        for line in err.getvalue().splitlines()
    }
    assert reported == {p.name for p in BROKEN.glob("*.yaml")}


def test_a_broken_profile_never_half_loads(settings, tmp_path: Path) -> None:
    shutil.copy(PROFILES / "guangxi.yaml", tmp_path / "guangxi.yaml")
    shutil.copy(BROKEN / "negative_number.yaml", tmp_path / "broken.yaml")
    settings.POLICY_PROFILES_DIR = tmp_path
    # The good file loads; the broken one is absent as a whole and asking for it says why.
    assert profile_keys() == ["guangxi"]
    with pytest.raises(ProfileError) as excinfo:
        get_profile("broken")
    assert "per_unit_hours" in str(excinfo.value)
    with pytest.raises(ProfileNotFound):
        get_profile("nowhere")


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = (PROFILES / "zhejiang_construction.yaml").read_text(encoding="utf-8")
    doubled = tmp_path / "doubled.yaml"
    doubled.write_text(
        text.replace("name: 浙江省", "name: 浙江\nname: 浙江省", 1), encoding="utf-8"
    )
    with pytest.raises(ProfileError, match="重复"):
        load_profile_file(doubled)


# --- versions by date ----------------------------------------------------------------------


def test_profile_for_picks_the_version_in_force(settings, tmp_path: Path) -> None:
    data = yaml.safe_load((PROFILES / "anyang.yaml").read_text(encoding="utf-8"))
    # A second version from 2021 pays 20 hours per course instead of 15.
    later = copy.deepcopy(data["versions"][0])
    later["effective_from"] = date(2021, 1, 1)
    degree = next(c for c in later["categories"] if c["code"] == "degree_education")
    degree["levels"][0]["rule"]["per_unit_hours"] = 20
    data["versions"].append(later)
    (tmp_path / "anyang.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    settings.POLICY_PROFILES_DIR = tmp_path

    inputs = {"quantity": 12}
    old = profile_for("anyang", date(2020, 12, 31))
    new = profile_for("anyang", date(2021, 1, 1))
    assert old.effective_from == date(2014, 1, 1)
    assert new.effective_from == date(2021, 1, 1)
    assert calculate_hours(old, "degree_education", "course_passed", inputs).hours == 180
    assert calculate_hours(new, "degree_education", "course_passed", inputs).hours == 240
    with pytest.raises(NoVersionInForce):
        profile_for("anyang", date(2013, 12, 31))


# --- what the seeds say, from the profiles alone -------------------------------------------------


def version(key: str) -> ProfileVersion:
    return profile_for(key, date(2024, 6, 1))


def test_anyang_degree_education_is_15_hours_per_course() -> None:
    anyang = profile_for("anyang", date(2014, 6, 1))
    leaf = anyang.leaf("degree_education")
    assert leaf.category.name == "参加学历、学位教育"
    assert [level.name for level in leaf.category.levels] == [
        "考试合格者，每门课程15学时，请在学时系数中输入课程数"
    ]
    result = calculate_hours(anyang, "degree_education", "course_passed", {"quantity": 12})
    assert result.hours == 180
    assert result.explanation == "15 学时/门 × 12 门 = 180 学时"
    assert result.editable is False


def test_anyang_has_all_18_declaration_types_each_with_levels() -> None:
    anyang = profile_for("anyang", date(2014, 6, 1))
    leaves = anyang.leaf_categories()
    assert len(leaves) == 18
    assert all(leaf.category.levels for leaf in leaves)
    seed = (Path(settings.BASE_DIR).parent / "shared" / "seeds").glob("000_*.txt")
    seed_text = next(seed, None)
    if seed_text is not None:  # the names are the seed's, verbatim
        text = seed_text.read_text(encoding="utf-8")
        for number, leaf in enumerate(leaves, start=1):
            assert f"{number}{leaf.category.name}" in text
    assert [lv.name for lv in anyang.review_chain()] == ["单位审核", "管理单位审核", "协会审核"]
    assert anyang.review_level("managing_unit").skippable


def test_guangxi_training_from_dates_is_40_hours() -> None:
    guangxi = version("guangxi")
    result = calculate_hours(
        guangxi,
        "training_course",
        "by_dates",
        {"start_date": "2020-05-04", "end_date": "2020-05-08"},
    )
    assert result.hours == 40
    assert result.explanation == "2020-05-04 至 2020-05-08 共 5 天 × 2 个半天 × 4 学时 = 40 学时"
    assert result.editable is False
    # Non-training activities may be edited by hand; training may not.
    paper = calculate_hours(
        guangxi,
        "paper",
        "by_dates",
        {"start_date": "2020-05-04", "end_date": "2020-05-08", "hours_claimed": 10},
    )
    assert (paper.hours, paper.editable) == (10, True)
    typed = calculate_hours(
        guangxi,
        "training_course",
        "by_dates",
        {"start_date": "2020-05-04", "end_date": "2020-05-08", "hours_claimed": 10},
    )
    assert typed.hours == 40


def test_guangxi_is_two_level_with_pledge_and_direct_supervisor() -> None:
    guangxi = version("guangxi")
    assert {leaf.parent.name for leaf in guangxi.leaf_categories() if leaf.parent} >= {
        "培训进修类",
        "学术会议类",
        "成果著作类",
        "学历教育类",
    }
    assert guangxi.leaf("patent").full_name == "成果著作类-专利"
    errors = validate_declaration_inputs(
        guangxi,
        "training_course",
        {"title": "培训", "start_date": "2020-05-04", "end_date": "2020-05-08", "description": "x"},
    )
    assert errors == {"pledge": ["请勾选“本人承诺以上信息属实”"]}
    assert [lv.name for lv in guangxi.direct_chain()] == ["主管部门审核"]
    assert guangxi.windows.unit_may_open_window


def test_guangxi_end_before_start_is_a_field_error() -> None:
    errors = validate_declaration_inputs(
        version("guangxi"),
        "training_course",
        {"start_date": "2020-05-08", "end_date": "2020-05-04"},
    )
    assert errors["end_date"] == ["结束时间不能早于开始时间"]


HENAN_LEAVE_SEED = "学时按实际在岗时间计算，如需申报66个学时，休半年产假可折算33个学时"


def test_henan_maternity_half_a_year_gives_33_of_66() -> None:
    """Seed: "如需申报66个学时，休半年产假可折算33个学时": half a year of leave → 33."""
    henan = version("henan")
    assert HENAN_LEAVE_SEED in henan.materials_for("leave_or_abroad")
    result = calculate_hours(henan, "leave_or_abroad", "maternity", {"months_on_leave": 6})
    assert result.hours == 33
    assert result.explanation == "66 学时 × 休假 6/12 个月 = 33 学时"


def test_henan_leave_converts_not_the_time_on_duty() -> None:
    """Issue 11.6: "休半年产假可折算33个学时" means the leave converts: 66 × months on leave / 12.
    Three months of leave give 16.5 (the old form asked months on duty: 9 → 49.5)."""
    henan = version("henan")
    three = calculate_hours(henan, "leave_or_abroad", "maternity", {"months_on_leave": 3})
    assert three.hours == Decimal("16.5")
    assert three.explanation == "66 学时 × 休假 3/12 个月 = 16.5 学时"
    assert [name for name, _spec, _req in henan.fields_for("leave_or_abroad")] == [
        "credit_year",
        "months_on_leave",
        "description",
    ]


def test_henan_leave_is_at_most_the_year_the_materials_can_prove() -> None:
    henan = version("henan")
    errors = validate_declaration_inputs(
        henan, "leave_or_abroad", {"level": "maternity", "months_on_leave": 13}
    )
    assert "证明材料所载休假月数不能大于 12" in errors["months_on_leave"]


def test_henan_has_16_forms_with_their_materials() -> None:
    henan = version("henan")
    leaves = henan.leaf_categories()
    assert len(leaves) == 16
    assert all(henan.materials_for(leaf.code) for leaf in leaves)
    assert henan.materials_for("leave_or_abroad").endswith("休半年产假可折算33个学时。")
    assert henan.attachments.zip_allowed and henan.attachments.max_count == 1
    assert "training_base_admin" in henan.declarants_for("base_training")
    assert "training_base_admin" not in henan.declarants_for("training")
    assert [lv.name for lv in henan.review_chain()] == ["用人单位", "主管部门", "人社部门"]


def test_anyang_quantity_zero_is_a_field_error() -> None:
    anyang = profile_for("anyang", date(2014, 6, 1))
    errors = validate_declaration_inputs(
        anyang,
        "degree_education",
        {"credit_year": 2014, "description": "参加学位教育", "quantity": 0},
    )
    assert errors == {"quantity": ["学时系数必须是大于 0 的整数（门数）"]}
    with pytest.raises(HoursInputError):
        calculate_hours(anyang, "degree_education", "course_passed", {"quantity": 0})


def zhejiang_inputs(**overrides: object) -> dict[str, object]:
    inputs: dict[str, object] = {
        "credit_year": 2024,
        "title": "建设工程新技术培训",
        "hours_claimed": 16,
        "description": "结业证书",
        "attachment_count": 5,
    }
    inputs.update(overrides)
    return inputs


def test_zhejiang_refuses_a_sixth_image_and_a_34_character_description() -> None:
    zhejiang = version("zhejiang_construction")
    assert validate_declaration_inputs(zhejiang, "training", zhejiang_inputs()) == {}
    assert validate_declaration_inputs(
        zhejiang, "training", zhejiang_inputs(attachment_count=6)
    ) == {"attachments": ["最多上传 5 张图片"]}
    assert (
        validate_declaration_inputs(zhejiang, "training", zhejiang_inputs(description="说" * 33))
        == {}
    )
    assert validate_declaration_inputs(
        zhejiang, "training", zhejiang_inputs(description="说" * 34)
    ) == {"description": ["认定内容说明最多 33 个字"]}


def test_zhejiang_chain_access_and_supplement_window() -> None:
    zhejiang = version("zhejiang_construction")
    assert [lv.name for lv in zhejiang.review_chain()] == ["企业审核", "省级终审"]
    assert zhejiang.access.mode == "enabled_by_unit"
    supplement = zhejiang.windows.supplement
    assert supplement is not None
    assert (supplement.opens, supplement.closes, supplement.credit_year) == (
        "01-01",
        "01-20",
        "previous",
    )
    assert [lv.name for lv in zhejiang.supplement_chain()] == ["企业审核", "学时办审核", "省级备案"]


def test_xinjiang_hours_field_refuses_four_digits() -> None:
    xinjiang = version("xinjiang")
    inputs = {
        "title": "现代信息通信技术与数字领域融合发展",
        "organizer": "新疆维吾尔自治区通信管理局",
        "project_type": "高级研修项目",
        "start_date": "2023-06-01",
        "end_date": "2023-06-07",
        "hours_claimed": 40,
        "attachment_count": 1,
    }
    assert validate_declaration_inputs(xinjiang, "advanced_study", inputs) == {}
    errors = validate_declaration_inputs(
        xinjiang, "advanced_study", {**inputs, "hours_claimed": 1000}
    )
    assert errors == {"hours_claimed": ["申请学时最多 3 位数"]}
    # The live calculation refuses the same figure (the form shows it beside 申请学时).
    with pytest.raises(HoursInputError) as refused:
        calculate_hours(xinjiang, "advanced_study", "as_claimed", {**inputs, "hours_claimed": 1000})
    assert refused.value.errors == {"hours_claimed": ["申请学时最多 3 位数"]}
    oversized = {**inputs, "attachment_sizes": [5 * 1024 * 1024 + 1], "attachment_kinds": ["png"]}
    assert validate_declaration_inputs(xinjiang, "advanced_study", oversized) == {
        "attachments": [
            "只能上传 jpg、pdf 文件（按文件内容识别，与扩展名无关）",
            "单个附件不能超过 5 MB，请压缩后再上传",
        ]
    }


def test_xinjiang_categories_threshold_tiers_and_titles() -> None:
    xinjiang = version("xinjiang")
    assert [leaf.category.name for leaf in xinjiang.leaf_categories()] == [
        "高级研修项目、进修项目",
        "继续教育实践活动",
        "宣讲、巡讲、培训班、学术会议、专题讲座等",
        "学历(学位)教育",
        "发明专利",
        "研究课题、科研基金项目",
        "论文、学术著作、译著",
        "专业技术人员职业资格考试",
        "其他继续教育形式",
    ]
    assert xinjiang.requirement.application_threshold_hours == 60
    assert "教师系列/高校教师/教授(正高)" in xinjiang.title_choices()
    assert "工程系列/水利专业/正高级工程师(正高)" in xinjiang.title_choices()
    tiers = {rank: xinjiang.tier_for_rank(rank) for rank in ("正高", "副高", "中级", "初级")}
    tier_names = {rank: tier.name if tier else None for rank, tier in tiers.items()}
    assert tier_names == {"正高": "自治区", "副高": "自治区", "中级": "地州市", "初级": "地州市"}


def test_every_bundled_requirement_meets_the_national_floor() -> None:
    for key in BUNDLED:
        requirement = version(key).requirement
        assert requirement.total_hours >= 90
        assert requirement.professional_hours is not None
        assert requirement.professional_hours * 3 >= requirement.total_hours * 2


def test_system_check_names_a_broken_profile(settings, tmp_path):

    from xueshi.policy.checks import policy_profiles_valid

    assert policy_profiles_valid() == []
    broken = Path(__file__).parent / "broken_profiles" / "negative_number.yaml"
    shutil.copy(broken, tmp_path / "negative_number.yaml")
    settings.POLICY_PROFILES_DIR = tmp_path
    errors = policy_profiles_valid()
    assert errors and all(error.id == "policy.E001" for error in errors)
    assert "negative_number.yaml" in errors[0].msg
