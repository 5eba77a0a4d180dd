#!/usr/bin/env python3
"""The Apache SedonaDB peer for scripts/bench: the core of `tudi run` done
in SedonaDB's SQL (PyPI `sedonadb`, DataFusion + GEOS/PROJ), on the same files.

Per stage, what runs where:
- read: the GeoPackage through `read_pyogrio` (GDAL's Arrow stream into
  the engine), the CSV through SedonaDB's own CSV reader (one partition,
  so that the rows keep the file's order); the parcels are
  transformed to EPSG:4490 lon/lat in SQL (`ST_Transform`, PROJ) and kept
  in memory (`to_memtable`).
- convert: GCJ-02 / BD-09 back to WGS84 by iterating the forward formula,
  vectorised in numpy (peer_common.to_wgs84, the GeoPandas peer's code);
  the points are made in SQL (`ST_Point`, `ST_SetSRID` 4490).
- measure: ellipsoidal areas. SedonaDB 0.5 has no ellipsoidal area:
  `ST_Area` of a geometry is planar and of a geography is on a sphere
  (R = 6 371 008 m, ~0.1 % off the ellipsoid here, far outside the bench's
  1e-6). So, as tudi and the GeoPandas peer do, `ST_Transform` to the
  Albers equal-area projection of GRS80 fitted to the data's bounds
  (bounds taken in SQL), then planar `ST_Area`: an ellipsoidal area to
  ~1e-9 on parcels (a sample is checked against pyproj's Geod).
- join: enterprise points to parcels by `ST_Intersects` in SQL (SedonaDB's
  spatial join); an edge or vertex counts as inside. Ties (a point on
  several parcels) go to the smallest parcel id in tudi's id order,
  resolved in Python over the few tied points.
- blocks: industrial parcels (DLBM in the industrial codes) within the gap
  (10 m) by a `ST_DWithin` self-join in SQL on the Albers geometries;
  connected components by scipy; scattered = in a village settlement
  (CZCSXM starts with 203) and the block under 5 mu.

Differences from tudi: the gap is measured in the Albers plane (tudi
measures the closest pair's geodesic distance; the plane is off the
ground by ~1e-6 at district scale), as in the GeoPandas peer; and
SedonaDB 0.5 plans `ST_DWithin(a, b, 10)` as `ST_Distance(a, b) < 10`
(EXPLAIN), so a pair exactly 10 m apart would not join (tudi: <= 10 m).

usage: peer_sedonadb.py PROJECT.toml OUT.json
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer_common as pc

pc.usage(__doc__)
clock = pc.Clock()

import numpy as np
import pyarrow as pa
import sedonadb
from pyproj import CRS, Geod

project = pc.Project(sys.argv[1])
rules = project.rules
sd = sedonadb.connect()


def sql_list(values):
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def q(text, **params):
    return sd.sql(text, params=params) if params else sd.sql(text)


# --- read (and to EPSG:4490 lon/lat)
sd.read_pyogrio(project.parcels_path,
                options={"layer": project.parcels_layer} if project.parcels_layer else None).to_view("raw_parcels")
q("""SELECT row_number() OVER () AS i, "BSM" AS bsm, "DLBM" AS dlbm, "CZCSXM" AS czcsxm,
            ST_Transform(geom, 'EPSG:4490') AS g
     FROM raw_parcels""").to_memtable().to_view("parcels")
# The enterprises' order is their identity (parcel_of is by row): a CSV
# over 10 MB is otherwise scanned as byte ranges in parallel and comes back
# in batches out of file order (seen at 100 000 enterprises).
q("SET datafusion.optimizer.repartition_file_scans = false").execute()
sd.read.csv(str(project.enterprises_path)).to_view("raw_ents")
cols = [project.x, project.y] + ([project.crs_field] if project.crs_field else [])
ents = q("SELECT " + ", ".join(f'"{c}"' for c in cols) + " FROM raw_ents").to_arrow_table()
q("SET datafusion.optimizer.repartition_file_scans = true").execute()
n_parcels = q("SELECT count(*) AS n FROM parcels").to_arrow_table().column(0)[0].as_py()
clock.lap("read")

# --- GCJ-02 / BD-09 back to WGS84
n_ents = ents.num_rows
kinds = pc.row_kinds(project, ents.column(project.crs_field).to_pylist() if project.crs_field else None, n_ents)
lon, lat = pc.to_wgs84(ents.column(project.x).to_numpy(zero_copy_only=False),
                       ents.column(project.y).to_numpy(zero_copy_only=False), kinds)
sd.create_data_frame(pa.table({"k": np.arange(n_ents, dtype=np.int64), "lon": lon, "lat": lat})).to_view("ent_xy")
q("SELECT k, ST_SetSRID(ST_Point(lon, lat), 4490) AS g FROM ent_xy").to_memtable().to_view("ents")
clock.lap("convert")

# --- measure: Albers of GRS80 fitted to the data, planar area there
b = q("SELECT min(ST_XMin(g)), min(ST_YMin(g)), max(ST_XMax(g)), max(ST_YMax(g)) FROM parcels").to_arrow_table()
minx, miny, maxx, maxy = (b.column(c)[0].as_py() for c in range(4))
aea = CRS.from_proj4(pc.albers_proj4(minx, miny, maxx, maxy)).to_json()
industrial = sql_list(rules["industrial_codes"])
village = " OR ".join(f"starts_with(coalesce(czcsxm, ''), {sql_list([p])})" for p in rules["village_settlement_prefixes"]) or "false"
q(f"""SELECT i, bsm, dlbm IN ({industrial}) AS industrial, ({village}) AS village,
             ST_Area(ST_Transform(g, $aea)) AS area, ST_Transform(g, $aea) AS m
      FROM parcels""", aea=aea).to_memtable().to_view("metric")
t = q("SELECT sum(area) AS total, count(*) FILTER (WHERE industrial) AS ind FROM metric").to_arrow_table()
area_total, n_ind = t.column(0)[0].as_py(), t.column(1)[0].as_py()
clock.lap("measure")

# --- join: enterprise -> parcel containing it (smallest id on a tie)
pairs = q("SELECT e.k AS k, p.bsm AS bsm FROM ents e JOIN parcels p ON ST_Intersects(e.g, p.g)").to_arrow_table()
parcel_of, ties = pc.parcel_of_from_pairs(n_ents, pairs.column("k").to_numpy(), pairs.column("bsm").to_pylist())
clock.lap("join")

# --- blocks: industrial parcels within the gap, transitively
q("""SELECT row_number() OVER (ORDER BY i) AS j, area, village, m
     FROM metric WHERE industrial""").to_memtable().to_view("ind")
ind = q("SELECT j, area, village FROM ind ORDER BY j").to_arrow_table()
gap = float(rules["cluster_gap_m"])
edges = q("""SELECT a.j AS l, b.j AS r FROM ind a JOIN ind b
             ON ST_DWithin(a.m, b.m, $gap) WHERE a.j < b.j""", gap=gap).to_arrow_table()
ind_area = ind.column("area").to_numpy()
ind_village = ind.column("village").to_numpy(zero_copy_only=False).astype(bool)
# (row_number() is 1-based; SedonaDB 0.5 fails to collect `row_number() - 1`)
nblocks, labels, scattered = pc.blocks(len(ind_area), edges.column("l").to_numpy() - 1, edges.column("r").to_numpy() - 1,
                                       ind_area, ind_village, rules["scattered_max_mu"])
clock.lap("blocks")

# a sample of areas against GeographicLib (pyproj's Geod)
import shapely
step = max(1, n_parcels // 200)
s = q(f"SELECT ST_AsBinary(p.g) AS wkb, m.area AS area FROM metric m JOIN parcels p ON m.i = p.i WHERE p.i % {step} = 1").to_arrow_table()
geod = Geod(ellps="GRS80")
rel = max(abs(abs(geod.geometry_area_perimeter(shapely.from_wkb(w))[0]) - a) / a
          for w, a in zip(s.column("wkb").to_pylist(), s.column("area").to_pylist()))

pc.write(pc.summary(
    parcel_count=n_parcels, area_m2_total=area_total, industrial=n_ind,
    village_industrial=int(ind_village.sum()), nblocks=nblocks,
    scattered_parcels=int(scattered.sum()), scattered_blocks=len(np.unique(labels[scattered])),
    scattered_area_m2=float(ind_area[scattered].sum()), parcel_of=parcel_of, stages=clock.stages,
    engine=f"sedonadb {sedonadb.__version__}", area_method="ST_Transform to fitted Albers (GRS80) + ST_Area",
    join_ties=ties, area_check_max_rel=rel), sys.argv[2])
