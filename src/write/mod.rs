//! Writing results: RFC 7946 GeoJSON, CSV ledgers Excel opens, JSON
//! summaries; all into a staging folder that replaces the outputs only once
//! everything is written.

pub mod geojson;
pub mod gpkg;
pub mod land;
pub mod ledgers;
pub mod map;
pub mod maps;
pub mod qgis;
pub mod report;
mod rtree;
pub mod styles;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread;

use crate::error::{Error, Result};

/// A staging folder beside the output folder. Files are written there and
/// moved into place by [`Staging::commit`]; if the run fails, nothing in the
/// output folder changes.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    files: Mutex<Vec<String>>,
    /// Each file's flush to disk, on a thread of its own: waiting on the
    /// disk would otherwise idle one of the few workers writing the rest.
    syncs: Mutex<Vec<(PathBuf, thread::JoinHandle<io::Result<()>>)>>,
    committed: bool,
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

impl Staging {
    pub fn new(out: &Path) -> Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(write_err(&parent))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let dir = parent.join(format!(".{name}.tudi-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(write_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(write_err(&dir))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            files: Default::default(),
            syncs: Default::default(),
            committed: false,
        })
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

    /// Moves every written file into the output folder (each rename is
    /// atomic; a new output folder appears whole).
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        self.wait_for_syncs()?;
        // files are written in parallel: list them in a stable order
        let mut files = std::mem::take(self.files.get_mut().expect("a writer panicked"));
        files.sort();
        let written: Vec<PathBuf> = files.iter().map(|f| self.out.join(f)).collect();
        if !self.out.exists() {
            fs::rename(&self.dir, &self.out).map_err(write_err(&self.out))?;
        } else {
            for f in &files {
                let to = self.out.join(f);
                fs::rename(self.dir.join(f), &to).map_err(write_err(&to))?;
            }
            let _ = fs::remove_dir(&self.dir);
        }
        self.committed = true;
        Ok(written)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.wait_for_syncs();
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Escapes text for HTML and XML, in content and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with a fixed count of decimals, as JSON/CSV text (no `-0`).
pub fn fixed(value: f64, decimals: usize) -> String {
    let mut out = Vec::with_capacity(24);
    push_fixed(&mut out, value, decimals);
    String::from_utf8(out).expect("digits are ASCII")
}

/// Appends [`fixed`]`(value, decimals)`: the same text as Rust's
/// `{:.decimals$}` (the exact binary value rounded half to even), minus a
/// `-` on zero. Numbers are most of a GeoJSON file, so the common case
/// rounds `value · 10^decimals` in integers; a product within its rounding
/// error of a half, or too large for that, goes to the formatter.
pub fn push_fixed(out: &mut Vec<u8>, value: f64, decimals: usize) {
    if let Some((negative, units)) = fixed_units(value, decimals) {
        let one = 10u64.pow(decimals as u32);
        if negative && units > 0 {
            out.push(b'-');
        }
        push_u64(out, units / one);
        if decimals > 0 {
            out.push(b'.');
            let mut digits = [b'0'; 9];
            let mut rest = units % one;
            for d in digits[..decimals].iter_mut().rev() {
                *d = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            out.extend_from_slice(&digits[..decimals]);
        }
        return;
    }
    let s = format!("{value:.decimals$}");
    let negative_zero = s.starts_with('-') && s[1..].bytes().all(|c| c == b'0' || c == b'.');
    out.extend_from_slice(if negative_zero {
        &s.as_bytes()[1..]
    } else {
        s.as_bytes()
    });
}

/// The number [`fixed`]`(value, decimals)` prints, as an `f64` (what
/// parsing that text gives): an exact integer divided by an exact power of
/// ten is correctly rounded, as parsing is.
pub fn round_fixed(value: f64, decimals: usize) -> f64 {
    match fixed_units(value, decimals) {
        Some((_, 0)) => 0.0,
        Some((negative, units)) => {
            let v = units as f64 / 10f64.powi(decimals as i32);
            if negative {
                -v
            } else {
                v
            }
        }
        None => fixed(value, decimals).parse().unwrap_or(value),
    }
}

/// `|value| · 10^decimals` rounded to an integer, with the sign, when that
/// is certain to be how the exact value rounds; `None` otherwise.
fn fixed_units(value: f64, decimals: usize) -> Option<(bool, u64)> {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    if decimals >= POW10.len() || !value.is_finite() {
        return None;
    }
    let scaled = value.abs() * POW10[decimals];
    // |scaled − exact| ≤ scaled · 2⁻⁵³: away from a half by more than
    // that, the exact value rounds the same way.
    let fraction = scaled - scaled.floor();
    (scaled < 4e15 && (fraction - 0.5).abs() > scaled * f64::EPSILON + f64::MIN_POSITIVE)
        .then(|| (value < 0.0, scaled.round() as u64))
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Writes a CSV that Excel opens with Chinese text intact: UTF-8 with BOM.
pub fn csv_with_bom(
    w: &mut dyn Write,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut c = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    c.write_record(header)?;
    for row in rows {
        c.write_record(&row)?;
    }
    c.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_decimals_never_print_negative_zero() {
        assert_eq!(fixed(1.23456, 4), "1.2346");
        assert_eq!(fixed(-0.00001, 4), "0.0000");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(fixed(-0.0, 7), "0.0000000");
        assert_eq!(fixed(f64::NAN, 2), "NaN");
    }

    /// The integer fast path prints what Rust's formatter prints, ties and
    /// near-ties included, for seeded random values at every scale.
    #[test]
    fn fixed_matches_the_formatter_everywhere() {
        let reference = |v: f64, d: usize| {
            let s = format!("{v:.d$}");
            if s.starts_with('-') && s[1..].bytes().all(|c| c == b'0' || c == b'.') {
                s[1..].to_string()
            } else {
                s
            }
        };
        let mut seed = 2020u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed
        };
        let mut values = vec![
            0.5,
            1.5,
            2.5,
            -2.5,
            0.125,
            0.375,
            1e15,
            4e15,
            9.99999995,
            120.00000005,
            1e300,
            5e-324,
        ];
        for _ in 0..200_000 {
            let bits = next();
            let mantissa = (bits >> 11) as f64 / (1u64 << 53) as f64;
            let exponent = (next() % 40) as i32 - 20;
            let sign = if bits & 1 == 0 { 1.0 } else { -1.0 };
            values.push(sign * mantissa * 10f64.powi(exponent));
            // ties and near-ties at a few decimals
            let k = (next() % 1_000_000) as f64;
            values.push((k + 0.5) / 10f64.powi((next() % 8) as i32));
        }
        for v in values {
            for d in [0, 1, 2, 4, 7, 9] {
                let text = reference(v, d);
                assert_eq!(fixed(v, d), text, "{v:e} to {d} decimals");
                let parsed: f64 = text.parse().unwrap();
                assert_eq!(
                    round_fixed(v, d).to_bits(),
                    parsed.to_bits(),
                    "{v:e} to {d}"
                );
            }
        }
    }

    #[test]
    fn a_failed_run_leaves_the_output_folder_untouched() {
        let root = std::env::temp_dir().join(format!("tudi-staging-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let out = root.join("out");
        {
            let s = Staging::new(&out).unwrap();
            s.write("a.txt", |w| w.write_all(b"x")).unwrap();
            // dropped without commit
        }
        assert!(!out.exists());
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "staging removed");
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
}
