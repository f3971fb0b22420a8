//! The HTML report: one self-contained page for editors.

use std::io::{self, Write};

use crate::report::Report;

/// Writes the report as one self-contained HTML page.
///
/// # Errors
/// When writing fails.
pub fn write_html(report: &Report, mut w: impl Write) -> io::Result<()> {
    writeln!(
        w,
        "<!doctype html><meta charset=utf-8><title>reprint report</title>"
    )?;
    writeln!(w, "<p>{} groups</p>", report.groups.len())
}
