//! The `shoal-bench` binary: parse flags, run, print the table, write the JSON.
//!
//! Exit codes: 0 after a run (error replies are reported but do not fail it unless
//! `--fail-on-error`), 1 when the run failed (server unreachable, connection lost, an error reply
//! with `--fail-on-error`, the JSON file could not be written), 2 for bad flags.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use shoal_bench::config::{Args, Config};

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(message) => Args::command()
            .error(clap::error::ErrorKind::ValueValidation, message)
            .exit(),
    };
    // Open the JSON file first, so that a bad path fails before the run, not after it.
    let json_out = match &config.json_out {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Some((path.clone(), file)),
            Err(e) => {
                eprintln!(
                    "Could not write {}: {}",
                    path.display(),
                    shoal_bench::run::io_reason(&e)
                );
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let report = match shoal_bench::run::run(config) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("{message}");
            if let Some((path, file)) = json_out {
                // No results: leave no empty file that could pass for them.
                drop(file);
                let _ = std::fs::remove_file(path);
            }
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report.table());
    if let Some(summary) = report.error_summary() {
        eprintln!("{summary}");
    }
    if let Some((path, mut file)) = json_out {
        if let Err(e) = file.write_all((report.to_json() + "\n").as_bytes()) {
            eprintln!(
                "Could not write {}: {}",
                path.display(),
                shoal_bench::run::io_reason(&e)
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
