//! The `reprint` command: a thin layer over the library.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

// mimalloc: glibc's arenas contend under rayon (lock waits, 10% of a
// cluster run in malloc/free) and keep freed memory between stages
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // the library's messages already carry their cause
            eprintln!("reprint: error: {e}");
            ExitCode::from(2)
        }
    }
}
