"""导入学员培训信息: drafts registered by the unit, every bad row reported, no duplicates."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from xueshi.core.models import AuditLog, BackgroundJob, JobStatus
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.imports import services
from xueshi.imports.models import ImportBatch, ImportedRow, ImportKind, ImportStatus
from xueshi.imports.services import import_start
from xueshi.imports.xlsx import ImportRefused

from .helpers import (
    claim_row,
    day,
    fill_template,
    plain_workbook,
    read_sheet,
    this_year,
    upload,
)


def bad_checksum(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:-1] + ("1" if last != "1" else "2")


@pytest.fixture
def gxu(demo):
    return demo.role("gx_gxu")


@pytest.fixture
def five_rows(demo):
    qin, meng, mo, chen = (demo.person(n) for n in ("覃海燕", "蒙丽", "莫新", "陈静"))
    return [
        claim_row(qin.id_number, qin.name),
        claim_row(meng.id_number, meng.name, "学术会议类-学术会议", 申请学时=6),
        claim_row(mo.id_number, mo.name, "成果著作类-论文", 认定内容="一篇论文"),
        claim_row(bad_checksum(chen.id_number), chen.name),
        claim_row(qin.id_number, qin.name, "培训进修类-不存在的类型", 认定内容="另一次培训"),
    ]


def start(role, content: bytes, name: str = "培训信息.xlsx") -> ImportBatch:
    return import_start(
        kind=ImportKind.CLAIMS, upload=upload(content, name), role=role, actor=role.user
    )


def errors_of(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(batch.row_errors.values_list("row_number", "column", "message"))


def test_three_good_two_bad_rows(demo, gxu, five_rows):
    batch = start(gxu, fill_template(gxu, five_rows))

    assert (batch.status, batch.processed_rows) == (ImportStatus.DONE, 5)
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (3, 0, 2)
    drafts = Declaration.objects.filter(registered_by_organization=gxu.organization)
    assert drafts.count() == 3
    assert set(drafts.values_list("status", flat=True)) == {DeclarationStatus.DRAFT}
    assert set(drafts.values_list("person__name", flat=True)) == {"覃海燕", "蒙丽", "莫新"}
    training = drafts.get(person__name="覃海燕")
    assert training.category_name == "培训进修类-培训班"
    assert training.hours_claimed == Decimal(16)  # two days × 2 half-days × 4 hours
    assert drafts.get(person__name="蒙丽").hours_claimed == Decimal(6)  # typed, allowed here
    assert training.unit == gxu.organization and training.created_by == gxu.user

    (row5, column5, message5), (row6, column6, message6) = errors_of(batch)
    assert (row5, column5) == (5, "证件号码") and "校验位错误" in message5
    assert (row6, column6) == (6, "认定类型")
    assert message6 == "认定类型“培训进修类-不存在的类型”不存在"


def test_reimport_creates_nothing_new(demo, gxu, five_rows):
    content = fill_template(gxu, five_rows)
    start(gxu, content)
    again = start(gxu, content)
    assert (again.created_count, again.skipped_count, again.error_count) == (0, 3, 2)
    assert Declaration.objects.count() == 3
    assert ImportedRow.objects.count() == 3
    assert services.earlier_same_file(again) is not None
    # The same rows in another file (another order, one new row) are not duplicated either.
    qin = demo.person("覃海燕")
    other = fill_template(
        gxu, [five_rows[2], five_rows[0], claim_row(qin.id_number, qin.name, 认定内容="第三次培训")]
    )
    third = start(gxu, other, "另一个文件.xlsx")
    assert (third.created_count, third.skipped_count) == (1, 2)
    assert Declaration.objects.count() == 4


def test_same_row_twice_in_one_file_is_created_once(demo, gxu):
    qin = demo.person("覃海燕")
    row = claim_row(qin.id_number, qin.name)
    batch = start(gxu, fill_template(gxu, [row, row]))
    assert (batch.created_count, batch.skipped_count) == (1, 1)


def test_deleting_an_imported_claim_lets_it_be_imported_again(demo, gxu):
    qin = demo.person("覃海燕")
    content = fill_template(gxu, [claim_row(qin.id_number, qin.name)])
    start(gxu, content)
    Declaration.objects.get().delete()
    assert start(gxu, content).created_count == 1


def test_imported_draft_equals_what_declaration_save_makes(demo, gxu):
    """The bulk path applies declaration_save's rules; both give the same draft."""
    meng = demo.person("蒙丽")
    row = claim_row(meng.id_number, meng.name, "学术会议类-学术会议", 申请学时=6, 证书编号="ZS-001")
    start(gxu, fill_template(gxu, [row]))
    imported = Declaration.objects.get()
    saved = declaration_save(
        person=meng,
        data=DeclarationInput(
            "academic_conference",
            "by_dates",
            {
                "title": row["认定内容"],
                "start_date": row["开始时间"],
                "end_date": row["结束时间"],
                "hours_claimed": Decimal(6),
                "description": row["认定内容说明"],
                "certificate_number": "ZS-001",
            },
        ),
        actor=gxu.user,
        role=gxu,
    )
    assert {f: getattr(imported, f) for f in COMPARED} == {f: getattr(saved, f) for f in COMPARED}


