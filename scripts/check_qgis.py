"""Checks a tudi run's map products with QGIS itself (PyQGIS, headless).

usage: check_qgis.py RUN_DIR ARTEFACT_DIR

- tudi.gpkg: every layer valid, its feature count the one summary.json
  reports, CRS EPSG:4490, field types and values those of the GeoJSON
  output, Chinese aliases, and the default style from `layer_styles`
  loaded (renderer type, attribute, categories, colours; each feature drawn
  in its category's colour), the other styles listed.
- the placements layer (move lines, when there are parks): one line per
  firm placements.csv places, its style (by `sought`, arrow heads) loaded.
- tudi.qgs: opens with the CRS written in it, every layer valid with the
  same counts and styles, grouped; the second style selectable; the print
  layout exports a non-empty PNG with the map drawn (red scattered
  parcels) and a PDF, kept in ARTEFACT_DIR.
"""

import csv
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

from qgis.core import (
    NULL,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsApplication,
    QgsFeatureRequest,
    QgsLayoutExporter,
    QgsProject,
    QgsRenderContext,
    QgsSimpleMarkerSymbolLayerBase,
    QgsTemplatedLineSymbolLayerBase,
    QgsVectorLayer,
)
from osgeo import gdal
from qgis.PyQt.QtCore import QDate, Qt, QVariant
from qgis.PyQt.QtGui import QColor, QImage

FONT = "Noto Sans CJK SC"
failures = []


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message)
    if not ok:
        failures.append(message)
    return ok


def plain(v):
    """A QGIS attribute as the GeoJSON has it (NULL -> None, dates ISO)."""
    if isinstance(v, QVariant):
        if v.isNull():
            return None
        v = v.value()
    if isinstance(v, QDate):
        return v.toString("yyyy-MM-dd")
    return v


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def geojson_type(values):
    """The QVariant type a GeoJSON property's values should read back as."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return None  # all null: any column type holds them
    if kinds == {str} and all(ISO_DATE.match(v) for v in values if v is not None):
        return QVariant.Date
    if kinds == {bool}:
        return QVariant.Bool
    if kinds <= {int}:
        return QVariant.LongLong
    if kinds <= {int, float}:
        return QVariant.Double
    return QVariant.String


# the palette's colours (src/write/palette.rs), the report map's too
DISPOSITION = {
    "close": (165, 0, 38),
    "relocate": (253, 141, 60),
    "into_park": (44, 123, 182),
    "upgrade": (255, 217, 47),
    None: (82, 82, 82),
}


def far_class(far, min_far):
    """The palette's park FAR class key: breaks at the minimum, then 2 and 3 above it."""
    breaks = [min_far] + [b for b in (2.0, 3.0) if b > min_far]
    return "far_%d" % sum(1 for b in breaks if far >= b)


def check_layer(lyr, name, count, features):
    check(lyr.isValid(), f"{name}: valid")
    check(lyr.featureCount() == count, f"{name}: {lyr.featureCount()} features, summary.json says {count}")
    check(lyr.crs().authid() == "EPSG:4490", f"{name}: CRS {lyr.crs().authid()}")
    fields = lyr.fields()
    props = [f["properties"] for f in features]
    mismatches = 0
    for key in props[0]:
        idx = fields.indexOf(key)
        if idx < 0:
            check(False, f"{name}: field {key} missing")
            continue
        want = geojson_type([p[key] for p in props if not isinstance(p[key], list)])
        if any(isinstance(p[key], list) for p in props):
            want = QVariant.String  # lists (groups) are `;`-joined text
        got = fields.at(idx).type()
        ok_type = want is None or got == want or (want == QVariant.LongLong and got == QVariant.Int)
        check(ok_type, f"{name}.{key}: type {fields.at(idx).typeName()} ({got}), want {want}")
    request = QgsFeatureRequest().addOrderBy("fid")
    for feature, p in zip(lyr.getFeatures(request), props):
        for key, want in p.items():
            if isinstance(want, list):
                want = ";".join(want)
            got = plain(feature[key])
            if got != want:
                mismatches += 1
                if mismatches <= 5:
                    print(f"     {name} fid {feature.id()} {key}: {got!r} != {want!r}")
    check(mismatches == 0, f"{name}: every value equals the GeoJSON's ({mismatches} differ)")


def renderer_colours(lyr):
    r = lyr.renderer()
    return [(c.value(), c.symbol().color().getRgb()[:3]) for c in r.categories()]


def drawn_colours(lyr, field):
    """(attribute value, colour the renderer draws it in) for each feature."""
    r = lyr.renderer().clone()
    ctx = QgsRenderContext()
    r.startRender(ctx, lyr.fields())
    out = []
    for f in lyr.getFeatures():
        s = r.symbolForFeature(f, ctx)
        out.append((plain(f[field]), s.color().getRgb()[:3] if s else None))
    r.stopRender(ctx)
    return out


