#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/ from the sample in data/ and the
test fixtures, plus hand-made WKB the sample lacks (points, multi forms,
Z/M, big-endian, EWKB, collections). Run from the repository root."""
import json, os, sqlite3, struct

root = os.getcwd()
out = os.path.join(root, "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# GeoPackage blobs: the smallest and a few typical ones of each sample file
blobs = []
for path, table in [("data/parcels.gpkg", "DLTB"), ("data/buildings.gpkg", "buildings")]:
    db = sqlite3.connect(os.path.join(root, path))
    rows = db.execute(f"SELECT geom FROM {table} ORDER BY length(geom)").fetchall()
    for i in [0, 1, len(rows) // 2, len(rows) * 9 // 10]:
        blobs.append(rows[i][0])
for i, b in enumerate(blobs):
    put("gpkg_blob", f"sample{i}", b)
    flags = b[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    put("wkb", f"sample{i}", b[8 + env:])
# an empty geometry, and a blob with an xyzm envelope
put("gpkg_blob", "empty", b"GP\x00\x11\xe6\x10\x00\x00")
put("gpkg_blob", "envelope_zm",
    b"GP\x00\x09\xe6\x10\x00\x00" + bytes(64) + b"\x01\x01\x00\x00\x00" + struct.pack("<dd", 120.5, 30.5))


def wkb(le, code, body):
    e = "<" if le else ">"
    return bytes([1 if le else 0]) + struct.pack(e + "I", code) + body(e)


def pts(e, coords):
    return b"".join(struct.pack(e + "d" * len(c), *c) for c in coords)


def ring(e, coords):
    return struct.pack(e + "I", len(coords)) + pts(e, coords)


sq = [(0, 0), (1, 0), (1, 1), (0, 0)]
put("wkb", "point_be", wkb(False, 1, lambda e: pts(e, [(120.5, 30.25)])))
put("wkb", "point_z", wkb(True, 1001, lambda e: pts(e, [(120.5, 30.25, 5)])))
put("wkb", "point_zm_ewkb", wkb(True, 0xC0000001, lambda e: pts(e, [(120.5, 30.25, 5, 6)])))
put("wkb", "polygon_hole_m", wkb(True, 2003, lambda e: struct.pack(e + "I", 2)
    + ring(e, [(x * 4, y * 4, 0) for x, y in sq]) + ring(e, [(x + 1, y + 1, 0) for x, y in sq])))
put("wkb", "multipoint", wkb(True, 4, lambda e: struct.pack(e + "I", 2)
    + wkb(True, 1, lambda e: pts(e, [(1, 2)])) + wkb(False, 1, lambda e: pts(e, [(3, 4)]))))
put("wkb", "multipolygon_zm", wkb(True, 3006, lambda e: struct.pack(e + "I", 1)
    + wkb(True, 3003, lambda e: struct.pack(e + "I", 1) + ring(e, [(x, y, 0, 0) for x, y in sq]))))
put("wkb", "collection", wkb(True, 7, lambda e: struct.pack(e + "I", 2)
    + wkb(True, 1, lambda e: pts(e, [(1, 2)]))
    + wkb(True, 7, lambda e: struct.pack(e + "I", 1) + wkb(True, 3, lambda e: struct.pack(e + "I", 0)))))
put("wkb", "linestring", wkb(True, 2, lambda e: ring(e, sq)))
put("wkb", "curvepolygon", wkb(True, 10, lambda e: struct.pack(e + "I", 0)))

# GeoJSON: each sample and fixture file cut to its first two features; the
# first byte is the target's setting (CRS, required fields)
n = 0
for d in ["data", "tests/fixtures", "tests/fixtures/district", "tests/fixtures/land",
          "tests/fixtures/parks12"]:
    for name in sorted(os.listdir(os.path.join(root, d))):
        if not name.endswith(".geojson"):
            continue
        with open(os.path.join(root, d, name), encoding="utf-8") as f:
            j = json.load(f)
        j["features"] = j["features"][:2]
        text = json.dumps(j, ensure_ascii=n % 2 == 0, separators=(",", ":") if n % 3 else None)
        if len(text) > 8000:
            continue
        put("geojson", f"{os.path.basename(d)}_{name}", bytes([n % 8]) + text.encode())
        n += 1
put("geojson", "odd", b"\x00" + r'''{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"when":"2020-06-30T12:00:00","n":1,"name":"a\u00e9\n\ud83d\ude00"},
 "geometry":{"type":"Polygon","coordinates":[[[120,30,5],[121,30,5],[121,31,5],[120,30,5]],
  [[120.5,30.2],[120.6,30.2],[120.6,30.3],[120.5,30.2]]]}},
{"type":"Feature","properties":{"n":2.5e0,"when":"2020-07-01"},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[120,30],[121,30],[121,31],[120,30]]]]}},
{"type":"Feature","properties":null,"geometry":{"type":"MultiPoint","coordinates":[[120.1,30.1]]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.0,30]},"properties":{"n":null}}]}'''.encode())

# CSV: header and a few rows of each ledger, in UTF-8 (with BOM) and GBK;
# the first byte is the target's setting (encoding, CRS or CRS column)
for d in ["data", "tests/fixtures/district", "tests/fixtures/land"]:
    with open(os.path.join(root, d, "enterprises.csv"), encoding="utf-8-sig") as f:
        lines = f.read().splitlines()[:4]
    text = "\n".join(lines) + "\n"
    base = os.path.basename(d)
    put("csv_points", f"{base}_utf8", bytes([2]) + text.encode("utf-8"))
    put("csv_points", f"{base}_bom_crlf", bytes([3]) + b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    put("csv_points", f"{base}_gbk", bytes([4 | 2]) + text.encode("gbk"))
    put("csv_points", f"{base}_gbk_nohint", bytes([0]) + text.encode("gbk"))

# project files: the sample's and the fixtures'
for d in ["data", "tests/fixtures/district", "tests/fixtures/land"]:
    for name in sorted(os.listdir(os.path.join(root, d))):
        if name.endswith(".toml"):
            with open(os.path.join(root, d, name), "rb") as f:
                put("project", f"{os.path.basename(d)}_{name}", f.read())
