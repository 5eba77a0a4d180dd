"""What the peers of scripts/bench share: reading the tudi project (the
parts the synth districts use), the stage clock, GCJ-02/BD-09 back to WGS84
(vectorised numpy), the equal-area projection tudi fits to the data, tudi's
id order, and the JSON summary that `agree()` in scripts/bench compares.

Not a peer itself: scripts/peer_*.py import it from beside them.
"""
import json, sys, time, tomllib
from pathlib import Path

import numpy as np

M2_PER_MU = 10000.0 / 15.0
DEFAULT_RULES = {"industrial_codes": ["0601"], "village_settlement_prefixes": ["203"],
                 "cluster_gap_m": 10.0, "scattered_max_mu": 5.0}


class Project:
    """The parcels and enterprises layers and the rules of a tudi project."""

    def __init__(self, path):
        path = Path(path)
        self.toml = tomllib.loads(path.read_text(encoding="utf-8"))
        self.base = path.parent
        self.rules = dict(DEFAULT_RULES)
        self.rules.update(self.toml.get("rules", {}))
        pl = self.toml["layers"]["parcels"]
        self.parcels_path = self.base / pl["path"]
        self.parcels_layer = pl.get("layer")
        el = self.toml["layers"]["enterprises"]
        self.enterprises_path = self.base / el["path"]
        self.x, self.y = el.get("x", "lon"), el.get("y", "lat")
        self.crs_field = el.get("crs_field")
        self.crs = el.get("crs", "")


class Clock:
    """Per-stage wall seconds, as the GeoPandas peer reports them."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.stages = {}

    def lap(self, name):
        now = time.perf_counter()
        self.stages[name] = round(now - self.t0, 3)
        self.t0 = now


# --- GCJ-02 / BD-09 back to WGS84 (iterating the forward formula)
A, EE = 6378245.0, 0.006693421622965943


def _tlat(x, y):
    r = -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*np.sqrt(np.abs(x))
    r += (20*np.sin(6*x*np.pi) + 20*np.sin(2*x*np.pi)) * 2/3
    r += (20*np.sin(y*np.pi) + 40*np.sin(y/3*np.pi)) * 2/3
    r += (160*np.sin(y/12*np.pi) + 320*np.sin(y*np.pi/30)) * 2/3
    return r


def _tlon(x, y):
    r = 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*np.sqrt(np.abs(x))
    r += (20*np.sin(6*x*np.pi) + 20*np.sin(2*x*np.pi)) * 2/3
    r += (20*np.sin(x*np.pi) + 40*np.sin(x/3*np.pi)) * 2/3
    r += (150*np.sin(x/12*np.pi) + 300*np.sin(x/30*np.pi)) * 2/3
    return r


def wgs_to_gcj(lon, lat):
    dlat = _tlat(lon - 105, lat - 35); dlon = _tlon(lon - 105, lat - 35)
    rad = lat / 180 * np.pi
    magic = 1 - EE * np.sin(rad)**2; sm = np.sqrt(magic)
    dlat = dlat * 180 / ((A * (1 - EE)) / (magic * sm) * np.pi)
    dlon = dlon * 180 / (A / sm * np.cos(rad) * np.pi)
    return lon + dlon, lat + dlat


XPI = np.pi * 3000 / 180


def gcj_to_bd(lon, lat):
    z = np.sqrt(lon*lon + lat*lat) + 0.00002*np.sin(lat*XPI)
    th = np.arctan2(lat, lon) + 0.000003*np.cos(lon*XPI)
    return z*np.cos(th) + 0.0065, z*np.sin(th) + 0.006


def invert(forward, lon, lat):
    x, y = lon.copy(), lat.copy()
    for _ in range(10):
        fx, fy = forward(x, y)
        x -= fx - lon; y -= fy - lat
    return x, y


def to_wgs84(lon, lat, kinds):
    """lon, lat (float arrays) in the per-row systems `kinds` (lower-case
    strings: gcj02/gcj-02, bd09/bd-09, anything else is taken as CGCS2000 /
    WGS84 already) back to WGS84 = CGCS2000 at these accuracies."""
    lon = np.asarray(lon, float); lat = np.asarray(lat, float)
    out_lon, out_lat = lon.copy(), lat.copy()
    g = np.isin(kinds, ["gcj02", "gcj-02"])
    out_lon[g], out_lat[g] = invert(wgs_to_gcj, lon[g], lat[g])
    b = np.isin(kinds, ["bd09", "bd-09"])
    out_lon[b], out_lat[b] = invert(lambda x, y: gcj_to_bd(*wgs_to_gcj(x, y)), lon[b], lat[b])
    return out_lon, out_lat


def row_kinds(project, sys_values, n):
    """Each row's coordinate system, lower-case, as numpy strings."""
    if project.crs_field:
        return np.array([("" if v is None else str(v)).lower() for v in sys_values], dtype=object)
    return np.array([project.crs.lower()] * n, dtype=object)


