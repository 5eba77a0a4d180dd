"""The Processing algorithms: each runs one tudi command."""

import os
import re

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputHtml,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from . import tudi
from .layers import RunLayers

PROJECT_FILTER = "tudi project (*.toml)"
LANGS = ["zh", "en"]
LANG_OPTIONS = ["中文 (zh)", "English (en)"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COUNTY = re.compile(r"^\d{6}$")


class TudiAlgorithm(QgsProcessingAlgorithm):
    def createInstance(self):
        return type(self)()

    def project_parameter(self):
        return QgsProcessingParameterFile("PROJECT", "Project file (project.toml)", fileFilter=PROJECT_FILTER)

    def as_of_parameter(self):
        return QgsProcessingParameterString(
            "AS_OF", "Report date for deadlines (YYYY-MM-DD; empty: the project's as_of, else today)",
            optional=True,
        )

    def county_parameter(self):
        return QgsProcessingParameterString(
            "COUNTY", "County alone, of a project spanning several (its 6-digit code; empty: the whole project)",
            optional=True,
        )

    def county_args(self, parameters, context):
        county = self.parameterAsString(parameters, "COUNTY", context).strip()
        if not county:
            return []
        if not COUNTY.match(county):
            raise QgsProcessingException(f"The county '{county}' is not a county code: 6 digits, e.g. 330411.")
        return ["--county", county]

    def lang_parameter(self, what):
        return QgsProcessingParameterEnum("LANG", what, options=LANG_OPTIONS, defaultValue=0)

    def as_of_args(self, parameters, context):
        as_of = self.parameterAsString(parameters, "AS_OF", context).strip()
        if not as_of:
            return []
        if not DATE.match(as_of):
            raise QgsProcessingException(f"The report date '{as_of}' is not a date: write it as 2020-12-31.")
        return ["--as-of", as_of]

    def lang_args(self, parameters, context):
        return ["--lang", LANGS[self.parameterAsEnum(parameters, "LANG", context)]]


class RunProject(TudiAlgorithm):
    def name(self):
        return "run"

    def displayName(self):
        return "Run a tudi project"

    def shortHelpString(self):
        return (
            "Runs every analysis of a tudi project (tudi run) and writes its outputs to the folder: "
            "report.html, tudi.gpkg, tudi.qgs, the ledgers and tables. The styled layers of tudi.gpkg "
            "are then added to the current project, grouped as in tudi.qgs."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(self.project_parameter())
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))
        self.addParameter(self.as_of_parameter())
        self.addParameter(self.lang_parameter("Language of the report and map"))
        self.addParameter(self.county_parameter())
        self.addParameter(QgsProcessingParameterBoolean("LOAD", "Add the styled layers to the current project", True))
        self.addOutput(QgsProcessingOutputHtml("REPORT", "Report"))
        self.addOutput(QgsProcessingOutputFile("GEOPACKAGE", "GeoPackage (tudi.gpkg)"))
        self.addOutput(QgsProcessingOutputFile("QGIS_PROJECT", "QGIS project (tudi.qgs)"))

    def processAlgorithm(self, parameters, context, feedback):
        project = self.parameterAsFile(parameters, "PROJECT", context)
        out = self.parameterAsString(parameters, "OUTPUT", context)
        args = (
            ["run", project, "--out", out]
            + self.as_of_args(parameters, context)
            + self.lang_args(parameters, context)
            + self.county_args(parameters, context)
        )
        # tudi prints no stages as it goes: the bar moves when it is done
        feedback.setProgressText("Running tudi")
        feedback.setProgress(0)
        if tudi.run(args, feedback) is None:
            return {}
        feedback.setProgress(90)
        if self.parameterAsBoolean(parameters, "LOAD", context) and context.project() is not None:
            # kept on the algorithm, which lives until the layers are loaded
            self.run_layers = RunLayers(out, context.project())
            self.run_layers.load_on_completion(context, "OUTPUT")
        feedback.setProgress(100)
        return {
            "OUTPUT": out,
            "REPORT": os.path.join(out, "report.html"),
            "GEOPACKAGE": os.path.join(out, "tudi.gpkg"),
            "QGIS_PROJECT": os.path.join(out, "tudi.qgs"),
        }