COMPARED = [
    "person_id", "unit_id", "registered_by_organization_id", "created_by_id",
    "policy_profile", "profile_version", "category_code", "category_name", "level_code",
    "level_name", "title", "description", "certificate_number", "start_date", "end_date",
    "quantity", "extra", "credit_year", "hours_claimed", "hours_explanation", "pledge",
    "status",
]  # fmt: skip


def test_field_errors_are_mapped_to_their_columns(demo, gxu):
    qin = demo.person("覃海燕")
    rows = [
        claim_row(qin.id_number, qin.name, 开始时间=day(3, 5), 结束时间=day(3, 1)),
        claim_row(qin.id_number, qin.name, 认定内容=None, 开始时间="下周一"),
        claim_row(qin.id_number, "张三"),
        claim_row(qin.id_number, qin.name, "公需科目-政治理论"),
        claim_row(qin.id_number, qin.name, 计入年度=1999),
    ]
    batch = start(gxu, fill_template(gxu, rows))
    found = errors_of(batch)
    assert (2, "结束时间", "结束时间不能早于开始时间") in found
    assert any(r == 3 and c == "开始时间" and "不是有效日期" in m for r, c, m in found)
    assert any(r == 4 and c == "姓名" and "不一致" in m for r, c, m in found)
    assert any(r == 5 and c == "认定类型" and "公需科目" in m for r, c, m in found)
    assert any(r == 6 and c == "计入年度" and "计入年度只能选择" in m for r, c, m in found)
    assert batch.created_count == 0 and batch.error_count == 5


def test_department_admin_imports_only_their_department(demo):
    huang = demo.person("黄伟")
    role = demo.role(huang.id_number, "department_admin")
    qin, meng = demo.person("覃海燕"), demo.person("蒙丽")
    rows = [claim_row(qin.id_number, qin.name), claim_row(meng.id_number, meng.name)]
    batch = start(role, fill_template(role, rows))
    assert batch.created_count == 1
    assert errors_of(batch) == [(3, "证件号码", "该人员不在您的管理范围内")]
    assert Declaration.objects.get().person == qin


def test_people_of_another_unit_are_out_of_scope(demo, gxu):
    liang = demo.person("梁晓东")  # 南宁市第一中学
    batch = start(gxu, fill_template(gxu, [claim_row(liang.id_number, liang.name)]))
    assert errors_of(batch) == [(2, "证件号码", "该人员不在您的管理范围内")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "空的"),
        (b"\xd0\xcf\x11\xe0 an old .xls file", "不是 Excel 工作簿"),
        ("证件号码,姓名\n".encode(), "不是 Excel 工作簿"),
    ],
)
def test_not_xlsx_or_empty_is_refused(gxu, content, reason):
    with pytest.raises(ImportRefused, match=reason):
        start(gxu, content, "x.xlsx")
    assert ImportBatch.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(gxu):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportRefused, match="不是有效的 Excel 工作簿"):
        start(gxu, buffer.getvalue())


