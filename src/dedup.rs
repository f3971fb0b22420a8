//! A feed as a stream of records for `reprint dedup`: each record's bytes as
//! they arrived (to pass through untouched) and the article read from them.
//!
//! JSON lines (`.jsonl`/`.ndjson` files, folders of them, standard input)
//! are streamed line by line and passed through byte for byte. Records of
//! `.json` files and text files (`.txt`, `.md`, `.html`) are read whole and
//! written as one JSON object of their fields.

use std::fs;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use crate::article::{Article, Location};
use crate::index::Decision;
use crate::ingest::{FieldNames, Input, Reader, Skipped};

/// One record of a feed.
#[derive(Debug)]
pub struct FeedRecord {
    /// The record's bytes, without the line end.
    pub raw: Vec<u8>,
    /// Where it was read.
    pub location: Location,
    /// The article, or why none could be read (the record is then passed
    /// through with a warning).
    pub article: std::result::Result<Article, String>,
}

/// Reads `inputs` in order, handing each record to `each`; files that
/// cannot be read at all are returned as skipped. `each` may stop the
/// reading by returning an error.
pub fn read_feed<E>(
    inputs: &[Input],
    fields: &FieldNames,
    mut each: impl FnMut(FeedRecord) -> std::result::Result<(), E>,
) -> std::result::Result<Vec<Skipped>, E> {
    let mut skipped = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => {
                let stdin = io::stdin();
                read_lines("-", stdin.lock(), fields, &mut skipped, &mut each)?;
            }
            Input::Path(path) if path.is_dir() => {
                let walker = walkdir::WalkDir::new(path)
                    .follow_links(true)
                    .sort_by_file_name();
                for entry in walker {
                    match entry {
                        Ok(e) if e.file_type().is_file() && is_feed_file(e.path()) => {
                            read_file(e.path(), fields, &mut skipped, &mut each)?;
                        }
                        Ok(_) => {}
                        Err(e) => skipped.push(Skipped {
                            location: whole(&e.path().unwrap_or(path).display().to_string()),
                            reason: format!("cannot read: {e}"),
                            fatal: false,
                        }),
                    }
                }
            }
            Input::Path(path) => read_file(path, fields, &mut skipped, &mut each)?,
        }
    }
    Ok(skipped)
}

fn is_feed_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "jsonl" | "ndjson" | "json" | "txt" | "text" | "md" | "markdown" | "html" | "htm"
    )
}

fn read_file<E>(
    path: &Path,
    fields: &FieldNames,
    skipped: &mut Vec<Skipped>,
    each: &mut impl FnMut(FeedRecord) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "jsonl" || ext == "ndjson" {
        return match fs::File::open(path) {
            Ok(f) => read_lines(&name, BufReader::new(f), fields, skipped, each),
            Err(e) => {
                skipped.push(Skipped {
                    location: whole(&name),
                    reason: format!("cannot read: {e}"),
                    fatal: true,
                });
                Ok(())
            }
        };
    }
    // whole-file formats: the ingest reader, each article as a JSON object
    let corpus = Reader::new(fields.clone()).read(&[Input::Path(path.to_path_buf())]);
    skipped.extend(corpus.skipped);
    for a in corpus.articles {
        let raw = serde_json::to_vec(&serde_json::json!({
            "id": a.id, "title": a.title, "text": a.text, "published_at": a.published_at,
            "source": a.source, "url": a.url,
        }))
        .expect("JSON values serialise");
        each(FeedRecord {
            raw,
            location: a.location.clone(),
            article: Ok(a),
        })?;
    }
    Ok(())
}

fn read_lines<E>(
    name: &str,
    mut input: impl BufRead,
    fields: &FieldNames,
    skipped: &mut Vec<Skipped>,
    each: &mut impl FnMut(FeedRecord) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut line = Vec::new();
    let mut lineno = 0u64;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                skipped.push(Skipped {
                    location: at(name, lineno + 1),
                    reason: format!("read error, rest of file not read: {e}"),
                    fatal: true,
                });
                return Ok(());
            }
        }
        lineno += 1;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        let location = at(name, lineno);
        let article = match serde_json::from_slice::<Value>(&line) {
            Ok(v) => fields
                .to_article(&v, location.clone())
                .map_err(|p| p.to_string()),
            Err(e) => Err(format!("invalid JSON: {e}")),
        };
        each(FeedRecord {
            raw: std::mem::take(&mut line),
            location,
            article,
        })?;
    }
}

fn at(name: &str, line: u64) -> Location {
    Location {
        file: name.to_string(),
        line,
        record: None,
    }
}

fn whole(name: &str) -> Location {
    at(name, 0)
}

/// `raw` (a JSON object) with the decision's group fields appended before
/// its closing brace; every byte of the record is kept as it was.
pub fn annotate(raw: &[u8], decision: &Decision) -> Vec<u8> {
    let end = raw.iter().rposition(|&b| b == b'}').unwrap_or(raw.len());
    let empty = raw[..end]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    let fields = serde_json::json!({
        "group": decision.group,
        "original_id": decision.original_id,
        "relation": decision.relation,
        "is_duplicate": decision.is_duplicate,
    });
    let text = fields.to_string();
    // `{"group":...}` without its braces, in this order
    let inner = &text[1..text.len() - 1];
    let mut out = Vec::with_capacity(raw.len() + inner.len() + 2);
    out.extend_from_slice(&raw[..end]);
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(inner.as_bytes());
    out.extend_from_slice(&raw[end..]);
    out
}
