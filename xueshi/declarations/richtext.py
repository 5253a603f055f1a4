"""Rich text with pictures (Anyang's 详细及附件, issue 13 item 12), sanitised on the server.

What a browser sends is never trusted: ``sanitize`` keeps a few formatting tags and pictures
whose address is one of the platform's own inline images (``/declarations/images/<id>/``),
and drops everything else (scripts, event handlers, styles, links and any external address).
It runs when a claim is saved and again when the text is shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "div", "strong", "b", "em", "i", "u", "ul", "ol", "li", "img"}
IMAGE_URL = re.compile(r"^/declarations/images/(\d+)/$")


def image_url(image_id: int) -> str:
    return f"/declarations/images/{image_id}/"


def image_ids(html: str) -> set[int]:
    """The inline images a text refers to."""
    return {int(found) for found in re.findall(r"/declarations/images/(\d+)/", html or "")}


def sanitize(html: str, *, images: Collection[int] | None = None) -> str:
    """The text with only the allowed tags; a picture only with one of the platform's image
    addresses (of ``images`` when given: the claim's own). Empty pictures are removed."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            match = IMAGE_URL.match(value.strip())
            if match is None or (images is not None and int(match.group(1)) not in images):
                return None
            return value.strip()
        return value

    cleaned = nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"img": {"src", "alt"}},
        attribute_filter=keep,
        url_schemes=set(),
        link_rel=None,
    )
    # A picture whose address was refused is nothing but an empty box: drop it.
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned).strip()


def cleaned_value(html: str, *, images: Collection[int] | None = None) -> str:
    """What is stored: the sanitised text, or "" when nothing is left to read or see."""
    text = sanitize(html, images=images)
    readable = nh3.clean(text, tags=set()).replace("&nbsp;", "").strip()
    return text if readable or "<img" in text else ""


def rendered(html: str) -> SafeString:
    """For a page: sanitised again (defence in depth), then marked safe."""
    return mark_safe(sanitize(html))  # noqa: S308 - sanitised by nh3 just above
