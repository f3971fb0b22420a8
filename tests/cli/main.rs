//! End-to-end tests of the `reprint` binary: every test runs the real
//! executable on real files and checks what a user would see (parsed
//! output, exit codes, `file:line: reason` messages on stderr).
//!
//! One test binary (`cargo test --test cli`) so the tool is linked once;
//! one module per area.

mod check;
mod cluster;
mod corpus;
mod dedup;
mod determinism;
mod evidence;
mod formats;
mod html;
mod index;
mod index_faults;
mod ingest;
mod regression;
mod robustness;
mod serve;
mod util;