class CheckProject(TudiAlgorithm):
    def name(self):
        return "check"

    def displayName(self):
        return "Check a project"

    def shortHelpString(self):
        return (
            "Checks a tudi project's layers, CRSs, fields and geometries (tudi check) and lists what it "
            "finds in the log. Fails, with every problem, when there are problems."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(self.project_parameter())
        self.addParameter(
            QgsProcessingParameterBoolean("ALL", "List every problem and warning on its own line, none grouped", False)
        )
        self.addOutput(QgsProcessingOutputString("REPORT", "What tudi check found"))

    def processAlgorithm(self, parameters, context, feedback):
        args = ["check", self.parameterAsFile(parameters, "PROJECT", context)]
        if self.parameterAsBoolean(parameters, "ALL", context):
            args.append("--all")
        lines = tudi.run(args, feedback)
        if lines is None:
            return {}
        feedback.setProgress(100)
        return {"REPORT": "\n".join(lines)}


class AreasInMu(TudiAlgorithm):
    def name(self):
        return "area"

    def displayName(self):
        return "Areas in mu"

    def shortHelpString(self):
        return (
            "The ellipsoidal area (CGCS2000) of each polygon of a file, in m² and mu (tudi area), "
            "written to a CSV table: id, area_m2, area_mu."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile("INPUT", "Polygon file"))
        self.addParameter(QgsProcessingParameterString("LAYER", "Layer in the file (default: the first)", optional=True))
        self.addParameter(QgsProcessingParameterCrs("CRS", "CRS when the file has none, or to override it", optional=True))
        self.addParameter(
            QgsProcessingParameterString("ID", "Field to use as the id (default: the feature number)", optional=True)
        )
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", "Areas", fileFilter="CSV files (*.csv)"))

    def processAlgorithm(self, parameters, context, feedback):
        args = ["area", self.parameterAsFile(parameters, "INPUT", context)]
        for key, flag in (("LAYER", "--layer"), ("ID", "--id")):
            value = self.parameterAsString(parameters, key, context).strip()
            if value:
                args += [flag, value]
        crs = self.parameterAsCrs(parameters, "CRS", context)
        if crs.isValid():
            args += ["--crs", crs.authid() or crs.toProj()]
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        finished = None
        try:
            finished = tudi.run(args, feedback, stdout_path=out)
        finally:
            if finished is None and os.path.exists(out):
                os.remove(out)  # no half-written table left behind
        if finished is None:
            return {}
        # the column types, for OGR (ids stay text: leading zeros kept)
        with open(os.path.splitext(out)[0] + ".csvt", "w", encoding="utf-8") as f:
            f.write('"String","Real","Real"\n')
        if context.project() is not None:
            details = QgsProcessingContext.LayerDetails("Areas in mu", context.project(), "OUTPUT")
            context.addLayerToLoadOnCompletion(out, details)
        feedback.setProgress(100)
        return {"OUTPUT": out}


class DistrictMap(TudiAlgorithm):
    def name(self):
        return "map"

    def displayName(self):
        return "District map"

    def shortHelpString(self):
        return (
            "Draws the district map, as report.html shows it, to a PNG or SVG file (tudi map), "
            "for slides and documents."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(self.project_parameter())
        self.addParameter(
            QgsProcessingParameterFileDestination(
                "OUTPUT", "Map image", fileFilter="PNG image (*.png);;SVG image (*.svg)"
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                "WIDTH", "Width in pixels", QgsProcessingParameterNumber.Integer, 1600, minValue=200, maxValue=16000
            )
        )
        self.addParameter(self.lang_parameter("Language of the labels"))
        self.addParameter(self.as_of_parameter())
        self.addParameter(self.county_parameter())

    def processAlgorithm(self, parameters, context, feedback):
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if os.path.splitext(out)[1].lower() not in (".png", ".svg"):
            raise QgsProcessingException(f"The map image {out} must end in .png or .svg.")
        args = [
            "map",
            self.parameterAsFile(parameters, "PROJECT", context),
            "--out",
            out,
            "--width",
            self.parameterAsInt(parameters, "WIDTH", context),
        ] + self.lang_args(parameters, context) + self.as_of_args(parameters, context) + self.county_args(parameters, context)
        if tudi.run(args, feedback) is None:
            return {}
        feedback.setProgress(100)
        return {"OUTPUT": out}


class InitProject(TudiAlgorithm):
    def name(self):
        return "init"

    def displayName(self):
        return "Initialise a project from a folder"

    def shortHelpString(self):
        return (
            "Looks at every file in a folder (the survey's parcels, the enterprise ledger, buildings, "
            "parks, vacated land, zones) and writes the folder's project.toml (tudi init): each layer's "
            "role, CRS, encoding and field names, the rules and goals as lines to edit. What it cannot "
            "decide it writes as a question starting '# ?'. Then check the project."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFile("FOLDER", "Folder of the district's files", QgsProcessingParameterFile.Folder)
        )
        self.addParameter(
            QgsProcessingParameterBoolean("FORCE", "Replace the folder's project.toml if there is one", False)
        )
        self.addOutput(QgsProcessingOutputFile("PROJECT", "Project file (project.toml)"))

    def processAlgorithm(self, parameters, context, feedback):
        folder = self.parameterAsFile(parameters, "FOLDER", context)
        args = ["init", folder]
        if self.parameterAsBoolean(parameters, "FORCE", context):
            args.append("--force")
        if tudi.run(args, feedback) is None:
            return {}
        feedback.setProgress(100)
        return {"PROJECT": os.path.join(folder, "project.toml")}


ALGORITHMS = [RunProject, CheckProject, AreasInMu, DistrictMap, InitProject]
