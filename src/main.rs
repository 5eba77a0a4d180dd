//! The `tudi` command line: a thin layer over the library. Exit codes: 0
//! success, 2 bad input or usage, 1 anything else.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::ProgressBar;

use tudi_core::config::Project;
use tudi_core::date::Date;
use tudi_core::outcome::{Outcome, Stage};
use tudi_core::vocab::Lang;
use tudi_write::report::ReportOptions;

mod init;

// A million parcels are millions of small allocations, freed from other
// threads than made them; mimalloc handles that pattern better than glibc.
// (`--features system-alloc` builds with the system's, for heaptrack.)
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (mimalloc.h),
/// which libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A run allocates and frees in waves (read, analyse, write). By default
/// mimalloc hands pages freed for a moment back to the OS, and the kernel
/// zeroes them again when the next wave touches them: a fifth of a
/// million-parcel run's time. A run is one batch that ends soon: it keeps
/// them (measured: the same peak, a quarter less time). A
/// `MIMALLOC_PURGE_DELAY` in the environment wins.
fn keep_freed_pages() {
    purge_after(-1);
}

/// A run that reads its parcels in parts is one whose memory must stay
/// bounded: freed pages go back after 100 ms (10 million parcels: 3.7
/// instead of 4.2 GB at the peak, for 7 % more time).
fn return_freed_pages() {
    purge_after(100);
}

fn purge_after(ms: std::ffi::c_long) {
    if cfg!(feature = "system-alloc") || std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets an option of the allocator this binary links; no
    // pointer is passed
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
}

