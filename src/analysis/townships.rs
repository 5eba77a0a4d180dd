//! Which township (乡镇/街道) a place belongs to: the parcels' unit code
//! (ZLDWDM, first 9 digits) where a parcel is known, else the townships
//! layer; and the townships' names.

use std::collections::BTreeMap;

use geo::Coord;

use crate::config::Targets;
use crate::index::PolygonIndex;
use crate::model::Township;

/// The townships layer, indexed, and every name known for a code.
pub struct Places<'a> {
    townships: &'a [Township],
    index: PolygonIndex,
    names: BTreeMap<String, String>,
}

impl<'a> Places<'a> {
    /// Names come from the townships layer, else from the project's
    /// per-township targets.
    pub fn new(townships: Option<&'a [Township]>, targets: &Targets) -> Self {
        let townships = townships.unwrap_or(&[]);
        let mut names: BTreeMap<String, String> = targets
            .townships
            .iter()
            .filter_map(|(code, g)| g.name.clone().map(|n| (code.clone(), n)))
            .collect();
        for t in townships {
            if let Some(n) = &t.name {
                names.insert(t.code.clone(), n.clone());
            }
        }
        Places {
            index: PolygonIndex::new(townships.iter().map(|t| &t.geometry)),
            townships,
            names,
        }
    }

    /// The code of the township polygon containing the point; on a shared
    /// boundary the smallest code.
    pub fn township_at(&self, c: Coord<f64>) -> Option<&'a str> {
        let townships = self.townships;
        self.index
            .containing(|i| &townships[i].geometry, c)
            .map(|i| townships[i].code.as_str())
            .min()
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// Every code the townships layer or the targets name.
    pub fn known_codes(&self) -> impl Iterator<Item = &str> {
        self.townships
            .iter()
            .map(|t| t.code.as_str())
            .chain(self.names.keys().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn points_fall_in_the_township_polygon_and_names_prefer_the_layer() {
        let t = |code: &str, name: Option<&str>, x0: f64| Township {
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
            crate::config::TownshipGoals {
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
