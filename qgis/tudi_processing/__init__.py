"""tudi's QGIS plugin: a Processing provider running the tudi binary."""

from qgis.core import QgsApplication


class TudiPlugin:
    def __init__(self):
        self.provider = None

    def initProcessing(self):
        # imported here: the processing plugin is loaded by now
        from .provider import TudiProvider

        self.provider = TudiProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)


def classFactory(iface):
    return TudiPlugin()
