"""After *Run*: the layers of the run's tudi.gpkg added to the current
project, grouped and ordered as the run's tudi.qgs has them, in their
styles from the GeoPackage's `layer_styles` (the default one drawn, the
others in the layer's style manager)."""

import os
import sqlite3
import xml.etree.ElementTree as ET

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsMapLayerStyle,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
)
from qgis.PyQt.QtCore import QTimer

RANK = "tudi/rank"


class RunLayers:
    """The layers of one run and where each goes in the project."""

    def __init__(self, out_dir, project):
        self.gpkg = os.path.join(out_dir, "tudi.gpkg")
        root = ET.parse(os.path.join(out_dir, "tudi.qgs")).getroot()
        self.title = root.findtext("title") or os.path.basename(out_dir)
        self.crs = root.findtext("projectCrs/spatialrefsys/authid")
        self.project = project
        self.groups = []  # group names, top first
        self.layers = []  # (group, title, table), top first
        for group in root.find("layer-tree-group").findall("layer-tree-group"):
            self.groups.append(group.get("name"))
            for layer in group.findall("layer-tree-layer"):
                table = layer.get("source").split("|layername=", 1)[1]
                self.layers.append((group.get("name"), layer.get("name"), table))
        self.top = None
        # Processing owns the post-processors once given; kept here as well
        # so that Python cannot collect them before they have run.
        self.post_processors = []

    def load_on_completion(self, context, output_name):
        """Asks Processing to load every layer once the algorithm is done."""
        for rank, (_, title, table) in enumerate(self.layers):
            details = QgsProcessingContext.LayerDetails(title, self.project, output_name)
            details.forceName = True
            processor = PlaceLayer(self, rank)
            self.post_processors.append(processor)
            details.setPostProcessor(processor)
            context.addLayerToLoadOnCompletion(f"{self.gpkg}|layername={table}", details)

    def styles(self, table):
        """(name, QML) of a table's styles, the default first."""
        with sqlite3.connect(self.gpkg) as db:
            return db.execute(
                "SELECT styleName, styleQML FROM layer_styles WHERE f_table_name = ? "
                "ORDER BY useAsDefault DESC, rowid",
                (table,),
            ).fetchall()

    def place(self, layer, rank):
        """On the main thread, once Processing has added `layer`: styles it
        and moves it into its group, under the run's own group."""
        group_name, title, table = self.layers[rank]
        layer.setName(title)
        layer.loadDefaultStyle()  # the default style in layer_styles, labels and aliases too
        styles = self.styles(table)
        if styles:
            manager = layer.styleManager()
            manager.renameStyle(manager.currentStyle(), styles[0][0])
            for name, qml in styles[1:]:
                manager.addStyle(name, QgsMapLayerStyle(qml))
        root = self.project.layerTreeRoot()
        if self.top is None:
            if not self.project.mapLayers().keys() - {layer.id()}:
                # an empty project: shown in the CRS tudi.qgs has (the district's
                # Gauss–Krüger zone); set again once the QGIS window, a moment
                # later, has given the project its first layer's CRS
                crs = QgsCoordinateReferenceSystem(self.crs)
                self.project.setCrs(crs)
                QTimer.singleShot(0, lambda: self.project.setCrs(crs))
            self.top = root.insertGroup(0, self.title)
        group_rank = self.groups.index(group_name)
        group = next((g for g in self.top.children() if g.customProperty(RANK) == group_rank), None)
        if group is None:
            group = self.top.insertGroup(_position(self.top, group_rank), group_name)
            group.setCustomProperty(RANK, group_rank)
        old = root.findLayer(layer.id())
        node = group.insertLayer(_position(group, rank), layer)
        node.setCustomProperty(RANK, rank)
        # removed after the new node is in: a layer left in no node would leave the project
        old.parent().removeChildNode(old)


def _position(group, rank):
    """Where a child of `rank` goes among the ranked children already in `group`."""
    return sum(1 for c in group.children() if c.customProperty(RANK, -1) < rank)


class PlaceLayer(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, run, rank):
        super().__init__()
        self.run = run
        self.rank = rank

    def postProcessLayer(self, layer, context, feedback):
        self.run.place(layer, self.rank)