def check_styles(lyr, name, where):
    r = lyr.renderer()
    if name == "enterprises":
        check(r.type() == "categorizedSymbol" and r.classAttribute() == "disposition",
              f"{where} enterprises: drawn by disposition ({r.type()}, {getattr(r, 'classAttribute', lambda: '')()})")
        check([v for v, _ in renderer_colours(lyr)] == ["close", "relocate", "into_park", "upgrade", ""],
              f"{where} enterprises: categories {[v for v, _ in renderer_colours(lyr)]}")
        drawn = drawn_colours(lyr, "disposition")
        wrong = [(v, c) for v, c in drawn if c != DISPOSITION[v]]
        check(not wrong, f"{where} enterprises: each drawn in its disposition's colour ({len(wrong)} not, e.g. {wrong[:3]})")
        check(lyr.attributeAlias(lyr.fields().indexOf("name")) == "企业名称", f"{where} enterprises: alias of name")
    elif name == "scattered_parcels":
        check(r.type() == "singleSymbol" and r.symbol().color().getRgb()[:3] == (227, 26, 28),
              f"{where} scattered_parcels: single red symbol")
        check(lyr.labelsEnabled(), f"{where} scattered_parcels: labelled")
        s = lyr.labeling().settings()
        check("area_mu" in s.fieldName and s.isExpression, f"{where} scattered_parcels: label {s.fieldName}")
        check(s.format().font().family() == FONT, f"{where} scattered_parcels: label font {s.format().font().family()}")
    elif name == "parks":
        check(r.type() == "categorizedSymbol"
              and r.classAttribute().startswith("CASE WHEN \"planned\" THEN 'planned' WHEN \"far\" <"),
              f"{where} parks: classed by FAR, planned ones apart ({r.type()}, {r.classAttribute()})")
        colours = dict(renderer_colours(lyr))
        wrong = []
        for f in lyr.getFeatures():
            # a park not yet built has no FAR: its own class
            want = colours["planned" if f["planned"] else far_class(f["far"], f["min_far"])]
            ctx = QgsRenderContext()
            # the expression reads the layer's fields, as when QGIS draws it
            ctx.setExpressionContext(QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(lyr)))
            rr = lyr.renderer().clone()
            rr.startRender(ctx, lyr.fields())
            ctx.expressionContext().setFeature(f)  # QGIS's map renderer does this too
            symbol = rr.symbolForFeature(f, ctx)
            got = symbol.color().getRgb()[:3] if symbol else None
            rr.stopRender(ctx)
            if got != want:
                wrong.append((f["name"], f["far"], got, want))
        check(not wrong, f"{where} parks: each drawn in its FAR class's colour, breaks at min_far ({wrong[:3]})")
        check(lyr.labelsEnabled() and lyr.labeling().settings().fieldName == '"name"',
              f"{where} parks: labelled with their names")
    elif name == "vacated":
        check(r.type() == "categorizedSymbol" and r.classAttribute() == "status",
              f"{where} vacated: drawn by status ({r.type()})")
        check([v for v, _ in renderer_colours(lyr)] == ["done", "in_progress", "planned", ""],
              f"{where} vacated: categories {[v for v, _ in renderer_colours(lyr)]}")
        n, ids, names, _, _ = lyr.listStylesInDatabase()
        check(names[:n] == ["status", "check"], f"{where} vacated: styles {names[:n]}")
    elif name == "blocks":
        check(r.type() == "categorizedSymbol" and r.classAttribute() == "scattered",
              f"{where} blocks: drawn by scattered")
        drawn = drawn_colours(lyr, "scattered")
        colours = {True: (252, 187, 161), False: (189, 189, 189)}
        wrong = [(v, c) for v, c in drawn if c != colours[v]]
        check(not wrong, f"{where} blocks: scattered ones pale red, others grey ({len(wrong)} not)")
    elif name == "low_density_parcels":
        s = lyr.labeling().settings()
        check(s.isExpression and not s.displayAll,
              f"{where} low_density_parcels: label {s.fieldName}, no label over another")
        # evaluated by QGIS itself: FAR on parcels with buildings, nothing on bare ones
        expr = QgsExpression(s.fieldName)
        ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(lyr))
        texts = {}
        for f in lyr.getFeatures():
            ctx.setFeature(f)
            text = expr.evaluate(ctx)
            text = None if text is None or text == NULL else text
            has = f["far"] not in (None, NULL) and f["far"] > 0
            texts.setdefault(has, set()).add(text)
        built = sorted(t for t in texts.get(True, set()) if t is not None)
        check(texts.get(True) and all(t and t.startswith("容积率 ") for t in texts[True])
              and texts.get(False, {None}) == {None},
              f"{where} low_density_parcels: {len(built)} FAR labels such as {built[:1]}, none on bare parcels")


