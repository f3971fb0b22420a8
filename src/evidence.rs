//! Shared passages and additions for the pairs a report shows.
//!
//! Computed after grouping, and only for the (member, parent) pairs of the
//! report, never for every candidate: evidence is for people, and it is
//! what costs the second read of each text.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::align::{align, AlignConfig, Aligned};
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
pub fn evidence<'a>(
    pairs: &[(u32, u32)],
    text: impl Fn(u32) -> &'a str + Sync,
    masked: impl Fn(u32, u64) -> bool + Sync,
    params: &Params,
) -> Vec<Evidence> {
    let mut docs: Vec<u32> = pairs.iter().flat_map(|&(m, p)| [m, p]).collect();
    docs.sort_unstable();
    docs.dedup();
    let aligned: HashMap<u32, Aligned> = docs
        .par_iter()
        .map(|&d| (d, Prepared::aligned(text(d), params, |h| masked(d, h))))
        .collect();
    let cfg = AlignConfig::new(params.shingle_size);
    pairs
        .par_iter()
        .map(|&(m, p)| {
            let (passages, additions) = align(&aligned[&m], &aligned[&p], cfg);
            Evidence {
                passages,
                additions,
            }
        })
        .collect()
}
