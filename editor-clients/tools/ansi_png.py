"""Render a `tmux capture-pane -e -p` text capture (ANSI SGR colours) to a PNG with Pillow.

Usage: python3 ansi_png.py CAPTURE.txt OUT.png
"""

from __future__ import annotations

import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BG, FG = (30, 30, 36), (220, 220, 220)
BASE16 = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188),
          (17, 168, 205), (229, 229, 229), (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
          (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def color256(n: int) -> tuple[int, int, int]:
    """An xterm 256-colour index as RGB."""
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    level = 8 + (n - 232) * 10
    return level, level, level


def apply(params: list[int], fg: tuple, bg: tuple) -> tuple[tuple, tuple]:
    """The colours after one SGR sequence."""
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            fg, bg = FG, BG
        elif 30 <= p <= 37 or 90 <= p <= 97:
            fg = BASE16[p - 30 if p < 90 else p - 90 + 8]
        elif 40 <= p <= 47 or 100 <= p <= 107:
            bg = BASE16[p - 40 if p < 100 else p - 100 + 8]
        elif p == 39:
            fg = FG
        elif p == 49:
            bg = BG
        elif p in (38, 48) and i + 1 < len(params):
            if params[i + 1] == 5 and i + 2 < len(params):
                rgb = color256(params[i + 2])
                i += 2
            elif params[i + 1] == 2 and i + 4 < len(params):
                rgb = (params[i + 2], params[i + 3], params[i + 4])
                i += 4
            else:
                rgb = FG if p == 38 else BG
            fg, bg = (rgb, bg) if p == 38 else (fg, rgb)
        i += 1
    return fg, bg


def render(text: str, out: str, size: int = 16) -> None:
    """Draw each cell of the capture with its colours."""
    font = ImageFont.truetype(FONT, size)
    cw = round(font.getlength("M"))
    ch = size + 4
    lines = text.rstrip("\n").split("\n")
    width = max(len(SGR.sub("", line)) for line in lines)
    img = Image.new("RGB", (max(1, width) * cw + 16, len(lines) * ch + 16), BG)
    draw = ImageDraw.Draw(img)
    for row, line in enumerate(lines):
        fg, bg, col = FG, BG, 0
        pos = 0
        for m in list(SGR.finditer(line)) + [None]:
            chunk = line[pos:m.start()] if m else line[pos:]
            for c in chunk:
                x, y = 8 + col * cw, 8 + row * ch
                if bg != BG:
                    draw.rectangle([x, y, x + cw, y + ch], fill=bg)
                draw.text((x, y + 2), c, font=font, fill=fg)
                col += 1
            if m:
                nums = [int(x) for x in re.split("[;:]", m.group(1)) if x != ""] or [0]
                fg, bg = apply(nums, fg, bg)
                pos = m.end()
    img.save(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ansi_png.py CAPTURE.txt OUT.png")
    with open(sys.argv[1], encoding="utf-8") as f:
        render(f.read(), sys.argv[2])
