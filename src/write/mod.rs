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

use crate::error::{Error, Result};

/// A staging folder beside the output folder. Files are written there and
/// moved into place by [`Staging::commit`]; if the run fails, nothing in the
/// output folder changes.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    files: std::sync::Mutex<Vec<String>>,
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
            committed: false,
        })
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
        file.sync_all().map_err(write_err(&path))?;
        self.files
            .lock()
            .expect("a writer panicked")
            .push(name.to_string());
        Ok(())
    }

    /// Writes one output file (by name) with a writer that needs a path
    /// (GDAL); the file is synced like the others.
    pub fn write_at(&self, name: &str, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        let path = self.dir.join(name);
        fill(&path)?;
        fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(write_err(&path))?;
        self.files
            .lock()
            .expect("a writer panicked")
            .push(name.to_string());
        Ok(())
    }

    /// Moves every written file into the output folder (each rename is
    /// atomic; a new output folder appears whole).
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
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
    let s = format!("{value:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
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
