#!/usr/bin/env python3
"""Regenerate the binary assets of the frontend (they are committed; the build never runs this).

- app/fonts/acinaces-mono.woff2: DejaVu Sans Mono (Bitstream Vera licence, DejaVu changes in
  the public domain: see app/fonts/LICENSE.txt) subset to printable ASCII and a few marks, with
  hinting dropped, renamed "Acinaces Mono" as the Vera licence asks of modified fonts.
- public/favicon.ico: a 32x32 PNG-in-ICO of the logo mark, drawn here pixel by pixel.

Needs fonttools and brotli (pip install fonttools brotli) and the DejaVu font
(Debian: fonts-dejavu-core). Usage: python3 scripts/make-assets.py [path/to/DejaVuSansMono.ttf]
"""
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
FAMILY = "Acinaces Mono"


def make_font() -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.layout_features = ["kern", "liga", "tnum"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14, 16, 17]
    options.notdef_outline = True
    font = TTFont(SOURCE)
    subsetter = subset.Subsetter(options)
    unicodes = list(range(0x20, 0x7F)) + [0xA0, 0xB7, 0x2013, 0x2014, 0x2026, 0x2191, 0x2193, 0x2212]
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            names.setName(f"{FAMILY} Book", 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6):
            names.setName("AcinacesMono-Book", record.nameID, record.platformID, record.platEncID, record.langID)
    font["head"].modified = font["head"].created  # no timestamp of the run in the file
    out = ROOT / "app" / "fonts" / "acinaces-mono.woff2"
    font.flavor = "woff2"
    font.save(out)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size} bytes")


def png(width: int, height: int, pixels) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def make_favicon() -> None:
    size = 32
    bg, blade, guard = (15, 23, 42, 255), (226, 232, 240, 255), (245, 158, 11, 255)
    pixels = []
    for y in range(size):
        row = []
        for x in range(size):
            # rounded square
            cx, cy = min(x, size - 1 - x), min(y, size - 1 - y)
            inside = not (cx < 4 and cy < 4 and (4 - cx) ** 2 + (4 - cy) ** 2 > 17)
            color = bg if inside else (0, 0, 0, 0)
            if inside:
                d = x - (size - 1 - y)  # distance from the rising diagonal
                if -2 <= d <= 2 and 6 <= x <= 25:
                    color = blade  # the blade
                if abs((x - 11) - (y - 20)) <= 1 and 7 <= x <= 15 and 16 <= y <= 24:
                    color = guard  # the cross guard
            row.append(color)
        pixels.append(row)
    image = png(size, size, pixels)
    ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 22) + image
    out = ROOT / "public" / "favicon.ico"
    out.write_bytes(ico)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    make_font()
    make_favicon()
