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

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A run frees a chunk's worth of memory at a time, stage after stage:
/// returned to the OS at once (mimalloc waits 10 ms by default, long
/// enough for the next chunk to come on top), peak memory is what is
/// live, not what was live recently. Measured: no CPU cost.
#[allow(unsafe_code)]
fn return_freed_memory_at_once() {
    // SAFETY: mi_option_set only stores an option value; any thread may
    // call it at any time
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
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
