//! The result of clustering a corpus, and its wire formats.
//!
//! * `json`: the whole [`Report`] (params, stats, groups, singletons,
//!   skipped records, warnings).
//! * `jsonl`: one [`ArticleLine`] per input article, in input order,
//!   singletons included with a group of their own.
//! * `csv`: the same columns as `jsonl`.
//! * `table`: one block per group of two or more, original first.
//!
//! Group ids (`g1`, `g2`, ...) number groups by their first article in input
//! order, so the same input gives the same ids whatever the thread count.

use std::io::{self, Write};

use serde::Serialize;

use crate::boilerplate::BoilerplateRules;
use crate::candidates::CandidateConfig;
use crate::ingest::{Skipped, Warning};
use crate::params::Params;
use crate::provenance::OriginalBy;
use crate::verify::{Relation, Thresholds};

/// Counts and timings of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Articles read.
    pub articles: usize,
    /// Records and files skipped.
    pub skipped: usize,
    /// Groups with two or more members.
    pub groups: usize,
    /// Articles in such groups.
    pub grouped_articles: usize,
    /// Articles alone.
    pub singletons: usize,
    /// Candidate pairs compared.
    pub candidate_pairs: usize,
    /// Of which found by LSH bands.
    pub lsh_pairs: usize,
    /// Of which found by shared anchors.
    pub anchor_pairs: usize,
    /// Pairs verified as copies of some kind.
    pub copy_pairs: usize,
    /// Pairs vetoed by the template signal.
    pub template_pairs: usize,
    /// Outlet boilerplate sentences learned.
    pub boilerplate_outlet_sentences: usize,
    /// Corpus-wide boilerplate sentences learned.
    pub boilerplate_global_sentences: usize,
    /// Milliseconds per stage.
    pub timings_ms: Vec<(String, u64)>,
}

/// One member of a group.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Article id.
    pub id: String,
    /// True for the group's original.
    pub is_original: bool,
    /// Relation to the parent.
    pub relation: Option<Relation>,
    /// Parent article id.
    pub parent: Option<String>,
    /// Jaccard similarity with the parent.
    pub jaccard: Option<f64>,
    /// Share of this article's shingles found in the parent.
    pub containment: Option<f64>,
    /// Share of the parent's shingles found in this article.
    pub contained_by: Option<f64>,
    /// Longest passage shared with the parent, in words.
    pub longest_passage: Option<u32>,
    /// Publication time as given.
    pub published_at: Option<String>,
    /// Outlet.
    pub source: Option<String>,
    /// Source the article credits.
    pub credited_source: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Passages shared with the parent (empty for the root).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<Passage>,
    /// Parts of this article not in the parent: a reposter's intro, ads,
    /// footer, or text the parent lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additions: Vec<Span>,
}

/// A stretch of an article's original text, in characters (Unicode scalar
/// values) from its start, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Words in the stretch.
    pub words: u32,
}

/// A passage two articles share: where it is in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// First character in this article.
    pub start: usize,
    /// One past the last character in this article.
    pub end: usize,
    /// First character in the parent.
    pub parent_start: usize,
    /// One past the last character in the parent.
    pub parent_end: usize,
    /// Words of this article in the passage.
    pub words: u32,
}

/// A link on the weaker same-story tier: two groups telling the same news
/// in their own words.
#[derive(Debug, Clone, Serialize)]
pub struct SameStory {
    /// One group.
    pub group: String,
    /// The other group.
    pub other: String,
    /// The pair of articles that carries the link.
    pub articles: [String; 2],
    /// Weighted overlap of rare terms and names, in [0, 1].
    pub score: f64,
    /// The rarest terms and names both tell.
    pub shared_terms: Vec<String>,
    /// Days between the two articles, when both are dated.
    pub days_apart: Option<f64>,
}

/// A provenance group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Stable group id.
    pub id: String,
    /// The original, `None` when it is outside the corpus.
    pub original_id: Option<String>,
    /// How the original was chosen.
    pub original_by: OriginalBy,
    /// The source all members credit when the original is outside.
    pub credited_source: Option<String>,
    /// Weakest member-to-parent evidence: over the members, the lowest of
    /// max(Jaccard, containment of the smaller in the larger), in [0, 1].
    pub confidence: f64,
    /// Members, original first.
    pub members: Vec<Member>,
    /// Groups on the same-story tier (rewrites of the same news).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_story: Vec<String>,
}

