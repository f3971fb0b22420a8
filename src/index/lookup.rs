//! Looking up one stored article, or one provenance group, by its id: what
//! `reprint serve` answers `GET /v1/articles/{id}` and `GET /v1/groups/{id}`
//! with.
//!
//! Both read one snapshot (a read transaction) and, with the engine's
//! evidence setting, align each article with its parent for the passages
//! and additions, as [`Index::export`] does.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;
use crate::evidence::{evidence, Evidence};
use crate::index::store::{self, decode};
use crate::index::Index;
use crate::report::{round4, ArticleLine, Member, Passage, Span};
use crate::verify::{Relation, Verdict};

/// A stored article: the record as it was added, and its place in its
/// provenance group.
#[derive(Debug, Clone, Serialize)]
pub struct StoredArticle {
    /// External id.
    pub id: String,
    /// Headline.
    pub title: Option<String>,
    /// Text as added.
    pub text: String,
    /// Publication time as given.
    pub published_at: Option<String>,
    /// Publication time in seconds since the Unix epoch, when parseable.
    pub published_ts: Option<i64>,
    /// Outlet.
    pub source: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Canonical source or URL the record named.
    pub canonical: Option<String>,
    /// Source the article credits.
    pub credited_source: Option<String>,
    /// Its provenance group.
    pub group: String,
    /// That group's original (null when outside the index).
    pub original_id: Option<String>,
    /// True for the group's original.
    pub is_original: bool,
    /// Relation to the parent.
    pub relation: Option<Relation>,
    /// The member it was copied from (or copied by, for the group's root).
    pub parent: Option<String>,
    /// Jaccard similarity with the parent.
    pub jaccard: Option<f64>,
    /// Share of this article found in the parent.
    pub containment: Option<f64>,
    /// Share of the parent found in this article.
    pub contained_by: Option<f64>,
    /// Longest passage shared with the parent, in words.
    pub longest_passage: Option<u32>,
    /// Passages shared with the parent: character offsets (Unicode scalar
    /// values) in this text (`start`, `end`) and the parent's.
    pub passages: Vec<Passage>,
    /// Parts of this article that are not in the parent.
    pub additions: Vec<Span>,
}

/// A provenance group as stored.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    /// Group id (`g<N>`).
    pub id: String,
    /// The original (null when outside the index).
    pub original_id: Option<String>,
    /// How the original was chosen (`alone`, `published-at`, `attribution`,
    /// `content`, `credited-outside`).
    pub original_by: String,
    /// The source every member credits, when the original is outside.
    pub credited_source: Option<String>,
    /// Weakest member-to-parent evidence, in [0, 1].
    pub confidence: f64,
    /// Members in the group.
    pub size: u64,
    /// True when `members` holds only the first of them.
    pub truncated: bool,
    /// Members, the original first, then in the order added.
    pub members: Vec<GroupMember>,
}

/// One member of a [`GroupView`]: the `cluster --format json` member, and
/// its publication time in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMember {
    /// The member as `cluster` reports it.
    #[serde(flatten)]
    pub member: Member,
    /// Publication time in seconds since the Unix epoch, when parseable.
    pub published_ts: Option<i64>,
}

/// The internal group number of a label `g<N>` (`None` when `label` is not
/// one).
pub fn parse_group_label(label: &str) -> Option<u32> {
    let digits = label.strip_prefix('g')?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    u32::try_from(n.checked_sub(1)?).ok()
}

/// The label of the group whose first article is `grp`.
fn label(grp: u32) -> String {
    format!("g{}", u64::from(grp) + 1)
}

/// An article's row in `placements`.
struct Placement {
    grp: u32,
    parent: Option<u32>,
    verdict: Option<Verdict>,
    is_original: bool,
}

/// A `placements` row as stored: group, parent, verdict blob, original flag.
type PlacementRow = (u32, Option<u32>, Option<Vec<u8>>, bool);

fn placement(c: &Connection, doc: u32) -> rusqlite::Result<Option<Placement>> {
    let row: Option<PlacementRow> = c
        .prepare_cached("SELECT grp, parent, verdict, is_original FROM placements WHERE doc = ?1")?
        .query_row([doc], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    row.map(|(grp, parent, verdict, is_original)| {
        Ok(Placement {
            grp,
            parent,
            verdict: verdict.map(|b| decode(&b)).transpose()?,
            is_original,
        })
    })
    .transpose()
}

fn id_of(c: &Connection, doc: u32) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT id FROM articles WHERE doc = ?1")?
        .query_row([doc], |r| r.get(0))
        .optional()
}

fn title_of(c: &Connection, doc: u32) -> rusqlite::Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT title FROM articles WHERE doc = ?1")?
            .query_row([doc], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten(),
    )
}

