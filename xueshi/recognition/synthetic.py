"""Synthetic certificates with known fields: for the tests, the accuracy benchmark
(bench/ocr_accuracy.py) and the screenshots. Drawn with Pillow and the Chinese fonts Debian
offers (scripts/install-certificate-tools.sh); nothing is downloaded.
"""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# (path, index inside a .ttc); the first that exists is the default.
FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁"
    "龙林欣佳雪琳晨晓建国志红海燕丹振东"
)
COURSES = (
    "建筑工程质量安全管理",
    "装配式建筑施工技术",
    "公需科目：数字经济与创新驱动",
    "临床护理新进展",
    "中小学教师信息技术应用能力提升",
    "工程造价管理实务",
    "市政工程施工新技术",
    "会计准则解读与实务",
    "BIM技术应用",
    "绿色建筑与节能设计",
)
ISSUERS = (
    "河南省建设教育协会",
    "浙江省建设人才与教育协会",
    "广西壮族自治区人力资源和社会保障厅",
    "新疆维吾尔自治区继续教育中心",
    "安阳市专业技术人员继续教育基地",
    "郑州大学继续教育学院",
    "中国建筑业协会",
    "河南省卫生健康委员会",
)
LAYOUTS = ("classic", "letter", "table")


@dataclass(frozen=True)
class Certificate:
    name: str
    start_date: datetime.date
    end_date: datetime.date
    hours: Decimal
    hours_unit: str
    course_title: str
    issuer: str
    certificate_number: str
    layout: str
    font: str


def font_paths() -> list[tuple[str, int]]:
    return [(path, index) for path, index in FONTS if Path(path).exists()]


def random_certificate(rng: random.Random, *, layout: str | None = None) -> Certificate:
    start = datetime.date(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 20))
    end = start + datetime.timedelta(days=rng.randint(0, 6))
    prefix = rng.choice(("HN", "ZJ", "GX", "XJ", "AY", ""))
    number = rng.choice(
        (
            f"{prefix}{start.year}{rng.randint(0, 999999):06d}",
            f"{prefix or 'JX'}-{start.year}-{rng.randint(0, 99999):05d}",
            f"{start.year}{rng.randint(0, 99999999):08d}",
        )
    )
    return Certificate(
        name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
        start_date=start,
        end_date=end,
        hours=Decimal(rng.choice((4, 6, 8, 12, 16, 24, 32, 40, 48, 56, 72, 90))),
        hours_unit=rng.choice(("学时", "学时", "课时")),
        course_title=rng.choice(COURSES),
        issuer=rng.choice(ISSUERS),
        certificate_number=number,
        layout=layout or rng.choice(LAYOUTS),
        font=rng.choice(font_paths())[0],
    )


def _cn(date: datetime.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def certificate_lines(cert: Certificate) -> list[tuple[str, str]]:
    """(text, size: title|body|small) from top to bottom."""
    hours = f"{cert.hours.normalize():f}{cert.hours_unit}"
    issued = _cn(cert.end_date + datetime.timedelta(days=3))
    if cert.layout == "classic":
        return [
            ("结业证书", "title"),
            (f"学员：{cert.name}", "body"),
            (f"于{_cn(cert.start_date)}至{_cn(cert.end_date)}参加", "body"),
            (f"“{cert.course_title}”培训，", "body"),
            (f"完成{hours}，考核合格，特发此证。", "body"),
            (f"颁发单位：{cert.issuer}", "body"),
            (f"证书编号：{cert.certificate_number}", "small"),
            (issued, "small"),
        ]
    if cert.layout == "letter":
        return [
            ("培训证书", "title"),
            (f"{cert.name}同志：", "body"),
            (f"您于{_cn(cert.start_date)}至{_cn(cert.end_date)}", "body"),
            (f"参加《{cert.course_title}》继续教育", "body"),
            (f"共计{hours}，成绩合格。", "body"),
            (f"证书编号：{cert.certificate_number}", "small"),
            (cert.issuer, "body"),
            (issued, "small"),
        ]
    dates = f"{cert.start_date:%Y.%m.%d}-{cert.end_date:%Y.%m.%d}"
    return [
        ("继续教育培训合格证明", "title"),
        (f"姓名：{cert.name}", "body"),
        (f"培训项目：{cert.course_title}", "body"),
        (f"培训时间：{dates}", "body"),
        (f"培训学时：{hours}", "body"),
        (f"发证机构：{cert.issuer}", "body"),
        (f"证书号：{cert.certificate_number}", "small"),
    ]


def draw_certificate(cert: Certificate, *, width: int = 1600, height: int = 1130) -> Image.Image:
    index = dict(FONTS).get(cert.font, 0)
    sizes = {"title": 84, "body": 46, "small": 36}
    fonts = {key: ImageFont.truetype(cert.font, size, index=index) for key, size in sizes.items()}
    image = Image.new("RGB", (width, height), (252, 250, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, width - 30, height - 30), outline=(160, 40, 40), width=8)
    y = 110
    for text, size in certificate_lines(cert):
        font = fonts[size]
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        x = (width - (right - left)) // 2 if size == "title" else 170
        draw.text((x, y), text, font=font, fill=(20, 20, 20))
        y += int(bottom - top) + (70 if size == "title" else 40)
    return image


def photographed(image: Image.Image, rng: random.Random) -> Image.Image:
    """As a phone photo: rotated up to ±5°, a slight perspective, blur, on a desk."""
    angle = rng.uniform(-5, 5)
    image = image.rotate(
        angle, expand=True, fillcolor=(110, 100, 90), resample=Image.Resampling.BICUBIC
    )
    width, height = image.size
    inset = rng.uniform(0.0, 0.04)
    # Four corners pulled in unevenly: the top narrower than the bottom, as from above.
    dx = width * inset
    coefficients = _perspective(
        [(dx, 0), (width - dx * rng.uniform(0.5, 1.0), 0), (width, height), (0, height)],
        [(0, 0), (width, 0), (width, height), (0, height)],
    )
    image = image.transform(
        (width, height),
        Image.Transform.PERSPECTIVE,
        coefficients,
        Image.Resampling.BICUBIC,
        fillcolor=(110, 100, 90),
    )
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 1.2)))


def _perspective(
    source: list[tuple[float, float]], target: list[tuple[float, float]]
) -> list[float]:
    """Pillow's 8 coefficients mapping ``target`` corners back to ``source`` corners."""
    import numpy  # installed with Pillow's users here (the optional group)

    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = numpy.array(rows, dtype=float)
    b = numpy.array([c for point in source for c in point], dtype=float)
    return [float(value) for value in numpy.linalg.solve(a, b)]


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
