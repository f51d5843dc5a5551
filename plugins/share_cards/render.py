"""Pure image making: source bytes or a headline in, an encoded raster image out."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path

import resvg_py
from PIL import Image, ImageDraw, ImageFont, ImageOps

FONT_FILE = Path(__file__).with_name("fonts") / "DejaVuSerif-Bold.ttf"
# The card's look; part of every cache key (see cards.STYLE_KEY), so a change re-renders.
PAPER = "#f6f1e7"
INK = "#1d2a3a"
ACCENT = "#8c1c13"
LARGEST_HEADLINE = 78
SMALLEST_HEADLINE = 36
MARK_SIZE = 88
PROBE_WIDTH = 256


class SourceImageError(ValueError):
    """An article's image cannot be read as a picture."""


def rasterise_svg(svg: bytes, width: int) -> Image.Image:
    """Return the SVG drawn `width` pixels wide (its height follows its proportions).

    The shipped serif stands in for the generic serif, so the site's mark looks the same on
    every machine; the SVG's other fonts come from the system.

    Raises:
        SourceImageError: the bytes are no SVG resvg can draw.
    """
    try:
        png = resvg_py.svg_to_bytes(
            svg_string=svg.decode("utf-8"),
            width=width,
            font_files=[str(FONT_FILE)],
            serif_family="DejaVu Serif",
        )
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceImageError(str(error)) from error
    return Image.open(io.BytesIO(bytes(png))).convert("RGBA")


def open_picture(data: bytes, svg: bool, covers: list[tuple[int, int]]) -> Image.Image:
    """Return the source image, big enough to cover every size in `covers`.

    Raises:
        SourceImageError: the bytes are no image.
    """
    if svg:
        # A small drawing gives the proportions; the one real drawing is then just wide
        # enough for the tallest crop (with room for the small one's rounding).
        probe = rasterise_svg(data, PROBE_WIDTH)
        aspect = probe.width / probe.height
        needed = max(max(w, math.ceil(h * aspect * 1.01)) for w, h in covers)
        return rasterise_svg(data, needed)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, Image.DecompressionBombError) as error:
        raise SourceImageError(str(error)) from error
    return ImageOps.exif_transpose(image).convert("RGBA")


def flatten(image: Image.Image, background: str = "white") -> Image.Image:
    """Return the image as RGB on a plain background (cards have no transparency)."""
    rgba = image.convert("RGBA")
    ground = Image.new("RGB", rgba.size, background)
    ground.paste(rgba, mask=rgba.getchannel("A"))
    return ground


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Return the image scaled to fill `size` exactly, cropped about its centre."""
    return ImageOps.fit(flatten(image), size, Image.Resampling.BICUBIC)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """Return the shipped headline font at `size` pixels."""
    return ImageFont.truetype(str(FONT_FILE), size)


def wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """Return `text` in lines no wider than `width` (by `measure`), broken between words;
    a word wider than a line on its own is broken between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while measure(line) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and measure(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def fit_headline(
    text: str, width: int, height: int
) -> tuple[ImageFont.FreeTypeFont, list[str], int]:
    """Return the largest font, its lines and line height that fit the headline in the box;
    at the smallest size, lines that do not fit are cut and the last ends in "…"."""
    for size in range(LARGEST_HEADLINE, SMALLEST_HEADLINE - 1, -2):
        face = font(size)
        leading = round(size * 1.22)
        lines = wrap(text, face.getlength, width)
        if len(lines) * leading <= height:
            return face, lines, leading
    room = max(1, height // leading)
    kept = lines[:room]
    if len(lines) > room:
        last = kept[-1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1].rstrip()
        kept[-1] = last + "…"
    return face, kept, leading


def text_card(headline: str, site_name: str, mark_svg: bytes, size: tuple[int, int]) -> Image.Image:
    """Return a card of `size` with the headline, and the site's mark and name below it."""
    width, height = size
    pad = round(min(width, height) * 0.1)
    card = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, round(width * 0.02), height), fill=ACCENT)
    mark = _mark(mark_svg, MARK_SIZE)
    footer_top = height - pad - mark.height
    card.paste(mark, (pad, footer_top), mark)
    name_face = font(40)
    name_box = draw.textbbox((0, 0), site_name, font=name_face)
    name_y = footer_top + (mark.height - (name_box[3] - name_box[1])) // 2 - name_box[1]
    draw.text((pad + mark.width + 28, name_y), site_name, font=name_face, fill=ACCENT)
    face, lines, leading = fit_headline(headline, width - 2 * pad, footer_top - 2 * pad)
    top = pad
    for line in lines:
        draw.text((pad, top), line, font=face, fill=INK)
        top += leading
    return card


@cache
def _mark(mark_svg: bytes, side: int) -> Image.Image:
    return rasterise_svg(mark_svg, side)


def logo(mark_svg: bytes, side: int) -> Image.Image:
    """Return the site's mark as a square raster of `side` pixels, transparency kept."""
    mark = rasterise_svg(mark_svg, side)
    return mark if mark.size == (side, side) else ImageOps.pad(mark, (side, side))


def encode(image: Image.Image, pil_format: str) -> bytes:
    """Return the image encoded as PNG or JPEG."""
    out = io.BytesIO()
    if pil_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True, progressive=True)
    else:
        image.save(out, "PNG", compress_level=3)
    return out.getvalue()
