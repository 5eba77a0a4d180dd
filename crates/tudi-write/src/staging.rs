//! The output folder, replaced as one set.
//!
//! A run's files are written into `OUT/.tudi/stage-PID/` (inside the output
//! folder, so on its filesystem: a mount point or a symlink to another disk
//! works) and moved into place only when all are written and on disk. The
//! invariants:
//!
//! - **Only tudi's own files are replaced.** `OUT/.tudi/manifest.json`
//!   records each file the last run put into `OUT` (name and file identity).
//!   A file with an output's name that is not in it — the user's own, a
//!   folder, an input layer, the project file — is never replaced: the run
//!   stops with an input error naming it, before anything moves.
//! - **One run's set, never a mix.** Before the first rename the list of
//!   moves is written to `OUT/.tudi/commit.json` (the commit point). A run
//!   killed after it is completed, before anything else, by the next run
//!   into `OUT`; a run that fails or is killed before it leaves `OUT` as it
//!   was.
//! - **One run at a time.** A run holds `OUT/.tudi/lock` (an OS file lock,
//!   released when the process ends, however it ends) from before it reads
//!   its inputs until its files are in place; a second run waits.
//! - **No leftovers.** Staging folders of killed runs are removed by the
//!   next run; on SIGINT, SIGTERM or SIGHUP the binary removes its own
//!   (see [`abandon_unfinished`]).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread;

use serde::{Deserialize, Serialize};

use tudi_core::error::{Error, Location, Result};

/// tudi's own folder inside the output folder.
const META: &str = ".tudi";
const MANIFEST: &str = "manifest.json";
const JOURNAL: &str = "commit.json";
const LOCK: &str = "lock";
const STAGE_PREFIX: &str = "stage-";

/// Staging folders of this process not yet committed, for
/// [`abandon_unfinished`]. A commit holds this lock while it moves files,
/// so a signal never cuts a commit short.
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes this process's uncommitted staging folders, waiting for a commit
/// in progress to finish first. For a signal handler that then ends the
/// process: the returned guard keeps any other commit from starting.
pub fn abandon_unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    let mut live = UNFINISHED.lock().unwrap_or_else(|e| e.into_inner());
    for dir in live.drain(..) {
        // Out of the writers' way first: a writer thread still running
        // would otherwise create its next file in the folder while it is
        // being removed, and the folder would stay. The new name keeps the
        // prefix, so a later run removes it if this process dies first.
        let mut gone = dir.clone().into_os_string();
        gone.push(".abandoned");
        let target = match fs::rename(&dir, &gone) {
            Ok(()) => PathBuf::from(gone),
            Err(_) => dir,
        };
        let _ = fs::remove_dir_all(target);
    }
    live
}

/// What makes a file the one tudi wrote, unchanged: renaming keeps all of
/// it; writing into the file (a save, a copy over it) or replacing it
/// does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    modified_ns: u128,
}

fn file_id(meta: &fs::Metadata) -> FileId {
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    FileId {
        dev,
        ino,
        len: meta.len(),
        modified_ns,
    }
}

/// The files the last run put into the output folder.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    written_by: String,
    files: BTreeMap<String, FileId>,
}

/// A commit in progress: the moves that make the staged set the output.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    stage: String,
    files: BTreeMap<String, FileId>,
    /// Files of the last run that this one does not write again.
    remove: Vec<String>,
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes a folder's entries (new names, removed names) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(write_err(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).map_err(write_err(&tmp))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(write_err(&tmp))?;
    fs::rename(&tmp, path).map_err(write_err(path))?;
    sync_dir(path.parent().expect("inside the output folder"))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

/// Pauses after each staged file and each move, so that the end-to-end
/// tests can kill a run at those points (`TUDI_TEST_PAUSE_MS`).
fn test_pause() {
    static PAUSE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("TUDI_TEST_PAUSE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(ms) = pause {
        thread::sleep(std::time::Duration::from_millis(*ms));
    }
}