#[derive(Parser)]
#[command(
    name = "tudi",
    version,
    about = "土地: scattered industrial land, remediation targets and vacated land for county planners"
)]
struct Cli {
    /// No progress and no report on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// `--county`, of `tudi run` and `tudi map`.
#[derive(clap::Args)]
struct CountyArg {
    /// Run one county of a project spanning several (its 6-digit code,
    /// the start of its ZLDWDM): what the whole run counts in it, with its
    /// own goals; blocks and vacated land across its border are cut there.
    #[arg(long, value_parser = parse_county)]
    county: Option<String>,
}

/// `--part`, of `tudi run` and `tudi map`.
#[derive(clap::Args)]
struct PartArg {
    /// Read the parcels this many at a time, each part measured and
    /// surveyed as it is read, so that memory follows the part and not
    /// the area (a plain GeoPackage parcel layer; others are read whole).
    /// The outputs are the same for any part; 0 reads all at once.
    #[arg(long, value_name = "PARCELS", default_value_t = 1_000_000)]
    part: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Run every analysis of a project and write the outputs.
    Run {
        /// The project file (TOML).
        project: PathBuf,
        /// Output folder (created; files in it are replaced atomically).
        #[arg(long, short)]
        out: PathBuf,
        /// Print the time each stage took to stderr.
        #[arg(long)]
        timings: bool,
        /// Report date for deadlines (YYYY-MM-DD; default: the project's
        /// `as_of`, else today).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Language of report.html and map.svg: zh or en.
        #[arg(long, default_value = "zh")]
        lang: Lang,
        #[command(flatten)]
        county: CountyArg,
        #[command(flatten)]
        part: PartArg,
    },
    /// Draw the district map (as report.html shows it) to a PNG or SVG
    /// file, for slides and documents.
    Map {
        /// The project file (TOML).
        project: PathBuf,
        /// The image: .png or .svg.
        #[arg(long, short)]
        out: PathBuf,
        /// Width in pixels (200 to 16000).
        #[arg(long, default_value_t = 1600, value_parser = clap::value_parser!(u32).range(200..=16000))]
        width: u32,
        /// Language of the labels: zh or en.
        #[arg(long, default_value = "zh")]
        lang: Lang,
        /// Report date for deadlines (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        #[command(flatten)]
        county: CountyArg,
        #[command(flatten)]
        part: PartArg,
    },
    /// Check a project's layers, CRSs, fields and geometries; print every
    /// problem at once (many alike as one line).
    Check {
        /// The project file (TOML).
        project: PathBuf,
        /// List every problem and warning on its own line, none grouped.
        #[arg(long)]
        all: bool,
    },
    /// Write DIR/project.toml from the files in DIR: which is the parcel
    /// layer, the ledger and the others, each one's CRS, encoding and
    /// fields; what it cannot tell it asks in `# ?` comments.
    Init {
        /// The folder holding the layers (GeoPackage, Shapefile, GeoJSON,
        /// FileGDB .gdb, CSV, Excel…).
        dir: PathBuf,
        /// Replace an existing project.toml.
        #[arg(long)]
        force: bool,
    },
    /// Ellipsoidal area (CGCS2000) of each polygon of a file, as CSV.
    Area {
        /// A polygon layer: GeoPackage, Shapefile, GeoJSON, FileGDB, any
        /// format GDAL reads.
        file: PathBuf,
        /// The layer inside a multi-layer file (default: its only layer).
        #[arg(long)]
        layer: Option<String>,
        /// CRS when the file has none, or to override it.
        #[arg(long)]
        crs: Option<String>,
        /// Field to use as the id (default: the feature number).
        #[arg(long)]
        id: Option<String>,
    },
    /// Run the whole analysis on the sample district in data/.
    Demo {
        /// Output folder (created; files in it are replaced atomically).
        #[arg(long, short, default_value = "tudi-demo")]
        out: PathBuf,
        /// Report date for deadlines (default: the sample's, 2020-12-31).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Language of report.html and map.svg: zh or en.
        #[arg(long, default_value = "zh")]
        lang: Lang,
    },
    /// Generate a seeded synthetic district (for samples and benchmarks).
    Synth {
        /// Seed of the generator: the same seed and sizes give the same
        /// district, byte for byte.
        #[arg(long, default_value_t = 2020)]
        seed: u64,
        /// Number of parcels (at least 1000).
        #[arg(long, default_value_t = 6000)]
        parcels: usize,
        /// Number of enterprises (default: a tenth of the parcels).
        #[arg(long)]
        enterprises: Option<usize>,
        /// Folder to write the district's layers and project.toml into.
        #[arg(long, short)]
        out: PathBuf,
        /// Counties to divide the district into (each whole townships,
        /// under real Zhejiang county codes); above 1, counties.geojson
        /// and per-county goals are written too.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=tudi_synth::MAX_COUNTIES as i64))]
        counties: u8,
    },
}

fn main() -> ExitCode {
    keep_freed_pages();
    let cli = Cli::parse();
    tudi_read::silence_gdal();
    clean_up_on_signals();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // a reader that stopped reading (`tudi area … | head`) is not an error
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tudi: {e:#}");
            let input = e.chain().any(|c| {
                c.downcast_ref::<tudi_core::error::Error>()
                    .is_some_and(|e| e.is_input())
            });
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// On SIGINT, SIGTERM or SIGHUP: remove the unfinished staging folder (a
/// commit in progress finishes first), then end as the signal would.
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _held = tudi_write::abandon_unfinished();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
}

fn spinner(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            project,
            out,
            timings,
            as_of,
            lang,
            county,
            part,
        } => run_project(
            &project,
            &out,
            cli.quiet,
            timings,
            &Scope {
                as_of,
                county: county.county,
                part: part.part,
            },
            lang,
        ),
        Command::Check { project, all } => check(&project, all, cli.quiet),
        Command::Init { dir, force } => {
            let written = init::init(&dir, force)?;
            if !cli.quiet {
                for (role, file) in &written.found {
                    eprintln!("{role}: {file}");
                }
                let p = written.path.display();
                if written.questions > 0 {
                    eprintln!(
                        "wrote {p} with {} question(s) (lines starting \"# ?\"): answer them, then tudi check {p}",
                        written.questions
                    );
                } else {
                    eprintln!("wrote {p}; read it through, then: tudi check {p}");
                }
            }
            Ok(())
        }
        Command::Area {
            file,
            layer,
            crs,
            id,
        } => area(file, layer, crs, id),
        Command::Demo { out, as_of, lang } => run_project(
            &demo_project()?,
            &out,
            cli.quiet,
            false,
            &Scope {
                as_of,
                county: None,
                part: 0,
            },
            lang,
        ),
        Command::Map {
            project,
            out,
            width,
            lang,
            as_of,
            county,
            part,
        } => map(
            &project,
            &out,
            width,
            lang,
            &Scope {
                as_of,
                county: county.county,
                part: part.part,
            },
            cli.quiet,
        ),
        Command::Synth {
            seed,
            parcels,
            enterprises,
            out,
            counties,
        } => {
            let report = tudi_synth::generate(&tudi_synth::SynthOptions {
                seed,
                parcels,
                enterprises,
                out: out.clone(),
                counties: counties.into(),
            })?;
            if !cli.quiet {
                eprintln!(
                    "{} parcels and {} enterprises (seed {seed}) in {}; run it with: tudi run {} --out OUT",
                    report.parcels,
                    report.enterprises,
                    out.display(),
                    out.join("project.toml").display()
                );
            }
            Ok(())
        }
    }
}

