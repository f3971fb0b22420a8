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
use std::sync::mpsc::SyncSender;

use reprint::engine::Intake;
use reprint::ingest::{Skipped, Warning};
use reprint::Article;

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

/// Clusters the articles a reader sends, as it reads them: the reader
/// (`read`, given the sending end) runs on a thread of its own, a few
/// chunks ahead, because reading and parsing are serial and would
/// otherwise leave the pool idle; the engine's intake prepares each chunk
/// on the pool of `threads` workers and spills it. The reader returns the
/// records it skipped, its warnings, and whatever else its caller wants
/// back. On a terminal (`show`), the stage in progress.
pub fn cluster_streamed<R: Send>(
    engine: &reprint::Engine,
    threads: usize,
    show: bool,
    read: impl FnOnce(SyncSender<Article>) -> reprint::Result<(Vec<Skipped>, Vec<Warning>, R)> + Send,
) -> reprint::Result<(reprint::Report, R)> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(2 * Intake::CHUNK);
        let reading = scope.spawn(move || read(tx));
        with_threads(threads, || {
            if show {
                eprint!("\rreprint: reading...\x1b[K");
            }
            // articles are prepared as they are read and their texts
            // spilled: a run holds fingerprints, not the corpus
            let mut intake = engine.intake()?;
            for a in rx {
                // dropping `rx` on an error stops the reader
                intake.push(a)?;
            }
            let (skipped, warnings, rest) = reading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            let report = engine.cluster_intake(intake, skipped, warnings, |stage, n| {
                if show {
                    eprint!("\rreprint: {stage} ({n})...\x1b[K");
                }
            })?;
            if show {
                eprint!("\r\x1b[K");
            }
            Ok((report, rest))
        })
    })
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