/// One line of `jsonl`/`csv` output.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleLine {
    /// Article id.
    pub id: String,
    /// Group id.
    pub group: String,
    /// The group's original.
    pub original_id: Option<String>,
    /// True for the original.
    pub is_original: bool,
    /// Relation to the parent.
    pub relation: Option<Relation>,
    /// Parent article id.
    pub parent: Option<String>,
    /// Jaccard similarity with the parent.
    pub jaccard: Option<f64>,
    /// Share of this article in the parent.
    pub containment: Option<f64>,
    /// Share of the parent in this article.
    pub contained_by: Option<f64>,
    /// Passages shared with the parent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<Passage>,
    /// Parts not in the parent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additions: Vec<Span>,
}

/// The whole result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Fingerprint parameters.
    pub params: Params,
    /// Relation thresholds.
    pub thresholds: Thresholds,
    /// Boilerplate rules.
    pub boilerplate: BoilerplateRules,
    /// Candidate generation settings.
    pub candidates: CandidateConfig,
    /// Counts and timings.
    pub stats: Stats,
    /// Groups of two or more articles.
    pub groups: Vec<Group>,
    /// Ids of articles with no copy.
    pub singletons: Vec<String>,
    /// Same-story links between groups (singletons are groups of one).
    pub same_story: Vec<SameStory>,
    /// Records not read.
    pub skipped: Vec<Skipped>,
    /// Records read with a warning.
    pub warnings: Vec<Warning>,
    /// One line per article, input order.
    #[serde(skip)]
    pub lines: Vec<ArticleLine>,
    /// Original texts of the articles in groups and same-story links, by
    /// id, for views that show passages (HTML, explain). Empty when
    /// evidence was not computed.
    #[serde(skip)]
    pub texts: std::collections::BTreeMap<String, String>,
}

/// `  "key": value,` as the pretty printer writes a field of the report.
fn field(w: &mut impl Write, key: &str, value: &impl Serialize) -> io::Result<()> {
    write!(w, "  {}: ", serde_json::to_string(key)?)?;
    indented(w, &serde_json::to_vec_pretty(value)?, 1)?;
    w.write_all(b",\n")
}

/// Pretty JSON written `depth` levels in: two more spaces after each line
/// break (a JSON string never holds a raw one).
fn indented(w: &mut impl Write, json: &[u8], depth: usize) -> io::Result<()> {
    let pad = &b"        "[..2 * depth];
    for (i, line) in json.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
            w.write_all(pad)?;
        }
        w.write_all(line)?;
    }
    Ok(())
}

/// A field's array as the pretty printer writes it one level in, its
/// items serialised in parallel (see [`write_serialised`]).
fn pretty_array<T: Serialize + Sync>(w: &mut impl Write, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    let mut first = true;
    write_serialised(
        items,
        |out, item| {
            // each item after a comma, the first one's left out below
            out.extend_from_slice(b",\n    ");
            indented(out, &serde_json::to_vec_pretty(item)?, 2)
        },
        |part| {
            let part = if first { &part[1..] } else { part };
            first = false;
            w.write_all(part)
        },
    )?;
    w.write_all(b"\n  ]")
}

/// Serialises `items` with `put` in parallel, a window at a time (a
/// window's bytes, not the whole report's, are held), while the window
/// before is handed to `write`, in order, on the calling thread: the same
/// bytes whatever the thread count. Written on one thread, the lines of a
/// million-article run were 1.2 s of its end (profiled), the other core idle.
fn write_serialised<T: Sync>(
    items: &[T],
    put: impl Fn(&mut Vec<u8>, &T) -> io::Result<()> + Sync,
    mut write: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    use rayon::prelude::*;
    const CHUNK: usize = 512;
    const WINDOW: usize = 32 * CHUNK;
    let serialise = |window: &[T]| -> io::Result<Vec<Vec<u8>>> {
        window
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut out = Vec::new();
                chunk.iter().try_for_each(|item| put(&mut out, item))?;
                Ok(out)
            })
            .collect()
    };
    let mut windows = items.chunks(WINDOW);
    let mut ready: Vec<Vec<u8>> = Vec::new();
    loop {
        let window = windows.next();
        let mut next = Ok(Vec::new());
        // the writer need not be sent to another thread: only the
        // serialising is spawned
        let written = rayon::in_place_scope(|s| {
            if let Some(window) = window {
                s.spawn(|_| next = serialise(window));
            }
            ready.iter().try_for_each(|part| write(part))
        });
        written?;
        ready = next?;
        if window.is_none() {
            return Ok(());
        }
    }
}

