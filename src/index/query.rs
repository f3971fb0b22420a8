//! Reading an index: checks, exports and statistics.

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::article::Article;
use crate::check::{CheckResult, Match};
use crate::error::Result;
use crate::evidence::evidence;
use crate::features::{Features, Prepared};
use crate::index::schema::{get_meta, IndexConfig, SCHEMA_VERSION};
use crate::index::store::{self, decode};
use crate::index::Index;
use crate::minhash::MinHasher;
use crate::report::{round4, ArticleLine};
use crate::verify::Verdict;

/// The label of the group whose first article is `grp`.
fn group_label(grp: u32) -> String {
    format!("g{}", u64::from(grp) + 1)
}

/// What `index stats` reports.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// Table layout version.
    pub schema_version: u32,
    /// The configuration every add and check uses.
    pub config: IndexConfig,
    /// When the index was created.
    pub created_at: Option<String>,
    /// When it last changed.
    pub updated_at: Option<String>,
    /// Stored articles.
    pub articles: u64,
    /// Groups of two or more articles.
    pub groups: u64,
    /// Articles in those groups.
    pub grouped_articles: u64,
    /// Articles alone.
    pub singletons: u64,
    /// Verified copy pairs.
    pub copy_pairs: u64,
    /// LSH band postings.
    pub band_postings: u64,
    /// Anchor postings.
    pub anchor_postings: u64,
    /// Boilerplate sentences learned (per outlet and across outlets).
    pub boilerplate_sentences: u64,
    /// Distinct outlets.
    pub outlets: u64,
    /// Committed adds and removes.
    pub batches: u64,
    /// Articles in the largest outlets.
    pub top_outlets: Vec<OutletCount>,
    /// Size of the database and its write-ahead log, in bytes.
    pub file_bytes: u64,
    /// Inconsistencies found by a full check (empty when sound or not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<String>>,
}

/// Articles of one outlet.
#[derive(Debug, Clone, Serialize)]
pub struct OutletCount {
    /// The outlet.
    pub outlet: String,
    /// Its articles.
    pub articles: u64,
}

impl Index {
    /// Counts of what the index holds; with `full`, also checks that its
    /// tables agree with each other and that SQLite finds no damage.
    pub fn stats(&self, full: bool) -> Result<IndexStats> {
        let c = &self.conn;
        let err = self.err();
        let count = |sql: &str| -> Result<u64> {
            c.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(&err)
        };
        let articles = count("SELECT COUNT(*) FROM articles")?;
        let groups = count("SELECT COUNT(*) FROM groups WHERE size > 1")?;
        let grouped_articles = count("SELECT COALESCE(SUM(size), 0) FROM groups WHERE size > 1")?;
        let mut stmt = c
            .prepare(
                "SELECT o.name, COUNT(*) AS n FROM articles a JOIN outlets o ON o.id = a.outlet
                 GROUP BY a.outlet ORDER BY n DESC, o.name LIMIT 10",
            )
            .map_err(&err)?;
        let top_outlets = stmt
            .query_map([], |r| {
                Ok(OutletCount {
                    outlet: r.get(0)?,
                    articles: r.get::<_, i64>(1)? as u64,
                })
            })
            .and_then(Iterator::collect)
            .map_err(&err)?;
        let file_bytes = ["", "-wal"]
            .iter()
            .filter_map(|s| {
                let mut p = self.path.clone().into_os_string();
                p.push(s);
                std::fs::metadata(p).ok().map(|m| m.len())
            })
            .sum();
        let problems = if full {
            Some(self.find_problems().map_err(&err)?)
        } else {
            None
        };
        Ok(IndexStats {
            schema_version: SCHEMA_VERSION,
            config: IndexConfig {
                params: self.engine.params.clone(),
                thresholds: self.engine.thresholds.clone(),
                boilerplate: self.engine.boilerplate.clone(),
                candidates: self.engine.candidates.clone(),
            },
            created_at: get_meta(c, "created_at").map_err(&err)?,
            updated_at: get_meta(c, "updated_at").map_err(&err)?,
            articles,
            groups,
            grouped_articles,
            singletons: articles - grouped_articles.min(articles),
            copy_pairs: count("SELECT COUNT(*) FROM edges")?,
            band_postings: count("SELECT COUNT(*) FROM bands")?,
            anchor_postings: count("SELECT COUNT(*) FROM anchors")?,
            boilerplate_sentences: count("SELECT COUNT(*) FROM boilerplate")?,
            outlets: count("SELECT COUNT(*) FROM outlets")?,
            batches: count("SELECT COUNT(*) FROM batches")?,
            top_outlets,
            file_bytes,
            problems,
        })
    }

