//! `reprint check`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use reprint::check::CheckResult;
use reprint::index::{Access, Index};
use reprint::ingest::{Input, Reader};
use reprint::Engine;
use reprint::{Error, ErrorKind};

use crate::cli::{CheckArgs, CheckFormat, Color};

pub fn run(args: CheckArgs) -> reprint::Result<ExitCode> {
    let engine = crate::commands::engine(&args.params, &args.thresholds, !args.no_evidence)?;
    let reader = Reader::new(args.fields.to_fields());
    let parse = |v: &[String]| v.iter().map(|s| Input::parse(s)).collect::<Vec<_>>();
    // a missing or foreign index is the first thing to say
    let index = match &args.index {
        Some(path) => Some(Index::open(path, Access::Read)?),
        None => None,
    };
    let corpus = reader.read(&parse(&args.against));
    let checked = reader.read(&parse(&args.articles));
    let mut err = io::stderr().lock();
    let mut fatal = false;
    for (what, skipped) in [("corpus", &corpus.skipped), ("article", &checked.skipped)] {
        for s in skipped {
            let _ = writeln!(err, "reprint: skipped {what} {}: {}", s.location, s.reason);
            fatal |= s.fatal;
        }
    }
    drop(err);
    if fatal {
        return Ok(ExitCode::from(2));
    }
    if checked.articles.is_empty() {
        eprintln!("reprint: error: no article to check");
        return Ok(ExitCode::from(2));
    }
    let limit = args.limit.max(1);
    let results = match (index, &args.index) {
        (Some(mut index), Some(path)) => {
            // tuning flags left at their defaults mean "the index's own"
            if !same_config(&engine, &Engine::default()) {
                index.ensure_same_config(&engine)?;
            }
            index.set_evidence(engine.evidence);
            let results = index.check(&checked.articles, limit)?;
            if args.add {
                drop(index);
                let mut index = Index::open(path, Access::Write { wait: args.wait })?;
                let summary = index.add(checked.articles, 0, |_, _, _| {})?;
                for (id, at) in &summary.already_present {
                    eprintln!("reprint: not added {at}: id {id:?} is already in the index");
                }
            }
            results
        }
        _ => crate::commands::with_threads(args.threads, || {
            engine.check(corpus, checked.articles, limit)
        }),
    };

    let stdout = io::stdout();
    let to_terminal = stdout.is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        CheckFormat::Table
    } else {
        CheckFormat::Jsonl
    });
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = BufWriter::new(stdout.lock());
    let written = match format {
        CheckFormat::Json => serde_json::to_writer_pretty(&mut out, &results)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        CheckFormat::Jsonl => results.iter().try_for_each(|r| {
            serde_json::to_writer(&mut out, r)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }),
        CheckFormat::Table => write_table(&results, color, &mut out),
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Error::from(ErrorKind::Output(e)))?;
    Ok(if results.iter().any(|r| r.is_reprint) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_table(results: &[CheckResult], color: bool, w: &mut impl Write) -> io::Result<()> {
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    for r in results {
        match r.verdict {
            Some(v) => writeln!(
                w,
                "{bold}{}{reset}: reprint ({}) of {} article(s)",
                r.id,
                v.as_str(),
                r.matches.len()
            )?,
            None => writeln!(w, "{bold}{}{reset}: no reprint found", r.id)?,
        }
        for m in &r.matches {
            let original = match &m.original_id {
                Some(o) => format!("original {o}"),
                None => "original outside the corpus".to_string(),
            };
            writeln!(
                w,
                "  {:<15} {}  J {:.2}  in it {:.2}  it in this {:.2}  {dim}{} ({original}) {} {}{reset}",
                m.relation.as_str(),
                m.id,
                m.jaccard,
                m.containment,
                m.contained_by,
                m.group,
                m.source.as_deref().unwrap_or(""),
                m.published_at.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}

/// True when two engines fingerprint and relate alike.
fn same_config(a: &Engine, b: &Engine) -> bool {
    a.params == b.params
        && a.thresholds == b.thresholds
        && a.boilerplate == b.boilerplate
        && a.candidates == b.candidates
}
