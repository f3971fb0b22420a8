//! `reprint dedup`: a feed in, the feed out without its copies.
//!
//! Records are added to an index (the given one, or a temporary one on disk,
//! so memory does not grow with the feed) in batches; with `--keep first`
//! each batch is decided and written as soon as it is added, so output
//! starts at once and keeps input order. With `--keep original` the records
//! are spooled to a temporary file and decided once everything is added.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use reprint::dedup::{annotate, read_feed, FeedRecord};
use reprint::index::{Access, Decision, Index, Keep};
use reprint::ingest::Input;
use reprint::{Error, ErrorKind, Relation};
use serde::Serialize;

use crate::cli::{DedupArgs, KeepArg};

/// One line of the dropped map.
#[derive(Serialize)]
struct DroppedLine<'a> {
    id: &'a str,
    kept_id: &'a str,
    group: &'a str,
    relation: Option<Relation>,
    jaccard: Option<f64>,
    containment: Option<f64>,
    contained_by: Option<f64>,
}

#[derive(Default)]
struct Counts {
    read: usize,
    kept: usize,
    dropped: usize,
    unread: usize,
}

struct Run<'a> {
    index: Index,
    keep: Keep,
    annotate: bool,
    out: Box<dyn Write + 'a>,
    dropped: Option<BufWriter<File>>,
    counts: Counts,
    show: bool,
    started: Instant,
}

