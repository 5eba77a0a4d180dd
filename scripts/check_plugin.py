"""Runs the QGIS plugin's *Run a tudi project* the way the Processing
toolbox does (processing.runAndLoadResults, PyQGIS, headless) and checks
what it adds to the project against the run's own tudi.qgs.

usage: check_plugin.py PLUGINS_DIR TUDI_BINARY PROJECT_TOML WORK_DIR

- an empty project: the run's layers arrive under one group named after
  the project, in tudi.qgs's groups and order, each valid with tudi.qgs's
  feature count, renderer, categories and styles (the style manager's
  too), and the project takes tudi.qgs's CRS;
- a second run (English) goes on top, the first left as it was;
- *Areas in mu* adds its CSV as a table, area_mu a number;
- cancelling stops tudi: no outputs, nothing added.
"""

import os
import sys
import time

from qgis.core import QgsApplication, QgsLayerTreeGroup, QgsProcessingFeedback, QgsProject

failures = []


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message)
    if not ok:
        failures.append(message)
    return ok


def style_of(layer):
    """What a reader sees of a layer's style: renderer, classes, styles."""
    r = layer.renderer()
    return {
        "renderer": r.type(),
        "attribute": r.classAttribute() if hasattr(r, "classAttribute") else None,
        "categories": [c.value() for c in r.categories()] if hasattr(r, "categories") else None,
        "styles": layer.styleManager().styles(),
        "current": layer.styleManager().currentStyle(),
        "labels": layer.labelsEnabled(),
    }


def check_run(project, top, out, where):
    """The group `top` against the run's tudi.qgs, read by QGIS itself."""
    reference = QgsProject()
    check(reference.read(os.path.join(out, "tudi.qgs")), f"{where}: tudi.qgs read")
    check(top.name() == reference.title(), f"{where}: group named after the project ({top.name()!r})")
    want = [(g.name(), [l.name() for l in g.findLayers()]) for g in reference.layerTreeRoot().children()]
    got = [(g.name(), [l.name() for l in g.findLayers()]) for g in top.children()]
    check(got == want, f"{where}: groups and layers in tudi.qgs's order {got}")
    for node in top.findLayers():
        layer, ref = node.layer(), reference.mapLayersByName(node.name())
        if not check(layer is not None and layer.isValid() and len(ref) == 1, f"{where} {node.name()}: valid"):
            continue
        ref = ref[0]
        mine, theirs = style_of(layer), style_of(ref)
        check(layer.featureCount() == ref.featureCount() > 0 and node.isVisible() and mine == theirs
              and mine["categories"] != [],
              f"{where} {node.name()}: {layer.featureCount()} features, shown, {mine['renderer']} "
              f"{mine['categories'] or ''} styles {mine['styles']}, as in tudi.qgs"
              + ("" if mine == theirs else f" (tudi.qgs: {ref.featureCount()}, {theirs})"))
    enterprises = next(l.layer() for l in top.findLayers() if l.layer().source().endswith("layername=enterprises"))
    check(enterprises.attributeAlias(enterprises.fields().indexOf("name")) == reference.mapLayersByName(
        enterprises.name())[0].attributeAlias(enterprises.fields().indexOf("name")) != "",
        f"{where}: the enterprises' aliases ({enterprises.attributeAlias(enterprises.fields().indexOf('name'))})")


def main():
    plugins, binary, sample, work = sys.argv[1:5]
    app = QgsApplication([], False)
    app.initQgis()
    # Processing logs a layer it failed to load or post-process; shown here
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: print(f"     {message}") if "result layer" in message else None)
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing
    from processing.core.ProcessingConfig import ProcessingConfig

    Processing.initialize()
    sys.path.insert(0, plugins)
    import tudi_processing

    plugin = tudi_processing.classFactory(None)
    plugin.initProcessing()
    # the binary as a planner sets it: Settings → Options → Processing → Providers → tudi
    ProcessingConfig.setSettingValue("TUDI_BINARY", binary)

    project = QgsProject.instance()
    root = project.layerTreeRoot()
    first = os.path.join(work, "first")
    result = processing.runAndLoadResults("tudi:run", {"PROJECT": sample, "OUTPUT": first})
    check(result["REPORT"] == os.path.join(first, "report.html") and os.path.exists(result["REPORT"]),
          f"run: outputs {sorted(result)}")
    tops = [n for n in root.children() if isinstance(n, QgsLayerTreeGroup)]
    check(len(root.children()) == 1 and len(tops) == 1, f"run: one group at the top ({[n.name() for n in root.children()]})")
    check_run(project, tops[0], first, "run")
    reference = QgsProject()
    reference.read(os.path.join(first, "tudi.qgs"))
    check(project.crs().authid() == reference.crs().authid(), f"run: project CRS {project.crs().authid()}")
    crs = project.crs()
    del reference  # a project must go before QGIS does

    second = os.path.join(work, "second")
    processing.runAndLoadResults("tudi:run", {"PROJECT": sample, "OUTPUT": second, "LANG": 1})
    check(len(root.children()) == 2 and root.children()[1] is tops[0],
          f"second run: its group on top, the first's below ({[n.name() for n in root.children()]})")
    check_run(project, root.children()[0], second, "second run (en)")
    check_run(project, root.children()[1], first, "first run, after the second")
    check(project.crs() == crs, "second run: project CRS unchanged")

    # Areas in mu: the CSV added as a table, its figures numbers
    areas = os.path.join(work, "areas.csv")
    processing.runAndLoadResults("tudi:area", {"INPUT": os.path.join(os.path.dirname(sample), "parcels.gpkg"),
                                               "OUTPUT": areas})
    table = [l for l in project.mapLayers().values() if l.source().startswith(areas)]
    check(len(table) == 1 and table[0].featureCount() == 6000
          and table[0].fields().field("area_mu").typeName().lower() in ("real", "double"),
          f"area: the CSV added as a table ({[(l.featureCount(), l.fields().field('area_mu').typeName()) for l in table]})")

    # cancelled while tudi runs: as it is started (the algorithm logs the
    # command line first), so that no machine is fast enough to finish
    # the sample before the plugin's next look at the feedback (0.1 s)
    class CancelAtStart(QgsProcessingFeedback):
        def pushCommandInfo(self, info):
            super().pushCommandInfo(info)
            self.cancel()

    cancelled = os.path.join(work, "cancelled")
    feedback = CancelAtStart()
    layers = len(project.mapLayers())
    start = time.monotonic()
    result = processing.run("tudi:run", {"PROJECT": sample, "OUTPUT": cancelled}, feedback=feedback)
    took = time.monotonic() - start
    check("REPORT" not in result and not os.path.exists(os.path.join(cancelled, "tudi.gpkg")),
          f"cancel: no outputs ({sorted(result)}), stopped after {took:.1f} s")
    check(len(project.mapLayers()) == layers, "cancel: nothing added")

    plugin.unload()
    app.exitQgis()
    print(f"plugin check: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
