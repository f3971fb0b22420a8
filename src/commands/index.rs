//! `reprint index create|add|remove|stats|export`.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;

use reprint::index::{Access, Index, IndexStats};
use reprint::ingest::{Input, Reader};
use reprint::{Error, ErrorKind};

use crate::cli::{
    IndexAddArgs, IndexCommand, IndexCreateArgs, IndexExportArgs, IndexRemoveArgs, IndexStatsArgs,
    StatsFormat,
};

pub fn run(command: IndexCommand) -> reprint::Result<ExitCode> {
    match command {
        IndexCommand::Create(args) => create(args),
        IndexCommand::Add(args) => add(args),
        IndexCommand::Remove(args) => remove(args),
        IndexCommand::Stats(args) => stats(args),
        IndexCommand::Export(args) => export(args),
    }
}

fn create(args: IndexCreateArgs) -> reprint::Result<ExitCode> {
    let engine = crate::commands::engine(&args.params, &args.thresholds, false)?;
    Index::create(&args.path, &engine)?;
    if !args.quiet {
        eprintln!("reprint: created index {}", args.path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn add(args: IndexAddArgs) -> reprint::Result<ExitCode> {
    // the lock first: a second writer learns at once, before any reading
    let mut index = Index::open(&args.path, Access::Write { wait: args.wait })?;
    let inputs: Vec<Input> = args.inputs.iter().map(|s| Input::parse(s)).collect();
    // articles stream from the reader into the batches, so an input the
    // user named and that cannot be read must stop the add before its
    // first batch commits, as it would have with everything read first
    if let Some(bad) = inputs.iter().find_map(unreadable) {
        eprintln!("reprint: skipped {bad}");
        return Ok(ExitCode::from(2));
    }
    let show = !args.quiet && io::stderr().is_terminal();
    if show {
        eprint!("\rreprint: reading...\x1b[K");
    }
    let reader = Reader::new(args.fields.to_fields());
    let mut last = (std::time::Instant::now(), String::from("reading"));
    let verbose = args.verbose;
    let (summary, (skipped, warnings)) = std::thread::scope(|scope| {
        // bounded: the reader runs ahead of the batch being worked on by a
        // few thousand articles at most
        let (tx, rx) = std::sync::mpsc::sync_channel(4096);
        let reading = scope.spawn(move || {
            reader.read_each(&inputs, |a| match tx.send(a) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            })
        });
        let summary = crate::commands::with_threads(args.threads, || {
            index.add(rx, args.batch_size, |done, total, stage| {
                if verbose {
                    let (at, name) = &last;
                    eprintln!("reprint: {name}: {:.2} s", at.elapsed().as_secs_f64());
                    last = (std::time::Instant::now(), stage.to_string());
                } else if show {
                    let of = total.map(|t| format!("/{t}")).unwrap_or_default();
                    eprint!("\rreprint: {done}{of} articles committed; {stage}...\x1b[K");
                }
            })
        });
        let read = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (summary, read)
    });
    if show {
        eprint!("\r\x1b[K");
    }
    {
        let mut err = io::stderr().lock();
        for s in &skipped {
            let _ = writeln!(err, "reprint: skipped {}: {}", s.location, s.reason);
        }
        for w in &warnings {
            let _ = writeln!(err, "reprint: warning: {}: {}", w.location, w.message);
        }
    }
    let summary = summary?;
    let fatal = skipped.iter().any(|s| s.fatal);
    let skipped = skipped.len();
    let mut err = io::stderr().lock();
    for (id, at) in &summary.already_present {
        let _ = writeln!(
            err,
            "reprint: not added {at}: id {id:?} is already in the index"
        );
    }
    if !args.quiet {
        let _ = writeln!(
            err,
            "reprint: added {} articles in {} batch(es), {} already present, {} skipped; \
             {} copy pairs, {} articles regrouped, {} re-fingerprinted",
            summary.added,
            summary.batches,
            summary.already_present.len(),
            skipped,
            summary.copy_pairs,
            summary.regrouped,
            summary.refingerprinted
        );
    }
    if fatal || (args.strict && skipped > 0) {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Why an input the user named cannot be read, as `PATH: reason`.
fn unreadable(input: &Input) -> Option<String> {
    let Input::Path(path) = input else {
        return None;
    };
    let problem = match std::fs::metadata(path) {
        Err(e) => Some(e),
        Ok(m) if m.is_file() => File::open(path).err(),
        Ok(_) => None,
    };
    problem.map(|e| format!("{}: cannot read: {e}", path.display()))
}

fn remove(args: IndexRemoveArgs) -> reprint::Result<ExitCode> {
    let mut index = Index::open(&args.path, Access::Write { wait: args.wait })?;
    let summary = index.remove(&args.ids)?;
    for id in &summary.not_found {
        eprintln!("reprint: not in the index: {id:?}");
    }
    eprintln!(
        "reprint: removed {} articles, {} regrouped",
        summary.removed, summary.regrouped
    );
    Ok(if summary.not_found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn stats(args: IndexStatsArgs) -> reprint::Result<ExitCode> {
    let index = Index::open(&args.path, Access::Read)?;
    let stats = match index.stats(args.check) {
        Ok(stats) => stats,
        // too damaged to count: the findings are still what the user asked for
        Err(e) if args.check => return report_damage(&index, e, args.format),
        Err(e) => return Err(e),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let written = match args.format {
        StatsFormat::Json => serde_json::to_writer_pretty(&mut out, &stats)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        StatsFormat::Table => write_stats(&stats, &mut out),
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Error::from(ErrorKind::Output(e)))?;
    let sound = stats.problems.as_ref().is_none_or(Vec::is_empty);
    Ok(if sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `stats --check` on an index whose counts cannot be read: the error, then
/// every finding of the checks that could run.
fn report_damage(index: &Index, e: Error, format: StatsFormat) -> reprint::Result<ExitCode> {
    let problems = index.problems().unwrap_or_default();
    let mut out = BufWriter::new(io::stdout().lock());
    let written = match format {
        StatsFormat::Json => {
            let v = serde_json::json!({"error": e.to_string(), "problems": problems});
            serde_json::to_writer_pretty(&mut out, &v)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }
        StatsFormat::Table => problems
            .iter()
            .try_for_each(|p| writeln!(out, "problem           {p}")),
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Error::from(ErrorKind::Output(e)))?;
    eprintln!("reprint: error: {e}");
    Ok(ExitCode::from(2))
}

fn write_stats(s: &IndexStats, w: &mut impl Write) -> io::Result<()> {
    let p = &s.config.params;
    writeln!(w, "articles          {}", s.articles)?;
    writeln!(
        w,
        "groups            {} ({} articles), {} alone",
        s.groups, s.grouped_articles, s.singletons
    )?;
    writeln!(w, "copy pairs        {}", s.copy_pairs)?;
    writeln!(
        w,
        "postings          {} band, {} anchor",
        s.band_postings, s.anchor_postings
    )?;
    writeln!(w, "boilerplate       {} sentences", s.boilerplate_sentences)?;
    writeln!(w, "outlets           {}", s.outlets)?;
    for o in &s.top_outlets {
        writeln!(w, "  {:<24} {}", o.outlet, o.articles)?;
    }
    writeln!(w, "batches           {}", s.batches)?;
    writeln!(w, "size              {:.1} MB", s.file_bytes as f64 / 1e6)?;
    writeln!(
        w,
        "parameters        k={} perm={} bands={}x{} seed={} anchors w={} normaliser v{} schema v{}",
        p.shingle_size,
        p.num_perm,
        p.bands,
        p.rows,
        p.seed,
        p.anchor_window,
        p.normalizer_version,
        s.schema_version
    )?;
    writeln!(
        w,
        "created           {}",
        s.created_at.as_deref().unwrap_or("?")
    )?;
    writeln!(
        w,
        "updated           {}",
        s.updated_at.as_deref().unwrap_or("never")
    )?;
    if let Some(problems) = &s.problems {
        if problems.is_empty() {
            writeln!(w, "check             ok")?;
        }
        for p in problems {
            writeln!(w, "problem           {p}")?;
        }
    }
    Ok(())
}

fn export(args: IndexExportArgs) -> reprint::Result<ExitCode> {
    let mut index = Index::open(&args.path, Access::Read)?;
    index.set_evidence(!args.no_evidence);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| Error::io(path, e))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    index.export(|line| {
        serde_json::to_writer(&mut out, line)?;
        writeln!(out)
    })?;
    out.flush().map_err(|e| Error::from(ErrorKind::Output(e)))?;
    Ok(ExitCode::SUCCESS)
}
