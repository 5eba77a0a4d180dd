#!/usr/bin/env python3
"""The GeoPandas peer for scripts/bench: the core of `tudi run` done the
usual Python way (pyogrio + shapely 2 + pyproj + scipy), on the same files.

It reads a tudi project (only the parts the synth districts use), measures
ellipsoidal areas (equal-area Albers of GRS80 fitted to the data, as tudi
does; pyproj's Geod is used to check a sample), converts GCJ-02/BD-09
points back with an iterative inverse, joins points to parcels, clusters
industrial parcels within the gap, flags scattered plots and prints a JSON
summary with the figures tudi's summary.json also has, plus each
enterprise's parcel id for a one-to-one comparison.

usage: peer_geopandas.py PROJECT.toml OUT.json
"""
import json, math, sys, time, tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_common import M2_PER_MU, to_wgs84

import numpy as np
import pandas as pd
import geopandas as gpd
import pyogrio
import shapely
from pyproj import CRS, Geod, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

t0 = time.perf_counter()
stages = {}
def lap(name):
    global t0
    now = time.perf_counter()
    stages[name] = round(now - t0, 3)
    t0 = now

project_path = Path(sys.argv[1])
project = tomllib.loads(project_path.read_text(encoding="utf-8"))
base = project_path.parent
rules = {"industrial_codes": ["0601"], "village_settlement_prefixes": ["203"], "cluster_gap_m": 10.0, "scattered_max_mu": 5.0}
rules.update(project.get("rules", {}))

# --- read
pl = project["layers"]["parcels"]
parcels = pyogrio.read_dataframe(base / pl["path"], layer=pl.get("layer"), columns=["BSM", "DLBM", "CZCSXM"])
parcels = parcels.to_crs(4490)
el = project["layers"]["enterprises"]
ent = pd.read_csv(base / el["path"], encoding="utf-8-sig", dtype={"credit_code": str})
lap("read")

# --- GCJ-02 / BD-09 back to WGS84 (iterating the forward formula; peer_common)
lon = ent[el.get("x", "lon")].to_numpy(float); lat = ent[el.get("y", "lat")].to_numpy(float)
sys_col = el.get("crs_field")
kinds = ent[sys_col].fillna("").str.lower().to_numpy() if sys_col else np.array([el.get("crs", "")] * len(ent))
out_lon, out_lat = to_wgs84(lon, lat, kinds)
points = gpd.GeoDataFrame(ent[["credit_code"]], geometry=gpd.points_from_xy(out_lon, out_lat), crs=4490)
lap("convert")

# --- measure: Albers on GRS80 fitted to the data
minx, miny, maxx, maxy = parcels.total_bounds
h = maxy - miny
aea = CRS.from_proj4(f"+proj=aea +lat_1={miny + h/6} +lat_2={maxy - h/6} +lat_0={(miny+maxy)/2} +lon_0={(minx+maxx)/2} +ellps=GRS80 +units=m +no_defs")
metric = parcels.to_crs(aea)
area = metric.geometry.area.to_numpy()
lap("measure")

# --- join: enterprise -> parcel containing it (smallest BSM on a tie)
j = gpd.sjoin(points, parcels[["BSM", "geometry"]], how="left", predicate="intersects")
j["bsm_num"] = pd.to_numeric(j["BSM"], errors="coerce")
j = j.sort_values(["bsm_num", "BSM"]).groupby(level=0).first()
parcel_of = j["BSM"].reindex(points.index)
lap("join")

# --- blocks: industrial parcels within the gap, transitively
ind = metric[metric["DLBM"].isin(rules["industrial_codes"])].reset_index(drop=True)
ind_area = area[metric["DLBM"].isin(rules["industrial_codes"]).to_numpy()]
gap = float(rules["cluster_gap_m"])
tree = shapely.STRtree(ind.geometry.values)
left, right = tree.query(ind.geometry.values, predicate="dwithin", distance=gap)
n = len(ind)
graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
nblocks, labels = connected_components(graph, directed=False)
block_area = np.bincount(labels, weights=ind_area, minlength=nblocks)
village = ind["CZCSXM"].fillna("").astype(str).str.startswith(tuple(rules["village_settlement_prefixes"])).to_numpy()
scattered = village & (block_area[labels] / M2_PER_MU < float(rules["scattered_max_mu"]))
lap("blocks")

summary = {
    "parcels": {"count": int(len(parcels)), "area_mu": float(area.sum() / M2_PER_MU),
                "industrial": int(n), "village_industrial": int(village.sum())},
    "blocks": {"count": int(nblocks)},
    "scattered": {"parcels": int(scattered.sum()),
                  "blocks": int(len(np.unique(labels[scattered]))),
                  "area_mu": float(ind_area[scattered].sum() / M2_PER_MU)},
    "enterprises": {"count": int(len(points)), "unlocated": int(parcel_of.isna().sum())},
    "parcel_of": [None if pd.isna(v) else str(v) for v in parcel_of],
    "stages": stages,
}
# a sample of areas against GeographicLib (pyproj's Geod), to show the
# equal-area method is the ellipsoidal area
geod = Geod(ellps="GRS80")
sample = parcels.geometry.iloc[:: max(1, len(parcels) // 200)]
rel = [abs(abs(geod.geometry_area_perimeter(p)[0]) - area[i]) / area[i] for i, p in zip(sample.index, sample)]
summary["area_check_max_rel"] = max(rel)
Path(sys.argv[2]).write_text(json.dumps(summary))
