//! Candidates of new articles among themselves and the stored ones: the same
//! two channels (LSH bands, shared anchors) and bucket cap as
//! [`crate::candidates`], with the stored posting lists read from the index.

use std::collections::HashMap;

use rayon::prelude::*;
use rusqlite::Connection;

use crate::candidates::{anchors_needed, band_key, partners_taken, CandidateConfig};
use crate::features::Features;
use crate::index::store::{self, Postings};

/// Candidate pairs `(a, b)`, `a < b`, sorted, for articles `docs` (ascending,
/// none of them in the stored posting lists) with fingerprints `features`.
/// `stored` says whether the index holds postings at all.
pub(crate) fn candidates(
    conn: &Connection,
    docs: &[u32],
    features: &[&Features],
    cfg: &CandidateConfig,
    stored: bool,
) -> rusqlite::Result<Vec<(u32, u32)>> {
    let mut bands: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut anchors: HashMap<u64, Vec<u32>> = HashMap::new();
    for (&d, f) in docs.iter().zip(features) {
        for (j, &k) in f.band_keys.iter().enumerate() {
            push_once(bands.entry(band_key(j, k)).or_default(), d);
        }
        for &h in &f.anchors {
            push_once(anchors.entry(h).or_default(), d);
        }
    }
    let bands = with_stored(conn, bands, Postings::Bands, cfg, stored)?;
    let anchors = with_stored(conn, anchors, Postings::Anchors, cfg, stored)?;

    // per article: LSH partners, and anchor partners with shared counts
    type Found = (u32, Vec<u32>, Vec<(u32, u32)>);
    let found: Vec<Found> = docs
        .par_iter()
        .zip(features)
        .map(|(&d, f)| {
            let mut lsh = Vec::new();
            for (j, &k) in f.band_keys.iter().enumerate() {
                if let Some(list) = bands.get(&band_key(j, k)) {
                    lsh.extend(partners(list, d, cfg));
                }
            }
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for &h in &f.anchors {
                if let Some(list) = anchors.get(&h) {
                    for e in partners(list, d, cfg) {
                        *counts.entry(e).or_default() += 1;
                    }
                }
            }
            let mut counts: Vec<(u32, u32)> = counts.into_iter().collect();
            counts.sort_unstable();
            (d, lsh, counts)
        })
        .collect();

    let position: HashMap<u32, usize> = docs.iter().enumerate().map(|(i, &d)| (d, i)).collect();
    let mut stored_anchors: HashMap<u32, usize> = HashMap::new();
    let mut pairs = Vec::new();
    for (i, (d, lsh, counts)) in found.into_iter().enumerate() {
        pairs.extend(lsh.into_iter().map(|e| (d.min(e), d.max(e))));
        for (e, c) in counts {
            if c < cfg.anchor_min_shared {
                // a short text needs only as many anchors as it has
                let theirs = match position.get(&e) {
                    Some(&p) => features[p].anchors.len(),
                    None => match stored_anchors.get(&e) {
                        Some(&n) => n,
                        None => {
                            let n = anchor_count(conn, e)?;
                            stored_anchors.insert(e, n);
                            n
                        }
                    },
                };
                if c < anchors_needed(features[i].anchors.len().min(theirs), cfg) {
                    continue;
                }
            }
            pairs.push((d.min(e), d.max(e)));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    Ok(pairs)
}

fn push_once(list: &mut Vec<u32>, d: u32) {
    if list.last() != Some(&d) {
        list.push(d);
    }
}

/// Each new list merged with the stored list of its key (first members
/// only: beyond the cap only the first `star` are met); lists of one member
/// are dropped.
fn with_stored(
    conn: &Connection,
    lists: HashMap<u64, Vec<u32>>,
    which: Postings,
    cfg: &CandidateConfig,
    stored: bool,
) -> rusqlite::Result<HashMap<u64, Vec<u32>>> {
    let mut keys: Vec<(u64, Vec<u32>)> = lists.into_iter().collect();
    // key order walks the stored b-tree front to back
    keys.sort_unstable_by_key(|e| e.0);
    let mut out = HashMap::new();
    for (k, mine) in keys {
        let old = if stored {
            store::posting_list(conn, which, k, cfg.bucket_cap + 1)?
        } else {
            Vec::new()
        };
        if old.len() + mine.len() < 2 {
            continue;
        }
        let mut list = old;
        list.extend(mine);
        list.sort_unstable();
        out.insert(k, list);
    }
    Ok(out)
}

fn partners<'a>(list: &'a [u32], d: u32, cfg: &CandidateConfig) -> impl Iterator<Item = u32> + 'a {
    list[..partners_taken(list.len(), cfg).min(list.len())]
        .iter()
        .copied()
        .filter(move |&e| e != d)
}

fn anchor_count(conn: &Connection, doc: u32) -> rusqlite::Result<usize> {
    conn.prepare_cached("SELECT anchors FROM features WHERE doc = ?1")?
        .query_row([doc], |r| r.get::<_, i64>(0))
        .map(|n| n as usize)
}
