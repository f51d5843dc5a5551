"""Avatars drawn from a keyed hash: a symmetric 5x5 pattern, no third-party image service."""

from __future__ import annotations

import re

KEY = re.compile(r"^[0-9a-f]{32}$")


def identicon_svg(key: str) -> str:
    """Return an SVG avatar for a 32-digit hex key (the same key always draws the same).

    Raises:
        ValueError: when `key` is not 32 lower-case hex digits.
    """
    if not KEY.match(key):
        raise ValueError("avatar key must be 32 hex digits")
    bits = int(key, 16)
    hue = bits % 360
    cells = []
    for row in range(5):
        for column in range(3):
            if bits >> (8 + row * 3 + column) & 1:
                for x in sorted({column, 4 - column}):
                    cells.append(f'<rect x="{x + 1}" y="{row + 1}" width="1" height="1"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="64" height="64">'
        f'<rect width="7" height="7" fill="hsl({hue}, 25%, 94%)"/>'
        f'<g fill="hsl({hue}, 55%, 42%)">{"".join(cells)}</g></svg>'
    )