impl Index {
    /// The stored article `id` with its place in its group (`None` when no
    /// article has that id).
    pub fn article(&self, id: &str) -> Result<Option<StoredArticle>> {
        let snapshot = self.conn.unchecked_transaction().map_err(self.err())?;
        let found = self.article_in(id).map_err(self.err())?;
        snapshot.finish().map_err(self.err())?;
        Ok(found)
    }

    fn article_in(&self, id: &str) -> rusqlite::Result<Option<StoredArticle>> {
        let c = &self.conn;
        let Some(doc) = store::doc_of(c, id)? else {
            return Ok(None);
        };
        let a = store::article(c, doc)?;
        let meta = store::metas(c, &[doc])?.remove(&doc).unwrap_or_default();
        let Some(p) = placement(c, doc)? else {
            return Ok(None);
        };
        let original: Option<u32> = c
            .prepare_cached("SELECT original FROM groups WHERE grp = ?1")?
            .query_row([p.grp], |r| r.get(0))
            .optional()?
            .flatten();
        let ev = match p.parent {
            Some(parent) => self
                .evidence_of(&[(doc, parent)])?
                .pop()
                .unwrap_or_default(),
            None => Evidence::default(),
        };
        let fig = p.verdict.map(|v| v.figures);
        Ok(Some(StoredArticle {
            id: a.id,
            title: a.title,
            text: a.text,
            published_at: a.published_at,
            published_ts: a.published_ts,
            source: a.source,
            url: a.url,
            canonical: a.canonical,
            credited_source: meta.credited,
            group: label(p.grp),
            original_id: original.map(|o| id_of(c, o)).transpose()?.flatten(),
            is_original: p.is_original,
            relation: p.verdict.and_then(|v| v.relation),
            parent: p.parent.map(|d| id_of(c, d)).transpose()?.flatten(),
            jaccard: fig.map(|f| round4(f.jaccard)),
            containment: fig.map(|f| round4(f.a_in_b)),
            contained_by: fig.map(|f| round4(f.b_in_a)),
            longest_passage: fig.map(|f| f.longest_passage),
            passages: ev.passages,
            additions: ev.additions,
        }))
    }

    /// The group labelled `label` (`g<N>`), with at most `max_members`
    /// members (the original first); `None` when there is no such group.
    pub fn group(&self, label: &str, max_members: usize) -> Result<Option<GroupView>> {
        let Some(grp) = parse_group_label(label) else {
            return Ok(None);
        };
        let snapshot = self.conn.unchecked_transaction().map_err(self.err())?;
        let found = self.group_in(grp, max_members).map_err(self.err())?;
        snapshot.finish().map_err(self.err())?;
        Ok(found)
    }