/// The sample project: `data/` beside the executable's source tree, or in
/// the working folder.
fn demo_project() -> anyhow::Result<PathBuf> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        PathBuf::from("data/project.toml"),
    ];
    candidates.into_iter().find(|p| p.exists()).context(
        "the sample district (data/project.toml) is not here; run tudi demo from the tudi checkout",
    )
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("'{s}' is not a date (write it as 2020-12-31)"))
}

fn parse_county(s: &str) -> Result<String, String> {
    if tudi_core::model::is_county_code(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' is not a county code (6 digits, the start of ZLDWDM, e.g. 330411)"
        ))
    }
}

/// What a run analyses, as its flags say.
struct Scope {
    /// The report date, over the project's.
    as_of: Option<Date>,
    /// One county of several.
    county: Option<String>,
    /// Parcels read at a time (0: all at once).
    part: usize,
}

/// Loads a project and runs every analysis as `scope` says. A county's
/// run loads the whole project and cuts it down; any other reads the
/// parcels in parts.
fn analyse(mut project: Project, scope: &Scope, bar: &ProgressBar) -> anyhow::Result<Outcome> {
    if let Some(d) = scope.as_of {
        project.project.as_of = d;
    }
    project.county = scope.county.clone();
    bar.set_message(format!("{}…", Stage::Read.name()));
    let clock = std::time::Instant::now();
    let (model, surveyed) = if project.county.is_some() {
        let model = tudi_read::load::load(&project)?;
        let mut model = tudi_core::analysis::county::restrict(&mut project, model)?;
        let surveyed = tudi_core::analysis::survey(&project, &mut model);
        (model, surveyed)
    } else {
        tudi_read::load::load_surveyed(&project, scope.part, &mut |k, n| {
            if k == 1 {
                return_freed_pages();
            }
            bar.set_message(format!("{}… part {k} of {n}", Stage::Read.name()))
        })?
    };
    let read = clock.elapsed();
    let mut outcome =
        tudi_core::analysis::run_surveyed(project, model, surveyed, &mut |s: Stage| {
            bar.set_message(format!("{}…", s.name()))
        });
    outcome.timings.insert(0, (Stage::Read, read));
    Ok(outcome)
}

fn map(
    project: &Path,
    out: &Path,
    width: u32,
    lang: Lang,
    scope: &Scope,
    quiet: bool,
) -> anyhow::Result<()> {
    let png = match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") => true,
        Some(e) if e.eq_ignore_ascii_case("svg") => false,
        _ => {
            return Err(tudi_core::error::Error::input(
                tudi_core::error::Location::file(out),
                "the map is written as .png or .svg",
            )
            .into())
        }
    };
    let project = Project::load(project)?;
    if let Some(input) = project.inputs().iter().find(|i| same_file(i, out)) {
        return Err(tudi_core::error::Error::input(
            tudi_core::error::Location::file(out),
            format!(
                "is an input of the project ({}); the map would replace it: choose another --out",
                input.display()
            ),
        )
        .into());
    }
    let bar = spinner(quiet);
    let outcome = analyse(project, scope, &bar)?;
    bar.set_message("draw…");
    let map = tudi_write::map::district_map(&outcome, lang, width);
    let bytes = if png {
        tudi_write::map::render_png(&map.svg)?
    } else {
        map.svg.into_bytes()
    };
    // Written beside the target and renamed over it: never half an image.
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let tmp = out.with_extension(format!("tudi-{}.tmp", std::process::id()));
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    bar.finish_and_clear();
    if !quiet {
        eprintln!(
            "wrote {} ({:.0}×{:.0} px, {} KB)",
            out.display(),
            map.width,
            map.height,
            bytes.len().div_ceil(1024)
        );
    }
    std::mem::forget(outcome);
    Ok(())
}

