"""A file saved by LibreOffice (not by openpyxl, not by Excel) imports the same way."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from xueshi.declarations.models import Declaration
from xueshi.imports.models import ImportKind
from xueshi.imports.services import import_start

from .helpers import claim_row, fill_template, read_sheet, upload
from .test_claims_import import bad_checksum

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")

pytestmark = pytest.mark.skipif(
    LIBREOFFICE is None,
    reason="LibreOffice is not installed (run scripts/install-libreoffice.sh); "
    "the test converts the template with `libreoffice --headless --convert-to xlsx`.",
)


def convert_with_libreoffice(source: Path, outdir: Path) -> Path:
    outdir.mkdir()
    profile = source.parent / "lo-profile"  # its own profile: no clash with a running office
    subprocess.run(  # noqa: S603 - fixed arguments, our own temporary files
        [
            str(LIBREOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / source.name


def test_file_saved_by_libreoffice_imports_the_same_way(demo, tmp_path):
    role = demo.role("gx_gxu")
    qin, meng, mo, chen = (demo.person(n) for n in ("覃海燕", "蒙丽", "莫新", "陈静"))
    rows = [
        claim_row(qin.id_number, qin.name),
        claim_row(meng.id_number, meng.name, "学术会议类-学术会议", 申请学时=6),
        claim_row(mo.id_number, mo.name, "成果著作类-论文", 认定内容="一篇论文"),
        claim_row(bad_checksum(chen.id_number), chen.name),
        claim_row(qin.id_number, qin.name, "培训进修类-不存在的类型", 认定内容="另一次培训"),
    ]
    source = tmp_path / "学员培训信息.xlsx"
    source.write_bytes(fill_template(role, rows))
    converted = convert_with_libreoffice(source, tmp_path / "out")
    content = converted.read_bytes()
    assert content != source.read_bytes()
    assert read_sheet(content)[1][0] == qin.id_number  # still text, not 4.5E+17

    batch = import_start(kind=ImportKind.CLAIMS, upload=upload(content), role=role, actor=role.user)
    assert (batch.created_count, batch.error_count) == (3, 2)
    assert Declaration.objects.count() == 3
    errors = list(batch.row_errors.values_list("row_number", "column"))
    assert errors == [(5, "证件号码"), (6, "认定类型")]
    assert Declaration.objects.get(person=qin).start_date == rows[0]["开始时间"]
