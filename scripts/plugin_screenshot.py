"""Run inside the QGIS desktop (qgis --code, under Xvfb by scripts/check_plugin):
the plugin's *Run a tudi project* on the sample, as from the Processing
toolbox, then a screenshot of the main window with the layers loaded.

Reads TUDI_SHOT_PROJECT, TUDI_SHOT_OUT (the run's folder) and TUDI_SHOT_PNG;
quits QGIS when done, with exit code 1 when the layers did not load.
"""

import os
import traceback

import processing
from qgis.core import Qgis, QgsApplication, QgsLayerTreeGroup, QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QDockWidget, QLineEdit
from qgis.utils import iface


def run():
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: print(f"log {tag}: {message}", flush=True) if level >= Qgis.Warning else None
    )
    window = iface.mainWindow()
    window.resize(1600, 1000)
    processing.runAndLoadResults(
        "tudi:run", {"PROJECT": os.environ["TUDI_SHOT_PROJECT"], "OUTPUT": os.environ["TUDI_SHOT_OUT"]}
    )
    # as a planner would look at it: the groups open, one legend unfolded,
    # the tudi algorithms in the toolbox, the map on the firms
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()
    toolbox = window.findChild(QDockWidget, "ProcessingToolbox")
    if toolbox is not None:
        toolbox.show()
        toolbox.findChild(QLineEdit).setText("tudi")
    root = QgsProject.instance().layerTreeRoot()
    for node in root.findLayers():
        node.setExpanded(node.layer().source().endswith("layername=enterprises"))
    QTimer.singleShot(500, guarded(zoom))


def zoom():
    canvas = iface.mapCanvas()
    firms = next(n.layer() for n in QgsProject.instance().layerTreeRoot().findLayers()
                 if n.layer().source().endswith("layername=enterprises"))
    canvas.setExtent(canvas.mapSettings().layerExtentToOutputExtent(firms, firms.extent()).buffered(1500))
    canvas.refreshAllLayers()
    QTimer.singleShot(4000, guarded(shoot))


def shoot():
    iface.mapCanvas().waitWhileRendering()
    iface.mainWindow().grab().save(os.environ["TUDI_SHOT_PNG"])
    project = QgsProject.instance()
    groups = [n for n in project.layerTreeRoot().children() if isinstance(n, QgsLayerTreeGroup)]
    loaded = len(groups) == 1 and len(groups[0].findLayers()) > 0
    print(f"plugin screenshot: {len(project.mapLayers())} layers loaded, CRS {project.crs().authid()}", flush=True)
    # QGIS 3.22 can crash tearing down under Xvfb; nothing is left to save
    os._exit(0 if loaded else 1)


def guarded(step):
    """A step that ends QGIS on failure, rather than leaving it open."""

    def call():
        try:
            step()
        except Exception:
            traceback.print_exc()
            os._exit(1)

    return call


QTimer.singleShot(3000, guarded(run))