    /// Disagreements between tables, and SQLite's own integrity check
    /// (its first ten findings): what `stats --check` reports, on its own
    /// for an index too damaged to count.
    pub fn problems(&self) -> Result<Vec<String>> {
        self.find_problems().map_err(self.err())
    }

    fn find_problems(&self) -> rusqlite::Result<Vec<String>> {
        let c = &self.conn;
        let mut out = Vec::new();
        // the first ten findings say enough; a damaged page can give thousands
        let integrity: Vec<String> = c
            .prepare("PRAGMA integrity_check(10)")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if integrity != ["ok"] {
            let lines: Vec<&str> = integrity.iter().flat_map(|r| r.lines()).collect();
            let more = match lines.len().saturating_sub(10) {
                0 => String::new(),
                n => format!("; and {n} more"),
            };
            out.push(format!(
                "SQLite integrity check: {}{more}",
                lines[..lines.len().min(10)].join("; ")
            ));
        }
        let checks = [
            (
                "articles without a fingerprint",
                "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM features f WHERE f.doc = a.doc)",
            ),
            (
                "articles without a group",
                "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM placements p WHERE p.doc = a.doc)",
            ),
            (
                "fingerprints of missing articles",
                "SELECT COUNT(*) FROM features f WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.doc = f.doc)",
            ),
            (
                "placements in missing groups",
                "SELECT COUNT(*) FROM placements p WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.grp = p.grp)",
            ),
            (
                "groups whose size disagrees with their members",
                "SELECT COUNT(*) FROM groups g WHERE g.size != (SELECT COUNT(*) FROM placements p WHERE p.grp = g.grp)",
            ),
            (
                "copy pairs naming missing articles",
                "SELECT COUNT(*) FROM edges e WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.doc = e.a)
                 OR NOT EXISTS (SELECT 1 FROM articles a WHERE a.doc = e.b)",
            ),
            (
                "postings of missing articles",
                "SELECT (SELECT COUNT(*) FROM bands b WHERE NOT EXISTS (SELECT 1 FROM features f WHERE f.doc = b.doc))
                      + (SELECT COUNT(*) FROM anchors n WHERE NOT EXISTS (SELECT 1 FROM features f WHERE f.doc = n.doc))",
            ),
            (
                "outlets whose article count disagrees with their articles",
                "SELECT COUNT(*) FROM outlet_docs o
                 WHERE o.n != (SELECT COUNT(*) FROM articles a WHERE a.outlet = o.outlet)",
            ),
            (
                "sentence entries of missing articles",
                "SELECT COUNT(*) FROM sentence_docs s WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.doc = s.doc)",
            ),
            (
                "batches whose article count disagrees with the articles stored",
                "SELECT COUNT(*) FROM batches b WHERE b.removed = 0
                 AND b.articles != (SELECT COUNT(*) FROM articles a WHERE a.batch = b.id)
                 AND NOT EXISTS (SELECT 1 FROM batches r WHERE r.removed > 0)",
            ),
        ];
        for (what, sql) in checks {
            // a check that runs into damage is itself a finding
            match c.query_row(sql, [], |r| r.get::<_, i64>(0)) {
                Ok(0) => {}
                Ok(n) => out.push(format!("{n} {what}")),
                Err(e) => out.push(format!("cannot count {what}: {e}")),
            }
        }
        Ok(out)
    }

