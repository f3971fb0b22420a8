//! `add` and `remove`: each batch one transaction that leaves the index as
//! grouping every stored article from scratch would.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;
use rusqlite::{params, Connection, TransactionBehavior};
use serde::Serialize;

use crate::article::Article;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::features::{Features, Prepared};
use crate::index::boilerplate_stats;
use crate::index::regroup::{regroup, FeatureCache};
use crate::index::store::{self, decode, encode, PostingWrite};
use crate::index::{now, Access, Index};
use crate::minhash::MinHasher;

/// What an `add` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddSummary {
    /// Articles added.
    pub added: usize,
    /// Articles not added because their id is already in the index (or
    /// earlier in the input), with where they were read.
    pub already_present: Vec<(String, String)>,
    /// Committed batches.
    pub batches: usize,
    /// Stored articles fingerprinted again because the boilerplate learned
    /// from the new ones changed what is masked in them.
    pub refingerprinted: usize,
    /// Candidate pairs verified.
    pub candidate_pairs: usize,
    /// Copy pairs stored.
    pub copy_pairs: usize,
    /// Articles whose group was worked out again.
    pub regrouped: usize,
}

/// What a `remove` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RemoveSummary {
    /// Articles removed.
    pub removed: usize,
    /// Ids not in the index.
    pub not_found: Vec<String>,
    /// Stored articles fingerprinted again.
    pub refingerprinted: usize,
    /// Articles whose group was worked out again.
    pub regrouped: usize,
}

/// What removed articles took out of the boilerplate counts.
#[derive(Default)]
struct Removed {
    any: bool,
    hashes: BTreeSet<u64>,
    outlets: BTreeSet<u32>,
}

/// Counts of one refresh.
#[derive(Default)]
struct Refreshed {
    refingerprinted: usize,
    candidate_pairs: usize,
    copy_pairs: usize,
    regrouped: usize,
}

/// `e`, telling what earlier batches of the same add left in the index.
fn committed_before(e: Error, batches: usize, articles: usize) -> Error {
    if batches == 0 {
        return e;
    }
    match e.kind() {
        ErrorKind::Index { path, message } => Error::index(
            path.clone(),
            format!(
                "{message} (the {batches} batch(es) committed before it, {articles} articles \
                 of this add, stay in the index)"
            ),
        ),
        _ => e,
    }
}

impl Index {
    /// Adds `articles` in batches of `batch_size` (0: one batch), each
    /// committed whole; only one batch is held in memory, so an iterator
    /// that reads as it goes keeps a long add flat. `progress` hears each
    /// stage of each batch as it starts: (articles committed so far, total
    /// when the iterator knows it, stage).
    pub fn add(
        &mut self,
        articles: impl IntoIterator<Item = Article>,
        batch_size: usize,
        mut progress: impl FnMut(usize, Option<usize>, &str),
    ) -> Result<AddSummary> {
        self.writable()?;
        let articles = articles.into_iter();
        let total = match articles.size_hint() {
            (low, Some(high)) if low == high => Some(low),
            _ => None,
        };
        let size = if batch_size == 0 {
            usize::MAX
        } else {
            batch_size
        };
        let mut summary = AddSummary::default();
        let mut rest = articles.peekable();
        let mut done = 0;
        let mut seen: HashSet<String> = HashSet::new();
        while rest.peek().is_some() {
            let batch: Vec<Article> = rest.by_ref().take(size).collect();
            let n = batch.len();
            self.add_batch(batch, &mut seen, &mut summary, &mut |stage| {
                progress(done, total, stage)
            })
            .map_err(|e| committed_before(e, summary.batches, done))?;
            done += n;
            summary.batches += 1;
            progress(done, total, "committed");
        }
        Ok(summary)
    }

