"""The OCR engine, behind one availability check.

The packages of the optional group ``ocr`` (pyproject.toml: rapidocr-onnxruntime, pypdfium2,
imagehash) may be absent: ``available()`` is asked everywhere before anything of this app shows,
and nothing else in the platform depends on it.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

# A phone photo of 40 megapixels is read at this size at most: enough for a certificate's
# print, and the engine's memory stays bounded.
MAX_SIDE = 2000
# A PDF of 300 pages: only the first ones are read.
MAX_PDF_PAGES = 3
# Above Pillow's decompression-bomb limit (89 million pixels) an image is not read at all.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
PDF_RENDER_SCALE = 2.0  # 144 dpi: a printed certificate's small print is still legible

_MODULES = ("rapidocr_onnxruntime", "pypdfium2", "imagehash")


def available() -> bool:
    """Whether the optional packages are installed (tests monkeypatch this one function)."""
    return _installed()


@functools.cache
def _installed() -> bool:
    # Once a process: the menu asks on every page, and packages do not come or go meanwhile.
    return all(importlib.util.find_spec(name) is not None for name in _MODULES)


class Unreadable(Exception):
    """The file cannot be read as an image or PDF (corrupt, too large, empty)."""


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float
    # Top-left corner of the box, for ordering lines and for the reviewer's reading order.
    x: float
    y: float


_lock = threading.Lock()


@functools.cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR  # optional group, see available()

    return RapidOCR()


def bare_call(image: Any) -> Any:
    """The engine on an image as it is (the benchmark's reference)."""
    return _engine()(image)


def recognise_image(image: Image.Image) -> list[Line]:
    """The text lines of one image, top to bottom."""
    import numpy  # optional group, see available()

    array = numpy.asarray(image.convert("RGB"))[:, :, ::-1]  # the engine reads BGR
    with _lock:  # one ONNX session shared by threads
        result, _elapsed = _engine()(array)
    lines = [
        Line(
            text=str(text).strip(), confidence=float(score), x=float(box[0][0]), y=float(box[0][1])
        )
        for box, text, score in (result or [])
        if str(text).strip()
    ]
    return sorted(lines, key=lambda line: (round(line.y / 12), line.x))


def _downscaled(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image.convert("RGB")


def open_image(data: bytes) -> Image.Image:
    """An image from bytes, downscaled to ``MAX_SIDE``; ``Unreadable`` for what is not one.

    A huge picture is decoded at a reduced scale (JPEG ``draft``) so its full size never sits
    in memory."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Unreadable("图片像素过多")
        if image.format == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
        return _downscaled(image)
    except Unreadable:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise Unreadable(str(error)) from error


def pdf_pages(data: bytes, *, limit: int = MAX_PDF_PAGES) -> list[Image.Image]:
    """The first ``limit`` pages of a PDF as images."""
    import pypdfium2  # optional group, see available()

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise Unreadable(str(error)) from error
    try:
        pages = []
        for index in range(min(len(document), limit)):
            page = document[index]
            width, height = page.get_size()
            scale = min(PDF_RENDER_SCALE, MAX_SIDE / max(width, height, 1))
            pages.append(_downscaled(page.render(scale=scale).to_pil()))
            page.close()
        return pages
    finally:
        document.close()


def pages_of(data: bytes, kind: str) -> list[Image.Image]:
    if kind == "pdf":
        return pdf_pages(data)
    return [open_image(data)]


def image_hash(image: Image.Image) -> str:
    """A perceptual hash (64 bits as 16 hex digits): equal or near for the same picture
    re-compressed, slightly cropped or resized."""
    import imagehash  # optional group, see available()

    return str(imagehash.phash(image.convert("L")))


def hash_distance(first: str, second: str) -> int:
    return (int(first, 16) ^ int(second, 16)).bit_count()