def test_headers_only_or_no_rows_is_refused(gxu):
    with pytest.raises(ImportRefused, match="没有数据行"):
        start(gxu, fill_template(gxu, []))
    with pytest.raises(ImportRefused, match="没有数据"):
        start(gxu, plain_workbook([]))


def test_wrong_headers_are_named(gxu):
    content = plain_workbook([["身份证", "姓名", "认定类型", "认定内容", "备注2"], ["x"] * 5])
    with pytest.raises(ImportRefused) as refused:
        start(gxu, content)
    message = str(refused.value)
    assert "缺少列“证件号码”" in message and "无法识别的列“身份证”、“备注2”" in message
    assert ImportBatch.objects.count() == 0


def test_page_shows_result_table_and_offers_bad_rows(client, demo, gxu, five_rows):
    client.force_login(gxu.user)
    page = client.get(reverse("imports:claims"))
    assert page.status_code == 200 and "下载导入模板" in page.content.decode()
    template = client.get(reverse("imports:claims_template"))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")

    response = client.post(
        reverse("imports:claims"), {"file": upload(fill_template(gxu, five_rows))}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:batch_detail", args=[batch.pk]
    )
    html = client.get(response["Location"]).content.decode()
    for text in ("行号", "列", "原因", "第 5 行", "证件号码", "第 6 行", "认定类型", "下载错误行"):
        assert text in html
    assert 'data-testid="created">3<' in html and 'data-testid="errors">2<' in html

    download = client.get(reverse("imports:batch_errors", args=[batch.pk]))
    rows = read_sheet(b"".join(download.streaming_content))
    assert rows[0][-1] == "错误原因" and rows[0][0] == "证件号码"
    assert len(rows) == 3
    assert "校验位错误" in rows[1][-1] and "不存在" in rows[2][-1]

    # Fix the two rows and upload the bad-rows file again: its 错误原因 column is ignored.
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(client.get(reverse("imports:batch_errors", args=[batch.pk])).streaming_content)
        )
    )
    sheet = workbook.worksheets[0]
    sheet["A2"] = demo.person("陈静").id_number
    sheet["C3"] = "培训进修类-进修班"
    buffer = io.BytesIO()
    workbook.save(buffer)
    fixed = client.post(reverse("imports:claims"), {"file": upload(buffer.getvalue())})
    second = ImportBatch.objects.get(pk=int(fixed["Location"].rstrip("/").split("/")[-1]))
    assert (second.created_count, second.error_count) == (2, 0)


def test_refusal_is_shown_on_the_page(client, gxu):
    client.force_login(gxu.user)
    response = client.post(reverse("imports:claims"), {"file": upload(b"hello", "a.xlsx")})
    assert response.status_code == 400
    assert "文件不是 Excel 工作簿" in response.content.decode()


