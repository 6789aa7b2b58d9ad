#!/usr/bin/env python3
"""pngcheck.py FILE R G B [TOLERANCE] -- print how many pixels of the PNG
FILE are within TOLERANCE (default 8) of the colour R G B.

pngcheck.py glyphs FILE -- print how many different glyph shapes the first
line of dark text (from the top) has. Text that rendered shows many;
missing glyphs drawn as boxes ("tofu") all look alike and give one or two.

A small PNG reader (8-bit greyscale/RGB/RGBA, not interlaced; what cairo
and chromium write) so the report tests need no imaging library.
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace or ctype not in (0, 2, 6):
                raise SystemExit(f"{path}: unsupported PNG (depth {depth}, type {ctype})")
            bpp = {0: 1, 2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def dark(line, x, bpp):
    return (line[x] if bpp == 1 else (line[x] + line[x + 1] + line[x + 2]) // 3) < 110


def glyphs(path):
    w, h, bpp, rows = read_png(path)
    ink = [any(dark(line, x, bpp) for x in range(0, w * bpp, bpp)) for line in rows]
    top = ink.index(True)
    bottom = top
    while bottom < h and ink[bottom]:
        bottom += 1
    band = rows[top:bottom]
    cols = [sum(dark(line, x * bpp, bpp) for line in band) for x in range(w)]
    runs, x = [], 0
    while x < w:
        if cols[x] == 0:
            x += 1
            continue
        start = x
        while x < w and cols[x]:
            x += 1
        runs.append((x - start, sum(cols[start:x])))
    # A glyph's shape, coarsely: its width and its ink. Two are alike when
    # both differ by little (antialiasing moves a box by a pixel).
    shapes = []
    for width, amount in runs:
        if not any(abs(width - sw) <= 2 and abs(amount - sa) <= 0.15 * max(amount, sa) for sw, sa in shapes):
            shapes.append((width, amount))
    print(len(shapes))


def main():
    if sys.argv[1] == "glyphs":
        return glyphs(sys.argv[2])
    path, r, g, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    tol = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    w, h, bpp, rows = read_png(path)
    n = 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            px = (line[x], line[x], line[x]) if bpp == 1 else (line[x], line[x + 1], line[x + 2])
            if abs(px[0] - r) <= tol and abs(px[1] - g) <= tol and abs(px[2] - b) <= tol:
                n += 1
    print(n)


if __name__ == "__main__":
    main()
