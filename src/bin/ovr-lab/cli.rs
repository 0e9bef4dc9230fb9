//! The command-line interface proper (native only).

use crate::progress::Bars;
use crate::table::table;
use clap::{Arg, ArgAction, ArgMatches, Command};
use ovr_lab::data::{bundled, Dataset, BUNDLED};
use ovr_lab::error::{Error, Result};
use ovr_lab::experiment::config::settings;
use ovr_lab::experiment::scenarios::{scenario, scenarios};
use ovr_lab::experiment::stats::points;
use ovr_lab::experiment::{self, Config, Mode, Report, RunSession};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

fn run_command() -> Command {
    let mut run = Command::new("run")
        .about("Train the approaches side by side and report (every setting of the schema is a flag)")
        .arg(Arg::new("json").long("json").value_name("PATH").help("Write the results document here"))
        .arg(Arg::new("scenario").long("scenario").value_name("NAME").help("Start from a named scenario (`ovr-lab scenarios` lists them); flags given too override its settings"))
        .arg(Arg::new("data-dir").long("data-dir").value_name("DIR").help("Where bundled datasets live (default: www/data of the checkout)"))
        .arg(Arg::new("threads").long("threads").value_name("N").value_parser(clap::value_parser!(usize)).help("Models trained at once (default: all cores)"))
        .arg(Arg::new("quiet").long("quiet").short('q').action(ArgAction::SetTrue).help("No progress on stderr"));
    for s in settings() {
        // The flag is the URL and results name (e.g. --train_per_class); the hyphenated form works too.
        let default = if s.default.is_empty() {
            "none"
        } else {
            &s.default
        };
        let mut arg = Arg::new(s.name)
            .long(s.name)
            .value_name("VALUE")
            .help(format!("{} (default: {default}) {}", s.label, s.help));
        let hyphen = s.name.replace('_', "-");
        if hyphen != s.name {
            arg = arg.visible_alias(&*Box::leak(hyphen.into_boxed_str()));
        }
        run = run.arg(arg);
    }
    run
}

fn cli() -> Command {
    Command::new("ovr-lab")
        .about("One network per class, or one network for all? Train both and see.")
        .subcommand_required(true)
        .subcommand(run_command())
        .subcommand(
            Command::new("show")
                .about("Print the table of a results document")
                .arg(Arg::new("path").required(true)),
        )
        .subcommand(
            Command::new("datasets")
                .about("List the datasets this checkout can load")
                .arg(Arg::new("data-dir").long("data-dir").value_name("DIR")),
        )
        .subcommand(Command::new("scenarios").about("List the named scenarios"))
        .subcommand(
            Command::new("sweep")
                .about("Accuracy and cost against the number of classes, from one results document per K, with the cost of K = 1000 extrapolated")
                .arg(Arg::new("json").long("json").value_name("PATH").required(true).help("Write the sweep here"))
                .arg(Arg::new("to").long("to").default_value("1000").value_parser(clap::value_parser!(usize)).help("Extrapolate the cost to this many classes"))
                .arg(Arg::new("reports").required(true).num_args(1..)),
        )
        .subcommand(
            Command::new("schema")
                .about("Print the schema (settings, datasets, approaches, scenarios) as JSON"),
        )
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
fn load_dataset(name: &str, cfg: &Config, dir: &Path, setting: &str) -> Result<Dataset> {
    if name == "shapes" {
        return experiment::shapes_dataset(cfg);
    }
    let path = bundled(name).map_or_else(|| PathBuf::from(name), |b| dir.join(b.file));
    if !path.exists() {
        let names: Vec<&str> = BUNDLED.iter().map(|b| b.name).collect();
        return Err(Error::setting(
            setting,
            format!("'{name}' is neither a bundled set ({}), 'shapes', nor an existing file (looked in {})", names.join(", "), dir.display()),
        ));
    }
    Ok(ovr_lab::data::load_file(&path, cfg.seed)?)
}

/// The scenario's settings, then the flags given.
fn config_of(m: &ArgMatches) -> Result<Config> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(name) = m.get_one::<String>("scenario") {
        let s = scenario(name).ok_or_else(|| {
            let names: Vec<&str> = scenarios().iter().map(|s| s.name).collect();
            Error::Input(format!(
                "unknown scenario '{name}' (one of {})",
                names.join(", ")
            ))
        })?;
        pairs.extend(
            s.settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    for s in settings() {
        if let Some(v) = m.get_one::<String>(s.name) {
            pairs.push((s.name.to_string(), v.clone()));
        }
    }
    let (cfg, _) = Config::from_pairs(&pairs, Mode::Strict)?;
    cfg.validate()?;
    Ok(cfg)
}

fn run(m: &ArgMatches) -> Result<()> {
    let cfg = config_of(m)?;
    let dir = data_dir(m);
    let data = load_dataset(&cfg.dataset, &cfg, &dir, "dataset")?;
    let ood = match cfg.ood_dataset.as_str() {
        "" => None,
        name => Some(load_dataset(name, &cfg, &dir, "ood_dataset")?),
    };
    let mut session = RunSession::new(cfg, &data, ood)?;
    let threads = m
        .get_one::<usize>("threads")
        .copied()
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let quiet = m.get_flag("quiet") || !std::io::stderr().is_terminal();
    let start = Instant::now();
    let bars = Bars::new(session.plans().len(), quiet);
    experiment::train_all(
        &mut session,
        threads,
        &|| start.elapsed().as_secs_f64(),
        &|t, p| bars.update(t, p),
    )?;
    bars.finish();
    let trained = start.elapsed().as_secs_f64();
    session.analyse()?;
    if !m.get_flag("quiet") {
        let analysed = start.elapsed().as_secs_f64() - trained;
        eprintln!("trained in {trained:.1} s on {threads} thread(s), analysed in {analysed:.1} s");
    }
    let report = session.report();
    print!("{}", table(&report));
    if let Some(path) = m.get_one::<String>("json") {
        let json = serde_json::to_string_pretty(&report).expect("a report always serialises");
        std::fs::write(path, json)
            .map_err(|e| Error::Input(format!("cannot write {path}: {e}")))?;
    }
    Ok(())
}

fn show(m: &ArgMatches) -> Result<()> {
    let path = m.get_one::<String>("path").expect("required");
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Input(format!("cannot read {path}: {e}")))?;
    let report: Report = serde_json::from_str(&text).map_err(|e| {
        Error::Input(format!(
            "{path}: not a results document of version {} ({e})",
            experiment::report::REPORT_VERSION
        ))
    })?;
    print!("{}", table(&report));
    Ok(())
}

fn read_report(path: &str) -> Result<Report> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Input(format!("cannot read {path}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Input(format!(
            "{path}: not a results document of version {} ({e})",
            experiment::report::REPORT_VERSION
        ))
    })
}