/// A figure rounded to 4 decimals for reports.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Report {
    /// Writes the whole report as pretty JSON.
    ///
    /// # Errors
    /// When writing fails.
    pub fn write_json(&self, mut w: impl Write) -> io::Result<()> {
        // what `serde_json::to_writer_pretty(self)` writes, with the groups
        // (nearly all of a large report) serialised in parallel: written
        // on one thread they were the last 1.7 s of a million-article run
        w.write_all(b"{\n")?;
        field(&mut w, "params", &self.params)?;
        field(&mut w, "thresholds", &self.thresholds)?;
        field(&mut w, "boilerplate", &self.boilerplate)?;
        field(&mut w, "candidates", &self.candidates)?;
        field(&mut w, "stats", &self.stats)?;
        w.write_all(b"  \"groups\": ")?;
        pretty_array(&mut w, &self.groups)?;
        w.write_all(b",\n")?;
        field(&mut w, "singletons", &self.singletons)?;
        field(&mut w, "same_story", &self.same_story)?;
        field(&mut w, "skipped", &self.skipped)?;
        w.write_all(b"  \"warnings\": ")?;
        indented(&mut w, &serde_json::to_vec_pretty(&self.warnings)?, 1)?;
        w.write_all(b"\n}\n")
    }

    /// Writes one JSON line per article, in input order.
    ///
    /// # Errors
    /// When writing fails.
    pub fn write_jsonl(&self, mut w: impl Write) -> io::Result<()> {
        write_serialised(
            &self.lines,
            |out, line| {
                serde_json::to_writer(&mut *out, line)?;
                out.push(b'\n');
                Ok(())
            },
            |part| w.write_all(part),
        )
    }

    /// Writes a CSV table with the `jsonl` columns.
    ///
    /// # Errors
    /// When writing fails.
    pub fn write_csv(&self, w: impl Write) -> io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record([
            "id",
            "group",
            "original_id",
            "is_original",
            "relation",
            "parent",
            "jaccard",
            "containment",
            "contained_by",
        ])?;
        let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        for l in &self.lines {
            out.write_record([
                l.id.as_str(),
                &l.group,
                l.original_id.as_deref().unwrap_or(""),
                if l.is_original { "true" } else { "false" },
                l.relation.map_or("", Relation::as_str),
                l.parent.as_deref().unwrap_or(""),
                &num(l.jaccard),
                &num(l.containment),
                &num(l.contained_by),
            ])?;
        }
        out.flush()
    }

    /// Writes a table for people: one block per group, original first.
    ///
    /// # Errors
    /// When writing fails.
    pub fn write_table(&self, mut w: impl Write, color: bool) -> io::Result<()> {
        let (bold, dim, reset) = if color {
            ("\x1b[1m", "\x1b[2m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        for g in &self.groups {
            let original = match (&g.original_id, &g.credited_source) {
                (Some(id), _) => format!("original {id} (by {})", by_name(g.original_by)),
                (None, Some(c)) => format!("original outside the corpus, credited to {c}"),
                (None, None) => "original unknown".to_string(),
            };
            writeln!(
                w,
                "{bold}{}{reset}  {} articles  {original}  confidence {:.2}",
                g.id,
                g.members.len(),
                g.confidence
            )?;
            for m in &g.members {
                let rel = if m.is_original {
                    "original".to_string()
                } else if m.parent.is_none() {
                    // the original is outside the corpus: the member the
                    // others are placed under
                    "root".to_string()
                } else {
                    m.relation.map_or("-", Relation::as_str).to_string()
                };
                let figures = match (m.jaccard, m.containment, m.contained_by) {
                    (Some(j), Some(c), Some(cb)) => {
                        format!("J {j:.2}  in parent {c:.2}  parent in it {cb:.2}")
                    }
                    _ => String::new(),
                };
                let when = m.published_at.as_deref().unwrap_or("");
                let parent = m
                    .parent
                    .as_deref()
                    .map(|p| format!("<- {p}"))
                    .unwrap_or_default();
                writeln!(
                    w,
                    "  {rel:<15} {}  {dim}{when}  {figures}  {parent}{reset}",
                    m.id
                )?;
            }
            writeln!(w)?;
        }
        writeln!(
            w,
            "{} articles: {} groups of copies holding {} articles, {} alone; {} skipped",
            self.stats.articles,
            self.stats.groups,
            self.stats.grouped_articles,
            self.stats.singletons,
            self.stats.skipped
        )
    }
}

