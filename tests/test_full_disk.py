"""A full disk on upload (issue 21 part 6): the storage raises OSError ENOSPC; the page says so
in Chinese at the upload, nothing is half-saved and nothing already entered is lost."""

from __future__ import annotations

import errno
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueshi.core.files import STORAGE_FAILED_MESSAGE, STORAGE_FULL_MESSAGE
from xueshi.declarations.models import Attachment, Declaration
from xueshi.declarations.tests.test_form_views import guangxi_post, png_bytes
from xueshi.imports.models import ImportBatch
from xueshi.imports.tests.helpers import fill_template
from xueshi.orgs.tests.factories import act_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: FileSystemStorage, name: str, content: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device", name)

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)


@pytest.fixture
def draft(client: Any, demo: Any) -> Declaration:
    act_as(client, demo.professional("覃海燕"))
    client.post(reverse("declarations:create"), guangxi_post())
    return Declaration.objects.get()


def _png(name: str = "结业证书.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_evidence_upload_on_a_full_disk_says_so_and_keeps_everything(
    client: Any, draft: Declaration, full_disk: None
) -> None:
    before = Declaration.objects.filter(pk=draft.pk).values().get()
    url = reverse("declarations:attachment_upload", args=[draft.pk])

    response = client.post(url, {"files": [_png()]}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert STORAGE_FULL_MESSAGE in response.content.decode()
    assert not Attachment.objects.exists()  # no row for a file that was not written
    assert Declaration.objects.filter(pk=draft.pk).values().get() == before


def test_without_js_the_edit_page_shows_the_message_and_the_draft(
    client: Any, draft: Declaration, full_disk: None
) -> None:
    url = reverse("declarations:attachment_upload", args=[draft.pk])

    response = client.post(url, {"files": [_png()]}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("declarations:edit", args=[draft.pk])
    assert "服务器存储空间已满，文件未能保存" in html
    assert draft.title in html  # the claim as typed is still there


def test_files_already_uploaded_stay_when_a_later_one_meets_a_full_disk(
    client: Any, draft: Declaration, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = reverse("declarations:attachment_upload", args=[draft.pk])
    client.post(url, {"files": [_png("第一份.png")]}, HTTP_HX_REQUEST="true")
    assert Attachment.objects.count() == 1

    def refuse(self: FileSystemStorage, name: str, content: Any) -> str:
        raise OSError(errno.EDQUOT, "Disk quota exceeded", name)

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    response = client.post(url, {"files": [_png("第二份.png")]}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert STORAGE_FULL_MESSAGE in html and "第一份.png" in html
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["第一份.png"]


def test_another_storage_failure_has_its_own_message(
    client: Any, draft: Declaration, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: FileSystemStorage, name: str, content: Any) -> str:
        raise OSError(errno.EROFS, "Read-only file system", name)

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    url = reverse("declarations:attachment_upload", args=[draft.pk])

    response = client.post(url, {"files": [_png()]}, HTTP_HX_REQUEST="true")

    assert STORAGE_FAILED_MESSAGE in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_import_on_a_full_disk_is_refused_at_the_file_field(
    client: Any, demo: Any, full_disk: None
) -> None:
    gxu = demo.role("gx_gxu")
    qin = demo.person("覃海燕")
    content = fill_template(gxu, [{"证件号码": qin.id_number, "姓名": qin.name}])
    act_as(client, gxu)

    response = client.post(
        reverse("imports:claims"),
        {"file": SimpleUploadedFile("导入.xlsx", content)},
    )

    assert response.status_code == 400
    assert STORAGE_FULL_MESSAGE in response.content.decode()
    assert not ImportBatch.objects.exists()
