//! One module per subcommand, each: arguments → library call → output.

mod check;
mod cluster;
mod dedup;
mod explain;
mod index;
#[cfg(feature = "serve")]
mod serve;

#[cfg(feature = "serve")]
pub use serve::ServeArgs;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> reprint::Result<ExitCode> {
    match cli.command {
        Command::Cluster(args) => cluster::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Check(args) => check::run(args),
        Command::Index(command) => index::run(command),
        Command::Dedup(args) => dedup::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
    }
}

/// Runs `f` on a rayon pool of `threads` workers (0 = all cores).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(f),
        // no pool could be made (thread limits): run on the global one
        Err(_) => f(),
    }
}

/// The engine the tuning flags describe.
pub fn engine(
    params: &crate::cli::ParamArgs,
    thresholds: &crate::cli::ThresholdArgs,
    evidence: bool,
) -> reprint::Result<reprint::Engine> {
    Ok(reprint::Engine {
        params: params.to_params()?,
        thresholds: thresholds.to_thresholds()?,
        boilerplate: thresholds.to_rules(),
        candidates: params.to_candidates(),
        evidence,
        texts: true,
        lines: true,
        same_story: thresholds.to_same_story(),
    })
}
