//! `reprint dedup`: a feed in, the feed out without its copies.
//!
//! Records are added to an index (the given one, or a temporary one on disk,
//! so memory does not grow with the feed) in batches; with `--keep first`
//! each batch is decided and written as soon as it is added, so output
//! starts at once and keeps input order. With `--keep original` the records
//! are spooled to a temporary file and decided once everything is added.
//!
//! With `--whole-input` there is no index: the records are spooled while
//! their articles go through the engine's streamed intake, as in `cluster`,
//! and every record is decided from the one clustering of the whole input
//! (`reprint::dedup::LineDecisions`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use reprint::dedup::{annotate, read_feed, FeedRecord, LineDecisions};
use reprint::index::{Access, Decision, Index, Keep};
use reprint::ingest::{Input, Skipped};
use reprint::{Error, ErrorKind, Relation};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

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
    output: Output<'a>,
    show: bool,
}

/// Where decided records go: the kept records (every record, with
/// `--annotate`), the dropped map, and the counts of the summary.
struct Output<'a> {
    annotate: bool,
    out: Box<dyn Write + 'a>,
    dropped: Option<BufWriter<File>>,
    counts: Counts,
    started: Instant,
}

pub fn run(args: DedupArgs) -> reprint::Result<ExitCode> {
    if args.whole_input {
        return run_whole_input(args);
    }
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
    if args.index.is_none() {
        // the temporary index goes with the run: nothing to keep safe
        index.scratch()?;
    }
    let keep = keep_of(args.keep);
    let mut run = Run {
        index,
        keep,
        output: Output::open(&args)?,
        show: !args.quiet && io::stderr().is_terminal(),
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
    if run.show {
        eprint!("\r\x1b[K");
    }
    run.output.finish(&args, &skipped)
}

fn keep_of(keep: KeepArg) -> Keep {
    match keep {
        KeepArg::First => Keep::First,
        KeepArg::Original => Keep::Original,
    }
}

/// What became of a record read with `--whole-input`.
#[derive(Clone, Copy)]
enum Read {
    /// Passed through: no article could be read from it, or its id came
    /// earlier with another text.
    Unread,
    /// The `n`th article given to the engine.
    Article(u32),
    /// The same id and text as the `n`th article: a repeat of it.
    Repeat(u32),
}

/// Why reading stopped early with `--whole-input`.
enum Stop {
    /// The engine stopped taking articles (its error is reported).
    Engine,
    /// The spool could not be written.
    Spool(Error),
}

/// `dedup --whole-input`: the records spooled while their articles are
/// prepared (reading on a thread of its own, as in `cluster`), the whole
/// input clustered once, then every record decided and written in order.
fn run_whole_input(args: DedupArgs) -> reprint::Result<ExitCode> {
    let mut engine = crate::commands::engine(&args.params, &args.thresholds, false)?;
    engine.texts = false;
    // the decisions are read from the report's line per article
    engine.lines = true;
    let scratch = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let mut output = Output::open(&args)?;
    let show = !args.quiet && io::stderr().is_terminal();
    let inputs: Vec<Input> = args.inputs.iter().map(|s| Input::parse(s)).collect();
    let fields = args.fields.to_fields();
    let mut spool: Spool<Read> = Spool::new(scratch.path())?;
    let spooling = &mut spool;
    let (report, ()) = crate::commands::cluster_streamed(&engine, args.threads, show, |tx| {
        // an id seen before: the hash of its text and its article
        let mut seen: HashMap<String, (u64, u32)> = HashMap::new();
        let mut articles = 0u32;
        let read = read_feed(&inputs, &fields, |record| {
            let FeedRecord {
                raw,
                location,
                article,
            } = record;
            let what = match article {
                Err(reason) => {
                    eprintln!("reprint: warning: {location}: {reason}; passed through");
                    Read::Unread
                }
                Ok(a) => {
                    let text = xxh3_64(a.text.as_bytes());
                    match seen.get(&a.id) {
                        Some(&(t, n)) if t == text => Read::Repeat(n),
                        Some(_) => {
                            eprintln!(
                                "reprint: warning: {location}: id {:?} came earlier with another text; passed through",
                                a.id
                            );
                            Read::Unread
                        }
                        None => {
                            seen.insert(a.id.clone(), (text, articles));
                            tx.send(a).map_err(|_| Stop::Engine)?;
                            articles += 1;
                            Read::Article(articles - 1)
                        }
                    }
                }
            };
            spooling.push(&raw, what).map_err(Stop::Spool)
        });
        match read {
            // files that could not be read come back as the report's skipped
            Ok(skipped) => Ok((skipped, Vec::new(), ())),
            Err(Stop::Spool(e)) => Err(e),
            // the intake's error is the one reported
            Err(Stop::Engine) => Ok((Vec::new(), Vec::new(), ())),
        }
    })?;
    // the groups and the rest of the report are not needed to decide: they
    // go before the decisions are made
    let mut report = report;
    let lines = std::mem::take(&mut report.lines);
    let skipped = std::mem::take(&mut report.skipped);
    drop(report);
    let decisions = LineDecisions::new(lines, keep_of(args.keep));
    for record in spool.records()? {
        let (raw, what) = record?;
        output.counts.read += 1;
        let decision = match what {
            Read::Unread => {
                output.counts.unread += 1;
                None
            }
            Read::Article(n) => decisions.get(n as usize),
            Read::Repeat(n) => decisions.get(n as usize).map(as_repeat),
        };
        output.write(&raw, decision.as_ref())?;
    }
    output.finish(&args, &skipped)
}

impl Output<'_> {
    fn open(args: &DedupArgs) -> reprint::Result<Output<'static>> {
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
        Ok(Output {
            annotate: args.annotate,
            out,
            dropped,
            counts: Counts::default(),
            started: Instant::now(),
        })
    }

    /// Flushes what was written, reports what was skipped and the summary,
    /// and says how the run ends.
    fn finish(&mut self, args: &DedupArgs, skipped: &[Skipped]) -> reprint::Result<ExitCode> {
        self.out
            .flush()
            .map_err(|e| Error::from(ErrorKind::Output(e)))?;
        if let (Some(w), Some(p)) = (self.dropped.as_mut(), &args.dropped) {
            w.flush().map_err(|e| Error::io(p, e))?;
        }
        for s in skipped {
            eprintln!("reprint: skipped {}: {}", s.location, s.reason);
        }
        let c = &self.counts;
        if !args.quiet {
            eprintln!(
                "reprint: dedup: {} records, {} kept, {} dropped, {} passed through unread, {} files skipped ({:.1} s)",
                c.read,
                c.kept,
                c.dropped,
                c.unread,
                skipped.len(),
                self.started.elapsed().as_secs_f64()
            );
        }
        let fatal = skipped.iter().any(|s| s.fatal);
        if fatal || (args.strict && (c.unread > 0 || !skipped.is_empty())) {
            return Ok(ExitCode::from(2));
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Writes a record as its decision says (passed through without one),
    /// and its line of the dropped map when it is dropped.
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
}

impl Run<'_> {
    /// Adds a batch to the index; with `--keep first`, writes it out.
    fn batch(
        &mut self,
        records: Vec<FeedRecord>,
        spool: Option<&mut Spool<Option<(String, bool)>>>,
    ) -> reprint::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        self.output.counts.read += records.len();
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
                    self.output.write(&r.raw, decision.as_ref())?;
                }
            }
        }
        if self.show {
            let c = &self.output.counts;
            let rate = c.read as f64 / self.output.started.elapsed().as_secs_f64().max(1e-9);
            eprint!(
                "\rreprint: {} records, {} dropped, {rate:.0} records/s\x1b[K",
                c.read, c.dropped
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
                self.output.counts.unread += 1;
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
        self.output.counts.unread += 1;
        Ok(None)
    }

    /// `--keep original`: every record decided now that all are added.
    fn drain(&mut self, spool: Spool<Option<(String, bool)>>) -> reprint::Result<()> {
        let mut records = spool.records()?;
        loop {
            let chunk: Vec<_> = records
                .by_ref()
                .take(5000)
                .collect::<reprint::Result<_>>()?;
            if chunk.is_empty() {
                return Ok(());
            }
            let wanted: Vec<&str> = chunk
                .iter()
                .filter_map(|(_, id)| id.as_ref())
                .map(|(id, _)| id.as_str())
                .collect();
            let mut decisions = self.index.decide(&wanted, self.keep)?.into_iter();
            for (raw, id) in &chunk {
                let decision = match id {
                    Some((_, repeat)) => {
                        decisions
                            .next()
                            .flatten()
                            .map(|d| if *repeat { as_repeat(d) } else { d })
                    }
                    None => None,
                };
                self.output.write(raw, decision.as_ref())?;
            }
        }
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

/// Records waiting to be decided (`--keep original`, `--whole-input`):
/// their bytes in a temporary file, what is known of each in memory.
struct Spool<T> {
    path: std::path::PathBuf,
    file: BufWriter<File>,
    ids: Vec<T>,
}

impl<T> Spool<T> {
    fn new(dir: &std::path::Path) -> reprint::Result<Spool<T>> {
        let path = dir.join("spool.jsonl");
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Spool {
            path,
            file: BufWriter::new(file),
            ids: Vec::new(),
        })
    }

    /// The records in the order they came: each one's bytes and what is
    /// known of it.
    fn records(self) -> reprint::Result<impl Iterator<Item = reprint::Result<(Vec<u8>, T)>>> {
        let Spool { path, file, ids } = self;
        // flushed here, not on drop, so that a full disk is an error and
        // not records read back empty
        file.into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        let reader = BufReader::new(File::open(&path).map_err(|e| Error::io(&path, e))?);
        let mut lines = reader.split(b'\n');
        Ok(ids.into_iter().map(move |id| {
            let raw = lines
                .next()
                .transpose()
                .map_err(|e| Error::io(&path, e))?
                .unwrap_or_default();
            Ok((raw, id))
        }))
    }

    fn push(&mut self, raw: &[u8], id: T) -> reprint::Result<()> {
        self.file
            .write_all(raw)
            .and_then(|()| self.file.write_all(b"\n"))
            .map_err(|e| Error::io(&self.path, e))?;
        self.ids.push(id);
        Ok(())
    }
}