def check_moves(lyr, count, where):
    """The placement plan's move lines: one per placed firm, drawn by the
    disposition that sent the firm (into_park solid, relocate dashed), in the
    into_park colour, with an arrow head at the park's end."""
    check(lyr.isValid() and lyr.featureCount() == count,
          f"{where} placements: valid, {lyr.featureCount()} lines, placements.csv places {count}")
    check(lyr.geometryType() == 1, f"{where} placements: a line layer ({lyr.geometryType()})")
    r = lyr.renderer()
    check(r.type() == "categorizedSymbol" and r.classAttribute() == "sought",
          f"{where} placements: drawn by sought ({r.type()})")
    categories = r.categories()  # kept: each symbol belongs to its category
    cats = [(c.value(), c.label(), c.symbol()) for c in categories]
    check([v for v, _, _ in cats] == ["into_park", "relocate"] and [l for _, l, _ in cats] == ["整合入园", "搬迁转移"],
          f"{where} placements: categories {[(v, l) for v, l, _ in cats]}")
    for value, _, symbol in cats:
        layers = [symbol.symbolLayer(i) for i in range(symbol.symbolLayerCount())]
        kinds = [l.layerType() for l in layers]
        line = layers[0]
        arrow = layers[1].subSymbol().symbolLayer(0) if len(layers) > 1 else None
        check(kinds == ["SimpleLine", "MarkerLine"]
              and line.color().getRgb()[:3] == DISPOSITION["into_park"]
              and (line.penStyle() == Qt.SolidLine) == (value == "into_park")
              and layers[1].placement() == QgsTemplatedLineSymbolLayerBase.LastVertex
              and arrow.shape() == QgsSimpleMarkerSymbolLayerBase.ArrowHeadFilled
              and arrow.color().getRgb()[:3] == DISPOSITION["into_park"],
              f"{where} placements {value}: {kinds}, colour {line.color().getRgb()[:3]}, pen {line.penStyle()}, "
              f"arrow {arrow.shape() if arrow else None} at placement {layers[1].placement() if len(layers) > 1 else None}")
    drawn = drawn_colours(lyr, "sought")
    wrong = [(v, c) for v, c in drawn if c != DISPOSITION["into_park"]]
    check(not wrong, f"{where} placements: each line drawn ({len(drawn)}), none in another colour ({wrong[:3]})")


