#!/usr/bin/env python3
"""The DuckDB spatial peer for scripts/bench: the core of `tudi run` done
in DuckDB's SQL with the `spatial` extension, on the same files.

The extension comes from PyPI (`duckdb-extension-spatial`, built for the
same DuckDB version, pinned by scripts/bench): DuckDB's own `INSTALL
spatial` downloads from extensions.duckdb.org, which this project's
machines cannot reach. It is loaded from the package's file.

Per stage, what runs where:
- read: the GeoPackage by `ST_Read` (GDAL inside the extension), the CSV
  by `read_csv`; the parcels go to EPSG:4490 lon/lat in SQL
  (`ST_Transform(..., always_xy := true)`, PROJ inside the extension).
- convert: GCJ-02 / BD-09 back to WGS84 by iterating the forward formula,
  vectorised in numpy (peer_common.to_wgs84, the GeoPandas peer's code);
  the points are made in SQL (`ST_Point`).
- measure: `ST_Area_Spheroid`, the extension's ellipsoidal area
  (GeographicLib's geodesic polygon area on the WGS84 ellipsoid; it takes
  lat/lon order, hence `ST_FlipCoordinates`). WGS84 and GRS80/CGCS2000
  differ in the flattening by 1e-10: areas by ~1e-11. With `--albers`
  it does what tudi does instead: `ST_Transform` to the Albers equal-area
  projection of GRS80 fitted to the data, planar `ST_Area`.
- join: enterprise points to parcels by `ST_Intersects` in SQL (DuckDB's
  spatial join); an edge or vertex counts as inside. Ties go to the
  smallest parcel id in tudi's id order, resolved in Python over the few
  tied points.
- blocks: industrial parcels (DLBM in the industrial codes) within the gap
  (10 m) by a `ST_DWithin` self-join in SQL on the Albers geometries
  (always made, as the gap is in metres); connected components by scipy;
  scattered = in a village settlement (CZCSXM starts with 203) and the
  block under 5 mu.

Differences from tudi: the gap is measured in the Albers plane (tudi
measures the closest pair's geodesic distance; the plane is off the
ground by ~1e-6 at district scale), as in the GeoPandas peer. Threads:
DuckDB's default (one per core).

usage: peer_duckdb.py [--albers] PROJECT.toml OUT.json
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer_common as pc

ALBERS = "--albers" in sys.argv
if ALBERS:
    sys.argv.remove("--albers")
pc.usage(__doc__)
clock = pc.Clock()

import numpy as np
import pandas as pd
import duckdb
import duckdb_extension_spatial
from pyproj import Geod

project = pc.Project(sys.argv[1])
rules = project.rules
con = duckdb.connect()
ext = Path(duckdb_extension_spatial.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
if not ext.exists():
    sys.exit(f"no spatial extension for DuckDB {duckdb.__version__} at {ext}: "
             "install duckdb-extension-spatial of the same version as duckdb")
con.execute(f"LOAD '{ext}'")


def lit(v):
    return "'" + str(v).replace("'", "''") + "'"


# --- read (and to EPSG:4490 lon/lat)
layer = f", layer := {lit(project.parcels_layer)}" if project.parcels_layer else ""
src = con.sql(f"SELECT * FROM ST_Read({lit(project.parcels_path)}{layer}) LIMIT 0")
geom_col = next(c for c, t in zip(src.columns, src.types) if str(t).upper().startswith("GEOMETRY"))
src_crs = con.sql(f"SELECT ST_CRS({geom_col}) FROM ST_Read({lit(project.parcels_path)}{layer}) LIMIT 1").fetchone()[0]
if not src_crs:
    sys.exit("the parcels' layer has no CRS")
con.execute(f"""CREATE TABLE parcels AS
    SELECT row_number() OVER () - 1 AS i, BSM AS bsm, DLBM AS dlbm, CZCSXM AS czcsxm,
           ST_Transform({geom_col}, {lit(src_crs)}, 'EPSG:4490', always_xy := true) AS g
    FROM ST_Read({lit(project.parcels_path)}{layer})""")
cols = [project.x, project.y] + ([project.crs_field] if project.crs_field else [])
ents = con.sql(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in cols)} "
               f"FROM read_csv({lit(project.enterprises_path)}, header := true)").fetchnumpy()
n_parcels = con.sql("SELECT count(*) FROM parcels").fetchone()[0]
clock.lap("read")

# --- GCJ-02 / BD-09 back to WGS84
n_ents = len(ents[project.x])
kinds = pc.row_kinds(project, ents[project.crs_field] if project.crs_field else None, n_ents)
lon, lat = pc.to_wgs84(ents[project.x], ents[project.y], kinds)
ent_xy = pd.DataFrame({"k": np.arange(n_ents, dtype=np.int64), "lon": lon, "lat": lat})
con.execute("CREATE TABLE ents AS SELECT k, ST_Point(lon, lat) AS g FROM ent_xy")
clock.lap("convert")

# --- measure
minx, miny, maxx, maxy = con.sql("SELECT min(ST_XMin(g)), min(ST_YMin(g)), max(ST_XMax(g)), max(ST_YMax(g)) FROM parcels").fetchone()
aea = pc.albers_proj4(minx, miny, maxx, maxy)
industrial = ", ".join(lit(c) for c in rules["industrial_codes"])
village = " OR ".join(f"starts_with(coalesce(czcsxm, ''), {lit(p)})" for p in rules["village_settlement_prefixes"]) or "false"
metric = f"ST_Transform(g, 'EPSG:4490', {lit(aea)}, always_xy := true)"
area = f"ST_Area({metric})" if ALBERS else "ST_Area_Spheroid(ST_FlipCoordinates(g))"
con.execute(f"""CREATE TABLE measured AS
    SELECT i, dlbm IN ({industrial}) AS industrial, ({village}) AS village, {area} AS area FROM parcels""")
area_total, n_ind = con.sql("SELECT sum(area), count(*) FILTER (WHERE industrial) FROM measured").fetchone()
clock.lap("measure")

# --- join: enterprise -> parcel containing it (smallest id on a tie)
pairs = con.sql("SELECT e.k AS k, p.bsm AS bsm FROM ents e JOIN parcels p ON ST_Intersects(p.g, e.g)").fetchnumpy()
parcel_of, ties = pc.parcel_of_from_pairs(n_ents, pairs["k"], pairs["bsm"].tolist())
clock.lap("join")

# --- blocks: industrial parcels within the gap, transitively
con.execute(f"""CREATE TABLE ind AS
    SELECT row_number() OVER (ORDER BY m.i) - 1 AS j, m.area AS area, m.village AS village, {metric} AS m
    FROM measured m JOIN parcels p ON m.i = p.i WHERE m.industrial ORDER BY j""")
ind = con.sql("SELECT area, village FROM ind ORDER BY j").fetchnumpy()
gap = float(rules["cluster_gap_m"])
# Every ordered pair, self-pairs included (the graph is undirected): with
# `AND a.j < b.j` DuckDB 1.5 plans a piecewise merge join on the ids and
# tests ST_DWithin on every pair (36 s at 100 000 parcels, against 0.07 s).
edges = con.sql(f"SELECT a.j AS l, b.j AS r FROM ind a JOIN ind b ON ST_DWithin(a.m, b.m, {gap!r})").fetchnumpy()
ind_area = np.asarray(ind["area"], float)
ind_village = np.asarray(ind["village"], bool)
nblocks, labels, scattered = pc.blocks(len(ind_area), edges["l"], edges["r"], ind_area, ind_village,
                                       rules["scattered_max_mu"])
clock.lap("blocks")

# a sample of areas against GeographicLib (pyproj's Geod)
import shapely
step = max(1, n_parcels // 200)
s = con.sql(f"SELECT ST_AsWKB(p.g) AS wkb, m.area AS area FROM measured m JOIN parcels p ON m.i = p.i WHERE p.i % {step} = 0").fetchall()
geod = Geod(ellps="GRS80")
rel = max(abs(abs(geod.geometry_area_perimeter(shapely.from_wkb(bytes(w)))[0]) - a) / a for w, a in s)

pc.write(pc.summary(
    parcel_count=n_parcels, area_m2_total=area_total, industrial=n_ind,
    village_industrial=int(ind_village.sum()), nblocks=nblocks,
    scattered_parcels=int(scattered.sum()), scattered_blocks=len(np.unique(labels[scattered])),
    scattered_area_m2=float(ind_area[scattered].sum()), parcel_of=parcel_of, stages=clock.stages,
    engine=f"duckdb {duckdb.__version__} + spatial",
    area_method="ST_Transform to fitted Albers (GRS80) + ST_Area" if ALBERS else "ST_Area_Spheroid (GeographicLib, WGS84)",
    join_ties=ties, area_check_max_rel=rel), sys.argv[2])