/// Another run holds the output folder.
#[derive(Debug, Clone)]
pub struct Busy {
    pub out: PathBuf,
    /// The other run's process id, when it could be read.
    pub pid: Option<u32>,
}

/// A staging folder for a new set of outputs; see the module's
/// invariants. Files are written by name with [`Staging::write`] and put
/// into place by [`Staging::commit`]; dropped without a commit, it leaves
/// the output folder as it was.
pub struct Staging {
    out: PathBuf,
    meta: PathBuf,
    dir: PathBuf,
    /// Inputs that must never be replaced (identity and the path, for the
    /// message).
    protect: Vec<(FileId, PathBuf)>,
    /// The output folder, or tudi's folder in it, is this run's: removed
    /// again if the run fails.
    created: bool,
    meta_created: bool,
    /// Held until the process ends or the staging is dropped.
    _lock: fs::File,
    files: Mutex<Vec<String>>,
    /// Each file's flush to disk, on a thread of its own: waiting on the
    /// disk would otherwise idle one of the few workers writing the rest.
    syncs: Mutex<Vec<(PathBuf, thread::JoinHandle<io::Result<()>>)>>,
    committed: bool,
}

impl Staging {
    /// Stages outputs for `out`, waiting silently if another run holds it.
    pub fn new(out: &Path) -> Result<Staging> {
        Staging::guarding(out, &[], &mut |_| {})
    }

    /// Stages outputs for `out` (created when missing). `protect` lists the
    /// run's inputs, never to be replaced; `on_wait` hears once if another
    /// run holds the folder, before this one waits for it. Completes a
    /// killed run's commit and removes killed runs' staging folders first.
    pub fn guarding(
        out: &Path,
        protect: &[PathBuf],
        on_wait: &mut dyn FnMut(&Busy),
    ) -> Result<Staging> {
        if out.exists() && !out.is_dir() {
            return Err(Error::input(
                Location::file(out),
                "the output folder is a file; choose a folder for --out",
            ));
        }
        let created = !out.exists();
        let meta = out.join(META);
        let meta_created = !meta.exists();
        let lock = lock_folder(out, &meta, on_wait)?;

        // What killed runs left: a commit to complete, staging to remove.
        if let Some(journal) = read_json::<Journal>(&meta.join(JOURNAL)) {
            apply(out, &meta, &journal)?;
        }
        let entries = fs::read_dir(&meta).map_err(write_err(&meta))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(STAGE_PREFIX) {
                fs::remove_dir_all(&path).map_err(write_err(&path))?;
            } else if name.ends_with(".tmp") {
                fs::remove_file(&path).map_err(write_err(&path))?;
            }
        }
        remove_legacy_staging(out);