def main():
    run, artefacts = sys.argv[1], sys.argv[2]
    app = QgsApplication([], False)
    app.initQgis()
    summary = json.load(open(os.path.join(run, "summary.json"), encoding="utf-8"))
    layers = {
        "enterprises": (summary["enterprises"]["count"], "enterprises.geojson", "企业"),
        "scattered_parcels": (summary["scattered"]["parcels"], "scattered_parcels.geojson", "零散工业地块"),
        "blocks": (summary["blocks"]["count"], "blocks.geojson", "工业地块群"),
    }
    # the parks, FAR and vacated-land layers are there when their inputs are
    if summary["parks"]["count"]:
        layers["parks"] = (summary["parks"]["count"], "parks.geojson", "小微企业园")
    if summary["far"]:
        layers["low_density_parcels"] = (
            summary["far"]["low_density_parcels"], "low_density_parcels.geojson", "低效工业用地")
    if summary["vacated"]:
        layers["vacated"] = (summary["vacated"]["records"], "vacated.geojson", "腾退地块")
        layers["vacated_blocks"] = (summary["vacated"]["blocks"], "vacated_blocks.geojson", "腾退连片区块")
    gpkg = os.path.join(run, "tudi.gpkg")
    moves = None
    if summary["parks"]["count"]:
        with open(os.path.join(run, "placements.csv"), encoding="utf-8-sig") as f:
            moves = sum(1 for row in csv.DictReader(f) if row["park"])
        check_moves(QgsVectorLayer(f"{gpkg}|layername=placements", "placements", "ogr"), moves, "gpkg")
    for name, (count, geojson, _) in layers.items():
        features = json.load(open(os.path.join(run, geojson), encoding="utf-8"))["features"]
        lyr = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        check_layer(lyr, name, count, features)
        check_styles(lyr, name, "gpkg")
        n, ids, names, _, _ = lyr.listStylesInDatabase()
        print(f"     {name}: styles in layer_styles {names[:n]}")
        if name == "enterprises":
            check(names[:n] == ["disposition", "grade"], f"gpkg enterprises: styles {names[:n]}")

    qgs = os.path.join(run, "tudi.qgs")
    written_crs = ET.parse(qgs).getroot().find("projectCrs/spatialrefsys/authid").text
    project = QgsProject.instance()
    check(project.read(qgs), "tudi.qgs: read")
    check(project.crs().authid() == written_crs, f"tudi.qgs: CRS {project.crs().authid()} (written {written_crs})")
    orphans = [n.layerId() for n in project.layerTreeRoot().findLayers() if n.layer() is None]
    check(not orphans, f"tudi.qgs: every layer-tree entry has its layer (missing: {orphans})")
    groups = [g.name() for g in project.layerTreeRoot().children()]
    order = ["整治对象", "小微园与腾退", "用地", "底图"]
    check(
        groups[0] == order[0] and "用地" in groups and groups == [g for g in order if g in groups],
        f"tudi.qgs: groups {groups}",
    )
    for name, (count, _, title) in layers.items():
        found = project.mapLayersByName(title)
        check(len(found) == 1, f"tudi.qgs: layer {title}")
        if not found:
            continue
        lyr = found[0]
        check(lyr.isValid() and lyr.featureCount() == count, f"tudi.qgs {title}: valid, {lyr.featureCount()} features")
        check_styles(lyr, name, "qgs")
        if name == "enterprises":
            sm = lyr.styleManager()
            check(sm.styles() == ["disposition", "grade"], f"tudi.qgs enterprises: styles {sm.styles()}")
            sm.setCurrentStyle("grade")
            r = lyr.renderer()
            check(r.classAttribute() == "grade" and [c.value() for c in r.categories()] == ["A", "B", "C", "D", ""],
                  f"tudi.qgs enterprises: grade style {r.classAttribute()} {[c.value() for c in r.categories()]}")
            grades = {"A": (51, 160, 44), "B": (31, 120, 180), "C": (255, 215, 0), "D": (227, 26, 28), None: (160, 160, 160)}
            wrong = [(v, c) for v, c in drawn_colours(lyr, "grade") if c != grades[v]]
            check(not wrong, f"tudi.qgs enterprises: each drawn in its grade's colour ({len(wrong)} not)")
            sm.setCurrentStyle("disposition")

    if moves is not None:
        found = project.mapLayersByName("入园安置方案")
        if check(len(found) == 1, "tudi.qgs: layer 入园安置方案"):
            check_moves(found[0], moves, "qgs")
        tree = [n.layerId() for n in project.layerTreeRoot().findLayers()]
        check(tree.index("tudi_layer_placements") < tree.index("tudi_layer_parks"),
              "tudi.qgs: the move lines above the parks")

    layouts = project.layoutManager().layouts()
    check(len(layouts) == 1, f"tudi.qgs: {len(layouts)} layout")
    layout = layouts[0]
    bars = [i for i in layout.items() if isinstance(i, QgsLayoutItemScaleBar)]
    maps = [i for i in layout.items() if isinstance(i, QgsLayoutItemMap)]
    if check(len(bars) == 1 and len(maps) == 1, "layout: one map, one scale bar"):
        width_m = maps[0].extent().width()
        seg = bars[0].unitsPerSegment()
        check(width_m / 20 <= seg <= width_m / 4,
              f"layout: scale bar segment {seg:.0f} m on a {width_m:.0f} m wide map")
    texts = [i.text() for i in layout.items() if hasattr(i, "text") and callable(i.text)]
    check(any(summary["as_of"] in t for t in texts) and not any("now()" in t for t in texts),
          f"layout: dated {summary['as_of']}, the report date")
    exporter = QgsLayoutExporter(layout)
    png = os.path.join(artefacts, "tudi-demo-layout.png")
    pdf = os.path.join(artefacts, "tudi-demo-layout.pdf")
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 100
    # QGIS then tries to georeference the PNG in place, which GDAL's PNG
    # driver cannot ("does not support update access"): an expected refusal,
    # kept out of the test output
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    exported = exporter.exportToImage(png, settings)
    gdal.PopErrorHandler()
    check(exported == QgsLayoutExporter.Success, f"layout: PNG exported to {png}")
    check(exporter.exportToPdf(pdf, QgsLayoutExporter.PdfExportSettings()) == QgsLayoutExporter.Success,
          f"layout: PDF exported to {pdf}")
    check(os.path.getsize(pdf) > 10_000, f"layout: PDF {os.path.getsize(pdf)} bytes")
    image = QImage(png)
    red = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if QColor(image.pixel(x, y)).getRgb()[:3] == (227, 26, 28)
    )
    check(image.width() > 1000 and red > 50, f"layout: PNG {image.width()}×{image.height()}, {red} red samples (the map is drawn)")
    app.exitQgis()
    print(f"qgis check: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
