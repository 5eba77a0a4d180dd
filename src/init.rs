//! `tudi init DIR`: a project file written from what the folder's files
//! are ([`tudi_read::inspect`]). Every choice it makes is said in a
//! comment; what it cannot decide (two candidates for one role, a layer
//! without a CRS it can guess, a ledger without coordinates) it writes as
//! a question, a line starting `# ?`, never as a silent guess.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tudi_core::config::{Role, Rules, Targets};
use tudi_core::error::{Error, Location};
use tudi_read::inspect::{self, Column, Layer, Shape};

/// The roles in the order the project file lists them, with how a
/// question names each.
const ROLES: [(Role, &str); 11] = [
    (Role::Parcels, "the parcel layer (三调 地类图斑)"),
    (Role::Enterprises, "the enterprise ledger"),
    (Role::Villages, "the village areas"),
    (Role::Plan, "the planned industrial zones"),
    (Role::Protected, "the protected land (生态红线, 基本农田)"),
    (Role::Boundary, "the district boundary"),
    (Role::Buildings, "the building footprints"),
    (Role::Parks, "the micro-enterprise parks (小微企业园)"),
    (Role::Vacated, "the vacated-land records (腾退)"),
    (Role::Townships, "the township outlines"),
    (Role::Counties, "the county outlines (县/市/区)"),
];

/// What was written.
pub struct Written {
    pub path: PathBuf,
    /// The questions left for the planner.
    pub questions: usize,
    /// The roles found, with their file.
    pub found: Vec<(Role, String)>,
}

/// The marker of a question in the project file.
pub const QUESTION: &str = "# ?";

