"""The tudi Processing provider and its one setting, the binary's path."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from processing.core.ProcessingConfig import ProcessingConfig, Setting

from .algorithms import ALGORITHMS
from .tudi import BINARY_SETTING

ICON = os.path.join(os.path.dirname(__file__), "icon.svg")


class TudiProvider(QgsProcessingProvider):
    def load(self):
        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(
            Setting(
                self.name(),
                BINARY_SETTING,
                "tudi binary (empty: tudi on the PATH, else in ~/.cargo/bin)",
                "",
                valuetype=Setting.FILE,
            )
        )
        ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        ProcessingConfig.removeSetting(BINARY_SETTING)

    def loadAlgorithms(self):
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())

    def id(self):
        return "tudi"

    def name(self):
        return "tudi"

    def longName(self):
        return "tudi: scattered industrial land, remediation targets and vacated land"

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):
        return ICON