def test_only_admins_of_a_unit_may_import_and_see_their_batches(client, demo, gxu, five_rows):
    batch = start(gxu, fill_template(gxu, five_rows))
    client.force_login(demo.person("蒙丽").user)
    assert client.get(reverse("imports:claims")).status_code == 403
    assert client.get(reverse("imports:claims_template")).status_code == 403
    assert client.get(reverse("imports:batch_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("imports:batch_errors", args=[batch.pk])).status_code == 404


def test_large_file_runs_in_the_background_with_the_same_result(
    client, demo, gxu, five_rows, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "BACKGROUND_ROW_THRESHOLD", 2)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    monkeypatch.setattr(services.RowImporter, "chunk_size", 2)
    client.force_login(gxu.user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("imports:claims"), {"file": upload(fill_template(gxu, five_rows))}
        )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.QUEUED and batch.job is not None
    queued = client.get(response["Location"]).content.decode()
    assert "正在后台导入" in queued and reverse("core:job_status", args=[batch.job.pk]) in queued
    assert client.get(reverse("imports:batch_state", args=[batch.pk])).status_code == 204
    listing = client.get(reverse("imports:claims")).content.decode()
    assert f'id="job-{batch.job.pk}"' in listing  # the progress card survives a reload

    for callback in callbacks:
        callback()  # the task runs (ImmediateBackend) once the upload's transaction commits
    batch.refresh_from_db()
    job = BackgroundJob.objects.get(import_batch=batch)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 5, 5)
    assert job.file_name.endswith(".xlsx") and "新建 3" in job.message
    assert (batch.status, batch.created_count, batch.error_count) == (ImportStatus.DONE, 3, 2)
    assert [(r, c) for r, c, _m in errors_of(batch)] == [(5, "证件号码"), (6, "认定类型")]
    assert client.get(reverse("imports:batch_state", args=[batch.pk]))["HX-Refresh"] == "true"


@pytest.fixture
def capped_training(settings, tmp_path):
    """Guangxi's rules with a 20-hour yearly cap on 培训进修类-培训班 (a copy of the profiles)."""
    import shutil

    import yaml

    from xueshi.policy.loader import profiles_dir, reload_profiles

    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "guangxi.yaml").read_text(encoding="utf-8"))
    for version in data["versions"]:
        for category in version["categories"]:
            for sub in category.get("subcategories") or ():
                if sub["code"] == "training_course":
                    sub["yearly_cap_hours"] = 20
    (tmp_path / "guangxi.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    original = profiles_dir()
    settings.POLICY_PROFILES_DIR = tmp_path
    reload_profiles()
    yield
    settings.POLICY_PROFILES_DIR = original
    reload_profiles()


def test_import_respects_the_yearly_cap_as_declaration_save_does(
    demo, gxu, capped_training, monkeypatch
):
    """Hours already granted count against the cap: looked up once per chunk, same result."""
    from xueshi.declarations import services as declaring
    from xueshi.ledger.models import EntrySource, LedgerEntry, SubjectKind

    qin, meng = demo.person("覃海燕"), demo.person("蒙丽")
    LedgerEntry.objects.create(
        person=qin,
        credit_year=this_year(),
        subject=SubjectKind.PROFESSIONAL,
        category_code="training_course",
        hours=Decimal(10),
        source=EntrySource.APPROVAL,
    )
    row = claim_row(qin.id_number, qin.name)

    def no_row_by_row_lookup(**_kwargs):
        raise AssertionError("the import looks up hours already granted once per chunk")

    with monkeypatch.context() as patched:
        patched.setattr(declaring, "hours_already_granted", no_row_by_row_lookup)
        batch = start(gxu, fill_template(gxu, [row, claim_row(meng.id_number, meng.name)]))
    assert (batch.created_count, batch.error_count) == (2, 0)
    imported = Declaration.objects.get(person=qin)
    assert imported.hours_claimed == Decimal(10)  # 16 asked, 10 left under the cap of 20
    assert "年度上限 20 学时，本年度已有 10 学时" in imported.hours_explanation
    assert Declaration.objects.get(person=meng).hours_claimed == Decimal(16)

    saved = declaration_save(
        person=qin,
        data=DeclarationInput(
            "training_course",
            "by_dates",
            {
                "title": row["认定内容"],
                "start_date": row["开始时间"],
                "end_date": row["结束时间"],
                "description": row["认定内容说明"],
            },
        ),
        actor=gxu.user,
        role=gxu,
    )
    assert {f: getattr(imported, f) for f in COMPARED} == {f: getattr(saved, f) for f in COMPARED}


def test_declaration_prepare_saves_nothing_and_refuses_like_declaration_save(demo, gxu):
    from django.core.exceptions import ValidationError

    from xueshi.declarations.services import declaration_prepare

    qin = demo.person("覃海燕")
    inputs = {
        "title": "培训",
        "description": "线下",
        "start_date": day(3, 5),
        "end_date": day(3, 1),
    }
    data = DeclarationInput("training_course", "by_dates", inputs)
    with pytest.raises(ValidationError) as prepared:
        declaration_prepare(person=qin, data=data, actor=gxu.user, role=gxu)
    with pytest.raises(ValidationError) as saved:
        declaration_save(person=qin, data=data, actor=gxu.user, role=gxu)
    assert prepared.value.message_dict == saved.value.message_dict
    assert prepared.value.message_dict["end_date"] == ["结束时间不能早于开始时间"]
    good = DeclarationInput("training_course", "by_dates", {**inputs, "end_date": day(3, 6)})
    draft = declaration_prepare(person=qin, data=good, actor=gxu.user, role=gxu)
    assert draft.pk is None and draft.hours_claimed == Decimal(16)
    assert not Declaration.objects.exists()


def test_an_import_is_audited_once_per_batch_with_its_counts(demo, gxu, five_rows):
    """Creation by import is audited per batch (each draft links back to its ImportedRow and
    batch); there is no audit row per created draft."""
    content = fill_template(gxu, five_rows)
    batch = start(gxu, content)
    again = start(gxu, content)

    entries = AuditLog.objects.filter(action="import.claims").order_by("id")
    assert [(e.target_type, e.target_id) for e in entries] == [
        ("imports.importbatch", str(batch.pk)),
        ("imports.importbatch", str(again.pk)),
    ]
    first, second = entries
    assert (first.actor, first.role, first.to_state) == (gxu.user, gxu.kind, ImportStatus.DONE)
    counts = ("batch", "rows", "created", "skipped", "errors")
    assert [first.details[k] for k in counts] == [batch.pk, 5, 3, 0, 2]
    assert [second.details[k] for k in counts] == [again.pk, 5, 0, 3, 2]
    assert not AuditLog.objects.filter(action="declaration.create").exists()
    linked = ImportedRow.objects.filter(batch=batch).values_list("declaration_id", flat=True)
    assert set(linked) == set(Declaration.objects.values_list("id", flat=True))


def test_sheet_is_read_once_for_an_inline_import(demo, gxu, five_rows, monkeypatch):
    opened = []
    real = services.open_sheet

    def counting(source):
        opened.append(source)
        return real(source)

    monkeypatch.setattr(services, "open_sheet", counting)
    batch = start(gxu, fill_template(gxu, five_rows))
    assert len(opened) == 1
    assert (batch.created_count, batch.error_count) == (3, 2) and batch.error_file
    rows = read_sheet(batch.error_file.read())
    assert [row[-1].split("：")[0] for row in rows[1:]] == ["证件号码", "认定类型"]


def test_a_chunk_that_collides_is_redone_row_by_row(demo, gxu, monkeypatch):
    """If the chunk's bulk insert hits a fingerprint stored meanwhile (another import), the
    chunk is rolled back and redone row by row: the stored row is skipped, the others are
    created with the same rules, and still no audit row per draft."""
    qin = demo.person("覃海燕")
    first = claim_row(qin.id_number, qin.name)
    start(gxu, fill_template(gxu, [first]))
    # As if the other import committed after this chunk's duplicate check.
    monkeypatch.setattr(
        services.ClaimsImporter, "_drop_duplicates", lambda self, prepared, outcome: prepared
    )
    second = claim_row(qin.id_number, qin.name, 认定内容="第二次培训")
    batch = start(gxu, fill_template(gxu, [first, second]))
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (1, 1, 0)
    assert Declaration.objects.count() == 2 and ImportedRow.objects.count() == 2
    created = ImportedRow.objects.get(batch=batch).declaration
    assert (created.title, created.status) == ("第二次培训", DeclarationStatus.DRAFT)
    assert created.hours_claimed == Decimal(16)
    assert not AuditLog.objects.filter(action="declaration.create").exists()
    assert AuditLog.objects.filter(action="import.claims").count() == 2
