//! Which township (乡镇/街道) a place belongs to: the parcels' unit code
//! (ZLDWDM, first 9 digits) where a parcel is known, else the townships
//! layer; the townships' names; and the township table, one row per
//! township of what every analysis found.

use std::collections::BTreeMap;

use geo::Coord;

use crate::config::{LocalGoals, Targets};
use crate::geodesy::m2_to_mu;
use crate::index::PolygonIndex;
use crate::model::{county_of, Division, Progress};
use crate::outcome::Outcome;
use crate::vocab::{self, Lang, Term};

/// The townships layer, indexed, and every name known for a code.
pub(crate) struct Places<'a> {
    townships: &'a [Division],
    index: PolygonIndex,
    names: BTreeMap<String, String>,
}

impl<'a> Places<'a> {
    /// Names come from the townships layer, else from the project's
    /// per-township targets.
    pub fn new(townships: Option<&'a [Division]>, targets: &Targets) -> Self {
        let townships = townships.unwrap_or(&[]);
        Places {
            index: PolygonIndex::new(townships.iter().map(|t| &t.geometry)),
            townships,
            names: names(townships, &targets.townships),
        }
    }

    /// The code of the township polygon containing the point; on a shared
    /// boundary the smallest code.
    pub(crate) fn township_at(&self, c: Coord<f64>) -> Option<&'a str> {
        let townships = self.townships;
        self.index
            .containing(|i| &townships[i].geometry, c)
            .map(|i| townships[i].code.as_str())
            .min()
    }

    /// The township's name, when the townships layer or the targets give
    /// one (the layer's wins).
    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// Every code the townships layer or the targets name.
    pub(crate) fn known_codes(&self) -> impl Iterator<Item = &str> {
        self.townships
            .iter()
            .map(|t| t.code.as_str())
            .chain(self.names.keys().map(String::as_str))
    }
}

/// Every name known for a division's code: from its layer, else from its
/// goals in the project file.
pub(crate) fn names(
    layer: &[Division],
    goals: &BTreeMap<String, LocalGoals>,
) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> = goals
        .iter()
        .filter_map(|(code, g)| g.name.clone().map(|n| (code.clone(), n)))
        .collect();
    for d in layer {
        if let Some(n) = &d.name {
            names.insert(d.code.clone(), n.clone());
        }
    }
    names
}

/// One township's or county's figures (areas in m²); `code` is empty on
/// the row of things whose division is unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DivisionRow {
    /// Township or county.
    pub level: Level,
    /// The division's code (first 9 digits of ZLDWDM for a township, 6
    /// for a county); empty on the unknown row.
    pub code: String,
    /// The name known from the division's layer or the targets; empty
    /// on the unknown row (`code` empty too).
    pub name: String,
    /// Parcels whose ZLDWDM names the division.
    pub parcels: usize,
    /// Their ellipsoidal area, m².
    pub area_m2: f64,
    /// Of which industrial.
    pub industrial_parcels: usize,
    /// Of which scattered village industrial plots.
    pub scattered_parcels: usize,
    /// The scattered plots' area, m².
    pub scattered_m2: f64,
    /// Enterprises in the division.
    pub enterprises: usize,
    /// Of which targets.
    pub targets: usize,
    /// Targets whose status is `done`.
    pub targets_done: usize,
    /// Targets not done whose deadline has passed.
    pub overdue: usize,
    /// Parks in the division.
    pub parks: usize,
    /// Their land, m².
    pub park_land_m2: f64,
    /// `None` when no vacated record lies in it.
    pub vacated: Option<super::vacated::DivisionVacated>,
    /// The division's vacated-land goal, mu.
    pub vacated_target_mu: Option<f64>,
    /// Its firms the placement plan puts into a park.
    pub placed: usize,
    /// Its vacated land once the plan is carried out; `None` when none.
    pub plan_vacated: Option<super::vacated::DivisionVacated>,
}

impl DivisionRow {
    /// The division as a product names it: its name, else its code; the
    /// unknown row in words.
    pub fn label(&self, lang: Lang) -> &str {
        if self.code.is_empty() {
            self.level.unknown().get(lang)
        } else if self.name.is_empty() {
            &self.code
        } else {
            &self.name
        }
    }

    /// Vacated records in the township.
    pub fn vacated_records(&self) -> usize {
        self.vacated.as_ref().map_or(0, |t| t.records)
    }

