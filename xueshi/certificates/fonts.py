"""Fonts embedded in the certificate PDFs, installed by scripts/install-certificate-tools.sh.

- Chinese: WenQuanYi Zen Hei (`fonts-wqy-zenhei`, a .ttc: subfont 0).
- Rare characters of CJK Extension B (a name such as 𠮷): HanaMinB (`fonts-hanazono`).
- Uyghur (Arabic script) and Latin: DejaVu Sans (`fonts-dejavu-core`).

A string is drawn as runs, each in the first font that has its characters. Uyghur is shaped
here (joining forms from Unicode's presentation forms) and laid out right to left. reportlab's
ToUnicode map writes one 16-bit value per glyph, which turns a character beyond U+FFFF (𠮷) into
another one and makes a shaped Arabic letter read as its presentation form; `_to_unicode_cmap`
writes UTF-16 (surrogate pairs) and the base letter, so copying or `pdftotext` gives back the
text that was printed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
RARE_FONT_PATH = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
SCRIPT_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

CJK, RARE, SCRIPT = "XueshiCJK", "XueshiRare", "XueshiScript"
MISSING_FONTS = "证书字体未安装：请运行 scripts/install-certificate-tools.sh"


def _utf16(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's makeToUnicodeCMap, with UTF-16 targets and base letters for shaped forms."""
    entries = []
    for code, value in enumerate(subset):
        text = chr(value)
        if 0xFB50 <= value <= 0xFEFF:
            text = unicodedata.normalize("NFKC", text) or text
        entries.append(f"<{code:02X}> <{_utf16(text)}>")
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


@cache
def register_fonts() -> None:
    for path in (CJK_FONT_PATH, RARE_FONT_PATH, SCRIPT_FONT_PATH):
        if not path.exists():
            raise RuntimeError(f"{MISSING_FONTS}（缺少 {path}）")
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    pdfmetrics.registerFont(TTFont(CJK, str(CJK_FONT_PATH), subfontIndex=0))
    pdfmetrics.registerFont(TTFont(RARE, str(RARE_FONT_PATH)))
    pdfmetrics.registerFont(TTFont(SCRIPT, str(SCRIPT_FONT_PATH)))


@cache
def _charset(font_name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)


def font_for(char: str) -> str:
    code = ord(char)
    if _is_arabic(code):
        return SCRIPT
    for name in (CJK, RARE, SCRIPT):
        if code in _charset(name):
            return name
    return CJK


def _is_arabic(code: int) -> bool:
    return 0x0600 <= code <= 0x06FF or 0xFB50 <= code <= 0xFEFF


# --- Arabic-script shaping (Uyghur) -----------------------------------------------------------


@cache
def _forms() -> dict[str, dict[str, str]]:
    """Base letter → {isolated, initial, medial, final: presentation form}, from Unicode data."""
    forms: dict[str, dict[str, str]] = {}
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)]:
        decomposition = unicodedata.decomposition(chr(code))
        if not decomposition.startswith("<"):
            continue
        tag, *rest = decomposition.split()
        if len(rest) != 1:
            continue
        forms.setdefault(chr(int(rest[0], 16)), {}).setdefault(tag[1:-1], chr(code))
    return forms


def _joins_next(char: str) -> bool:
    found = _forms().get(char, {})
    return "initial" in found or "medial" in found


def _joins_previous(char: str) -> bool:
    found = _forms().get(char, {})
    return "final" in found or "medial" in found


def shape_arabic(text: str) -> str:
    """Joining forms for a run of Arabic-script letters, in visual (right-to-left) order."""
    shaped = []
    for i, char in enumerate(text):
        found = _forms().get(char)
        if not found:
            shaped.append(char)
            continue
        after = i > 0 and _joins_next(text[i - 1]) and _joins_previous(char)
        before = i + 1 < len(text) and _joins_next(char) and _joins_previous(text[i + 1])
        form = "medial" if after and before else "final" if after else "initial" if before else ""
        shaped.append(found.get(form or "isolated") or found.get("isolated") or char)
    return "".join(reversed(shaped))


ARABIC_SPAN = re.compile(r"[\u0600-\u06FF\uFB50-\uFEFF]+(?:\s+[\u0600-\u06FF\uFB50-\uFEFF]+)*")


def runs(text: str) -> list[tuple[str, str]]:
    """(font name, text to draw) runs, left to right; an Arabic-script span (words and the
    spaces between them) shaped and reversed as one right-to-left run."""
    out: list[tuple[str, str]] = []
    position = 0
    for match in ARABIC_SPAN.finditer(text):
        out.extend(_plain_runs(text[position : match.start()]))
        out.append((SCRIPT, shape_arabic(match.group())))
        position = match.end()
    out.extend(_plain_runs(text[position:]))
    return out


def _plain_runs(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for char in text:
        font = font_for(char)
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + char)
        else:
            out.append((font, char))
    return out


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(part, font, size) for font, part in runs(text))
