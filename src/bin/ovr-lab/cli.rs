//! The command-line interface proper (native only).

use clap::{Arg, ArgAction, ArgMatches, Command};
use ovr_lab::experiment::config::{settings, BUNDLED_DATASETS};
use ovr_lab::experiment::{self, Config, Mode, Report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

fn cli() -> Command {
    let mut run = Command::new("run")
        .about(
            "Train the approaches side by side and report (every setting of the schema is a flag)",
        )
        .arg(
            Arg::new("json")
                .long("json")
                .value_name("PATH")
                .help("Write the results document here"),
        )
        .arg(
            Arg::new("data-dir")
                .long("data-dir")
                .value_name("DIR")
                .help("Where bundled datasets live (default: www/data of the checkout)"),
        )
        .arg(
            Arg::new("threads")
                .long("threads")
                .value_name("N")
                .value_parser(clap::value_parser!(usize))
                .help("Models trained at once (default: all cores)"),
        )
        .arg(
            Arg::new("quiet")
                .long("quiet")
                .short('q')
                .action(ArgAction::SetTrue)
                .help("No progress on stderr"),
        );
    for s in settings() {
        // The flag is the URL and results name (e.g. --train_per_class); the hyphenated form
        // works too.
        let mut arg = Arg::new(s.name)
            .long(s.name)
            .value_name("VALUE")
            .help(format!(
                "{} (default: {}) {}",
                s.label,
                if s.default.is_empty() {
                    "all"
                } else {
                    &s.default
                },
                s.help
            ));
        let hyphen = s.name.replace('_', "-");
        if hyphen != s.name {
            let hyphen: &'static str = Box::leak(hyphen.into_boxed_str());
            arg = arg.visible_alias(hyphen);
        }
        run = run.arg(arg);
    }
    Command::new("ovr-lab")
        .about("One network per class, or one network for all? Train both and see.")
        .subcommand_required(true)
        .subcommand(run)
        .subcommand(
            Command::new("datasets")
                .about("List the datasets this checkout can load")
                .arg(Arg::new("data-dir").long("data-dir").value_name("DIR")),
        )
        .subcommand(Command::new("schema").about("Print the configuration schema as JSON"))
        .subcommand(
            Command::new("bench")
                .about("Engine speed on REF-CNN (one JSON line)")
                .arg(Arg::new("model").long("model").default_value("ref-cnn"))
                .arg(
                    Arg::new("batch")
                        .long("batch")
                        .default_value("32")
                        .value_parser(clap::value_parser!(usize)),
                )
                .arg(
                    Arg::new("seconds")
                        .long("seconds")
                        .default_value("5")
                        .value_parser(clap::value_parser!(f64)),
                ),
        )
}

fn data_dir(m: &ArgMatches) -> PathBuf {
    if let Some(d) = m.get_one::<String>("data-dir") {
        return PathBuf::from(d);
    }
    let here = PathBuf::from("www/data");
    if here.is_dir() {
        return here;
    }
    // From target/release/ovr-lab back to the checkout.
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.parent()?
                .parent()?
                .parent()
                .map(|root| root.join("www/data"))
        })
        .filter(|p| p.is_dir())
        .unwrap_or(here)
}

/// A bundled name, `shapes`, or a path to a dataset file.
fn load_dataset(cfg: &Config, dir: &Path) -> Result<ovr_lab::data::Dataset, String> {
    if cfg.dataset == "shapes" {
        return experiment::shapes_dataset(cfg);
    }
    let path = match ovr_lab::data::BUNDLED
        .iter()
        .find(|(name, _)| *name == cfg.dataset)
    {
        Some((_, file)) => dir.join(file),
        None => PathBuf::from(&cfg.dataset),
    };
    if !path.exists() {
        return Err(format!("dataset '{}' is neither a bundled set ({}), 'shapes', nor an existing file (looked in {})", cfg.dataset, BUNDLED_DATASETS.join(", "), dir.display()));
    }
    ovr_lab::data::load_file(&path, cfg.seed).map_err(|e| e.to_string())
}

