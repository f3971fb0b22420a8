//! Candidate pairs from two channels, both verified afterwards.
//!
//! * **LSH bands** of the MinHash signatures find pairs of high Jaccard
//!   similarity, whatever their length.
//! * **Shared anchors** (winnowed shingles, see [`crate::anchor`]) find
//!   pairs that share a passage however small it is relative to either
//!   text: truncations and excerpts, whose Jaccard similarity is far below
//!   any usable LSH threshold. A pair is a candidate when it shares at least
//!   `anchor_min_shared` anchors.
//!
//! A bucket or an anchor shared by more than `bucket_cap` articles (one
//! story syndicated thousands of times, or text the boilerplate rules left)
//! does not produce all its pairs: each member is paired with the first
//! `star` members only. That keeps candidate generation linear while every
//! member still meets the copies it would be grouped with.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::features::Features;

/// Settings of candidate generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateConfig {
    /// Anchors two articles must share to be compared.
    pub anchor_min_shared: u32,
    /// Largest bucket whose pairs are all compared.
    pub bucket_cap: usize,
    /// In a larger bucket, how many first members each member meets.
    pub star: usize,
}

impl Default for CandidateConfig {
    fn default() -> Self {
        CandidateConfig {
            anchor_min_shared: 2,
            bucket_cap: 16,
            star: 8,
        }
    }
}

/// Candidate pairs `(a, b)` with `a < b`, sorted, and how many each channel
/// produced.
#[derive(Debug, Default)]
pub struct Candidates {
    /// The pairs.
    pub pairs: Vec<(u32, u32)>,
    /// Pairs from LSH buckets.
    pub from_lsh: usize,
    /// Pairs from shared anchors.
    pub from_anchors: usize,
}

/// What candidate generation reads of each article: its LSH band keys
/// (one per band, empty without a signature) and its anchors.
pub trait CandidateKeys: Sync {
    /// Number of articles.
    fn count(&self) -> usize;
    /// Band keys of article `d`, band by band.
    fn band_keys(&self, d: usize) -> &[u64];
    /// Distinct anchors of article `d`.
    fn anchors(&self, d: usize) -> &[u64];
}

impl CandidateKeys for [Features] {
    fn count(&self) -> usize {
        self.len()
    }
    fn band_keys(&self, d: usize) -> &[u64] {
        &self[d].band_keys
    }
    fn anchors(&self, d: usize) -> &[u64] {
        &self[d].anchors
    }
}

/// The candidate keys of many articles in flat arrays: a `Vec` per
/// article would cost an allocation and its header for each.
#[derive(Debug, Default)]
pub struct Keys {
    bands: Vec<u64>,
    band_ends: Vec<u64>,
    anchors: Vec<u64>,
    anchor_ends: Vec<u64>,
}

impl Keys {
    /// Appends the next article's keys.
    pub fn push(&mut self, band_keys: &[u64], anchors: &[u64]) {
        self.bands.extend_from_slice(band_keys);
        self.band_ends.push(self.bands.len() as u64);
        self.anchors.extend_from_slice(anchors);
        self.anchor_ends.push(self.anchors.len() as u64);
    }

    /// Frees what the arrays grew beyond their contents.
    pub fn shrink_to_fit(&mut self) {
        self.bands.shrink_to_fit();
        self.band_ends.shrink_to_fit();
        self.anchors.shrink_to_fit();
        self.anchor_ends.shrink_to_fit();
    }

    fn range(ends: &[u64], d: usize) -> std::ops::Range<usize> {
        let start = if d == 0 { 0 } else { ends[d - 1] as usize };
        start..ends[d] as usize
    }
}

impl CandidateKeys for Keys {
    fn count(&self) -> usize {
        self.band_ends.len()
    }
    fn band_keys(&self, d: usize) -> &[u64] {
        &self.bands[Keys::range(&self.band_ends, d)]
    }
    fn anchors(&self, d: usize) -> &[u64] {
        &self.anchors[Keys::range(&self.anchor_ends, d)]
    }
}

/// Inverted lists: key → sorted article ids. Only keys shared by two or
/// more articles are kept: most anchors and band keys are unique, and a
/// hash map of the shared ones answers in one probe where a binary search
/// over every entry would miss the cache at each step.
struct Postings {
    docs: Vec<u32>,
    // keys are xxh3 hashes already: a cheap hasher is enough
    shared: FxHashMap<u64, (u32, u32)>,
}

impl Postings {
    /// Entries sorted at a time: the (key, article) entries of a whole
    /// corpus (over a hundred an article) would be the peak of a run's
    /// memory, so keys are taken in slices by their low bits and only
    /// the shared ones kept from each.
    const SLICE_ENTRIES: usize = 1 << 21;

