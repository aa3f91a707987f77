//! `shoal-server [config-file] [--name value ...]`: wires configuration,
//! logging and the runtime together.

use shoal_engine::alloc::Counting;
use shoal_engine::config::{Config, LogLevel};

/// mimalloc, counting what each thread holds (INFO's used_memory, maxmemory).
#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    shoal_engine::alloc::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("Usage: shoal-server [/path/to/shoal.conf] [--name value ...]\n\nEvery setting of the config file is also a flag, e.g. --port 7000 --threads 2.");
        return;
    }
    if args.iter().any(|a| a == "-v" || a == "--version") {
        println!(
            "shoal-server v={} (redis compatible {})",
            shoal_engine::SHOAL_VERSION,
            shoal_engine::REDIS_COMPAT_VERSION
        );
        return;
    }
    let config = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "\n*** FATAL CONFIG ERROR (Shoal {}) ***\n{e}",
                shoal_engine::SHOAL_VERSION
            );
            std::process::exit(1);
        }
    };
    init_logging(&config);
    // A panic is a bug; a core that died would leave its shard's keys and
    // every request forwarded to it hanging, so the whole server stops.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        std::process::abort();
    }));
    if let Err(e) = shoal_engine::runtime::run(config) {
        tracing::error!("{e}");
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn init_logging(config: &Config) {
    let level = match config.loglevel {
        LogLevel::Debug => "debug",
        LogLevel::Verbose => "info",
        LogLevel::Notice => "info",
        LogLevel::Warning => "warn",
        LogLevel::Nothing => "off",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHOAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if config.logfile.is_empty() {
        builder.init();
    } else {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.logfile)
        {
            Ok(file) => builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init(),
            Err(e) => {
                eprintln!("Can't open the log file: {e}");
                std::process::exit(1);
            }
        }
    }
}