    /// Every stored article as a `cluster --format jsonl` line, in the order
    /// added; with the engine's evidence setting, the passages each shares
    /// with its parent.
    pub fn export(&self, mut write: impl FnMut(&ArticleLine) -> std::io::Result<()>) -> Result<()> {
        let err = self.err();
        let c = &self.conn;
        // one snapshot for the whole export, whatever a writer does meanwhile
        let _snapshot = c.unchecked_transaction().map_err(&err)?;
        let ids: HashMap<u32, String> = {
            let mut stmt = c.prepare("SELECT doc, id FROM articles").map_err(&err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(&err)?
        };
        let boiler = if self.engine.evidence {
            Some(store::boilerplate(c).map_err(&err)?)
        } else {
            None
        };
        let mut stmt = c
            .prepare(
                "SELECT a.doc, a.outlet, p.grp, p.parent, p.verdict, p.is_original, g.original
                 FROM articles a JOIN placements p ON p.doc = a.doc JOIN groups g ON g.grp = p.grp
                 ORDER BY a.doc",
            )
            .map_err(&err)?;
        type Row = (
            u32,
            Option<u32>,
            u32,
            Option<u32>,
            Option<Vec<u8>>,
            bool,
            Option<u32>,
        );
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .map_err(&err)?;
        let mut chunk: Vec<Row> = Vec::new();
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            chunk.clear();
            for row in rows.by_ref().take(2000) {
                chunk.push(row.map_err(&err)?);
            }
            let found = match &boiler {
                Some(b) => {
                    let pairs: Vec<(u32, u32)> =
                        chunk.iter().filter_map(|r| r.3.map(|p| (r.0, p))).collect();
                    let mut texts: HashMap<u32, String> = HashMap::new();
                    let mut outlets: HashMap<u32, Option<u32>> = HashMap::new();
                    for &(m, p) in &pairs {
                        for d in [m, p] {
                            if let std::collections::hash_map::Entry::Vacant(slot) = texts.entry(d)
                            {
                                slot.insert(store::text(c, d).map_err(&err)?);
                                let o: Option<u32> = c
                                    .prepare_cached("SELECT outlet FROM articles WHERE doc = ?1")
                                    .and_then(|mut s| s.query_row([d], |r| r.get(0)))
                                    .map_err(&err)?;
                                outlets.insert(d, o);
                            }
                        }
                    }
                    let ev = evidence(
                        &pairs,
                        |d| texts[&d].as_str(),
                        |d, h| b.is_boilerplate(outlets[&d], h),
                        &self.engine.params,
                    );
                    pairs.iter().map(|p| p.0).zip(ev).collect()
                }
                None => HashMap::new(),
            };
            let mut found = found;
            for (doc, _, grp, parent, verdict, is_original, original) in chunk.drain(..) {
                let v: Option<Verdict> = verdict.map(|b| decode(&b)).transpose().map_err(&err)?;
                let fig = v.map(|v| v.figures);
                let ev = found.remove(&doc).unwrap_or_default();
                let line = ArticleLine {
                    id: ids[&doc].clone(),
                    group: group_label(grp),
                    original_id: original.and_then(|o| ids.get(&o).cloned()),
                    is_original,
                    relation: v.and_then(|v| v.relation),
                    parent: parent.and_then(|p| ids.get(&p).cloned()),
                    jaccard: fig.map(|f| round4(f.jaccard)),
                    containment: fig.map(|f| round4(f.a_in_b)),
                    contained_by: fig.map(|f| round4(f.b_in_a)),
                    passages: ev.passages,
                    additions: ev.additions,
                };
                write(&line).map_err(crate::ErrorKind::Output)?;
            }
        }
        Ok(())
    }

