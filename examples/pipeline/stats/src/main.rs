//! pipeline-stats --ring NAME --out DIR [--report-ms 500]

use pipeline_stats::args::Args;
use pipeline_stats::{signals, stage};

fn main() {
    let args = Args::parse(std::env::args().skip(1)).unwrap_or_else(|e| {
        eprintln!("pipeline-stats: {e}");
        std::process::exit(2)
    });
    let outcome = signals::install()
        .map_err(|e| stage::Failure::Runtime(format!("installing signal handlers: {e}")))
        .and_then(|()| stage::run(&args, &mut std::io::stdout().lock()));
    if let Err(failure) = outcome {
        if let Some(message) = failure.message() {
            eprintln!("pipeline-stats: {message}");
        }
        std::process::exit(failure.exit_code());
    }
}