pub fn run(args: DedupArgs) -> reprint::Result<ExitCode> {
    let engine = crate::commands::engine(&args.params, &args.thresholds, false)?;
    let scratch = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let path = match &args.index {
        Some(p) => {
            if !p.exists() {
                Index::create(p, &engine)?;
                eprintln!("reprint: created index {}", p.display());
            }
            p.clone()
        }
        None => {
            let p = scratch.path().join("dedup.db");
            Index::create(&p, &engine)?;
            p
        }
    };
    let index = Index::open(&path, Access::Write { wait: args.wait })?;
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).map_err(|e| Error::io(p, e))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let dropped = match &args.dropped {
        Some(p) => Some(BufWriter::new(
            File::create(p).map_err(|e| Error::io(p, e))?,
        )),
        None => None,
    };
    let keep = match args.keep {
        KeepArg::First => Keep::First,
        KeepArg::Original => Keep::Original,
    };
    let mut run = Run {
        index,
        keep,
        annotate: args.annotate,
        out,
        dropped,
        counts: Counts::default(),
        show: !args.quiet && io::stderr().is_terminal(),
        started: Instant::now(),
    };
    let inputs: Vec<Input> = args.inputs.iter().map(|s| Input::parse(s)).collect();
    let fields = args.fields.to_fields();
    let batch = args.batch_size.max(1);
    let mut spool = match keep {
        Keep::Original => Some(Spool::new(scratch.path())?),
        Keep::First => None,
    };
    let mut pending: Vec<FeedRecord> = Vec::with_capacity(batch);
    if args.threads > 0 {
        // the output writer is not Send: size the global pool instead of
        // running inside a scoped one
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global();
    }
    let skipped = read_feed(&inputs, &fields, |record| {
        pending.push(record);
        if pending.len() >= batch {
            run.batch(std::mem::take(&mut pending), spool.as_mut())?;
        }
        Ok::<(), Error>(())
    })?;
    run.batch(std::mem::take(&mut pending), spool.as_mut())?;
    if let Some(spool) = spool.take() {
        run.drain(spool)?;
    }
    run.out
        .flush()
        .map_err(|e| Error::from(ErrorKind::Output(e)))?;
    if let (Some(w), Some(p)) = (run.dropped.as_mut(), &args.dropped) {
        w.flush().map_err(|e| Error::io(p, e))?;
    }
    if run.show {
        eprint!("\r\x1b[K");
    }
    for s in &skipped {
        eprintln!("reprint: skipped {}: {}", s.location, s.reason);
    }
    let c = &run.counts;
    if !args.quiet {
        eprintln!(
            "reprint: dedup: {} records, {} kept, {} dropped, {} passed through unread, {} files skipped ({:.1} s)",
            c.read,
            c.kept,
            c.dropped,
            c.unread,
            skipped.len(),
            run.started.elapsed().as_secs_f64()
        );
    }
    let fatal = skipped.iter().any(|s| s.fatal);
    if fatal || (args.strict && (c.unread > 0 || !skipped.is_empty())) {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

impl Run<'_> {
    /// Adds a batch to the index; with `--keep first`, writes it out.
    fn batch(
        &mut self,
        records: Vec<FeedRecord>,
        spool: Option<&mut Spool>,
    ) -> reprint::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        self.counts.read += records.len();
        let articles: Vec<_> = records
            .iter()
            .filter_map(|r| r.article.as_ref().ok().cloned())
            .collect();
        let summary = self.index.add(articles, 0, |_, _, _| {})?;
        // a record whose id the index already holds: the same text again is
        // a duplicate of it; another text under that id is not compared
        let repeated: HashMap<String, String> = summary
            .already_present
            .into_iter()
            .map(|(id, at)| (at, id))
            .collect();
        match spool {
            Some(spool) => {
                for r in records {
                    let id = self.readable_id(&r, &repeated)?;
                    spool.push(&r.raw, id)?;
                }
            }
            None => {
                let mut ids = Vec::with_capacity(records.len());
                for r in &records {
                    ids.push(self.readable_id(r, &repeated)?);
                }
                let wanted: Vec<&str> = ids.iter().flatten().map(|(id, _)| id.as_str()).collect();
                let mut decisions = self.index.decide(&wanted, self.keep)?.into_iter();
                for (r, id) in records.iter().zip(ids) {
                    let decision = match id {
                        Some((_, repeat)) => {
                            decisions
                                .next()
                                .flatten()
                                .map(|d| if repeat { as_repeat(d) } else { d })
                        }
                        None => None,
                    };
                    self.write(&r.raw, decision.as_ref())?;
                }
            }
        }
        if self.show {
            let rate = self.counts.read as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
            eprint!(
                "\rreprint: {} records, {} dropped, {rate:.0} records/s\x1b[K",
                self.counts.read, self.counts.dropped
            );
        }
        Ok(())
    }

    /// The id to decide a record by, and whether it repeats a stored one
    /// with the same text; `None` (with a warning) when it is passed
    /// through unread.
    fn readable_id(
        &mut self,
        r: &FeedRecord,
        repeated: &HashMap<String, String>,
    ) -> reprint::Result<Option<(String, bool)>> {
        let article = match &r.article {
            Ok(a) => a,
            Err(reason) => {
                eprintln!("reprint: warning: {}: {reason}; passed through", r.location);
                self.counts.unread += 1;
                return Ok(None);
            }
        };
        if !repeated.contains_key(&r.location.to_string()) {
            return Ok(Some((article.id.clone(), false)));
        }
        if self.index.text_of(&article.id)?.as_deref() == Some(article.text.as_str()) {
            return Ok(Some((article.id.clone(), true)));
        }
        eprintln!(
            "reprint: warning: {}: id {:?} is already in the index with another text; passed through",
            r.location, article.id
        );
        self.counts.unread += 1;
        Ok(None)
    }

    fn write(&mut self, raw: &[u8], decision: Option<&Decision>) -> reprint::Result<()> {
        let output = |e| Error::from(ErrorKind::Output(e));
        let Some(d) = decision else {
            return self
                .out
                .write_all(raw)
                .and_then(|()| self.out.write_all(b"\n"))
                .map_err(output);
        };
        if d.is_duplicate {
            self.counts.dropped += 1;
            if let Some(w) = self.dropped.as_mut() {
                let line = DroppedLine {
                    id: &d.id,
                    kept_id: &d.kept_id,
                    group: &d.group,
                    relation: d.relation,
                    jaccard: d.jaccard,
                    containment: d.containment,
                    contained_by: d.contained_by,
                };
                serde_json::to_writer(&mut *w, &line)
                    .map_err(io::Error::from)
                    .and_then(|()| w.write_all(b"\n"))
                    .map_err(output)?;
            }
        } else {
            self.counts.kept += 1;
        }
        if self.annotate {
            let line = annotate(raw, d);
            return self
                .out
                .write_all(&line)
                .and_then(|()| self.out.write_all(b"\n"))
                .map_err(output);
        }
        if d.is_duplicate {
            return Ok(());
        }
        self.out
            .write_all(raw)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(output)
    }

    /// `--keep original`: every record decided now that all are added.
    fn drain(&mut self, spool: Spool) -> reprint::Result<()> {
        let Spool { path, file, ids } = spool;
        drop(file);
        let reader = BufReader::new(File::open(&path).map_err(|e| Error::io(&path, e))?);
        let mut lines = reader.split(b'\n');
        for chunk in ids.chunks(5000) {
            let wanted: Vec<&str> = chunk.iter().flatten().map(|(id, _)| id.as_str()).collect();
            let mut decisions = self.index.decide(&wanted, self.keep)?.into_iter();
            for id in chunk {
                let raw = lines
                    .next()
                    .transpose()
                    .map_err(|e| Error::io(&path, e))?
                    .unwrap_or_default();
                let decision = match id {
                    Some((_, repeat)) => {
                        decisions
                            .next()
                            .flatten()
                            .map(|d| if *repeat { as_repeat(d) } else { d })
                    }
                    None => None,
                };
                self.write(&raw, decision.as_ref())?;
            }
        }
        Ok(())
    }
}

/// The decision for a record repeating a stored article word for word: a
/// duplicate of what is kept for it (of the stored article itself when that
/// is kept).
fn as_repeat(stored: Decision) -> Decision {
    Decision {
        is_duplicate: true,
        relation: Some(Relation::Identical),
        jaccard: Some(1.0),
        containment: Some(1.0),
        contained_by: Some(1.0),
        ..stored
    }
}

/// Records waiting for `--keep original`: their bytes in a temporary file,
/// their ids in memory.
struct Spool {
    path: std::path::PathBuf,
    file: BufWriter<File>,
    ids: Vec<Option<(String, bool)>>,
}

impl Spool {
    fn new(dir: &std::path::Path) -> reprint::Result<Spool> {
        let path = dir.join("spool.jsonl");
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Spool {
            path,
            file: BufWriter::new(file),
            ids: Vec::new(),
        })
    }

    fn push(&mut self, raw: &[u8], id: Option<(String, bool)>) -> reprint::Result<()> {
        self.file
            .write_all(raw)
            .and_then(|()| self.file.write_all(b"\n"))
            .map_err(|e| Error::io(&self.path, e))?;
        self.ids.push(id);
        Ok(())
    }
}