fn table(report: &Report) -> String {
    let mut out = format!(
        "{} · {} classes · {} train / {} test images\n",
        report.dataset.name,
        report.dataset.class_names.len(),
        report.dataset.train_count,
        report.dataset.test_count
    );
    let seeds = report.config.seeds;
    out += &format!(
        "{:<14} {:>6} {:>17} {:>10} {:>12} {:>10} {:>8}  notes\n",
        "approach",
        "models",
        if seeds > 1 {
            "test acc ± sd"
        } else {
            "test acc (1 run)"
        },
        "params",
        "MFLOP/img",
        "train s",
        "ECE"
    );
    for a in report.approaches.values() {
        let acc = if a.curve.is_empty() {
            "—".to_string()
        } else if seeds > 1 {
            format!(
                "{:.2}% ± {:.2}",
                100.0 * a.test_accuracy,
                100.0 * a.test_accuracy_std
            )
        } else {
            format!("{:.2}%", 100.0 * a.test_accuracy)
        };
        let mut notes = Vec::new();
        if !a.collapsed.is_empty() {
            notes.push(format!("{} collapsed", a.collapsed.len()));
        }
        if !a.diverged.is_empty() {
            notes.push(format!("{} diverged", a.diverged.len()));
        }
        out += &format!(
            "{:<14} {:>6} {:>17} {:>10} {:>12.2} {:>10.1} {:>8.3}  {}\n",
            a.id,
            a.models,
            acc,
            a.params,
            a.flops_per_image as f64 / 1e6,
            a.train_seconds,
            a.calibration_ece,
            notes.join(", ")
        );
    }
    if let Some(s) = &report.similarity {
        if let (Some(w), Some(w0)) = (s.ovr_within, s.ovr_within_init) {
            out += &format!("filter similarity between ovr models: {w:.3} trained, {w0:.3} at init; random pairs {:.3}–{:.3}\n", s.random_pairs[0], s.random_pairs[2]);
        }
    }
    for n in &report.notes {
        out += &format!("note: {n}\n");
    }
    out
}

fn run(m: &ArgMatches) -> Result<(), String> {
    let pairs: Vec<(String, String)> = settings()
        .iter()
        .filter_map(|s| {
            m.get_one::<String>(s.name)
                .map(|v| (s.name.to_string(), v.clone()))
        })
        .collect();
    let (cfg, _) = Config::from_pairs(&pairs, Mode::Strict)?;
    cfg.validate()?;
    let data = load_dataset(&cfg, &data_dir(m))?;
    let data = Arc::new(experiment::prepare(&cfg, &data)?);
    let plans = experiment::jobs(&cfg, &data)?;
    let threads = m
        .get_one::<usize>("threads")
        .copied()
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let quiet = m.get_flag("quiet");
    let start = Instant::now();
    let now = || start.elapsed().as_secs_f64();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = plans.len();
    let on_done = |r: &experiment::ModelResult| {
        let d = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if !quiet {
            let width = 30;
            let filled = width * d / total;
            eprint!(
                "\r[{}{}] {d}/{total} models · {:.1} s · last: {} ({:.1} s)   ",
                "#".repeat(filled),
                ".".repeat(width - filled),
                now(),
                r.plan.label,
                r.train_seconds
            );
        }
    };
    let report = experiment::run_all(&cfg, data, threads, &now, &on_done)?;
    if !quiet {
        eprintln!("\ndone in {:.1} s on {threads} thread(s)", now());
    }
    print!("{}", table(&report));
    if let Some(path) = m.get_one::<String>("json") {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(())
}

fn datasets(m: &ArgMatches) -> Result<(), String> {
    let dir = data_dir(m);
    println!(
        "{:<12} {:>8} {:>8} {:>9}  classes",
        "name", "train", "test", "size"
    );
    for (name, file) in ovr_lab::data::BUNDLED {
        match ovr_lab::data::load_file(&dir.join(file), 1) {
            Ok(d) => println!(
                "{name:<12} {:>8} {:>8} {:>9}  {}",
                d.train.count(),
                d.test.count(),
                format!("{}×{}×{}", d.height, d.width, d.channels),
                d.class_names.join(", ")
            ),
            Err(e) => println!("{name:<12} unavailable: {e}"),
        }
    }
    println!(
        "{:<12} {:>8} {:>8} {:>9}  generated from a seed (--shapes_* settings)",
        "shapes", "-", "-", "16–32 px"
    );
    println!("or a path to an IMDS (.bin / .bin.gz) or NumPy .npz file");
    Ok(())
}

pub fn main() -> ExitCode {
    let matches = cli().get_matches();
    let result = match matches.subcommand() {
        Some(("run", m)) => run(m),
        Some(("datasets", m)) => datasets(m),
        Some(("schema", _)) => serde_json::to_string_pretty(&settings())
            .map(|s| println!("{s}"))
            .map_err(|e| e.to_string()),
        Some(("bench", m)) => {
            let start = Instant::now();
            let now = || start.elapsed().as_secs_f64();
            ovr_lab::bench::run(
                m.get_one::<String>("model").unwrap(),
                *m.get_one::<usize>("batch").unwrap(),
                *m.get_one::<f64>("seconds").unwrap(),
                &now,
            )
            .map(|r| println!("{}", serde_json::to_string(&r).unwrap()))
        }
        _ => unreachable!("a subcommand is required"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ovr-lab: {e}");
            ExitCode::from(2)
        }
    }
}