    fn group_in(&self, grp: u32, max_members: usize) -> rusqlite::Result<Option<GroupView>> {
        let c = &self.conn;
        type GroupRow = (Option<u32>, String, Option<String>, f64, i64);
        let row: Option<GroupRow> = c
            .prepare_cached(
                "SELECT original, original_by, credited_outside, confidence, size
                 FROM groups WHERE grp = ?1",
            )?
            .query_row([grp], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((original, original_by, credited_outside, confidence, size)) = row else {
            return Ok(None);
        };
        // the limit is written into the statement (see store::posting_list)
        let sql = format!(
            "SELECT doc, parent, verdict, is_original FROM placements WHERE grp = ?1
             ORDER BY is_original DESC, doc LIMIT {}",
            max_members.max(1)
        );
        let rows: Vec<PlacementRow> = c
            .prepare_cached(&sql)?
            .query_map([grp], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let docs: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let pairs: Vec<(u32, u32)> = rows.iter().filter_map(|r| r.1.map(|p| (r.0, p))).collect();
        let mut found: HashMap<u32, Evidence> = pairs
            .iter()
            .map(|p| p.0)
            .zip(self.evidence_of(&pairs)?)
            .collect();
        let mut others: Vec<u32> = docs.clone();
        others.extend(rows.iter().filter_map(|r| r.1));
        others.extend(original);
        others.sort_unstable();
        others.dedup();
        let metas = store::metas(c, &others)?;
        let id = |d: u32| metas.get(&d).map(|m| m.id.clone());
        let mut members = Vec::with_capacity(rows.len());
        for (doc, parent, verdict, is_original) in rows {
            let v: Option<Verdict> = verdict.map(|b| decode(&b)).transpose()?;
            let fig = v.map(|v| v.figures);
            let meta = metas.get(&doc).cloned().unwrap_or_default();
            let ev = found.remove(&doc).unwrap_or_default();
            members.push(GroupMember {
                member: Member {
                    id: meta.id,
                    is_original,
                    relation: v.and_then(|v| v.relation),
                    parent: parent.and_then(id),
                    jaccard: fig.map(|f| round4(f.jaccard)),
                    containment: fig.map(|f| round4(f.a_in_b)),
                    contained_by: fig.map(|f| round4(f.b_in_a)),
                    longest_passage: fig.map(|f| f.longest_passage),
                    published_at: meta.published_at,
                    source: meta.source,
                    credited_source: meta.credited,
                    title: title_of(c, doc)?,
                    passages: ev.passages,
                    additions: ev.additions,
                },
                published_ts: meta.published_ts,
            });
        }
        let size = size.max(0) as u64;
        Ok(Some(GroupView {
            id: label(grp),
            original_id: original.and_then(id),
            original_by,
            credited_source: credited_outside,
            confidence: round4(confidence),
            size,
            truncated: (members.len() as u64) < size,
            members,
        }))
    }

    /// Where each of `ids` is placed, as a `cluster --format jsonl` line
    /// without passages (`None` for ids not stored).
    pub fn placements(&self, ids: &[&str]) -> Result<Vec<Option<ArticleLine>>> {
        let snapshot = self.conn.unchecked_transaction().map_err(self.err())?;
        let out = ids
            .iter()
            .map(|id| self.line_of(id))
            .collect::<rusqlite::Result<_>>()
            .map_err(self.err())?;
        snapshot.finish().map_err(self.err())?;
        Ok(out)
    }

    fn line_of(&self, id: &str) -> rusqlite::Result<Option<ArticleLine>> {
        let c = &self.conn;
        let Some(doc) = store::doc_of(c, id)? else {
            return Ok(None);
        };
        let Some(p) = placement(c, doc)? else {
            return Ok(None);
        };
        let original: Option<u32> = c
            .prepare_cached("SELECT original FROM groups WHERE grp = ?1")?
            .query_row([p.grp], |r| r.get(0))
            .optional()?
            .flatten();
        let fig = p.verdict.map(|v| v.figures);
        Ok(Some(ArticleLine {
            id: id.to_string(),
            group: label(p.grp),
            original_id: original.map(|o| id_of(c, o)).transpose()?.flatten(),
            is_original: p.is_original,
            relation: p.verdict.and_then(|v| v.relation),
            parent: p.parent.map(|d| id_of(c, d)).transpose()?.flatten(),
            jaccard: fig.map(|f| round4(f.jaccard)),
            containment: fig.map(|f| round4(f.a_in_b)),
            contained_by: fig.map(|f| round4(f.b_in_a)),
            passages: Vec::new(),
            additions: Vec::new(),
        }))
    }

    /// Stored articles (a cheap count, for health checks).
    pub fn article_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(self.err())
    }

    /// Passages and additions of each `(member, parent)` pair, or nothing
    /// when the engine's evidence setting is off. Boilerplate is read for
    /// the sentences of the articles involved only.
    fn evidence_of(&self, pairs: &[(u32, u32)]) -> rusqlite::Result<Vec<Evidence>> {
        if !self.engine.evidence || pairs.is_empty() {
            return Ok(vec![Evidence::default(); pairs.len()]);
        }
        let c = &self.conn;
        let mut docs: Vec<u32> = pairs.iter().flat_map(|&(m, p)| [m, p]).collect();
        docs.sort_unstable();
        docs.dedup();
        let metas = store::metas(c, &docs)?;
        let mut texts: HashMap<u32, String> = HashMap::with_capacity(docs.len());
        let mut hashes: Vec<u64> = Vec::new();
        let mut sentences = c.prepare_cached("SELECT sentences FROM features WHERE doc = ?1")?;
        for &d in &docs {
            texts.insert(d, store::text(c, d)?);
            let s: Option<Vec<u8>> = sentences.query_row([d], |r| r.get(0)).optional()?;
            if let Some(s) = s {
                hashes.extend(decode::<Vec<u64>>(&s)?);
            }
        }
        hashes.sort_unstable();
        hashes.dedup();
        let boiler = store::boilerplate_of(c, &hashes)?;
        let outlet = |d: u32| metas.get(&d).and_then(|m| m.outlet);
        Ok(evidence(
            pairs,
            |d| texts.get(&d).map_or("", String::as_str),
            |d, h| boiler.is_boilerplate(outlet(d), h),
            &self.engine.params,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_labels() {
        assert_eq!(parse_group_label("g1"), Some(0));
        assert_eq!(parse_group_label("g42"), Some(41));
        assert_eq!(parse_group_label("g4294967296"), Some(u32::MAX));
        assert_eq!(parse_group_label("g4294967297"), None);
        for bad in [
            "",
            "g",
            "g0",
            "1",
            "G1",
            "g-1",
            "g+1",
            "g1x",
            "g 1",
            "g99999999999",
        ] {
            assert_eq!(parse_group_label(bad), None, "{bad:?}");
        }
    }
}
