//! report.html and the map, end to end on the hand-made land fixture
//! (tests/fixtures/land; its figures are worked by hand in tests/land.rs).

mod common;

use common::*;

const PROJECT: &str = "land/project.toml";

#[test]
fn the_report_holds_the_hand_worked_figures() {
    let out = run_ok(&fixture(PROJECT), "report-zh");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for figure in [
        "腾退样例",
        "报告日期 2020-12-31",
        // gross and effective vacated land, contiguity 60.75 / 89.55
        "89.55",
        "<b>75.75</b> 亩",
        "连片率 67.8%",
        // parks: aggregate 114 400 m² / 105 000 m², mean (1.00 + 2.88) / 2
        "总体容积率 <b>1.09</b>",
        "平均容积率 1.94",
        // the overdue target, 92 days late, and the occupant of TT-01
        "<td>仍在厂</td><td>91330411MA2B00001M</td>",
        ">92</td>",
        "仍在厂（91330411MA2B00001M）仍在腾退地块上",
        // the timeline's running total
        ">74.55</text>",
    ] {
        assert!(html.contains(figure), "report.html lacks {figure}");
    }
    // The map is inline, and also a file of its own.
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    assert!(html.contains(svg.trim_end()));
}

#[test]
fn lang_en_writes_the_report_in_english() {
    let out = scratch("report-en").join("out");
    let o = tudi(&[
        "run",
        fixture(PROJECT).to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--lang",
        "en",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("effective <b>75.75</b> mu · contiguity 67.8%"));
    assert!(html.contains("Overdue targets"));
    assert!(std::fs::read_to_string(out.join("map.svg"))
        .unwrap()
        .contains(">Legend<"));
    let bad = tudi(&[
        "run",
        fixture(PROJECT).to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--lang",
        "fr",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn tudi_map_writes_png_and_svg() {
    let dir = scratch("map");
    let png = dir.join("map.png");
    let o = tudi(&[
        "map",
        fixture(PROJECT).to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
        "--width",
        "900",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width then height, big-endian.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 900);
    let svg = dir.join("map.svg");
    let o = tudi(&[
        "map",
        fixture(PROJECT).to_str().unwrap(),
        "--out",
        svg.to_str().unwrap(),
        "--lang",
        "en",
        "-q",
    ]);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1600 "));
    let o = tudi(&[
        "map",
        fixture(PROJECT).to_str().unwrap(),
        "--out",
        dir.join("map.jpg").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "only .png and .svg");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