    /// Checks each of `articles` against the index; at most `limit`
    /// matches each. The articles are not added.
    pub fn check(&self, articles: &[Article], limit: usize) -> Result<Vec<CheckResult>> {
        let hasher = MinHasher::new(&self.engine.params);
        articles
            .iter()
            .map(|a| {
                // one read transaction per article: every lookup sees the
                // same committed state, however a writer goes on meanwhile
                let snapshot = self.conn.unchecked_transaction()?;
                let r = self.check_one(a, limit, &hasher);
                snapshot.finish()?;
                r
            })
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| super::db_error(&self.path, e))
    }

    fn check_one(
        &self,
        article: &Article,
        limit: usize,
        hasher: &MinHasher,
    ) -> rusqlite::Result<CheckResult> {
        /// Stands for the checked article among stored docs: after all of
        /// them, as a new article would be.
        const QUERY: u32 = u32::MAX;
        let c = &self.conn;
        let e = &self.engine;
        let prep = Prepared::of_article(article, &e.params);
        let outlet = match article.outlet_key() {
            Some(name) => store::outlet_id(c, &name)?,
            None => None,
        };
        let boiler = store::boilerplate_of(c, &prep.sentence_hashes)?;
        let (f, credited) = e.fingerprint_one(&prep, outlet, &boiler, hasher);
        let stored: bool = true;
        let pairs = super::probe::candidates(c, &[QUERY], &[&f], &e.candidates, stored)?;
        let mut matches: Vec<(u32, Verdict, Features)> = Vec::new();
        for (a, b) in pairs {
            let other = if a == QUERY { b } else { a };
            let Some(g) = store::features(c, other)? else {
                continue;
            };
            let v = e.verify(&f, &g);
            if v.relation.is_some() {
                matches.push((other, v, g));
            }
        }
        matches.sort_by(|x, y| y.1.score().total_cmp(&x.1.score()).then(x.0.cmp(&y.0)));
        matches.truncate(limit);
        let docs: Vec<u32> = matches.iter().map(|m| m.0).collect();
        let metas = store::metas(c, &docs)?;
        let passages = if e.evidence && !docs.is_empty() {
            // local numbering: 0 the checked article, i + 1 the i-th match
            let mut texts = vec![article.text.clone()];
            let mut outlets = vec![outlet];
            let mut hashes = prep.sentence_hashes.clone();
            for &d in &docs {
                texts.push(store::text(c, d)?);
                outlets.push(metas.get(&d).and_then(|m| m.outlet));
                let s: Option<Vec<u8>> = c
                    .prepare_cached("SELECT sentences FROM features WHERE doc = ?1")?
                    .query_row([d], |r| r.get(0))
                    .optional()?;
                if let Some(s) = s {
                    hashes.extend(decode::<Vec<u64>>(&s)?);
                }
            }
            let boiler = store::boilerplate_of(c, &hashes)?;
            let pairs: Vec<(u32, u32)> = (1..=docs.len() as u32).map(|i| (0, i)).collect();
            evidence(
                &pairs,
                |d| texts[d as usize].as_str(),
                |d, h| boiler.is_boilerplate(outlets[d as usize], h),
                &e.params,
            )
            .into_iter()
            .map(|ev| ev.passages)
            .collect()
        } else {
            Vec::new()
        };
        let mut out = Vec::with_capacity(matches.len());
        for (i, (d, v, _)) in matches.iter().enumerate() {
            let meta = metas.get(d).cloned().unwrap_or_default();
            let (grp, original): (u32, Option<u32>) = c
                .prepare_cached(
                    "SELECT p.grp, g.original FROM placements p JOIN groups g ON g.grp = p.grp
                     WHERE p.doc = ?1",
                )?
                .query_row([d], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let original_id = match original {
                Some(o) => c
                    .prepare_cached("SELECT id FROM articles WHERE doc = ?1")?
                    .query_row([o], |r| r.get(0))
                    .optional()?,
                None => None,
            };
            out.push(Match {
                id: meta.id,
                relation: v.relation.expect("only copies are kept"),
                jaccard: round4(v.figures.jaccard),
                containment: round4(v.figures.a_in_b),
                contained_by: round4(v.figures.b_in_a),
                longest_passage: v.figures.longest_passage,
                passages: passages.get(i).cloned().unwrap_or_default(),
                group: group_label(grp),
                original_id,
                published_at: meta.published_at,
                source: meta.source,
                credited_source: meta.credited,
            });
        }
        Ok(CheckResult {
            id: article.id.clone(),
            is_reprint: !out.is_empty(),
            verdict: out.first().map(|m| m.relation),
            credited_source: credited,
            matches: out,
        })
    }
}

