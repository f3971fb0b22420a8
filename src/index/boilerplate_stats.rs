//! Boilerplate kept up to date from running counts instead of learning it
//! again from every stored article at each batch.
//!
//! [`Boilerplate::learn`] decides from sums over articles (see
//! [`crate::boilerplate::contribution`]): articles per outlet, articles per
//! (sentence, outlet), and neighbour counts per sentence. The index keeps
//! those sums; a batch adds (or a removal subtracts) its articles'
//! contributions, and only the sentences whose counts moved (plus, for an
//! outlet whose size changed, its boilerplate sentences) are decided again,
//! with the same rules, so the result equals learning from scratch.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};

use crate::boilerplate::{contribution, BoilerplateRules};
use crate::index::store::{boilerplate_row, key};

/// Stands for "no known outlet" in the counts: such an article is an outlet
/// of its own for the rule across outlets, and has no outlet rule.
const NO_OUTLET: i64 = -1;

/// A boilerplate entry: `(Some(outlet), hash)` or `(None, hash)` (across
/// outlets).
pub(crate) type Entry = (Option<u32>, u64);

/// Adds (`sign` 1) or subtracts (`sign` −1) the contributions of articles
/// `(doc, outlet, sentence hashes)`; returns the distinct sentences and the
/// outlets whose counts moved.
pub(crate) fn count(
    conn: &Connection,
    docs: &[(u32, Option<u32>, &[u64])],
    sign: i64,
) -> rusqlite::Result<(BTreeSet<u64>, BTreeSet<u32>)> {
    let mut outlet_docs: BTreeMap<u32, i64> = BTreeMap::new();
    for &(_, outlet, _) in docs {
        if let Some(o) = outlet {
            *outlet_docs.entry(o).or_default() += sign;
        }
    }
    // sorted vectors, not maps: a batch of 50,000 articles has millions of
    // these keys, and the upserts below want them in key order anyway
    let contributions: Vec<_> = docs
        .par_iter()
        .map(|&(_, _, sentences)| contribution(sentences))
        .collect();
    let mut counted: Vec<(i64, i64)> = Vec::new();
    let mut paired: Vec<(i64, i64)> = Vec::new();
    let mut sentence_docs: Vec<(i64, u32)> = Vec::new();
    let mut hashes: Vec<u64> = Vec::new();
    for (&(doc, outlet, _), (distinct, pairs)) in docs.iter().zip(&contributions) {
        let o = outlet.map_or(NO_OUTLET, i64::from);
        for &s in distinct {
            counted.push((key(s), o));
            sentence_docs.push((key(s), doc));
            hashes.push(s);
        }
        paired.extend(pairs.iter().map(|&(s, n)| (key(s), key(n))));
    }
    hashes.par_sort_unstable();
    hashes.dedup();
    let counts = tally(counted, sign);
    let neighbours = tally(paired, sign);
    let mut stmt = conn.prepare_cached(
        "INSERT INTO outlet_docs(outlet, n) VALUES (?1, ?2)
         ON CONFLICT(outlet) DO UPDATE SET n = n + excluded.n",
    )?;
    for (&o, &n) in &outlet_docs {
        stmt.execute(params![o, n])?;
    }
    for (table, column, rows) in [
        ("sentence_counts", "outlet", &counts),
        ("neighbours", "neighbour", &neighbours),
    ] {
        let mut upsert = conn.prepare_cached(&format!(
            "INSERT INTO {table}(hash, {column}, n) VALUES (?1, ?2, ?3)
             ON CONFLICT(hash, {column}) DO UPDATE SET n = n + excluded.n"
        ))?;
        let mut drop = conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE hash = ?1 AND {column} = ?2 AND n <= 0"
        ))?;
        for &((h, c), n) in rows {
            upsert.execute(params![h, c, n])?;
            if sign < 0 {
                drop.execute(params![h, c])?;
            }
        }
    }
    sentence_docs.par_sort_unstable();
    let sql = if sign > 0 {
        "INSERT OR IGNORE INTO sentence_docs(hash, doc) VALUES (?1, ?2)"
    } else {
        "DELETE FROM sentence_docs WHERE hash = ?1 AND doc = ?2"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    for (h, d) in sentence_docs {
        stmt.execute(params![h, d])?;
    }
    Ok((
        hashes.into_iter().collect(),
        outlet_docs.into_keys().collect(),
    ))
}

