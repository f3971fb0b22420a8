//! A feed as a stream of records for `reprint dedup`: each record's bytes as
//! they arrived (to pass through untouched) and the article read from them.
//!
//! JSON lines (`.jsonl`/`.ndjson` files, folders of them, standard input)
//! are streamed line by line and passed through byte for byte. Records of
//! `.json` files and text files (`.txt`, `.md`, `.html`) are read whole and
//! written as one JSON object of their fields.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use crate::article::{Article, Location};
use crate::index::{Decision, Keep};
use crate::ingest::{FieldNames, Input, Reader, Skipped};
use crate::report::ArticleLine;
use crate::verify::Relation;

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

/// What a deduplicated feed does with each article of a corpus clustered in
/// one pass (`reprint dedup --whole-input`), from the report's lines
/// ([`crate::Engine::lines`] on): one per article, in input order.
///
/// The rules are those of an index ([`crate::index::Index::decide`]): the
/// member kept is the group's first in input order that did not join
/// through a shared passage only (`Keep::First`), or the group's original
/// when it is in the corpus (`Keep::Original`); every other member is a
/// duplicate unless its relation is `partial`. The figures are against the
/// kept member where it is the article's parent in the group, or the
/// article is the kept member's (then they are read the other way round);
/// otherwise, as an index does for members related to the kept one only
/// through others, against the article's parent.
///
/// Each decision is made when asked for ([`LineDecisions::get`]): at a
/// million articles the decisions held at once would be some hundreds of
/// megabytes beside the lines.
pub struct LineDecisions {
    lines: Vec<ArticleLine>,
    /// The line kept for each line's group.
    kept: Vec<u32>,
}

impl LineDecisions {
    /// The kept member of every group of `lines`.
    pub fn new(lines: Vec<ArticleLine>, keep: Keep) -> Self {
        let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, l) in lines.iter().enumerate() {
            members.entry(l.group.as_str()).or_default().push(i as u32);
        }
        let mut kept = vec![0u32; lines.len()];
        for m in members.values() {
            let first = m
                .iter()
                .copied()
                .find(|&i| lines[i as usize].relation != Some(Relation::Partial))
                .unwrap_or(m[0]);
            // absent when the original is outside the corpus
            let original = m.iter().copied().find(|&i| lines[i as usize].is_original);
            let k = match keep {
                Keep::First => first,
                Keep::Original => original.unwrap_or(first),
            };
            for &i in m {
                kept[i as usize] = k;
            }
        }
        drop(members);
        LineDecisions { lines, kept }
    }

    /// The number of articles.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when there are no articles.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The decision for article `i` (in input order), if there is one.
    pub fn get(&self, i: usize) -> Option<Decision> {
        let l = self.lines.get(i)?;
        let k = self.kept[i] as usize;
        let kept = &self.lines[k];
        let (relation, jaccard, containment, contained_by) =
            if k != i && kept.parent.as_deref() == Some(l.id.as_str()) {
                (
                    kept.relation,
                    kept.jaccard,
                    kept.contained_by,
                    kept.containment,
                )
            } else {
                (l.relation, l.jaccard, l.containment, l.contained_by)
            };
        Some(Decision {
            id: l.id.clone(),
            group: l.group.clone(),
            original_id: l.original_id.clone(),
            kept_id: kept.id.clone(),
            is_duplicate: k != i && relation != Some(Relation::Partial),
            relation,
            jaccard,
            containment,
            contained_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(
        id: &str,
        group: &str,
        parent: Option<&str>,
        relation: Option<Relation>,
    ) -> ArticleLine {
        ArticleLine {
            id: id.to_string(),
            group: group.to_string(),
            original_id: Some("o".to_string()),
            is_original: id == "o",
            relation,
            parent: parent.map(str::to_string),
            jaccard: relation.map(|_| 0.5),
            containment: relation.map(|_| 0.9),
            contained_by: relation.map(|_| 0.4),
            passages: Vec::new(),
            additions: Vec::new(),
        }
    }

    /// A copy first, the original after it, a partial member, and an
    /// article alone.
    fn corpus() -> Vec<ArticleLine> {
        vec![
            line("copy", "g1", Some("o"), Some(Relation::Reprint)),
            line("alone", "g2", None, None),
            line("o", "g1", None, None),
            line("quote", "g1", Some("o"), Some(Relation::Partial)),
            line("copy2", "g1", Some("copy"), Some(Relation::Edited)),
        ]
    }

    fn decided(keep: Keep) -> Vec<Decision> {
        let d = LineDecisions::new(corpus(), keep);
        assert_eq!(d.len(), 5);
        assert!(d.get(5).is_none());
        (0..d.len()).filter_map(|i| d.get(i)).collect()
    }

    #[test]
    fn keep_first_keeps_the_first_copy_and_drops_the_original_after_it() {
        let d = decided(Keep::First);
        let dup: Vec<(&str, bool, &str)> = d
            .iter()
            .map(|d| (d.id.as_str(), d.is_duplicate, d.kept_id.as_str()))
            .collect();
        assert_eq!(
            dup,
            [
                ("copy", false, "copy"),
                ("alone", false, "alone"),
                ("o", true, "copy"),
                ("quote", false, "copy"),
                ("copy2", true, "copy"),
            ]
        );
        // the original against the kept copy: the copy's figures read the
        // other way round
        assert_eq!(d[2].relation, Some(Relation::Reprint));
        assert_eq!(
            (d[2].containment, d[2].contained_by),
            (Some(0.4), Some(0.9))
        );
        // the kept copy is copy2's parent: its own figures
        assert_eq!(d[4].relation, Some(Relation::Edited));
    }

    #[test]
    fn keep_original_keeps_the_original_wherever_it_comes() {
        let d = decided(Keep::Original);
        let kept: Vec<&str> = d
            .iter()
            .filter(|d| !d.is_duplicate)
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(kept, ["alone", "o", "quote"]);
        assert!(d
            .iter()
            .filter(|d| d.group == "g1")
            .all(|d| d.kept_id == "o"));
        // copy2's parent is not the kept member: its figures are against
        // its parent
        assert_eq!(d[4].containment, Some(0.9));
    }
}
