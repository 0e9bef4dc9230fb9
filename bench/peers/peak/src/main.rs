//! `peak [--isa sse|avx2] [--seconds 3]`: the native peak; prints one JSON line per kernel
//! (every kernel this CPU has when `--isa` is not given).
fn main() -> std::process::ExitCode {
    let clock = peer_common::native_clock();
    let run = || -> Result<(), String> {
        let args = peer_common::parse_args(std::env::args().skip(1))?;
        let names: Vec<String> = match args.isa {
            Some(isa) => vec![isa],
            None => peak::kernels().iter().map(|k| k.name.to_string()).collect(),
        };
        for name in names {
            println!("{}", peak::run(&name, args.seconds, &clock)?);
        }
        Ok(())
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peak: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