fn sweep(m: &ArgMatches) -> Result<()> {
    let reports: Vec<Report> = m
        .get_many::<String>("reports")
        .expect("required")
        .map(|p| read_report(p))
        .collect::<Result<_>>()?;
    let s = experiment::sweep::sweep(&reports, *m.get_one::<usize>("to").expect("has a default"))?;
    for row in &s.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .map(|c| format!("{} {}%", c.approach, points(c.test_accuracy)))
            .collect();
        println!("K = {:>3}: {}", row.k, cells.join(" · "));
    }
    for e in &s.extrapolations {
        println!("K = {} {}: {} parameters, {:.1} MFLOP per image, about {:.1} h of one core to train ({})", e.k, e.approach, e.params, e.flops_per_image as f64 / 1e6, e.train_seconds / 3600.0, e.basis);
    }
    let path = m.get_one::<String>("json").expect("required");
    std::fs::write(path, serde_json::to_string_pretty(&s).expect("serialises"))
        .map_err(|e| Error::Input(format!("cannot write {path}: {e}")))
}

fn datasets(m: &ArgMatches) -> Result<()> {
    let dir = data_dir(m);
    println!(
        "{:<12} {:>8} {:>8} {:>9}  classes",
        "name", "train", "test", "size"
    );
    for b in BUNDLED {
        match ovr_lab::data::load_file(&dir.join(b.file), 1) {
            Ok(d) => println!(
                "{:<12} {:>8} {:>8} {:>9}  {}",
                b.name,
                d.train.count(),
                d.test.count(),
                format!("{}×{}×{}", d.height, d.width, d.channels),
                d.class_names.join(", ")
            ),
            Err(e) => println!("{:<12} unavailable: {e}", b.name),
        }
    }
    println!(
        "{:<12} {:>8} {:>8} {:>9}  generated from a seed (--shapes_* settings)",
        "shapes", "-", "-", "16–32 px"
    );
    println!("or a path to an IMDS (.bin / .bin.gz) or NumPy .npz file");
    Ok(())
}

fn list_scenarios() -> Result<()> {
    for s in scenarios() {
        let flags: Vec<String> = s
            .settings
            .iter()
            .map(|(k, v)| format!("--{k} {v}"))
            .collect();
        println!(
            "{:<12} {}\n{:<12} {}",
            s.name,
            s.question,
            "",
            flags.join(" ")
        );
    }
    Ok(())
}

fn bench(m: &ArgMatches) -> Result<()> {
    let start = Instant::now();
    let now = || start.elapsed().as_secs_f64();
    let r = ovr_lab::bench::run(
        m.get_one::<String>("model").expect("has a default"),
        *m.get_one::<usize>("batch").expect("has a default"),
        *m.get_one::<f64>("seconds").expect("has a default"),
        &now,
    )?;
    println!("{}", serde_json::to_string(&r).expect("serialises"));
    Ok(())
}

pub fn main() -> ExitCode {
    let matches = cli().get_matches();
    let result = match matches.subcommand() {
        Some(("run", m)) => run(m),
        Some(("show", m)) => show(m),
        Some(("datasets", m)) => datasets(m),
        Some(("scenarios", _)) => list_scenarios(),
        Some(("sweep", m)) => sweep(m),
        Some(("schema", _)) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&experiment::catalog()).expect("serialises")
            );
            Ok(())
        }
        Some(("bench", m)) => bench(m),
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
