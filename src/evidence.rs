//! Shared passages and additions for the pairs a report shows.
//!
//! Computed after grouping, and only for the (member, parent) pairs of the
//! report, never for every candidate: evidence is for people, and it is
//! what costs the second read of each text.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::align::{align_shingled, AlignConfig, Aligned, Shingles};
use crate::features::Prepared;
use crate::params::Params;
use crate::report::{Passage, Span};

/// Passages a member shares with its parent, and its additions.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Shared passages.
    pub passages: Vec<Passage>,
    /// Parts of the member not in the parent.
    pub additions: Vec<Span>,
}

/// Evidence for each `(member, parent)` pair, in order. `text` gives an
/// article's original text and `masked` whether one of its sentences
/// (by hash) is boilerplate.
pub fn evidence<S: AsRef<str>>(
    pairs: &[(u32, u32)],
    text: impl Fn(u32) -> S + Sync,
    masked: impl Fn(u32, u64) -> bool + Sync,
    params: &Params,
) -> Vec<Evidence> {
    evidence_of(
        pairs,
        |d| Prepared::aligned(text(d).as_ref(), params, |h| masked(d, h)),
        params,
    )
}

/// Evidence for each `(member, parent)` pair, in order, with `side` giving
/// an article's words ready for alignment. Pairs are worked in batches of
/// consecutive pairs that share articles (a group's members and parents),
/// so each article is made once per batch and only a batch's words are
/// held at a time.
// out of line so that profiles can tell the evidence stage from the rest
// of `cluster`
#[inline(never)]
pub fn evidence_of(
    pairs: &[(u32, u32)],
    side: impl Fn(u32) -> Aligned + Sync,
    params: &Params,
) -> Vec<Evidence> {
    let cfg = AlignConfig::new(params.shingle_size);
    // batches: runs of consecutive pairs that share articles
    let mut batches: Vec<&[(u32, u32)]> = Vec::new();
    let mut start = 0;
    let mut seen: HashSet<u32> = HashSet::new();
    for (i, &(m, p)) in pairs.iter().enumerate() {
        if i > start && !seen.contains(&m) && !seen.contains(&p) {
            batches.push(&pairs[start..i]);
            start = i;
            seen.clear();
        }
        seen.insert(m);
        seen.insert(p);
    }
    if start < pairs.len() {
        batches.push(&pairs[start..]);
    }
    batches
        .par_iter()
        .flat_map_iter(|batch| {
            let sources: HashSet<u32> = batch.iter().map(|&(_, p)| p).collect();
            let mut sides: HashMap<u32, (Aligned, Shingles)> = HashMap::new();
            for &(m, p) in batch.iter() {
                for d in [m, p] {
                    sides.entry(d).or_insert_with(|| {
                        let a = side(d);
                        let s = Shingles::new(&a, cfg.k, sources.contains(&d));
                        (a, s)
                    });
                }
            }
            batch
                .iter()
                .map(|&(m, p)| {
                    let ((copy, cs), (source, ss)) = (&sides[&m], &sides[&p]);
                    let (passages, additions) = align_shingled(copy, cs, source, ss, cfg);
                    Evidence {
                        passages,
                        additions,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
