//! A run that reads its parcels in parts (`--part N`), surveying each
//! part as it is read and keeping only the industrial parcels' outlines,
//! writes the same bytes as a run that holds every parcel at once
//! (`--part 0`): on a synthetic city of three counties whose blocks,
//! vacated land and buildings straddle the parts' and the counties'
//! borders.

mod common;

use std::path::Path;

use common::*;

/// `tudi run --part N --timings` into a fresh folder: the folder and
/// the parts the read line reports (1 when it names none).
fn run_in_parts(project: &Path, part: usize) -> (std::path::PathBuf, usize) {
    // named after the city's folder: tests run side by side
    let city = project.parent().unwrap().parent().unwrap();
    let name = city.file_name().unwrap().to_string_lossy();
    let part_text = part.to_string();
    let (out, err) = run_ok_stderr(
        project,
        &format!("{name}-{part}"),
        &["--timings", "--as-of", "2026-06-30", "--part", &part_text],
    );
    let parts = err
        .lines()
        .find(|l| l.starts_with("read"))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|p| p.split(' ').next())
        .map_or(1, |n| n.parse().unwrap());
    (out, parts)
}

/// A synthetic city of three counties (seed 11, 6 000 parcels) in a
/// fresh folder: its project file and its number of parcels.
fn city(name: &str) -> (std::path::PathBuf, usize) {
    let dir = scratch(name);
    let report = tudi_synth::generate(&tudi_synth::SynthOptions {
        seed: 11,
        parcels: 6000,
        enterprises: None,
        out: dir.join("city"),
        counties: 3,
    })
    .unwrap();
    (dir.join("city/project.toml"), report.parcels)
}

/// Runs `project` at once and in each of `parts` (part size, parts
/// expected) and asserts every output file is the same bytes; the
/// outputs of the run at once.
fn same_bytes_in_parts(project: &Path, parts: &[(usize, usize)]) -> std::path::PathBuf {
    let (whole, n) = run_in_parts(project, 0);
    assert_eq!(n, 1);
    let expected = contents(&whole);
    assert!(expected.len() > 15, "{:?}", expected.keys());
    for &(part, n) in parts {
        let (out, read_in) = run_in_parts(project, part);
        assert_eq!(read_in, n, "--part {part}");
        let got = contents(&out);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for ((name, a), b) in got.iter().zip(expected.values()) {
            assert!(a == b, "--part {part}: {name} differs");
        }
    }
    whole
}

#[test]
fn parcels_read_in_parts_give_the_bytes_of_parcels_read_at_once() {
    let (project, _) = city("parts-city");
    let whole = same_bytes_in_parts(&project, &[(2500, 3), (997, 7)]);
    // the city has what crosses borders: blocks across counties, vacated
    // land and buildings
    let s = json(&whole.join("summary.json"));
    assert!(s["cross_border"]["blocks"].as_u64().unwrap() > 0, "{s}");
    assert!(s["vacated"]["records"].as_u64().unwrap() > 0);
    assert!(s["far"]["buildings"].as_u64().unwrap() > 0);
}

/// Parcels whose file order is not their id order (ids dealt out over
/// the rows by a stride): each part's findings are renamed into id order,
/// and a firm on the edge between parcels of two parts still stands on
/// the smaller id.
#[test]
fn parcels_out_of_id_order_give_the_same_bytes_in_parts() {
    let (project, n) = city("parts-shuffled");
    let ds = gdal::Dataset::open_ex(
        project.with_file_name("parcels.gpkg"),
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE | gdal::GdalOpenFlags::GDAL_OF_VECTOR,
            ..Default::default()
        },
    )
    .unwrap();
    // the generator numbers its rows 1..n; 7919 is prime, so row r takes
    // the id of row (r - 1) × 7919 mod n + 1, a permutation
    assert_ne!(n % 7919, 0);
    for sql in [
        "CREATE TABLE ids AS SELECT fid, BSM FROM DLTB".to_string(),
        "CREATE UNIQUE INDEX ids_fid ON ids (fid)".to_string(),
        format!(
            "UPDATE DLTB SET BSM = (SELECT BSM FROM ids WHERE ids.fid = (DLTB.fid - 1) * 7919 % {n} + 1)"
        ),
        "DROP TABLE ids".to_string(),
    ] {
        ds.execute_sql(&sql, None, gdal::vector::sql::Dialect::DEFAULT)
            .unwrap();
    }
    drop(ds);
    same_bytes_in_parts(&project, &[(1500, 4), (997, 7)]);
}
