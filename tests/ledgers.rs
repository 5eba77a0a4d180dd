//! `ledgers.xlsx` read back with calamine (an independent reader) and
//! compared with `summary.json` and the hand-worked fixture
//! (tests/fixtures/land); the sheets' layout (frozen header, autofilter,
//! number formats) is checked in the workbook's XML.

mod common;

use std::io::Read;

use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use common::*;
use serde_json::Value;

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-4 * b.abs().max(1.0),
        "{what}: {a} != {b}"
    );
}

fn column(range: &calamine::Range<Data>, title: &str) -> Vec<Data> {
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let c = header
        .iter()
        .position(|h| h == title)
        .unwrap_or_else(|| panic!("no column {title} in {header:?}"));
    range.rows().skip(1).map(|r| r[c].clone()).collect()
}

fn sum(cells: &[Data]) -> f64 {
    cells.iter().filter_map(|c| c.get_float()).sum()
}

#[test]
fn every_sheet_agrees_with_the_summary_and_the_hand_worked_answers() {
    let out = run_ok(&fixture("land/project.toml"), "ledgers");
    let s: Value = json(&out.join("summary.json"));
    let mut wb: Xlsx<_> = open_workbook(out.join("ledgers.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "整治对象台账",
            "零散地块",
            "小微园",
            "入园安置方案",
            "园区安置容量",
            "腾退核查",
            "目标进度",
            "乡镇汇总"
        ]
    );

    // one row per firm that sought a park, one per park
    let placements = wb.worksheet_range("入园安置方案").unwrap();
    assert_eq!(
        placements.height().saturating_sub(1),
        s["placement"]["sought"].as_u64().unwrap() as usize
    );
    let rooms = wb.worksheet_range("园区安置容量").unwrap();
    assert_eq!(
        rooms.height() - 1,
        s["parks"]["count"].as_u64().unwrap() as usize
    );

    let targets = wb.worksheet_range("整治对象台账").unwrap();
    assert_eq!(
        targets.height() - 1,
        s["enterprises"]["targets"].as_u64().unwrap() as usize
    );
    let overdue = column(&targets, "逾期未销号");
    let late = overdue.iter().filter(|c| *c == "是").count();
    assert_eq!(late as u64, s["overdue"].as_u64().unwrap());
    // 仍在厂's deadline, 2020-09-30, is a date cell (Excel serial 44104)
    let names = column(&targets, "企业名称");
    let deadlines = column(&targets, "销号期限");
    let k = names.iter().position(|n| *n == "仍在厂").unwrap();
    match &deadlines[k] {
        Data::DateTime(d) => assert_eq!(d.as_f64(), 44104.0),
        other => panic!("deadline is not a date: {other:?}"),
    }

    let scattered = wb.worksheet_range("零散地块").unwrap();
    assert_eq!(
        scattered.height() - 1,
        s["scattered"]["parcels"].as_u64().unwrap() as usize
    );
    close(
        sum(&column(&scattered, "面积（亩）")),
        s["scattered"]["area_mu"].as_f64().unwrap(),
        "scattered mu",
    );

    let parks = wb.worksheet_range("小微园").unwrap();
    assert_eq!(parks.height() - 1, 2);
    close(
        sum(&column(&parks, "建筑面积（㎡）")),
        s["parks"]["floor_area_m2"].as_f64().unwrap(),
        "park floor area",
    );
    let fars: Vec<f64> = column(&parks, "容积率")
        .iter()
        .filter_map(|c| c.get_float())
        .collect();
    close(fars[0], 1.0, "新城小微园 FAR");
    close(fars[1], 2.88, "塘汇小微园 FAR");

    let checks = wb.worksheet_range("腾退核查").unwrap();
    let kinds: Vec<String> = column(&checks, "核查项")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "重叠申报",
            "申报面积不符",
            "企业仍在生产",
            "缺完成日期",
            "超出地块范围"
        ]
    );
    close(
        column(&checks, "数值")[0].get_float().unwrap(),
        3.0,
        "overlap mu",
    );
    close(
        column(&checks, "数值")[1].get_float().unwrap(),
        0.25,
        "claim 25 %",
    );

    let progress = wb.worksheet_range("目标进度").unwrap();
    // the sheet names goals in words; the summary by key
    let keys: Vec<&str> = column(&progress, "目标")
        .iter()
        .map(|label| match label.to_string().as_str() {
            "腾退土地" => "vacated_mu",
            "其中有效面积" => "effective_mu",
            "整治低散乱企业（作坊）" => "remediated",
            "其中企业" => "remediated_enterprises",
            "改造提升企业" => "upgraded",
            "新建小微企业园" => "new_parks",
            "新建园区建筑面积" => "new_park_floor_m2",
            "企业入园" => "into_parks",
            other => panic!("goal {other}"),
        })
        .collect();
    let achieved = column(&progress, "完成值");
    let scope = column(&progress, "范围");
    for (i, key) in keys.iter().enumerate() {
        let want = if scope[i] == "全区" {
            &s["targets"][key]["achieved"]
        } else {
            &s["township_targets"]["330411101"][key]["achieved"]
        };
        match want.as_f64() {
            Some(w) => close(achieved[i].get_float().unwrap(), w, key),
            None => assert!(achieved[i].is_empty(), "{key}: no data"),
        }
    }
    assert_eq!(keys.len(), 9, "eight district goals and one township goal");

    let towns = wb.worksheet_range("乡镇汇总").unwrap();
    close(
        sum(&column(&towns, "腾退面积（亩）")),
        s["vacated"]["gross_mu"].as_f64().unwrap(),
        "townships add up to the gross vacated land",
    );
    close(sum(&column(&towns, "逾期未销号")), 1.0, "overdue");
}

#[test]
fn headers_are_frozen_filtered_and_numbers_formatted() {
    let out = run_ok(&fixture("land/project.toml"), "ledgers-xml");
    let file = std::fs::File::open(out.join("ledgers.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    for sheet in 1..=6 {
        let xml = read(&format!("xl/worksheets/sheet{sheet}.xml"));
        assert!(
            xml.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "sheet {sheet}: header frozen"
        );
        assert!(
            xml.contains("<autoFilter ref=\"A1:"),
            "sheet {sheet}: autofilter"
        );
        assert!(xml.contains("<col "), "sheet {sheet}: column widths");
    }
    let styles = read("xl/styles.xml");
    for fmt in ["0.00", "0.0%", "yyyy-mm-dd", "#,##0"] {
        assert!(
            styles.contains(&format!("formatCode=\"{fmt}\"")),
            "number format {fmt}"
        );
    }
    // the creation time is the report date, not the clock
    assert!(read("docProps/core.xml").contains("2020-12-31T00:00:00Z"));
}
