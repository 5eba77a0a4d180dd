//! A run that reads its parcels in parts (`--part N`), surveying each
//! part as it is read and keeping only the industrial parcels' outlines,
//! writes the same bytes as a run that holds every parcel at once
//! (`--part 0`): on a synthetic city of three counties whose blocks,
//! vacated land and buildings straddle the parts' and the counties'
//! borders.

mod common;

use std::path::Path;

use common::*;

/// Every file under `dir` (but the staging folder), by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if name.starts_with(".tudi") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `tudi run --part N --timings` into a fresh folder: the folder and
/// the parts the read line reports (1 when it names none).
fn run_in_parts(project: &Path, part: usize) -> (std::path::PathBuf, usize) {
    let out = scratch(&format!("parts-{part}")).join("out");
    let part_text = part.to_string();
    let o = tudi(&[
        "run",
        project.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--timings",
        "--as-of",
        "2026-06-30",
        "--part",
        &part_text,
    ]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "--part {part}: {err}");
    let parts = err
        .lines()
        .find(|l| l.starts_with("read"))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|p| p.split(' ').next())
        .map_or(1, |n| n.parse().unwrap());
    (out, parts)
}

#[test]
fn parcels_read_in_parts_give_the_bytes_of_parcels_read_at_once() {
    let dir = scratch("parts-city");
    tudi_synth::generate(&tudi_synth::SynthOptions {
        seed: 11,
        parcels: 6000,
        enterprises: None,
        out: dir.join("city"),
        counties: 3,
    })
    .unwrap();
    let project = dir.join("city/project.toml");
    let (whole, parts) = run_in_parts(&project, 0);
    assert_eq!(parts, 1);
    let expected = files(&whole);
    // the city has what crosses borders: blocks across counties, vacated
    // land and buildings
    let s = json(&whole.join("summary.json"));
    assert!(s["cross_border"]["blocks"].as_u64().unwrap() > 0, "{s}");
    assert!(s["vacated"]["records"].as_u64().unwrap() > 0);
    assert!(s["far"]["buildings"].as_u64().unwrap() > 0);
    assert!(
        expected.len() > 15,
        "{:?}",
        expected.iter().map(|f| &f.0).collect::<Vec<_>>()
    );

    for (part, n) in [(2500, 3), (997, 7)] {
        let (out, parts) = run_in_parts(&project, part);
        assert_eq!(parts, n, "--part {part}");
        let got = files(&out);
        assert_eq!(
            got.iter().map(|f| &f.0).collect::<Vec<_>>(),
            expected.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        for ((name, a), (_, b)) in got.iter().zip(&expected) {
            assert!(a == b, "--part {part}: {name} differs");
        }
    }
}
