//! The output folder's guarantees, end to end through the CLI on copies of
//! the sample district: what tudi replaces, what it refuses, what a killed
//! or concurrent run leaves.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{contents, sample, scratch, tudi};

fn run(project: &Path, out: &Path, as_of: &str) -> std::process::Output {
    tudi(&[
        "run",
        project.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        as_of,
        "--quiet",
    ])
}

fn run_ok(project: &Path, out: &Path, as_of: &str) {
    let o = run(project, out, as_of);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A run that pauses after each staged file and each move into place.
fn slow_run(project: &Path, out: &Path, as_of: &str, pause_ms: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tudi"))
        .args(["run", project.to_str().unwrap(), "--out"])
        .arg(out)
        .args(["--as-of", as_of])
        .env("TUDI_TEST_PAUSE_MS", pause_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(120), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The hidden entries tudi keeps in an output folder's `.tudi/`, other
/// than its lock and manifest (a staging folder, a journal).
fn leftovers(out: &Path) -> Vec<String> {
    fs::read_dir(out.join(".tudi"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "lock" && n != "manifest.json")
        .collect()
}

fn stage_files(out: &Path) -> usize {
    fs::read_dir(out.join(".tudi"))
        .into_iter()
        .flatten()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("stage-"))
        .map(|e| fs::read_dir(e.path()).map_or(0, |d| d.count()))
        .sum()
}

/// `--out .` in the project folder: the inputs parks.geojson and
/// vacated.geojson share output names; the run stops, naming them, and
/// no file of the folder changes.
#[test]
fn the_project_folder_as_out_is_refused_and_the_inputs_kept() {
    let dir = sample("out-is-project", |_| {});
    let before = contents(&dir);
    let o = Command::new(env!("CARGO_BIN_EXE_tudi"))
        .args(["run", "project.toml", "--out", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for name in ["parks.geojson", "vacated.geojson"] {
        let line =
            format!("{name}: is an input of this run; an output of the same name would replace it");
        assert!(err.contains(&line), "{err}");
    }
    assert_eq!(contents(&dir), before, "no file of the folder changed");
    assert!(!dir.join(".tudi").exists(), "nor any folder added");
}

/// A folder (or a file of the user's) with an output's name: nothing of
/// the earlier run is replaced, and the error names it.
#[test]
fn a_foreign_file_among_the_outputs_stops_the_run_before_anything_moves() {
    let dir = sample("foreign", |_| {});
    let project = dir.join("project.toml");
    let out = dir.join("out");
    run_ok(&project, &out, "2020-12-31");
    let first = contents(&out);
    fs::remove_file(out.join("report.html")).unwrap();
    fs::create_dir(out.join("report.html")).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = run(&project, &out, "2020-06-30");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("report.html") && err.contains("folder"),
        "{err}"
    );
    let mut after = contents(&out);
    assert_eq!(after.remove("notes.txt").as_deref(), Some(&b"mine"[..]));
    after.remove("report.html");
    let mut expected = first.clone();
    expected.remove("report.html");
    assert_eq!(after, expected, "every other file is the first run's");
    assert!(leftovers(&out).is_empty());
    // an output the user wrote over, or replaced, is theirs now
    fs::remove_dir(out.join("report.html")).unwrap();
    fs::write(out.join("summary.json"), "{}").unwrap();
    fs::remove_file(out.join("targets.csv")).unwrap();
    fs::write(out.join("targets.csv"), "mine").unwrap();
    let o = run(&project, &out, "2020-06-30");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("summary.json") && err.contains("changed since tudi wrote it"),
        "{err}"
    );
    assert!(err.contains("targets.csv"), "{err}");
    assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"{}");
}

/// Killed (SIGKILL) while moving its files into place, a run leaves a
/// journal; the next run completes it first and then replaces the whole
/// set: the folder ends exactly as a clean run's, with nothing left over.
#[test]
fn a_run_killed_mid_commit_is_completed_then_replaced_by_the_next() {
    let dir = sample("killed", |_| {});
    let project = dir.join("project.toml");
    let out = dir.join("out");
    run_ok(&project, &out, "2020-12-31");
    let mut child = slow_run(&project, &out, "2020-06-30", 150);
    wait_for("the commit starts", || {
        out.join(".tudi/commit.json").exists()
    });
    std::thread::sleep(Duration::from_millis(400));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(out.join(".tudi/commit.json").exists(), "killed mid-commit");
    run_ok(&project, &out, "2020-09-30");
    let clean = dir.join("clean");
    run_ok(&project, &clean, "2020-09-30");
    assert_eq!(contents(&out), contents(&clean));
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

/// SIGTERM, SIGINT or SIGHUP while the files are written: the staging
/// folder goes, the earlier outputs stay, and the process ends by the
/// signal. A SIGKILL there leaves staging that the next run removes.
#[test]
fn a_signal_during_the_write_leaves_the_earlier_outputs_and_no_staging() {
    let dir = sample("signals", |_| {});
    let project = dir.join("project.toml");
    let out = dir.join("out");
    run_ok(&project, &out, "2020-12-31");
    let first = contents(&out);
    for (signal, name) in [(15, "TERM"), (2, "INT"), (1, "HUP"), (9, "KILL")] {
        let child = slow_run(&project, &out, "2020-06-30", 300);
        wait_for("files are staged", || stage_files(&out) > 0);
        let status = Command::new("kill")
            .args([format!("-{name}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let ended = child.wait_with_output().unwrap();
        assert_eq!(ended.status.signal(), Some(signal), "SIG{name}");
        assert_eq!(contents(&out), first, "SIG{name}: the earlier outputs");
        if signal != 9 {
            assert!(
                leftovers(&out).is_empty(),
                "SIG{name}: {:?}",
                leftovers(&out)
            );
        }
    }
    run_ok(&project, &out, "2020-12-31");
    assert!(leftovers(&out).is_empty(), "the next run cleans up");
    assert_eq!(contents(&out), first);
}

/// Two runs into one folder at once: the second waits for the first (and
/// says so), both succeed, and the folder holds the second run's set.
#[test]
fn concurrent_runs_take_turns() {
    let dir = sample("concurrent", |_| {});
    let project = dir.join("project.toml");
    let out = dir.join("out");
    let first = slow_run(&project, &out, "2020-06-30", 50);
    wait_for("the first run holds the folder", || {
        fs::read_to_string(out.join(".tudi/lock")).is_ok_and(|p| p == first.id().to_string())
    });
    let second = Command::new(env!("CARGO_BIN_EXE_tudi"))
        .args(["run", project.to_str().unwrap(), "--out"])
        .arg(&out)
        .args(["--as-of", "2020-12-31"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut second = second;
    let mut waiting = String::new();
    let mut second_err = BufReader::new(second.stderr.take().unwrap());
    second_err.read_line(&mut waiting).unwrap();
    assert!(
        waiting.contains(&format!("process {}", first.id())) && waiting.contains("waiting"),
        "{waiting}"
    );
    assert!(first.wait_with_output().unwrap().status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut second_err, &mut rest).unwrap();
    assert!(second.wait().unwrap().success(), "{rest}");
    let clean = dir.join("clean");
    run_ok(&project, &clean, "2020-12-31");
    assert_eq!(contents(&out), contents(&clean));
}

/// `--out` on another filesystem (a symlink to /dev/shm, a tmpfs, as a
/// container's mounted volume is): staging happens there, so it works.
#[test]
fn out_on_another_filesystem() {
    let dir = sample("cross-device", |_| {});
    let project = dir.join("project.toml");
    let elsewhere = PathBuf::from(format!("/dev/shm/tudi-test-{}", std::process::id()));
    let _ = fs::remove_dir_all(&elsewhere);
    fs::create_dir_all(&elsewhere).unwrap();
    let out = dir.join("out");
    std::os::unix::fs::symlink(&elsewhere, &out).unwrap();
    assert_ne!(
        fs::metadata(&dir).unwrap().dev(),
        fs::metadata(&elsewhere).unwrap().dev(),
        "the test needs /dev/shm on another filesystem"
    );
    run_ok(&project, &out, "2020-12-31");
    run_ok(&project, &out, "2020-06-30");
    assert!(elsewhere.join("summary.json").exists());
    assert!(leftovers(&out).is_empty());
    fs::remove_dir_all(&elsewhere).unwrap();
}

/// Staging left by killed runs (this version's, and the `.OUT.tudi-PID`
/// folders beside the output of earlier versions) is removed.
#[test]
fn leftovers_of_killed_runs_are_removed() {
    let dir = sample("leftovers", |_| {});
    let project = dir.join("project.toml");
    let out = dir.join("out");
    run_ok(&project, &out, "2020-12-31");
    // process ids above the kernel's limit (4 194 304) belong to no one
    let legacy = dir.join(".out.tudi-4194399");
    fs::create_dir_all(legacy.join("x")).unwrap();
    fs::create_dir_all(out.join(".tudi/stage-4194399")).unwrap();
    fs::write(out.join(".tudi/stage-4194399/summary.json"), "{}").unwrap();
    run_ok(&project, &out, "2020-12-31");
    assert!(!legacy.exists());
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

/// The map's file may not be an input, and `--width` is bounded.
#[test]
fn map_refuses_an_input_and_an_absurd_width() {
    let dir = sample("map-input", |_| {});
    let project = dir.join("project.toml");
    let before = fs::read(dir.join("parks.geojson")).unwrap();
    let boundary = dir.join("xiuzhou_boundary.geojson");
    fs::rename(&boundary, dir.join("boundary.svg")).unwrap();
    common::replace(&project, "xiuzhou_boundary.geojson", "boundary.svg");
    let o = tudi(&[
        "map",
        project.to_str().unwrap(),
        "--out",
        dir.join("boundary.svg").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("input"), "{err}");
    assert_eq!(fs::read(dir.join("parks.geojson")).unwrap(), before);
    let o = tudi(&[
        "map",
        project.to_str().unwrap(),
        "--out",
        dir.join("m.png").to_str().unwrap(),
        "--width",
        "4000000000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("m.png").exists());
}

/// A synth size beyond what can be made is refused at once, not run into
/// the kernel's out-of-memory killer.
#[test]
fn synth_sizes_are_bounded() {
    let out = scratch("synth-bound").join("s");
    for args in [
        ["--parcels", "18446744073709551615", "--seed", "1"],
        ["--parcels", "90000000", "--seed", "1"],
    ] {
        let start = Instant::now();
        let mut all = vec!["synth", "--out", out.to_str().unwrap()];
        all.extend(args);
        let o = tudi(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("parcels"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
    let o = tudi(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--parcels",
        "2000",
        "--enterprises",
        "999999",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

/// Text that Excel would run as a formula is written as text in every
/// CSV; the summary names files relative to the project file.
#[test]
fn csv_cells_cannot_be_formulas_and_the_summary_carries_no_machine_paths() {
    let dir = sample("injection", |_| {});
    let project = dir.join("project.toml");
    let out = dir.join("out");
    run_ok(&project, &out, "2020-12-31");
    let name_of_first_target = || {
        let text = fs::read_to_string(out.join("targets.csv")).unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        rows.records()
            .map(|r| r.unwrap()[1].to_string())
            .collect::<Vec<_>>()
    };
    let first = name_of_first_target()[0].clone();
    // that firm's name in the ledger becomes a formula
    let evil = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    let ledger = dir.join("enterprises.csv");
    let mut reader = csv::Reader::from_path(&ledger).unwrap();
    let mut writer = csv::Writer::from_path(dir.join("edited.csv")).unwrap();
    writer.write_record(reader.headers().unwrap()).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let name = if &r[1] == first.as_str() { evil } else { &r[1] };
        let row: Vec<&str> = r
            .iter()
            .enumerate()
            .map(|(i, c)| if i == 1 { name } else { c })
            .collect();
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    fs::rename(dir.join("edited.csv"), &ledger).unwrap();
    run_ok(&project, &out, "2020-12-31");
    let names = name_of_first_target();
    assert!(names.contains(&format!("'{evil}")), "{:?}", &names[..3]);
    assert!(!names.iter().any(|n| n.starts_with('=')));
    let summary = fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(
        summary.contains("enterprises.csv"),
        "the sample has warnings on the ledger"
    );
    let root = dir.to_str().unwrap();
    assert!(!summary.contains(root), "absolute paths in summary.json");
}

/// `tudi area FILE | head -1`: a closed pipe ends the program quietly.
#[test]
fn a_closed_pipe_ends_quietly() {
    let parcels = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/parcels.gpkg");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tudi"))
        .arg("area")
        .arg(&parcels)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut header = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut header)
        .unwrap();
    assert!(header.starts_with("id,area_m2"));
    // the reader is gone: the next write finds the pipe closed
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?}", o.status);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}