    fn add_batch(
        &mut self,
        articles: Vec<Article>,
        seen: &mut HashSet<String>,
        summary: &mut AddSummary,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |e| super::db_error(&path, e);
        let engine = self.engine.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut fresh = Vec::with_capacity(articles.len());
        for a in articles {
            let present = store::doc_of(&tx, &a.id).map_err(err)?.is_some();
            if present || !seen.insert(a.id.clone()) {
                summary
                    .already_present
                    .push((a.id.clone(), a.location.to_string()));
            } else {
                fresh.push(a);
            }
        }
        if fresh.is_empty() {
            return tx.commit().map_err(err);
        }
        let first: u32 = tx
            .query_row("SELECT COALESCE(MAX(doc) + 1, 0) FROM articles", [], |r| {
                r.get(0)
            })
            .map_err(err)?;
        tx.execute(
            "INSERT INTO batches(added_at, articles, removed) VALUES (?1, ?2, 0)",
            params![now(), fresh.len() as i64],
        )
        .map_err(err)?;
        let batch = tx.last_insert_rowid();
        progress("preparing");
        let prepared: Vec<Prepared> = fresh
            .par_iter()
            .map(|a| Prepared::of_article(a, &engine.params))
            .collect();
        let mut new = Vec::with_capacity(fresh.len());
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO articles(doc, id, title, text, published_at, published_ts,
                     source, url, canonical, outlet, location, batch)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(err)?;
            for (i, (a, p)) in fresh.into_iter().zip(prepared).enumerate() {
                let doc = first + i as u32;
                let outlet = match a.outlet_key() {
                    Some(name) => Some(store::intern_outlet(&tx, &name).map_err(err)?),
                    None => None,
                };
                put.execute(params![
                    doc,
                    a.id,
                    a.title,
                    a.text,
                    a.published_at,
                    a.published_ts,
                    a.source,
                    a.url,
                    a.canonical,
                    outlet,
                    a.location.to_string(),
                    batch
                ])
                .map_err(err)?;
                new.push((doc, outlet, p));
            }
        }
        summary.added += new.len();
        let r =
            refresh(&tx, &engine, new, Vec::new(), Removed::default(), progress).map_err(err)?;
        summary.refingerprinted += r.refingerprinted;
        summary.candidate_pairs += r.candidate_pairs;
        summary.copy_pairs += r.copy_pairs;
        summary.regrouped += r.regrouped;
        super::schema::set_meta(&tx, "updated_at", &now()).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Removes the articles with these ids, in one transaction; groups they
    /// were in are worked out again.
    pub fn remove(&mut self, ids: &[String]) -> Result<RemoveSummary> {
        self.writable()?;
        let path = self.path.clone();
        let err = |e| super::db_error(&path, e);
        let engine = self.engine.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut summary = RemoveSummary::default();
        let mut forgotten = Vec::new();
        let mut touched: BTreeSet<u32> = BTreeSet::new();
        let mut removed: BTreeSet<u32> = BTreeSet::new();
        let mut gone = Removed {
            any: true,
            ..Removed::default()
        };
        for id in ids {
            let Some(doc) = store::doc_of(&tx, id).map_err(err)? else {
                summary.not_found.push(id.clone());
                continue;
            };
            if !removed.insert(doc) {
                continue;
            }
            let sentences: Vec<u8> = tx
                .query_row(
                    "SELECT sentences FROM features WHERE doc = ?1",
                    [doc],
                    |r| r.get(0),
                )
                .map_err(err)?;
            let sentences: Vec<u64> = decode(&sentences).map_err(err)?;
            let outlet: Option<u32> = tx
                .query_row("SELECT outlet FROM articles WHERE doc = ?1", [doc], |r| {
                    r.get(0)
                })
                .map_err(err)?;
            let (hashes, outlets) =
                boilerplate_stats::count(&tx, &[(doc, outlet, &sentences)], -1).map_err(err)?;
            gone.hashes.extend(hashes);
            gone.outlets.extend(outlets);
            touched.extend(forget(&tx, doc, &mut forgotten).map_err(err)?);
            tx.execute("DELETE FROM articles WHERE doc = ?1", [doc])
                .map_err(err)?;
        }
        drop_postings(&tx, forgotten).map_err(err)?;
        summary.removed = removed.len();
        let touched: Vec<u32> = touched.difference(&removed).copied().collect();
        if summary.removed > 0 {
            tx.execute(
                "INSERT INTO batches(added_at, articles, removed) VALUES (?1, 0, ?2)",
                params![now(), summary.removed as i64],
            )
            .map_err(err)?;
            let r = refresh(&tx, &engine, Vec::new(), touched, gone, &mut |_| {}).map_err(err)?;
            summary.refingerprinted = r.refingerprinted;
            summary.regrouped = r.regrouped;
            super::schema::set_meta(&tx, "updated_at", &now()).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(summary)
    }

    fn writable(&self) -> Result<()> {
        match self.access {
            Access::Write { .. } => Ok(()),
            Access::Read => Err(ErrorKind::Index {
                path: self.path.clone(),
                message: "opened for reading only".to_string(),
            }
            .into()),
        }
    }
}

/// Drops `doc`'s fingerprint, edges and placement; returns the articles it
/// was linked or grouped with. Its fingerprint goes to `forgotten`, whose
/// postings [`drop_postings`] then drops all at once.
fn forget(
    conn: &Connection,
    doc: u32,
    forgotten: &mut Vec<(u32, Features)>,
) -> rusqlite::Result<Vec<u32>> {
    let mut linked = Vec::new();
    if let Some(f) = store::features(conn, doc)? {
        forgotten.push((doc, f));
    }
    for sql in [
        "SELECT b FROM edges WHERE a = ?1",
        "SELECT a FROM edges WHERE b = ?1",
        "SELECT doc FROM placements WHERE grp = (SELECT grp FROM placements WHERE doc = ?1)",
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([doc], |r| r.get::<_, u32>(0))?;
        for d in rows {
            linked.push(d?);
        }
    }
    conn.execute("DELETE FROM edges WHERE a = ?1", [doc])?;
    conn.execute("DELETE FROM edges WHERE b = ?1", [doc])?;
    conn.execute(
        "DELETE FROM groups WHERE grp = (SELECT grp FROM placements WHERE doc = ?1)",
        [doc],
    )?;
    conn.execute("DELETE FROM placements WHERE doc = ?1", [doc])?;
    conn.execute("DELETE FROM features WHERE doc = ?1", [doc])?;
    Ok(linked)
}

/// Drops the postings of the articles [`forget`] forgot, in key order (at
/// a million articles, one article at a time was a tenth of an add).
fn drop_postings(conn: &Connection, forgotten: Vec<(u32, Features)>) -> rusqlite::Result<()> {
    let docs = forgotten.iter().map(|(d, f)| (*d, f));
    store::write_postings(conn, docs, PostingWrite::Delete)
}

/// Learns boilerplate again, fingerprints `new` articles and the stored ones
/// whose masking changed, stores their candidates' copy relations and
/// regroups everything they (and `touched`) are connected to.
fn refresh(
    conn: &Connection,
    engine: &Engine,
    new: Vec<(u32, Option<u32>, Prepared)>,
    touched: Vec<u32>,
    removed: Removed,
    progress: &mut dyn FnMut(&str),
) -> rusqlite::Result<Refreshed> {
    let mut out = Refreshed::default();
    progress("learning boilerplate");
    // 1. boilerplate from running counts
    let (mut hashes, mut outlets) = {
        let docs: Vec<(u32, Option<u32>, &[u64])> = new
            .iter()
            .map(|(d, o, p)| (*d, *o, p.sentence_hashes.as_slice()))
            .collect();
        boilerplate_stats::count(conn, &docs, 1)?
    };
    hashes.extend(removed.hashes);
    outlets.extend(removed.outlets);
    let changed =
        boilerplate_stats::update(conn, &engine.boilerplate, &hashes, &outlets, removed.any)?;
    // a batch's articles come after every stored one (`add_batch` numbers
    // them from the largest stored doc on), and are fingerprinted anyway
    let below = new.iter().map(|n| n.0).min().unwrap_or(u32::MAX);
    let affected = boilerplate_stats::docs_with(conn, &changed, below)?;
    out.refingerprinted = affected.len();

    // 2. stored articles whose masking changed start again
    let mut touched: BTreeSet<u32> = touched.into_iter().collect();
    let mut batch = new;
    let mut forgotten = Vec::new();
    for &d in &affected {
        let article = store::article(conn, d)?;
        let outlet: Option<u32> = conn
            .prepare_cached("SELECT outlet FROM articles WHERE doc = ?1")?
            .query_row([d], |r| r.get(0))?;
        touched.extend(forget(conn, d, &mut forgotten)?);
        batch.push((d, outlet, Prepared::of_article(&article, &engine.params)));
    }
    drop_postings(conn, forgotten)?;
    batch.sort_unstable_by_key(|b| b.0);

    // 3. fingerprints, candidates, verification
    progress("fingerprinting");
    let learned = {
        let mut hs: Vec<u64> = batch
            .iter()
            .flat_map(|b| b.2.sentence_hashes.iter().copied())
            .collect();
        hs.sort_unstable();
        hs.dedup();
        store::boilerplate_of(conn, &hs)?
    };
    let hasher = MinHasher::new(&engine.params);
    let fingerprints: Vec<(Features, Option<String>, Vec<u64>)> = batch
        .par_iter()
        .map(|(_, o, p)| {
            let (f, c) = engine.fingerprint_one(p, *o, &learned, &hasher);
            (f, c, p.sentence_hashes.clone())
        })
        .collect();
    for b in &mut batch {
        // the words are fingerprinted: free them before verification
        b.2 = Prepared::default();
    }
    let docs: Vec<u32> = batch.iter().map(|b| b.0).collect();
    let feats: Vec<&Features> = fingerprints.iter().map(|f| &f.0).collect();
    let any_stored: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM bands) OR EXISTS(SELECT 1 FROM anchors)",
        [],
        |r| r.get(0),
    )?;
    progress("finding candidates");
    let pairs = super::probe::candidates(conn, &docs, &feats, &engine.candidates, any_stored)?;
    progress("verifying");
    out.candidate_pairs = pairs.len();
    let position: HashMap<u32, usize> = docs.iter().enumerate().map(|(i, &d)| (d, i)).collect();
    let mut others: HashMap<u32, Features> = HashMap::new();
    for &(a, b) in &pairs {
        for d in [a, b] {
            if !position.contains_key(&d) && !others.contains_key(&d) {
                others.insert(d, store::features(conn, d)?.unwrap_or_default());
            }
        }
    }
    let get = |d: u32| match position.get(&d) {
        Some(&i) => feats[i],
        None => &others[&d],
    };
    let verdicts: Vec<_> = pairs
        .par_iter()
        .map(|&(a, b)| engine.verify(get(a), get(b)))
        .collect();

    // 4. store
    progress("storing");
    {
        let mut put = conn.prepare_cached(
            "INSERT OR REPLACE INTO features(doc, sentences, features, anchors, credited)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (&d, (f, credited, sentences)) in docs.iter().zip(&fingerprints) {
            put.execute(params![
                d,
                encode(sentences),
                encode(f),
                f.anchors.len() as i64,
                credited
            ])?;
        }
        let stored = fingerprints.iter().map(|f| &f.0);
        store::write_postings(conn, docs.iter().copied().zip(stored), PostingWrite::Insert)?;
        let mut put_edge =
            conn.prepare_cached("INSERT OR REPLACE INTO edges(a, b, verdict) VALUES (?1, ?2, ?3)")?;
        for (&(a, b), v) in pairs.iter().zip(&verdicts) {
            if v.relation.is_some() {
                put_edge.execute(params![a, b, encode(v)])?;
                out.copy_pairs += 1;
            }
        }
    }

    // 5. groups
    progress("grouping");
    let mut known: HashMap<u32, Features> = others;
    for (&d, (f, _, _)) in docs.iter().zip(fingerprints) {
        let mut f = f;
        f.drop_candidate_keys();
        known.insert(d, f);
    }
    let mut cache = FeatureCache::new(conn, known);
    let seeds: Vec<u32> = docs.iter().copied().chain(touched).collect();
    out.regrouped = regroup(conn, engine, &seeds, &mut cache)?;
    Ok(out)
}
