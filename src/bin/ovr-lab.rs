use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bench") {
        let start = Instant::now();
        let now = || start.elapsed().as_secs_f64();
        let model = args.get(2).map(String::as_str).unwrap_or("ref-cnn");
        let r = ovr_lab::bench::run(model, 32, 5.0, &now).unwrap();
        println!("{}", serde_json::to_string(&r).unwrap());
    }
}