        let dir = meta.join(format!("{STAGE_PREFIX}{}", std::process::id()));
        fs::create_dir(&dir).map_err(write_err(&dir))?;
        UNFINISHED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(dir.clone());
        let protect = protect
            .iter()
            .filter_map(|p| Some((file_id(&fs::metadata(p).ok()?), p.clone())))
            .collect();
        Ok(Staging {
            out: out.to_path_buf(),
            meta,
            dir,
            protect,
            created,
            meta_created,
            _lock: lock,
            files: Default::default(),
            syncs: Default::default(),
            committed: false,
        })
    }

    /// The staging folder, for writers that fill a folder themselves; each
    /// file they make is then recorded with [`Staging::adopt`].
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a file already written into [`Staging::dir`].
    pub fn adopt(&self, name: &str) -> Result<()> {
        let path = self.dir.join(name);
        let file = fs::File::open(&path).map_err(write_err(&path))?;
        self.written(name, path, file);
        Ok(())
    }

    /// Records a finished file and starts flushing it to disk.
    fn written(&self, name: &str, path: PathBuf, file: fs::File) {
        let sync = thread::spawn(move || file.sync_all());
        self.syncs
            .lock()
            .expect("a writer panicked")
            .push((path, sync));
        self.files
            .lock()
            .expect("a writer panicked")
            .push(name.to_string());
        test_pause();
    }

    /// Waits for every file to be on disk.
    fn wait_for_syncs(&mut self) -> Result<()> {
        let syncs = std::mem::take(self.syncs.get_mut().expect("a writer panicked"));
        let mut first_error = None;
        for (path, sync) in syncs {
            let result = sync
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the disk flush panicked")));
            if let (Err(e), None) = (result, &first_error) {
                first_error = Some(write_err(&path)(e));
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Writes one output file (by name) with `fill`.
    pub fn write(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<()> {
        let path = self.dir.join(name);
        let file = fs::File::create(&path).map_err(write_err(&path))?;
        let mut w = io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut w).map_err(write_err(&path))?;
        let file = w
            .into_inner()
            .map_err(|e| write_err(&path)(e.into_error()))?;
        self.written(name, path, file);
        Ok(())
    }

    /// Writes one output file (by name) with a writer that needs a path
    /// (GDAL); the file is synced like the others.
    pub fn write_at(&self, name: &str, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        let path = self.dir.join(name);
        fill(&path)?;
        let file = fs::File::open(&path).map_err(write_err(&path))?;
        self.written(name, path, file);
        Ok(())
    }

    /// Every file in the output folder that a file of this set would
    /// replace but must not: not tudi's, a folder, or an input.
    fn refusals(&self, names: &[String], last: &Manifest) -> Vec<tudi_core::error::Problem> {
        let mut problems = Vec::new();
        for name in names {
            let target = self.out.join(name);
            let Ok(meta) = fs::symlink_metadata(&target) else {
                continue;
            };
            let id = file_id(&meta);
            let message = if let Some((_, input)) = self.protect.iter().find(|(p, _)| *p == id) {
                // the input's own name, where it was reached by another
                let through = input.canonicalize().ok() != target.canonicalize().ok();
                let named = if through {
                    format!(" ({})", input.display())
                } else {
                    String::new()
                };
                format!(
                    "is an input of this run{named}; an output of the same name would replace it: choose another --out"
                )
            } else if meta.is_dir() {
                "is a folder where tudi writes a file of that name: move it away or choose another --out".to_string()
            } else {
                match last.files.get(name) {
                    Some(wrote) if *wrote == id => continue,
                    Some(_) => "was changed since tudi wrote it, so it is not replaced: move it away (or delete it) or choose another --out".to_string(),
                    None => "was not written by tudi (no earlier run into this folder recorded it), so it is never replaced: move it away or choose another --out".to_string(),
                }
            };
            problems.push(tudi_core::error::Problem {
                at: Location::file(target),
                message,
            });
        }
        problems
    }

    /// Puts the staged set into the output folder as one (see the module's
    /// invariants) and returns its files, sorted.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        self.wait_for_syncs()?;
        let mut names = std::mem::take(self.files.get_mut().expect("a writer panicked"));
        names.sort();
        let last: Manifest = read_json(&self.meta.join(MANIFEST)).unwrap_or_default();
        let refusals = self.refusals(&names, &last);
        if !refusals.is_empty() {
            return Err(Error::Input(refusals));
        }
        let mut files = BTreeMap::new();
        for name in &names {
            let path = self.dir.join(name);
            let meta = fs::metadata(&path).map_err(write_err(&path))?;
            files.insert(name.clone(), file_id(&meta));
        }
        let remove = last
            .files
            .keys()
            .filter(|n| !files.contains_key(*n))
            .cloned()
            .collect();
        let journal = Journal {
            stage: self
                .dir
                .file_name()
                .expect("stage-PID")
                .to_string_lossy()
                .into_owned(),
            files,
            remove,
        };
        sync_dir(&self.dir)?;
        {
            let mut live = UNFINISHED.lock().unwrap_or_else(|e| e.into_inner());
            let journal_bytes = serde_json::to_vec(&journal).expect("plain data");
            replace_file(&self.meta.join(JOURNAL), &journal_bytes)?;
            apply(&self.out, &self.meta, &journal)?;
            live.retain(|d| d != &self.dir);
        }
        self.committed = true;
        Ok(names.iter().map(|n| self.out.join(n)).collect())
    }
}

/// Takes the output folder's lock, waiting for another run that holds it.
/// The lock file is created when missing; if a failed run removed it (with
/// the folder it had created) while this one waited, the lock is taken
/// again on the new file.
fn lock_folder(out: &Path, meta: &Path, on_wait: &mut dyn FnMut(&Busy)) -> Result<fs::File> {
    let lock_path = meta.join(LOCK);
    let mut told = false;
    loop {
        fs::create_dir_all(meta).map_err(write_err(meta))?;
        let mut lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(write_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                if !told {
                    let pid = fs::read_to_string(&lock_path)
                        .ok()
                        .and_then(|s| s.trim().parse().ok());
                    on_wait(&Busy {
                        out: out.to_path_buf(),
                        pid,
                    });
                    told = true;
                }
                lock.lock().map_err(write_err(&lock_path))?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(write_err(&lock_path)(e)),
        }
        let held = lock.metadata().map_err(write_err(&lock_path))?;
        let (a, b) = (
            file_id(&held),
            fs::metadata(&lock_path).map(|m| file_id(&m)),
        );
        if b.is_ok_and(|b| (a.dev, a.ino) == (b.dev, b.ino)) {
            lock.set_len(0)
                .and_then(|_| write!(lock, "{}", std::process::id()))
                .map_err(write_err(&lock_path))?;
            return Ok(lock);
        }
    }
}

/// Carries out a written journal; safe to repeat after a kill at any point.
fn apply(out: &Path, meta: &Path, journal: &Journal) -> Result<()> {
    let stage = meta.join(&journal.stage);
    let last: Manifest = read_json(&meta.join(MANIFEST)).unwrap_or_default();
    for name in journal.files.keys() {
        let from = stage.join(name);
        if fs::symlink_metadata(&from).is_ok() {
            let to = out.join(name);
            fs::rename(&from, &to).map_err(write_err(&to))?;
            test_pause();
        }
    }
    for name in &journal.remove {
        // only what is still the file tudi wrote
        let path = out.join(name);
        if let Ok(m) = fs::symlink_metadata(&path) {
            if last.files.get(name) == Some(&file_id(&m)) {
                fs::remove_file(&path).map_err(write_err(&path))?;
            }
        }
    }
    sync_dir(out)?;
    let manifest = Manifest {
        written_by: format!("tudi {}", env!("CARGO_PKG_VERSION")),
        files: journal.files.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&manifest).expect("plain data");
    replace_file(&meta.join(MANIFEST), &bytes)?;
    let journal_path = meta.join(JOURNAL);
    fs::remove_file(&journal_path).map_err(write_err(&journal_path))?;
    sync_dir(meta)?;
    let _ = fs::remove_dir_all(&stage);
    Ok(())
}

/// Earlier versions staged beside the output folder (`.OUT.tudi-PID`);
/// those whose process is gone are removed.
fn remove_legacy_staging(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.tudi-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = entry_name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        // only where the process table can be asked
        let proc = Path::new("/proc");
        if proc.join("self").exists() && !proc.join(pid.to_string()).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.wait_for_syncs();
            let _ = fs::remove_dir_all(&self.dir);
            // nothing of this run stays: not even the folders it made
            if self.created || self.meta_created {
                let _ = fs::remove_dir_all(&self.meta);
            }
            if self.created {
                let _ = fs::remove_dir(&self.out);
            }
            UNFINISHED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|d| d != &self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("tudi-staging-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        root
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_run_leaves_the_output_folder_untouched() {
        let root = root("failed");
        let out = root.join("out");
        {
            let s = Staging::new(&out).unwrap();
            s.write("a.txt", |w| w.write_all(b"x")).unwrap();
            // dropped without commit
        }
        assert!(!out.exists(), "the folder this run made is gone");
        fs::create_dir(&out).unwrap();
        {
            let s = Staging::new(&out).unwrap();
            s.write("a.txt", |w| w.write_all(b"x")).unwrap();
        }
        assert!(
            listing(&out).is_empty(),
            "a folder that was there stays, empty"
        );
        let s = Staging::new(&out).unwrap();
        s.write("a.txt", |w| w.write_all(b"x")).unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"x");
        let s = Staging::new(&out).unwrap();
        s.write("a.txt", |w| w.write_all(b"y")).unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"y");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn files_tudi_did_not_write_are_never_replaced() {
        let root = root("foreign");
        let out = root.join("out");
        fs::create_dir_all(out.join("b.txt")).unwrap();
        fs::write(out.join("a.txt"), b"mine").unwrap();
        fs::write(out.join("input.txt"), b"input").unwrap();
        let s = Staging::guarding(&out, &[out.join("input.txt")], &mut |_| {}).unwrap();
        for name in ["a.txt", "b.txt", "c.txt", "input.txt"] {
            s.write(name, |w| w.write_all(b"new")).unwrap();
        }
        let Err(Error::Input(problems)) = s.commit() else {
            panic!("refused");
        };
        let refused: Vec<_> = problems
            .iter()
            .map(|p| p.at.file.as_ref().unwrap().file_name().unwrap().to_owned())
            .collect();
        assert_eq!(refused, ["a.txt", "b.txt", "input.txt"]);
        assert!(problems[2].message.contains("input"), "{}", problems[2]);
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"mine");
        assert!(!out.join("c.txt").exists(), "nothing moved");
        // once tudi wrote a file, the next run replaces it; and a file of
        // the last run that this one does not write goes
        fs::remove_file(out.join("a.txt")).unwrap();
        let s = Staging::new(&out).unwrap();
        s.write("a.txt", |w| w.write_all(b"1")).unwrap();
        s.write("c.txt", |w| w.write_all(b"1")).unwrap();
        s.commit().unwrap();
        let s = Staging::new(&out).unwrap();
        s.write("a.txt", |w| w.write_all(b"2")).unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"2");
        assert!(!out.join("c.txt").exists());
        // written over by the user: theirs now
        fs::write(out.join("a.txt"), b"edited").unwrap();
        let s = Staging::new(&out).unwrap();
        s.write("a.txt", |w| w.write_all(b"3")).unwrap();
        assert!(s.commit().is_err());
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"edited");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_commit_cut_short_is_completed_by_the_next_run() {
        let root = root("journal");
        let out = root.join("out");
        let s = Staging::new(&out).unwrap();
        s.write("a.txt", |w| w.write_all(b"old")).unwrap();
        s.write("b.txt", |w| w.write_all(b"old")).unwrap();
        s.commit().unwrap();
        // a run killed after its journal and its first move
        let meta = out.join(META);
        let stage = meta.join("stage-4294967");
        fs::create_dir(&stage).unwrap();
        let mut files = BTreeMap::new();
        for name in ["a.txt", "b.txt"] {
            fs::write(stage.join(name), b"new").unwrap();
            files.insert(
                name.to_string(),
                file_id(&fs::metadata(stage.join(name)).unwrap()),
            );
        }
        fs::rename(stage.join("a.txt"), out.join("a.txt")).unwrap();
        let journal = Journal {
            stage: "stage-4294967".into(),
            files,
            remove: vec![],
        };
        fs::write(meta.join(JOURNAL), serde_json::to_vec(&journal).unwrap()).unwrap();
        let s = Staging::new(&out).unwrap();
        assert_eq!(fs::read(out.join("b.txt")).unwrap(), b"new", "completed");
        assert!(!meta.join(JOURNAL).exists() && !stage.exists());
        drop(s);
        // and the completed set counts as tudi's
        let s = Staging::new(&out).unwrap();
        s.write("b.txt", |w| w.write_all(b"newer")).unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("b.txt")).unwrap(), b"newer");
        fs::remove_dir_all(&root).unwrap();
    }
}