fn run_project(
    project: &Path,
    out: &Path,
    quiet: bool,
    timings: bool,
    scope: &Scope,
    lang: Lang,
) -> anyhow::Result<()> {
    let project = Project::load(project)?;
    // The output folder is held from before the inputs are read: a second
    // run into it waits here, and nothing of it is replaced unless this
    // run's whole set is written.
    let staging = tudi_write::Staging::guarding(out, &project.inputs(), &mut |busy| {
        if !quiet {
            let who = busy
                .pid
                .map_or(String::new(), |p| format!(" (process {p})"));
            eprintln!(
                "tudi: another run{who} is writing into {}; waiting for it to finish",
                busy.out.display()
            );
        }
    })?;
    let bar = spinner(quiet);
    let mut outcome = analyse(project, scope, &bar)?;
    bar.set_message("write…");
    let clock = std::time::Instant::now();
    let files = tudi_write::outputs::write_outputs_with(
        &outcome,
        staging,
        &ReportOptions {
            lang,
            ..Default::default()
        },
    )?;
    outcome.timings.push((Stage::Write, clock.elapsed()));
    bar.finish_and_clear();
    if timings {
        for (stage, d) in &outcome.timings {
            let parts = match (stage, outcome.read_in) {
                (Stage::Read, n) if n > 1 => format!("  ({n} parts)"),
                _ => String::new(),
            };
            eprintln!("{:<8} {:>8.3} s{parts}", stage.name(), d.as_secs_f64());
        }
    }
    if !quiet {
        let s = outcome.summary();
        eprintln!(
            "{} parcels ({:.2} mu), {} industrial blocks, {} scattered parcels in {} blocks ({:.2} mu); {} enterprises, {} unlocated, {} targets",
            s.parcels.count,
            s.parcels.area_mu,
            s.blocks.count,
            s.scattered.parcels,
            s.scattered.blocks,
            s.scattered.area_mu,
            s.enterprises.count,
            s.enterprises.unlocated,
            s.enterprises.targets
        );
        if s.parks.count > 0 {
            eprintln!(
                "{} parks ({:.2} mu, {:.0} m² floor area, aggregate FAR {:.2}, mean FAR {:.2}, {} under the minimum)",
                s.parks.count,
                s.parks.land_mu,
                s.parks.floor_area_m2,
                s.parks.aggregate_far,
                s.parks.mean_far,
                s.parks.below_min
            );
        }
        if let Some(v) = &s.vacated {
            eprintln!(
                "vacated {:.2} mu ({:.2} effective, contiguity {:.1}%); checks: {} overlaps, {} claim mismatches, {} occupied, {} undated, {} outside",
                v.gross_mu,
                v.effective_mu,
                v.contiguity_rate * 100.0,
                v.overlaps,
                v.claim_mismatches,
                v.occupied,
                v.undated,
                v.outside
            );
        }
        if s.overdue > 0 {
            eprintln!("{} targets overdue on {}", s.overdue, s.as_of);
        }
        let warnings = outcome.warnings(false);
        for w in warnings.iter().take(10) {
            eprintln!("warning: {w}");
        }
        if warnings.len() > 10 {
            eprintln!("… {} more warnings in summary.json", warnings.len() - 10);
        }
        eprintln!("wrote {} files to {}", files.len(), out.display());
    }
    // The process ends here: the OS takes back a million parcels at once,
    // far faster than dropping them one by one.
    std::mem::forget(outcome);
    Ok(())
}

/// Whether two paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn check(project: &Path, all: bool, quiet: bool) -> anyhow::Result<()> {
    let in_full = |e: tudi_core::error::Error| if all { e.listed_in_full() } else { e };
    // the questions `tudi init` left are what to fix first
    let text = std::fs::read_to_string(project).unwrap_or_default();
    for (n, q) in text.lines().enumerate() {
        if let Some(q) = q.strip_prefix(init::QUESTION) {
            eprintln!(
                "tudi: {}, line {}: tudi init asks:{q}",
                project.display(),
                n + 1
            );
        }
    }
    let project = Project::load(project).map_err(in_full)?;
    let model = tudi_read::load::load(&project).map_err(in_full)?;
    if !quiet {
        let mut err = std::io::stderr().lock();
        for l in &model.layers {
            writeln!(
                err,
                "{}: {} features, CRS {} ({})",
                l.role, l.features, l.crs, l.at
            )?;
        }
        for w in tudi_core::error::lines(&model.warnings, all) {
            writeln!(err, "warning: {w}")?;
        }
        writeln!(err, "no problems found")?;
    }
    Ok(())
}

fn area(
    file: PathBuf,
    layer: Option<String>,
    crs: Option<String>,
    id: Option<String>,
) -> anyhow::Result<()> {
    let source = tudi_read::Source {
        path: file,
        layer,
        crs,
        given_by: tudi_read::GivenBy::Flags,
        ..Default::default()
    };
    let (rows, warnings) = tudi_read::area::areas(&source, id.as_deref())?;
    for w in tudi_core::error::lines(&warnings, false) {
        eprintln!("warning: {w}");
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "id,area_m2,area_mu")?;
    for r in rows {
        writeln!(
            out,
            "{},{},{}",
            csv_field(&tudi_write::excel_safe(&r.id)),
            tudi_write::fixed(r.area_m2, 4),
            tudi_write::fixed(r.area_mu, 6)
        )?;
    }
    out.flush()?;
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every argument of every command says what it is in `--help`.
    #[test]
    fn every_argument_has_a_help_text() {
        let cli = Cli::command();
        let mut missing = Vec::new();
        for command in std::iter::once(&cli).chain(cli.get_subcommands()) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{} {}", command.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