fn by_name(by: OriginalBy) -> &'static str {
    match by {
        OriginalBy::Alone => "alone",
        OriginalBy::PublishedAt => "earliest date",
        OriginalBy::Attribution => "credited by the others",
        OriginalBy::Content => "carries the shared text, adds least",
        OriginalBy::CreditedOutside => "credited source",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report with `groups` groups, strings that need escaping, and
    /// empty and non-empty lists elsewhere.
    fn report(groups: usize) -> Report {
        let member = |i: usize| Member {
            id: format!("a{i} \"quoted\"\nline"),
            is_original: i.is_multiple_of(2),
            relation: None,
            parent: (i % 2 == 1).then(|| format!("a{}", i - 1)),
            jaccard: Some(0.5),
            containment: None,
            contained_by: Some(1.0),
            longest_passage: Some(7),
            published_at: None,
            source: Some("Src ✓".into()),
            credited_source: None,
            title: Some("Title\twith tab".into()),
            passages: Vec::new(),
            additions: Vec::new(),
        };
        Report {
            params: Params::default(),
            thresholds: Thresholds::default(),
            boilerplate: BoilerplateRules::default(),
            candidates: CandidateConfig::default(),
            stats: Stats::default(),
            groups: (0..groups)
                .map(|g| Group {
                    id: format!("g{g}"),
                    original_id: Some(format!("a{}", 2 * g)),
                    original_by: OriginalBy::PublishedAt,
                    credited_source: None,
                    confidence: 0.75,
                    members: vec![member(2 * g), member(2 * g + 1)],
                    same_story: vec!["g0".into()],
                })
                .collect(),
            singletons: vec!["s1".into(), "s2".into()],
            same_story: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            lines: Vec::new(),
            texts: Default::default(),
        }
    }

    #[test]
    fn json_is_what_the_pretty_printer_writes() {
        // none, one, and more groups than a window holds
        for groups in [0, 1, 3, 511, 512, 513, 16_384, 16_385, 40_000] {
            let r = report(groups);
            let mut ours = Vec::new();
            r.write_json(&mut ours).unwrap();
            let mut theirs = serde_json::to_vec_pretty(&r).unwrap();
            theirs.push(b'\n');
            assert!(ours == theirs, "{groups} groups");
        }
    }

    #[test]
    fn jsonl_is_one_serialised_line_per_article_in_order() {
        let line = |i: usize| ArticleLine {
            id: format!("a{i} \"q\"\n"),
            group: format!("g{}", i / 3),
            original_id: (!i.is_multiple_of(4)).then(|| format!("a{}", i - i % 3)),
            is_original: i.is_multiple_of(3),
            relation: (i % 3 == 1).then_some(Relation::Reprint),
            parent: (!i.is_multiple_of(3)).then(|| format!("a{}", i - 1)),
            jaccard: Some(i as f64 / 7.0),
            containment: None,
            contained_by: Some(1.0),
            passages: Vec::new(),
            additions: if i.is_multiple_of(5) {
                vec![Span {
                    start: i,
                    end: i + 9,
                    words: 2,
                }]
            } else {
                Vec::new()
            },
        };
        // none, one, a chunk's edges, a window's edges, and several windows
        for n in [0, 1, 511, 512, 513, 16_384, 16_385, 40_000] {
            let mut r = report(0);
            r.lines = (0..n).map(line).collect();
            let mut ours = Vec::new();
            r.write_jsonl(&mut ours).unwrap();
            let mut theirs = Vec::new();
            for l in &r.lines {
                serde_json::to_writer(&mut theirs, l).unwrap();
                theirs.push(b'\n');
            }
            assert!(ours == theirs, "{n} lines");
        }
    }
}
