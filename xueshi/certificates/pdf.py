"""The certificate and 学时证明 PDFs (reportlab, A4 landscape, fonts embedded). Content only:
signing is `signing.py`'s job, storing the result the services'."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from xueshi.policy.hours import fmt

from .fonts import CJK, register_fonts, runs, text_width

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
RED = Color(0.62, 0.09, 0.09)
GOLD = Color(0.72, 0.55, 0.2)
GREY = Color(0.35, 0.35, 0.35)
PHOTO_WIDTH, PHOTO_HEIGHT = 25 * mm, 35 * mm  # 一寸照


@dataclass(frozen=True)
class Holder:
    """Who the document is about, as printed (the ID number masked)."""

    name: str
    masked_id_number: str
    unit: str
    specialty: str


@dataclass(frozen=True)
class CertificateContent:
    title: str
    number: str
    holder: Holder
    credit_year: int
    general_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    issuer: str
    issued_on: datetime.date
    verify_url: str
    seal_png: bytes
    uses_photo: bool = False
    photo: bytes | None = None


@dataclass(frozen=True)
class StatementRow:
    credit_year: int
    general_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    required_total: Decimal | None
    met: bool


@dataclass(frozen=True)
class StatementContent:
    number: str
    holder: Holder
    rows: Sequence[StatementRow]
    issuer: str
    issued_on: datetime.date
    verify_url: str
    seal_png: bytes


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, size: float, *, align: str = "left"
) -> float:
    """Draw `text` in runs of the fonts that have its characters; returns its width."""
    width = text_width(text, size)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    for font, part in runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += canvas.stringWidth(part, font, size)
    return width


def _chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(6)
    canvas.rect(14 * mm, 14 * mm, PAGE_WIDTH - 28 * mm, PAGE_HEIGHT - 28 * mm)
    canvas.setLineWidth(1.2)
    canvas.rect(18 * mm, 18 * mm, PAGE_WIDTH - 36 * mm, PAGE_HEIGHT - 36 * mm)
    canvas.setStrokeColor(black)


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=1)
    out.seek(0)
    canvas.drawImage(ImageReader(out), x, y, size, size)
    canvas.setFillColor(GREY)
    draw_text(canvas, x + size / 2, y - 12, "扫码查验真伪", 9, align="center")
    canvas.setFillColor(black)


def _issuer_and_seal(canvas: Canvas, issuer: str, issued_on: datetime.date, seal: bytes) -> None:
    right = PAGE_WIDTH - 40 * mm
    draw_text(canvas, right, 52 * mm, issuer, 15, align="right")
    draw_text(canvas, right, 43 * mm, _chinese_date(issued_on), 13, align="right")
    # The seal covers the issuer's name and the date, as on a paper certificate, and nothing
    # above them (the body text ends at 70 mm).
    seal_size = 36 * mm
    centre_x = right - max(text_width(issuer, 15), 50 * mm) / 2
    canvas.drawImage(
        ImageReader(io.BytesIO(seal)),
        centre_x - seal_size / 2,
        30 * mm,
        seal_size,
        seal_size,
        mask="auto",
    )


def _metadata(canvas: Canvas, title: str, number: str, issuer: str) -> None:
    canvas.setTitle(f"{title} {number}")
    canvas.setAuthor(issuer)
    canvas.setSubject(title)
    canvas.setCreator("xueshi 学时")


def certificate_pdf(content: CertificateContent) -> bytes:
    """One 继续教育合格证书, unsigned."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, initialFontName=CJK)
    _metadata(canvas, content.title, content.number, content.issuer)
    _frame(canvas)
    canvas.setFillColor(RED)
    draw_text(canvas, PAGE_WIDTH / 2, PAGE_HEIGHT - 48 * mm, content.title, 32, align="center")
    canvas.setFillColor(GREY)
    draw_text(
        canvas,
        PAGE_WIDTH - 30 * mm,
        PAGE_HEIGHT - 30 * mm,
        f"证书编号：{content.number}",
        11,
        align="right",
    )
    canvas.setFillColor(black)

    left = 40 * mm
    if content.uses_photo:
        photo_x, photo_y = left, PAGE_HEIGHT - 100 * mm
        if content.photo:
            canvas.drawImage(
                ImageReader(io.BytesIO(content.photo)),
                photo_x,
                photo_y,
                PHOTO_WIDTH,
                PHOTO_HEIGHT,
                preserveAspectRatio=True,
                anchor="c",
            )
        canvas.setStrokeColor(GREY)
        canvas.rect(photo_x, photo_y, PHOTO_WIDTH, PHOTO_HEIGHT)
        if not content.photo:
            canvas.setFillColor(GREY)
            draw_text(
                canvas,
                photo_x + PHOTO_WIDTH / 2,
                photo_y + PHOTO_HEIGHT / 2,
                "照片",
                11,
                align="center",
            )
            canvas.setFillColor(black)
        left += PHOTO_WIDTH + 12 * mm

    holder = content.holder
    lines = [
        ("姓　　名", holder.name),
        ("身份证号", holder.masked_id_number),
        ("工作单位", holder.unit),
        ("认定专业", holder.specialty or "—"),
        ("认定年度", f"{content.credit_year} 年度"),
    ]
    y = PAGE_HEIGHT - 68 * mm
    for label, value in lines:
        draw_text(canvas, left, y, f"{label}：", 14)
        draw_text(canvas, left + 30 * mm, y, value, 14)
        y -= 10 * mm
    draw_text(canvas, left, y, "学　　时：", 14)
    draw_text(
        canvas,
        left + 30 * mm,
        y,
        f"公需科目 {fmt(content.general_hours)} 学时，专业科目 "
        f"{fmt(content.professional_hours)} 学时，合计 {fmt(content.total_hours)} 学时",
        14,
    )
    y -= 14 * mm
    draw_text(
        canvas,
        40 * mm,
        y,
        f"经审核，该同志 {content.credit_year} 年度继续教育学时已达到规定要求，特发此证。",
        15,
    )
    _qr(canvas, content.verify_url, 34 * mm, 30 * mm, 30 * mm)
    _issuer_and_seal(canvas, content.issuer, content.issued_on, content.seal_png)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def statement_pdf(content: StatementContent) -> bytes:
    """One 学时证明: several credit years, each with its hours and whether it met the rule."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, initialFontName=CJK)
    _metadata(canvas, "学时证明", content.number, content.issuer)
    _frame(canvas)
    canvas.setFillColor(RED)
    draw_text(canvas, PAGE_WIDTH / 2, PAGE_HEIGHT - 44 * mm, "学时证明", 30, align="center")
    canvas.setFillColor(GREY)
    draw_text(
        canvas,
        PAGE_WIDTH - 30 * mm,
        PAGE_HEIGHT - 30 * mm,
        f"证明编号：{content.number}",
        11,
        align="right",
    )
    canvas.setFillColor(black)
    holder = content.holder
    left = 40 * mm
    y = PAGE_HEIGHT - 60 * mm
    draw_text(canvas, left, y, f"姓名：{holder.name}", 13)
    draw_text(canvas, left + 70 * mm, y, f"身份证号：{holder.masked_id_number}", 13)
    y -= 8 * mm
    draw_text(canvas, left, y, f"工作单位：{holder.unit}", 13)
    draw_text(canvas, left + 130 * mm, y, f"认定专业：{holder.specialty or '—'}", 13)
    y -= 12 * mm

    headers = ["认定年度", "公需科目学时", "专业科目学时", "合计学时", "年度要求", "是否达标"]
    widths = [32 * mm, 34 * mm, 34 * mm, 30 * mm, 30 * mm, 30 * mm]
    row_height = 8 * mm
    table_width = sum(widths)
    canvas.setLineWidth(0.8)
    rows: list[list[str]] = [headers] + [
        [
            f"{row.credit_year}",
            fmt(row.general_hours),
            fmt(row.professional_hours),
            fmt(row.total_hours),
            fmt(row.required_total) if row.required_total is not None else "—",
            "达标" if row.met else "未达标",
        ]
        for row in content.rows
    ]
    top = y + row_height - 2 * mm
    for r, cells in enumerate(rows):
        x = left
        for cell, width in zip(cells, widths, strict=True):
            draw_text(canvas, x + width / 2, y, cell, 12 if r else 12.5, align="center")
            x += width
        y -= row_height
    bottom = y + row_height - 2 * mm
    for r in range(len(rows) + 1):
        line_y = top - r * row_height
        canvas.line(left, line_y, left + table_width, line_y)
    x = left
    for width in [0, *widths]:
        x += width
        canvas.line(x, top, x, bottom)
    y = bottom - 10 * mm
    draw_text(
        canvas,
        left,
        y,
        "以上学时依据本平台学时台账出具，供职称评审等使用；扫描二维码可查验本证明真伪。",
        12,
    )
    _qr(canvas, content.verify_url, 34 * mm, 30 * mm, 30 * mm)
    _issuer_and_seal(canvas, content.issuer, content.issued_on, content.seal_png)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
