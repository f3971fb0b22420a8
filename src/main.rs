//! The `reprint` command: a thin layer over the library.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

// glibc's allocator kept the freed memory of every prepared chunk in
// per-thread arenas (a large run's peak) and cost a sixth of the CPU in
// malloc/free; mimalloc returns freed pages and allocates faster
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