/// Looks at the files in `dir` and writes `dir/project.toml`; an existing
/// one is replaced only when `force`.
pub fn init(dir: &Path, force: bool) -> anyhow::Result<Written> {
    let path = dir.join("project.toml");
    if !dir.is_dir() {
        return Err(Error::input(Location::file(dir), "no such folder").into());
    }
    if path.exists() && !force {
        return Err(Error::input(
            Location::file(&path),
            "already exists: tudi init does not replace it (--force does)",
        )
        .into());
    }
    let (layers, skipped) = inspect::folder(dir)?;
    let name = std::path::absolute(dir)?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (text, found) = project_text(&name, &layers, &skipped);
    std::fs::write(&path, &text)?;
    let questions = text.lines().filter(|l| l.starts_with(QUESTION)).count();
    Ok(Written {
        path,
        questions,
        found,
    })
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `key = value`, with a comment aligned after it.
fn line(out: &mut String, key: &str, value: &str, comment: &str) {
    let kv = format!("{key} = {value}");
    if comment.is_empty() {
        let _ = writeln!(out, "{kv}");
    } else {
        let _ = writeln!(out, "{kv:<28}  # {comment}");
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// A number as the comment shows it.
fn num(v: f64) -> String {
    tudi_read::compact((v * 1e6).round() / 1e6)
}

fn extent_text(e: [f64; 4]) -> String {
    format!(
        "x {}–{}, y {}–{}",
        num(e[0]),
        num(e[2]),
        num(e[1]),
        num(e[3])
    )
}

/// The project file's text, and the roles it fills.
fn project_text(
    name: &str,
    layers: &[Layer],
    skipped: &[inspect::Skipped],
) -> (String, Vec<(Role, String)>) {
    let mut out = String::new();
    out.push_str(
        "# tudi project file, written by `tudi init` from the files in this folder.\n\
         # Read it through, then: tudi check project.toml; tudi run project.toml --out OUT\n\
         # A line starting \"# ?\" is a question tudi init could not answer: answer it\n\
         # by editing the lines below it, then delete it.\n\n",
    );
    out.push_str("[project]\n");
    line(
        &mut out,
        "name",
        &quote(name),
        "the title of the report and map",
    );
    out.push_str(
        "# as_of = \"2020-12-31\"      # the report date (deadlines, the target year); default: the day of the run\n",
    );
    let roles: Vec<Option<Role>> = layers.iter().map(inspect::role).collect();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (role, what) in ROLES {
        let candidates: Vec<&Layer> = layers
            .iter()
            .zip(&roles)
            .filter(|(_, r)| **r == Some(role))
            .map(|(l, _)| l)
            .collect();
        out.push('\n');
        match candidates.as_slice() {
            [] if role == Role::Parcels => {
                let _ = writeln!(
                    out,
                    "{QUESTION} no file here looks like {what}: polygons with the survey's fields (DLBM, BSM, ZLDWDM, CZCSXM, TBMJ). Give its path.\n[layers.parcels]\n# path = \"\""
                );
            }
            [] => {
                out.pop();
                missing.push(role.name());
            }
            [one] => {
                found.push((role, one.label()));
                out.push_str(&section(role, one));
            }
            several => {
                let names: Vec<String> = several.iter().map(|l| l.label()).collect();
                let _ = writeln!(
                    out,
                    "{QUESTION} which of {} is {what}? Each looks like it. Uncomment the lines of one, delete the others.",
                    names.join(", ")
                );
                for l in several {
                    for s in section(role, l).lines() {
                        let _ = writeln!(out, "# {s}");
                    }
                }
            }
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "\n# Not found here (without them the analyses that need them are skipped):\n# {}",
            missing.join(", ")
        );
    }
    let unused: Vec<String> = layers
        .iter()
        .zip(&roles)
        .filter(|(_, r)| r.is_none())
        .map(|(l, _)| {
            format!(
                "#   {}: {}; fields {}",
                l.label(),
                l.shape.count(l.features),
                l.fields.join(", ")
            )
        })
        .chain(
            skipped
                .iter()
                .map(|s| format!("#   {}: {}", file_name(&s.path), s.why)),
        )
        .collect();
    if !unused.is_empty() {
        let _ = writeln!(
            out,
            "\n# Not used (no role fits them; give one a [layers.<role>] of its own if it is one):\n{}",
            unused.join("\n")
        );
    }
    out.push('\n');
    out.push_str(&defaults());
    (out, found)
}

/// A layer's table in the project file.
fn section(role: Role, l: &Layer) -> String {
    let mut out = String::new();
    let fields: Vec<&str> = l.fields.iter().take(8).map(String::as_str).collect();
    let more = if l.fields.len() > 8 { ", …" } else { "" };
    let _ = writeln!(
        out,
        "[layers.{}]  # {}; fields {}{more}",
        role.name(),
        l.shape.count(l.features),
        fields.join(", ")
    );
    line(&mut out, "path", &quote(&file_name(&l.path)), "");
    if let Some(layer) = &l.layer {
        line(&mut out, "layer", &quote(layer), "the file holds several");
    }
    if l.not_utf8 {
        line(
            &mut out,
            "encoding",
            &quote("GBK"),
            "guessed: the file names no encoding (no .cpg) and its text is not UTF-8",
        );
    }
    if l.shape == Shape::Table {
        table_place(&mut out, l);
    } else {
        crs(&mut out, l);
    }
    let mut mapped = String::new();
    for w in inspect::columns(role, l) {
        match w.column {
            Column::Default => {}
            Column::Named(n) => line(&mut mapped, w.key, &quote(&n), ""),
            Column::Missing if w.required => {
                let _ = writeln!(
                    mapped,
                    "{QUESTION} which field of {} is the {} ({} of [layers.{}.fields])? none has a usual name; the layer has: {}\n# {} = \"\"",
                    l.label(),
                    w.key,
                    w.key,
                    role.name(),
                    l.fields.join(", "),
                    w.key
                );
            }
            Column::Missing => {}
        }
    }
    if !mapped.is_empty() {
        let _ = writeln!(out, "[layers.{}.fields]\n{mapped}", role.name());
    }
    out.trim_end().to_string() + "\n"
}

/// A layer's CRS: the file's own, said; else a guess, said; else a question.
fn crs(out: &mut String, l: &Layer) {
    match (&l.crs, l.extent) {
        (Some(c), _) => {
            let _ = writeln!(out, "# CRS {c}, the file's own");
        }
        (None, Some(e)) => match inspect::guess_crs(e) {
            Some((code, why)) => line(
                out,
                "crs",
                &quote(&code),
                &format!("guessed: the file gives no CRS; {why}"),
            ),
            None => no_crs(out, l, Some(e)),
        },
        (None, None) => no_crs(out, l, None),
    }
}

fn no_crs(out: &mut String, l: &Layer, e: Option<[f64; 4]>) {
    let coordinates = e.map_or("no coordinates were read".into(), |e| {
        format!(
            "its coordinates ({}) fit none tudi can guess",
            extent_text(e)
        )
    });
    let _ = writeln!(
        out,
        "{QUESTION} {} gives no CRS and {coordinates}: which is it? e.g. EPSG:4549 (CGCS2000 3° zone 40, eastings without the zone prefix)\n# crs = \"EPSG:\"",
        l.label()
    );
}

/// Where a table's rows are: its coordinate columns and their CRS, or the
/// parcel each row names.
fn table_place(out: &mut String, l: &Layer) {
    let crs_field = l.crs_field();
    let Some((x, y)) = &l.xy else {
        match l.parcel_field() {
            Some(p) => line(
                out,
                "parcel",
                &quote(p),
                "no coordinate columns: each row is placed inside the parcel whose id (the parcels' BSM) this column gives",
            ),
            None => {
                let _ = writeln!(
                    out,
                    "{QUESTION} {} has no coordinate columns (lon/lat, 经度/纬度, x/y) and no parcel number (图斑编号, 宗地号): which columns say where each row is? Give x = \"…\" and y = \"…\" (and crs), or parcel = \"…\"; the columns are: {}",
                    l.label(),
                    l.fields.join(", ")
                );
            }
        }
        return;
    };
    if !l.xy_found_by_reader() {
        line(out, "x", &quote(x), "easting or longitude");
        line(out, "y", &quote(y), "northing or latitude");
    }
    match l.extent.and_then(inspect::guess_crs) {
        Some((code, why)) => {
            let web = if code == "EPSG:4490" {
                "; if the points come from a web map (高德, 百度), say gcj02 or bd09"
            } else {
                ""
            };
            line(
                out,
                "crs",
                &quote(&code),
                &format!("guessed: a table gives no CRS; {why}{web}"),
            );
        }
        None if crs_field.is_some() => {}
        None => no_crs(out, l, l.extent),
    }
    if let Some(c) = crs_field {
        line(
            out,
            "crs_field",
            &quote(c),
            "each row's own CRS (cgcs2000, gcj02, bd09…), over crs",
        );
    }
    if let Some(p) = l.parcel_field() {
        line(
            &mut *out,
            "# parcel",
            &quote(p),
            "rows without coordinates could be placed on the parcel this column names",
        );
    }
}

/// The rules and goals, at their defaults, as commented lines to edit.
fn defaults() -> String {
    let rules = Rules::default();
    let targets = Targets::default();
    let list = |v: &[String]| {
        format!(
            "[{}]",
            v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
        )
    };
    let mut out = String::from(
        "# The district's rules, at their defaults (Xiuzhou district's 2020 criteria):\n\
         # uncomment a line to change it. Target groups and dispositions: see the\n\
         # README's \"The project file\"; listing any replaces the defaults.\n[rules]\n",
    );
    for (key, value) in [
        ("industrial_codes", list(&rules.industrial_codes)),
        ("legal_codes", list(&rules.legal_codes)),
        (
            "village_settlement_prefixes",
            list(&rules.village_settlement_prefixes),
        ),
        ("cluster_gap_m", num(rules.cluster_gap_m)),
        ("scattered_max_mu", num(rules.scattered_max_mu)),
        ("scale_revenue_wan", num(rules.scale_revenue_wan)),
        ("area_tolerance", num(rules.area_tolerance)),
        (
            "tax_per_mu_remediate_wan",
            num(rules.tax_per_mu_remediate_wan),
        ),
        ("tax_per_mu_upgrade_wan", num(rules.tax_per_mu_upgrade_wan)),
        ("key_industries", list(&rules.key_industries)),
        ("min_park_far", num(rules.min_park_far)),
        ("min_parcel_far", num(rules.min_parcel_far)),
        ("effective_min_block_mu", num(rules.effective_min_block_mu)),
        ("contiguity_block_mu", num(rules.contiguity_block_mu)),
        ("claim_tolerance", num(rules.claim_tolerance)),
        ("overlap_min_m2", num(rules.overlap_min_m2)),
        ("outside_tolerance", num(rules.outside_tolerance)),
    ] {
        let _ = writeln!(out, "# {key} = {value}");
    }
    let groups: Vec<String> = rules.target.iter().map(|g| g.name.clone()).collect();
    let _ = writeln!(out, "# (target groups: {})", groups.join(", "));
    let placement = &rules.placement;
    let names = |v: Vec<&str>| list(&v.into_iter().map(String::from).collect::<Vec<_>>());
    out.push_str("\n# Placement into parks (入园安置): who seeks a park, and where it may go.\n[rules.placement]\n");
    for (key, value) in [
        (
            "seek",
            names(placement.seek.iter().map(|d| d.name()).collect()),
        ),
        (
            "exclude",
            names(placement.exclude.iter().map(|p| p.name()).collect()),
        ),
        ("max_move_km", num(placement.max_move_km)),
        ("other_township_km", num(placement.other_township_km)),
        ("demand_far", num(placement.demand_far)),
    ] {
        let _ = writeln!(out, "# {key} = {value}");
    }
    out.push_str(
        "\n# The year's goals, at their defaults, which are Xiuzhou's 2020 goals and not\n\
         # this district's: uncomment and set this year's.\n[targets]\n",
    );
    out.push_str("# year = 2020                # parks opened in it are new; default: the report date's year\n");
    for (goal, value) in targets.named() {
        let _ = writeln!(out, "# {} = {}", goal.name(), num(value));
    }
    out.push_str(
        "# [targets.townships.330411101]   # a township's goals, by its 9-digit code\n# vacated_mu = 300\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_defaults_are_the_defaults() {
        // uncommenting every rule and goal changes nothing
        let text = defaults()
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(kv)
                    if kv.contains(" = ")
                        && !kv.starts_with('[')
                        && !kv.starts_with("vacated_mu = 300") =>
                {
                    kv
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!("[layers.parcels]\npath = \"p.gpkg\"\n{text}\n");
        let p = tudi_core::config::Project::parse(&text, Path::new("project.toml")).unwrap();
        let d = Rules::default();
        assert_eq!(
            p.targets,
            Targets {
                year: Some(2020),
                ..Targets::default()
            }
        );
        assert_eq!(p.rules.key_industries, d.key_industries);
        assert_eq!(p.rules.legal_codes, d.legal_codes);
        assert_eq!(p.rules.area_tolerance, d.area_tolerance);
        assert_eq!(p.rules.outside_tolerance, d.outside_tolerance);
        assert_eq!(p.rules.scale_revenue_wan, d.scale_revenue_wan);
        let (got, want) = (&p.rules.placement, &d.placement);
        assert_eq!(
            (&got.seek, &got.exclude, got.max_move_km, got.demand_far),
            (&want.seek, &want.exclude, want.max_move_km, want.demand_far)
        );
        assert!(text.matches(" = ").count() >= 17 + 5 + 9);
    }

    #[test]
    fn strings_are_toml_strings() {
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("秀洲区"), "\"秀洲区\"");
    }
}