def albers_proj4(minx, miny, maxx, maxy):
    """The Albers equal-area projection of GRS80 tudi fits to the data's
    lon/lat bounds (crates/tudi-core/src/geodesy.rs, EqualArea::fitted)."""
    h = maxy - miny
    return (f"+proj=aea +lat_1={miny + h/6!r} +lat_2={maxy - h/6!r} +lat_0={(miny + maxy)/2!r} "
            f"+lon_0={(minx + maxx)/2!r} +ellps=GRS80 +units=m +no_defs")


def id_sort_key(s):
    """tudi's id order (crates/tudi-core/src/model/mod.rs, id_order): all-digit ids by
    number (then by text), others by text. As a tuple sort key."""
    if s and s.isascii() and s.isdigit():
        t = s.lstrip("0")
        return (0, len(t), t, s)
    return (1, 0, s, s)


def summary(*, parcel_count, area_m2_total, industrial, village_industrial, nblocks,
            scattered_parcels, scattered_blocks, scattered_area_m2, parcel_of, stages, **extra):
    """The JSON the bench's agree() reads (the GeoPandas peer's keys)."""
    unlocated = sum(1 for v in parcel_of if v is None)
    out = {
        "parcels": {"count": int(parcel_count), "area_mu": float(area_m2_total / M2_PER_MU),
                    "industrial": int(industrial), "village_industrial": int(village_industrial)},
        "blocks": {"count": int(nblocks)},
        "scattered": {"parcels": int(scattered_parcels), "blocks": int(scattered_blocks),
                      "area_mu": float(scattered_area_m2 / M2_PER_MU)},
        "enterprises": {"count": len(parcel_of), "unlocated": int(unlocated)},
        "parcel_of": parcel_of,
        "stages": stages,
    }
    out.update(extra)
    return out


def write(summary_obj, path):
    Path(path).write_text(json.dumps(summary_obj))


def usage(doc):
    if len(sys.argv) != 3:
        sys.exit(doc.strip().splitlines()[-1])


def id_order(a, b):
    """tudi's id comparison (crates/tudi-core/src/model/mod.rs, id_order), as a cmp."""
    def numeric(s):
        return bool(s) and s.isascii() and s.isdigit()
    if numeric(a) and numeric(b):
        ta, tb = a.lstrip("0"), b.lstrip("0")
        ka, kb = (len(ta), ta, a), (len(tb), tb, b)
    else:
        ka, kb = a, b
    return (ka > kb) - (ka < kb)


def parcel_of_from_pairs(n, k, ids):
    """Each of n enterprises' parcel from the join's (enterprise k, parcel
    id) pairs: None when it has none; on a shared edge or vertex (several
    pairs) the smallest id in tudi's order."""
    import functools
    out = [None] * n
    k = np.asarray(k, dtype=np.int64)
    ids = list(ids)
    counts = np.bincount(k, minlength=n) if len(k) else np.zeros(n, dtype=np.int64)
    ties = {}
    for kk, bsm in zip(k.tolist(), ids):
        if counts[kk] == 1:
            out[kk] = bsm
        else:
            ties.setdefault(kk, []).append(bsm)
    key = functools.cmp_to_key(id_order)
    for kk, cands in ties.items():
        out[kk] = min(cands, key=key)
    return out, len(ties)


def blocks(n, left, right, area_m2, village, scattered_max_mu):
    """Industrial parcels 0..n-1, pairs (left, right) within the gap:
    connected components (scipy), each block's area, the scattered flags
    (in a village settlement and in a block under scattered_max_mu).
    Returns (block count, labels, scattered bool array)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    left = np.asarray(left, dtype=np.int64); right = np.asarray(right, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    nblocks, labels = connected_components(graph, directed=False)
    block_area = np.bincount(labels, weights=area_m2, minlength=nblocks)
    scattered = village & (block_area[labels] / M2_PER_MU < float(scattered_max_mu))
    return nblocks, labels, scattered
