//! `peer-burn [--batch 32] [--seconds 3]`: the burn peer natively; prints one JSON line.
fn main() -> std::process::ExitCode {
    let clock = peer_common::native_clock();
    let result = peer_common::parse_args(std::env::args().skip(1))
        .and_then(|a| peer_burn::run(a.batch, a.seconds, &clock));
    match result {
        Ok(json) => {
            println!("{json}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("peer-burn: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