    /// Gross vacated land over the goal, when there is a goal.
    pub fn vacated_progress(&self) -> Option<f64> {
        let gross = self.vacated.as_ref().map_or(0.0, |t| m2_to_mu(t.gross_m2));
        self.vacated_target_mu.map(|g| gross / g)
    }
}

/// The level of a division table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Level {
    /// Townships (乡镇/街道), by 9-digit code.
    #[default]
    Township,
    /// Counties (县/市/区), by 6-digit code.
    County,
}

impl Level {
    /// The division at this level of a place in township `t`.
    pub fn of(self, t: Option<&str>) -> Option<&str> {
        match self {
            Level::Township => t,
            Level::County => t.and_then(county_of),
        }
    }

    /// One division, as a column names it.
    pub fn term(self) -> Term {
        match self {
            Level::Township => vocab::TOWNSHIP,
            Level::County => vocab::COUNTY,
        }
    }

    /// The divisions, as a table's title.
    pub fn plural(self) -> Term {
        match self {
            Level::Township => vocab::TOWNSHIPS,
            Level::County => vocab::COUNTIES,
        }
    }

    /// The row of things whose division is unknown.
    pub fn unknown(self) -> Term {
        match self {
            Level::Township => vocab::UNKNOWN_TOWNSHIP,
            Level::County => vocab::UNKNOWN_COUNTY,
        }
    }

    /// The table's name, as its layer and its CSV file are named.
    pub fn table(self) -> &'static str {
        match self {
            Level::Township => "townships",
            Level::County => "counties",
        }
    }
}

/// One row per division of `level`: the land, the targets, the parks and
/// the vacated land; divisions are those met in the data, their layer or
/// the targets; things whose division is unknown are on a last row with
/// no code.
pub(crate) fn table(o: &Outcome, level: Level) -> Vec<DivisionRow> {
    let parcels = &o.model.parcels;
    let records = o.model.vacated.as_deref().unwrap_or(&[]);
    let findings = o.vacated.as_ref().map(|v| &v.records);
    let record_township = |k: usize| findings.and_then(|f| f[k].township.as_deref());
    let (names, goals) = match level {
        Level::Township => (&o.township_names, &o.project.targets.townships),
        Level::County => (&o.county_names, &o.project.targets.counties),
    };
    let by = |v: &super::vacated::Vacated, code: &str| v.by(level).get(code).cloned();
    let mut codes: Vec<String> = super::targets::township_codes(
        parcels
            .iter()
            .map(|p| level.of(p.township()))
            .chain(o.enterprise_township.iter().map(|t| level.of(t.as_deref())))
            .chain(o.park_township.iter().map(|t| level.of(t.as_deref())))
            .chain((0..records.len()).map(|k| level.of(record_township(k))))
            .chain(names.keys().map(|c| Some(c.as_str())))
            .chain(goals.keys().map(|c| Some(c.as_str()))),
    );
    let unknown = parcels.iter().any(|p| level.of(p.township()).is_none())
        || o.enterprise_township
            .iter()
            .any(|t| level.of(t.as_deref()).is_none())
        || (0..records.len()).any(|k| level.of(record_township(k)).is_none());
    if unknown {
        codes.push(String::new());
    }
    let mut rows: Vec<DivisionRow> = codes
        .into_iter()
        .map(|code| DivisionRow {
            vacated: o.vacated.as_ref().and_then(|v| by(v, &code)),
            plan_vacated: o.projected_vacated.as_ref().and_then(|v| by(v, &code)),
            name: names.get(code.as_str()).cloned().unwrap_or_default(),
            vacated_target_mu: goals.get(code.as_str()).and_then(|g| g.vacated_mu),
            level,
            code,
            ..Default::default()
        })
        .collect();
    // One pass over each layer (a synthetic district can have a hundred
    // thousand unit codes); things in no row (a park whose township is
    // unknown when nothing else is) count nowhere.
    let row_of: std::collections::HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| (r.code.clone(), k))
        .collect();
    let row = |t: Option<&str>| row_of.get(level.of(t).unwrap_or("")).copied();
    // Parcels come in id order, so a township's run together: the last
    // lookup is kept.
    let mut last: Option<(Option<&str>, Option<usize>)> = None;
    for (i, p) in parcels.iter().enumerate() {
        let township = p.township();
        let k = match last {
            Some((t, k)) if t == township => k,
            _ => {
                let k = row(township);
                last = Some((township, k));
                k
            }
        };
        if let Some(k) = k {
            let r = &mut rows[k];
            r.parcels += 1;
            r.area_m2 += p.area_m2;
            r.industrial_parcels += usize::from(o.blocks.block_of[i].is_some());
            if o.blocks.scattered[i] {
                r.scattered_parcels += 1;
                r.scattered_m2 += p.area_m2;
            }
        }
    }
    let overdue: std::collections::HashSet<usize> = o.targets.overdue.iter().copied().collect();
    let ents = &o.model.enterprises;
    for (e, t) in o.enterprise_township.iter().enumerate() {
        if let Some(k) = row(t.as_deref()) {
            let r = &mut rows[k];
            r.enterprises += 1;
            if o.assessments[e].is_target() {
                r.targets += 1;
                r.targets_done += usize::from(ents[e].status == Some(Progress::Done));
                r.overdue += usize::from(overdue.contains(&e));
            }
        }
    }
    for m in o.placement.iter().flat_map(|p| &p.moves) {
        if m.park.is_some() {
            if let Some(k) = row(o.enterprise_township[m.enterprise].as_deref()) {
                rows[k].placed += 1;
            }
        }
    }
    for (p, t) in o.park_township.iter().enumerate() {
        if let Some(k) = row(t.as_deref()) {
            rows[k].parks += 1;
            rows[k].park_land_m2 += o.far.parks[p].density.land_m2;
        }
    }
    rows
}

