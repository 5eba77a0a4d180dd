//! The placement plan's tables (入园安置方案): one row per firm that sought
//! a park, and one per park with its room before and after.

use geo::LineString;
use tudi_core::analysis::placement::Move;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::{Lang, Term};

use crate::geojson::Shape;
use crate::gpkg::GeometryKind;
use crate::land::park;
use crate::outputs::{firm, township};
use crate::table::{col, term, Kind, Table, Value};

/// The placement plan's title: its sheet, its map layer, its section of
/// the report.
pub const PLAN: Term = term("入园安置方案", "Placement plan");
/// The parks' room table's title.
pub const ROOM: Term = term("园区安置容量", "Park room");

/// Every firm that sought a park: where from, where to, how far, how much
/// floor area and why not when it has no park. Rows are the firms'
/// positions in the model (as the enterprise columns take them); a placed
/// firm lies on the line of its move, from where it stands to the point
/// of its park the distance is measured to.
pub fn placements(o: &Outcome, lang: Lang) -> Table<'_, usize> {
    // no parks layer: nothing placed
    let moves = o.placement.as_ref().map_or(&[][..], |p| &p.moves[..]);
    let parks = o.model.parks.as_deref().unwrap_or(&[]);
    // the moves are in model order, one per firm
    let mv = move |k: usize| -> &Move {
        let i = moves.binary_search_by_key(&k, |m| m.enterprise);
        &moves[i.expect("a row is a firm that sought a park")]
    };
    let columns = vec![
        firm::credit_code(o),
        firm::name(o),
        firm::industry(o),
        firm::township(o),
        firm::parcel_id(o),
        col(
            "sought",
            term("原处置方式", "Sent by the rules to"),
            Kind::Code,
            move |&k: &usize| {
                let d = mv(k).sought;
                Value::term(d.name(), d.term(), lang)
            },
        ),
        col(
            "floor_m2",
            term("需用房面积（㎡）", "Floor area needed (m²)"),
            Kind::M2,
            move |&k: &usize| Value::opt_num(mv(k).demand_m2),
        ),
        col(
            "floor_source",
            term("用房面积来源", "Floor area from"),
            Kind::Code,
            move |&k: &usize| {
                mv(k)
                    .demand_source
                    .map_or(Value::Null, |s| Value::term(s.name(), s.term(), lang))
            },
        )
        .width(16.0),
        col(
            "park",
            term("安置园区", "Park"),
            Kind::Text,
            move |&k: &usize| Value::opt_text(mv(k).park.map(|p| parks[p].name.as_str())),
        )
        .width(22.0),
        col(
            "park_township",
            term("园区所在乡镇", "Park's township"),
            Kind::Code,
            move |&k: &usize| {
                mv(k)
                    .park
                    .map_or(Value::Null, |p| township(o, o.park_township[p].as_deref()))
            },
        )
        .width(12.0),
        col(
            "distance_km",
            term("搬迁距离（公里）", "Distance (km)"),
            Kind::real(3),
            move |&k: &usize| Value::opt_num(mv(k).distance_m.map(|d| d / 1000.0)),
        ),
        col(
            "disposition",
            term("安置后处置方式", "Disposition"),
            Kind::Code,
            move |&k: &usize| {
                let d = mv(k).disposition;
                Value::term(d.name(), d.term(), lang)
            },
        ),
        col(
            "unplaced",
            term("未安置原因", "Why not placed"),
            Kind::Code,
            move |&k: &usize| {
                mv(k)
                    .unplaced
                    .map_or(Value::Null, |r| Value::term(r.name(), r.term(), lang))
            },
        )
        .width(16.0),
    ];
    let rooms = o.placement.as_ref().map_or(&[][..], |p| &p.parks[..]);
    let firms = &o.model.enterprises;
    Table::new(
        "placements",
        PLAN,
        columns,
        moves.iter().map(|m| m.enterprise).collect(),
    )
    .located(GeometryKind::LineString, move |&k: &usize| {
        let to = rooms[mv(k).park?].anchor?;
        Some(Shape::Line(LineString::from(vec![firms[k].location, to])))
    })
}

/// Each park's room for new firms, before and after placement.
pub fn park_rooms(o: &Outcome, lang: Lang) -> Table<'_, usize> {
    let rooms = o.placement.as_ref().map_or(&[][..], |p| &p.parks[..]);
    let columns = vec![
        park::name(o),
        park::township(o),
        park::planned(o),
        col(
            "room_source",
            term("空间来源", "Room from"),
            Kind::Code,
            move |&k: &usize| {
                let s = rooms[k].source;
                Value::term(s.name(), s.term(), lang)
            },
        )
        .width(16.0),
        col(
            "capacity_m2",
            term("总建筑面积（㎡）", "Floor area (m²)"),
            Kind::M2,
            |&k: &usize| Value::opt_num(rooms[k].capacity_m2),
        ),
        col(
            "room_m2",
            term("安置前可入驻（㎡）", "Room before (m²)"),
            Kind::M2,
            |&k: &usize| Value::Num(rooms[k].room_m2),
        ),
        col(
            "occupancy_before",
            term("安置前入驻率", "Occupancy before"),
            Kind::SHARE,
            |&k: &usize| Value::opt_num(rooms[k].occupancy_before()),
        ),
        col(
            "placed",
            term("安置企业（家）", "Firms placed"),
            Kind::Int,
            |&k: &usize| Value::Int(rooms[k].placed as i64),
        ),
        col(
            "placed_m2",
            term("安置用房（㎡）", "Floor area placed (m²)"),
            Kind::M2,
            |&k: &usize| Value::Num(rooms[k].placed_m2),
        ),
        col(
            "room_after_m2",
            term("安置后剩余（㎡）", "Room after (m²)"),
            Kind::M2,
            |&k: &usize| Value::Num(rooms[k].room_after_m2()),
        ),
        col(
            "occupancy_after",
            term("安置后入驻率", "Occupancy after"),
            Kind::SHARE,
            |&k: &usize| Value::opt_num(rooms[k].occupancy_after()),
        ),
    ];
    Table::new("park_rooms", ROOM, columns, (0..rooms.len()).collect())
}