/// Each distinct key of `keys` once, in order, with how often it occurs
/// times `sign`.
fn tally(mut keys: Vec<(i64, i64)>, sign: i64) -> Vec<((i64, i64), i64)> {
    keys.par_sort_unstable();
    keys.chunk_by(|a, b| a == b)
        .map(|run| (run[0], sign * run.len() as i64))
        .collect()
}

/// Decides again every entry the moved counts can change (sentences
/// `hashes`; boilerplate of `outlets`, whose sizes changed; after a removal
/// also their other frequent sentences), writes the changes to the
/// `boilerplate` table and returns them.
pub(crate) fn update(
    conn: &Connection,
    rules: &BoilerplateRules,
    hashes: &BTreeSet<u64>,
    outlets: &BTreeSet<u32>,
    removal: bool,
) -> rusqlite::Result<Vec<Entry>> {
    let mut sizes: HashMap<u32, u32> = HashMap::new();
    let mut size = |o: u32| -> rusqlite::Result<u32> {
        if let Some(&n) = sizes.get(&o) {
            return Ok(n);
        }
        let n: u32 = conn
            .prepare_cached("SELECT n FROM outlet_docs WHERE outlet = ?1")?
            .query_row([o], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        sizes.insert(o, n);
        Ok(n)
    };
    // entry -> (learned now, stored before: `None` when not looked up)
    let mut decided: BTreeMap<Entry, (bool, Option<bool>)> = BTreeMap::new();
    let mut rows_of =
        conn.prepare_cached("SELECT outlet, n FROM sentence_counts WHERE hash = ?1")?;
    let mut cohesion =
        conn.prepare_cached("SELECT COALESCE(MAX(n), 0) FROM neighbours WHERE hash = ?1")?;
    let mut stored = conn.prepare_cached("SELECT outlet FROM boilerplate WHERE hash = ?1")?;
    for &h in hashes {
        let rows: Vec<(i64, u32)> = rows_of
            .query_map([key(h)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let docs: u32 = rows.iter().map(|r| r.1).sum();
        if !removal && docs < rules.outlet_min_docs.min(rules.global_min_docs) {
            // too rare for either rule now, so too rare before: counts
            // only fall in a removal. Most of a batch's sentences are in
            // one article, and this spares each a look at the stored ones
            continue;
        }
        let outlets_n: u32 = rows
            .iter()
            .map(|&(o, n)| if o == NO_OUTLET { n } else { 1 })
            .sum();
        // the cheap conditions first: most sentences never need the
        // neighbour lookup
        let global = docs >= rules.global_min_docs
            && outlets_n >= rules.global_min_outlets
            && rules.global_rule(docs, outlets_n, cohesion.query_row([key(h)], |r| r.get(0))?);
        let before: Vec<Option<u32>> = stored
            .query_map([key(h)], |r| r.get::<_, i64>(0))?
            .map(|o| o.map(|o| (o >= 0).then_some(o as u32)))
            .collect::<rusqlite::Result<_>>()?;
        let was = |o: Option<u32>| Some(before.contains(&o));
        decided.insert((None, h), (global, was(None)));
        for &(o, n) in &rows {
            if o != NO_OUTLET {
                let o = o as u32;
                let learned = rules.outlet_rule(n, size(o)?);
                decided.insert((Some(o), h), (learned, was(Some(o))));
            }
        }
        // entries that lost every count
        for o in before {
            decided.entry((o, h)).or_insert((false, Some(true)));
        }
    }
    let mut n_of =
        conn.prepare_cached("SELECT n FROM sentence_counts WHERE hash = ?1 AND outlet = ?2")?;
    for &o in outlets {
        // the outlet's share threshold moved: its boilerplate may go...
        let mut current = conn.prepare_cached("SELECT hash FROM boilerplate WHERE outlet = ?1")?;
        let mut candidates: Vec<(u64, Option<bool>)> = current
            .query_map([o], |r| r.get::<_, i64>(0))?
            .map(|h| h.map(|h| (h as u64, Some(true))))
            .collect::<rusqlite::Result<_>>()?;
        if removal {
            // ...and, when it shrank, frequent sentences may come
            let mut frequent = conn
                .prepare_cached("SELECT hash FROM sentence_counts WHERE outlet = ?1 AND n >= ?2")?;
            for h in
                frequent.query_map(params![o, rules.outlet_min_docs], |r| r.get::<_, i64>(0))?
            {
                candidates.push((h? as u64, None));
            }
        }
        for (h, was) in candidates {
            if decided.contains_key(&(Some(o), h)) {
                continue;
            }
            let n: u32 = n_of
                .query_row(params![key(h), o], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
            decided.insert((Some(o), h), (rules.outlet_rule(n, size(o)?), was));
        }
    }
    let mut is_stored = conn.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM boilerplate WHERE hash = ?1 AND outlet = ?2)",
    )?;
    let mut insert =
        conn.prepare_cached("INSERT INTO boilerplate(hash, outlet) VALUES (?1, ?2)")?;
    let mut delete =
        conn.prepare_cached("DELETE FROM boilerplate WHERE hash = ?1 AND outlet = ?2")?;
    let mut changed = Vec::new();
    for ((o, h), (learned, was)) in decided {
        let (outlet, hash) = boilerplate_row(o, h);
        let was = match was {
            Some(w) => w,
            None => is_stored.query_row(params![hash, outlet], |r| r.get(0))?,
        };
        if was != learned {
            if learned {
                insert.execute(params![hash, outlet])?;
            } else {
                delete.execute(params![hash, outlet])?;
            }
            changed.push((o, h));
        }
    }
    Ok(changed)
}

/// Stored articles before `below` (the first article of the batch, whose
/// own articles are fingerprinted anyway) that a changed entry applies to.
///
/// Entries are taken a sentence at a time: a sentence that is boilerplate
/// of hundreds of outlets (a stock line every outlet repeats) has its
/// articles read once, not once per outlet, and each article's outlet is
/// read only when no entry across outlets already takes them all.
pub(crate) fn docs_with(
    conn: &Connection,
    changed: &[Entry],
    below: u32,
) -> rusqlite::Result<BTreeSet<u32>> {
    let mut by_hash: BTreeMap<u64, (bool, BTreeSet<u32>)> = BTreeMap::new();
    for &(o, h) in changed {
        let (all, outlets) = by_hash.entry(h).or_default();
        match o {
            None => *all = true,
            Some(o) => {
                outlets.insert(o);
            }
        }
    }
    let mut every =
        conn.prepare_cached("SELECT doc FROM sentence_docs WHERE hash = ?1 AND doc < ?2")?;
    let mut with_outlet = conn.prepare_cached(
        "SELECT s.doc, a.outlet FROM sentence_docs s JOIN articles a ON a.doc = s.doc
         WHERE s.hash = ?1 AND s.doc < ?2",
    )?;
    let mut out = BTreeSet::new();
    for (h, (all, outlets)) in by_hash {
        if all {
            for d in every.query_map(params![key(h), below], |r| r.get::<_, u32>(0))? {
                out.insert(d?);
            }
            continue;
        }
        let rows = with_outlet.query_map(params![key(h), below], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, Option<u32>>(1)?))
        })?;
        for row in rows {
            let (d, o) = row?;
            if o.is_some_and(|o| outlets.contains(&o)) {
                out.insert(d);
            }
        }
    }
    Ok(out)
}