/// The blocks that lie in more than one county: a county's own run cuts
/// them at its border, so their area, and whether they are scattered or
/// effective, can differ there from a run over both counties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrossBorder {
    /// Positions of industrial blocks with parcels in two counties or more.
    pub blocks: Vec<usize>,
    /// Positions of vacated blocks with records in two counties or more.
    pub vacated_blocks: Vec<usize>,
}

/// Whether the places of these townships lie in more than one county
/// (places whose county is unknown count in none).
pub(crate) fn several<'a>(townships: impl Iterator<Item = Option<&'a str>>) -> bool {
    let mut first = None;
    for c in townships.filter_map(|t| t.and_then(county_of)) {
        match first {
            None => first = Some(c),
            Some(f) if f != c => return true,
            Some(_) => {}
        }
    }
    false
}

/// The blocks across county borders (none when the project lies in one).
pub(crate) fn cross_border(o: &Outcome) -> CrossBorder {
    let parcels = &o.model.parcels;
    let blocks = o
        .blocks
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| several(b.parcels.iter().map(|&p| parcels[p].township())))
        .map(|(k, _)| k)
        .collect();
    let vacated_blocks = o.vacated.as_ref().map_or_else(Vec::new, |v| {
        v.blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| several(b.records.iter().map(|&r| v.records[r].township.as_deref())))
            .map(|(k, _)| k)
            .collect()
    });
    CrossBorder {
        blocks,
        vacated_blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn points_fall_in_the_township_polygon_and_names_prefer_the_layer() {
        let t = |code: &str, name: Option<&str>, x0: f64| Division {
            feature: 1,
            code: code.into(),
            name: name.map(String::from),
            geometry: MultiPolygon(vec![polygon![
                (x: x0, y: 0.0), (x: x0 + 1.0, y: 0.0), (x: x0 + 1.0, y: 1.0), (x: x0, y: 1.0)
            ]]),
        };
        let layer = [
            t("330411102", Some("王江泾镇"), 1.0),
            t("330411101", None, 0.0),
        ];
        let mut targets = Targets::default();
        targets.townships.insert(
            "330411101".into(),
            crate::config::LocalGoals {
                name: Some("新城街道".into()),
                ..Default::default()
            },
        );
        let places = Places::new(Some(&layer), &targets);
        assert_eq!(
            places.township_at(Coord { x: 0.5, y: 0.5 }),
            Some("330411101")
        );
        assert_eq!(
            places.township_at(Coord { x: 1.5, y: 0.5 }),
            Some("330411102")
        );
        // the shared edge goes to the smaller code
        assert_eq!(
            places.township_at(Coord { x: 1.0, y: 0.5 }),
            Some("330411101")
        );
        assert_eq!(places.township_at(Coord { x: 5.0, y: 0.5 }), None);
        assert_eq!(places.name("330411101"), Some("新城街道"));
        assert_eq!(places.name("330411102"), Some("王江泾镇"));
    }
}