/// Which member of a group a deduplicated feed keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The member seen first (added first to the index).
    First,
    /// The group's original (earliest published; see provenance); the
    /// first member when the original is outside the corpus.
    Original,
}

/// Whether a stored article is a duplicate, and of what.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The article.
    pub id: String,
    /// Its provenance group.
    pub group: String,
    /// The group's original (null when outside the corpus).
    pub original_id: Option<String>,
    /// The member kept for the group.
    pub kept_id: String,
    /// True when it is a copy of the kept member's story (not the kept
    /// member, and not joined through a shared passage only).
    pub is_duplicate: bool,
    /// Its relation to the kept member (or, when the two are only related
    /// through other members, to its parent in the group).
    pub relation: Option<crate::verify::Relation>,
    /// Jaccard similarity with the kept member.
    pub jaccard: Option<f64>,
    /// Share of this article in the kept member.
    pub containment: Option<f64>,
    /// Share of the kept member in this article.
    pub contained_by: Option<f64>,
}

impl Index {
    /// What a deduplicated feed does with each stored article of `ids`
    /// (`None` for ids not in the index).
    pub fn decide(&self, ids: &[&str], keep: Keep) -> Result<Vec<Option<Decision>>> {
        let snapshot = self.conn.unchecked_transaction().map_err(self.err())?;
        let out = ids
            .iter()
            .map(|id| self.decide_one(id, keep))
            .collect::<rusqlite::Result<_>>()
            .map_err(self.err())?;
        snapshot.finish().map_err(self.err())?;
        Ok(out)
    }

    fn decide_one(&self, id: &str, keep: Keep) -> rusqlite::Result<Option<Decision>> {
        let c = &self.conn;
        let Some(doc) = store::doc_of(c, id)? else {
            return Ok(None);
        };
        let (grp, verdict, original, partial): (u32, Option<Vec<u8>>, Option<u32>, bool) = c
            .prepare_cached(
                "SELECT p.grp, p.verdict, g.original, p.partial FROM placements p
                 JOIN groups g ON g.grp = p.grp WHERE p.doc = ?1",
            )?
            .query_row([doc], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        // the first member that joined as a copy, not through a shared
        // passage only
        let first: u32 = c
            .prepare_cached("SELECT MIN(doc) FROM placements WHERE grp = ?1 AND partial = 0")?
            .query_row([grp], |r| r.get::<_, Option<u32>>(0))?
            .unwrap_or(grp);
        let kept = match keep {
            Keep::First => first,
            Keep::Original => original.unwrap_or(first),
        };
        let id_of = |d: u32| -> rusqlite::Result<String> {
            c.prepare_cached("SELECT id FROM articles WHERE doc = ?1")?
                .query_row([d], |r| r.get(0))
        };
        let own: Option<Verdict> = verdict.map(|b| decode(&b)).transpose()?;
        let against = if kept == doc {
            None
        } else {
            match (store::features(c, doc)?, store::features(c, kept)?) {
                (Some(a), Some(b)) => Some(self.engine.verify(&a, &b)),
                _ => None,
            }
        };
        let direct = against.filter(|v| v.relation.is_some());
        let figures = against.map(|v| v.figures);
        let relation = direct.or(own).and_then(|v| v.relation);
        // an article sharing only a passage with the group tells more than
        // the copy: it is kept
        let copy = !partial && relation != Some(crate::verify::Relation::Partial);
        Ok(Some(Decision {
            id: id.to_string(),
            group: group_label(grp),
            original_id: original.map(id_of).transpose()?,
            kept_id: id_of(kept)?,
            is_duplicate: kept != doc && copy,
            relation,
            jaccard: figures.map(|f| round4(f.jaccard)),
            containment: figures.map(|f| round4(f.a_in_b)),
            contained_by: figures.map(|f| round4(f.b_in_a)),
        }))
    }
}

impl Index {
    /// The stored text of the article `id`, if stored.
    pub fn text_of(&self, id: &str) -> Result<Option<String>> {
        let c = &self.conn;
        let doc = store::doc_of(c, id).map_err(self.err())?;
        doc.map(|d| store::text(c, d))
            .transpose()
            .map_err(self.err())
    }
}
