//! Generate a synthetic district until `tudi synth` is wired:
//! `cargo run --release --example synth -- SEED PARCELS OUT [ENTERPRISES]`.
//! The committed sample is `-- 20200 6000 data`.

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: synth SEED PARCELS OUT [ENTERPRISES]";
    let seed: u64 = args
        .first()
        .ok_or_else(|| anyhow::anyhow!(usage))?
        .parse()?;
    let parcels: usize = args.get(1).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let out = args.get(2).ok_or_else(|| anyhow::anyhow!(usage))?.into();
    let enterprises = args.get(3).map(|s| s.parse()).transpose()?;
    let t = std::time::Instant::now();
    let report = tudi::synth::generate(&tudi::synth::SynthOptions {
        seed,
        parcels,
        enterprises,
        out,
    })?;
    eprintln!(
        "{} parcels, {} enterprises in {:.2} s",
        report.parcels,
        report.enterprises,
        t.elapsed().as_secs_f64()
    );
    for f in &report.files {
        eprintln!("  {}", f.display());
    }
    println!("{:#?}", report.inventory);
    Ok(())
}
