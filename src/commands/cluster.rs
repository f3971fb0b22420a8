//! `reprint cluster`.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;

use reprint::ingest::{Input, Reader};
use reprint::{Error, ErrorKind};

use crate::cli::{ClusterArgs, Color, Format};

pub fn run(args: ClusterArgs) -> reprint::Result<ExitCode> {
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Table
    } else {
        Format::Jsonl
    });
    // the table and csv show no passages: evidence only where a report holds it
    let evidence = !args.no_evidence
        && (matches!(format, Format::Json | Format::Jsonl) || args.html.is_some());
    let mut engine = crate::commands::engine(&args.params, &args.thresholds, evidence)?;
    // only the HTML report shows texts: other reports need not hold them
    engine.texts = args.html.is_some();
    // only jsonl and csv write a line per article
    engine.lines = matches!(format, Format::Jsonl | Format::Csv);
    let inputs: Vec<Input> = args.inputs.iter().map(|s| Input::parse(s)).collect();
    let reader = Reader::new(args.fields.to_fields());
    // stage by stage on a terminal, nothing in a pipe
    let show = !args.quiet && io::stderr().is_terminal();
    let (report, ()) = crate::commands::cluster_streamed(&engine, args.threads, show, |tx| {
        let (skipped, warnings) = reader.read_each(&inputs, |a| match tx.send(a) {
            Ok(()) => ControlFlow::Continue(()),
            // the intake failed and stopped taking articles
            Err(_) => ControlFlow::Break(()),
        });
        Ok((skipped, warnings, ()))
    })?;

    let stderr = io::stderr();
    let mut err = stderr.lock();
    for s in &report.skipped {
        let _ = writeln!(err, "reprint: skipped {}: {}", s.location, s.reason);
    }
    for w in &report.warnings {
        let _ = writeln!(err, "reprint: warning: {}: {}", w.location, w.message);
    }

    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    // on the run's threads: reports are serialised in parallel
    crate::commands::with_threads(args.threads, || -> reprint::Result<()> {
        let out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(BufWriter::new(
                File::create(path).map_err(|e| Error::io(path, e))?,
            )),
            None => Box::new(BufWriter::new(io::stdout().lock())),
        };
        write_report(&report, format, color, out).map_err(|e| Error::from(ErrorKind::Output(e)))?;
        if let Some(path) = &args.html {
            let file = File::create(path).map_err(|e| Error::io(path, e))?;
            let mut w = BufWriter::new(file);
            reprint::html::write_html(&report, &mut w)
                .and_then(|()| w.flush())
                .map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    })?;

    if !args.quiet {
        let _ = writeln!(
            err,
            "reprint: {} articles, {} groups ({} articles), {} alone, {} skipped",
            report.stats.articles,
            report.stats.groups,
            report.stats.grouped_articles,
            report.stats.singletons,
            report.stats.skipped
        );
    }
    let fatal = report.skipped.iter().any(|s| s.fatal);
    let strict = args.strict && !report.skipped.is_empty();
    // the process ends here: freeing a million lines and groups one by one
    // was 0.6 s on one thread (profiled), for memory the exit returns
    std::mem::forget(report);
    if fatal || strict {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn write_report(
    report: &reprint::Report,
    format: Format,
    color: bool,
    mut out: Box<dyn Write>,
) -> io::Result<()> {
    match format {
        Format::Table => report.write_table(&mut out, color)?,
        Format::Json => report.write_json(&mut out)?,
        Format::Jsonl => report.write_jsonl(&mut out)?,
        Format::Csv => report.write_csv(&mut out)?,
    }
    out.flush()
}
