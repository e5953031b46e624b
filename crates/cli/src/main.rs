//! `covidmap`: the one binary. `main` parses flags, runs, and maps errors to an exit code.

mod agencies;
mod args;
mod config;
mod database;
mod demo_data;
mod export;
mod ingest;
mod sample;
mod serve;
mod unit_changes;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let mut args = args::Args::parse();
    // The file's settings become the environment its flags read; then the flags again.
    if let Some(path) = args.global.config.clone() {
        if let Err(e) = config::apply(&path) {
            eprintln!("covidmap: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
        args = args::Args::parse();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COVIDMAP_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info,martin_core=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("covidmap: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: args::Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    match args.command {
        args::Command::Serve(a) => runtime.block_on(serve::serve(&args.global, a)),
        args::Command::Ingest(a) => runtime.block_on(ingest::ingest(&args.global, a)),
        args::Command::UnitChanges(a) => {
            runtime.block_on(unit_changes::load_file(&args.global, &a))
        }
        args::Command::Db(a) => database::db_command(&args.global, &a),
        args::Command::DemoData(a) => demo_data::demo_data(&args.global, &a).map(|_| ()),
        args::Command::Export(a) => runtime.block_on(export::export(&args.global, &a)),
        args::Command::Org(a) => runtime.block_on(agencies::org(&args.global, a)),
        args::Command::Token(a) => runtime.block_on(agencies::token(&args.global, a)),
        args::Command::Duties(a) => runtime.block_on(agencies::duties(&args.global, a)),
    }
}
