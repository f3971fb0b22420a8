//! One module per subcommand, each: arguments → library call → output.

mod check;
mod cluster;
mod explain;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> reprint::Result<ExitCode> {
    match cli.command {
        Command::Cluster(args) => cluster::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Check(args) => check::run(args),
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
