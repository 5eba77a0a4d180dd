#!/usr/bin/env python3
"""Fails unless a PNG shows something: decodes it with the standard library
alone (zlib; the check runs on fresh machines without Pillow) and requires
several colours and a share of pixels off the background.

usage: png_stats.py FILE [--min-colours N] [--min-ink FRACTION]
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour {colour})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = prev[i], prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def main():
    args = sys.argv[1:]
    path = args[0]
    min_colours = int(args[args.index("--min-colours") + 1]) if "--min-colours" in args else 8
    min_ink = float(args[args.index("--min-ink") + 1]) if "--min-ink" in args else 0.02
    width, height, channels, rows = decode(path)
    counts = {}
    for line in rows:
        for x in range(0, len(line), channels):
            px = line[x : x + channels]
            counts[px] = counts.get(px, 0) + 1
    background, most = max(counts.items(), key=lambda kv: kv[1])
    ink = 1 - most / (width * height)
    print(f"{path}: {width}x{height}, {len(counts)} colours, {ink:.1%} off the background {background.hex()}")
    if len(counts) < min_colours or ink < min_ink:
        raise SystemExit(f"{path}: blank (fewer than {min_colours} colours or under {min_ink:.0%} ink)")


if __name__ == "__main__":
    main()