    fn build<I: Iterator<Item = u64>>(n: usize, keys: impl Fn(usize) -> I + Sync) -> Self {
        let total: usize = (0..n).into_par_iter().map(|d| keys(d).count()).sum();
        let slices = total.div_ceil(Self::SLICE_ENTRIES).max(1) as u64;
        let mut docs = Vec::new();
        // (key, start, length) of each shared list, put in a map sized
        // once at the end rather than grown (and over-allocated) by
        // doubling
        let mut lists: Vec<(u64, u32, u32)> = Vec::new();
        for slice in 0..slices {
            let keys = &keys;
            let mut entries: Vec<(u64, u32)> = (0..n)
                .into_par_iter()
                .flat_map_iter(|d| {
                    keys(d)
                        .filter(move |k| k % slices == slice)
                        .map(move |k| (k, d as u32))
                })
                .collect();
            entries.par_sort_unstable();
            entries.dedup();
            let mut i = 0;
            while i < entries.len() {
                let mut j = i + 1;
                while j < entries.len() && entries[j].0 == entries[i].0 {
                    j += 1;
                }
                if j - i > 1 {
                    lists.push((entries[i].0, docs.len() as u32, (j - i) as u32));
                    docs.extend(entries[i..j].iter().map(|e| e.1));
                }
                i = j;
            }
        }
        docs.shrink_to_fit();
        let mut shared = FxHashMap::with_capacity_and_hasher(lists.len(), Default::default());
        shared.extend(lists.into_iter().map(|(k, start, len)| (k, (start, len))));
        Postings { docs, shared }
    }

    fn list(&self, key: u64) -> &[u32] {
        match self.shared.get(&key) {
            Some(&(start, len)) => &self.docs[start as usize..(start + len) as usize],
            None => &[],
        }
    }
}

/// Partners of `doc` in one posting list. In a list over the cap, every
/// member meets only the first `star` members (which meet each other).
fn partners<'a>(
    list: &'a [u32],
    doc: u32,
    cfg: &CandidateConfig,
) -> impl Iterator<Item = u32> + 'a {
    list[..partners_taken(list.len(), cfg)]
        .iter()
        .copied()
        .filter(move |&d| d != doc)
}

/// The posting key of band `j`'s key `k`: the band index is mixed into the
/// key so equal keys of different bands never meet.
pub fn band_key(j: usize, k: u64) -> u64 {
    k ^ (j as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// How many members of a posting list of `len` articles each member meets:
/// all of them, or the first `star` in a list over the cap.
pub fn partners_taken(len: usize, cfg: &CandidateConfig) -> usize {
    if len > cfg.bucket_cap {
        cfg.star
    } else {
        len
    }
}

/// Anchors a pair must share when one side has `fewest` anchors: a text too
/// short to hold the required anchors needs all it has.
pub fn anchors_needed(fewest: usize, cfg: &CandidateConfig) -> u32 {
    cfg.anchor_min_shared.min((fewest as u32).max(1))
}

const LSH: u8 = 1;
const ANCHORS: u8 = 2;

/// Generates candidate pairs for all articles of `keys` (a slice of
/// [`Features`], or [`Keys`]).
pub fn candidates<K: CandidateKeys + ?Sized>(keys: &K, cfg: &CandidateConfig) -> Candidates {
    let n = keys.count();
    // LSH: one posting list per (band, key); the band index is mixed into
    // the key so equal keys of different bands never meet
    let lsh = Postings::build(n, |d| {
        keys.band_keys(d)
            .iter()
            .enumerate()
            .map(move |(j, &k)| band_key(j, k))
    });
    let anchors = Postings::build(n, |d| keys.anchors(d).iter().copied());
    let mut pairs: Vec<(u32, u32, u8)> = (0..n)
        .into_par_iter()
        .flat_map_iter(|d| {
            let (band_keys, own) = (keys.band_keys(d), keys.anchors(d));
            let d = d as u32;
            let mut found: Vec<(u32, u8)> = Vec::new();
            for (j, &k) in band_keys.iter().enumerate() {
                found.extend(partners(lsh.list(band_key(j, k)), d, cfg).map(|e| (e, LSH)));
            }
            let mut counts: FxHashMap<u32, u32> = FxHashMap::default();
            for &h in own {
                for e in partners(anchors.list(h), d, cfg) {
                    *counts.entry(e).or_default() += 1;
                }
            }
            let need = |e: u32| anchors_needed(own.len().min(keys.anchors(e as usize).len()), cfg);
            found.extend(
                counts
                    .into_iter()
                    .filter(|&(e, c)| c >= need(e))
                    .map(|(e, _)| (e, ANCHORS)),
            );
            // one entry per partner and channel, not per shared band
            found.sort_unstable();
            found.dedup();
            found
                .into_iter()
                .map(move |(e, ch)| (d.min(e), d.max(e), ch))
        })
        .collect();
    pairs.par_sort_unstable();
    let mut out = Candidates::default();
    let mut i = 0;
    while i < pairs.len() {
        let (a, b, mut ch) = pairs[i];
        i += 1;
        while i < pairs.len() && (pairs[i].0, pairs[i].1) == (a, b) {
            ch |= pairs[i].2;
            i += 1;
        }
        out.from_lsh += usize::from(ch & LSH != 0);
        out.from_anchors += usize::from(ch & ANCHORS != 0);
        out.pairs.push((a, b));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_rule_caps_partners() {
        let cfg = CandidateConfig {
            anchor_min_shared: 1,
            bucket_cap: 4,
            star: 2,
        };
        let list: Vec<u32> = (0..10).collect();
        assert_eq!(partners(&list, 5, &cfg).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(partners(&list, 0, &cfg).collect::<Vec<_>>(), [1]);
        assert_eq!(partners(&list, 1, &cfg).collect::<Vec<_>>(), [0]);
        let small: Vec<u32> = (0..3).collect();
        assert_eq!(partners(&small, 1, &cfg).collect::<Vec<_>>(), [0, 2]);
    }
}
