"""The transfer form's single fields; the year rows are read by `year_rows` (a list per column)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from .selectors import platform_regions


class TransferForm(forms.Form):
    # Only when a unit admin files for one of its people.
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    source_region = forms.ModelChoiceField(
        label="原地区（本平台地区）",
        queryset=platform_regions(),
        required=False,
        empty_label="不在本平台（在下方填写地区名称）",
    )
    source_region_name = forms.CharField(
        label="原地区名称", max_length=100, required=False, help_text="如：北京市、湖北省武汉市"
    )
    certificate_number = forms.CharField(
        label="本平台证书编号",
        max_length=30,
        required=False,
        help_text="本平台其他地区出具的继续教育合格证书或学时证明，填写编号即可，无需上传。",
    )
    evidence = forms.FileField(
        label="原地区证书或学时证明",
        required=False,
        help_text="pdf、jpg 或 png，不超过 10 MB，按文件内容识别。",
    )

    def __init__(self, *args: Any, own_region_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The filer's own region is no source: it is not offered.
        regions = platform_regions()
        if own_region_id is not None:
            regions = regions.exclude(pk=own_region_id)
        self.fields["source_region"].queryset = regions  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="审核意见", max_length=500, required=False)


def year_rows(data: QueryDict) -> list[tuple[str, str, str]]:
    """(year, general, professional) per row, as typed."""
    years = data.getlist("year")
    general = data.getlist("general_hours")
    professional = data.getlist("professional_hours")
    size = max(len(years), len(general), len(professional), 0)

    def cell(column: list[str], index: int) -> str:
        return column[index][:20] if index < len(column) else ""

    return [(cell(years, i), cell(general, i), cell(professional, i)) for i in range(size)][:20]
