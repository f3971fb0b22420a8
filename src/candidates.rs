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

use std::io;
use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::Features;
use crate::ragged::Ragged;
use crate::spill::{Decoder, Encoder, Spill};

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
/// (one per band, empty without a signature) and its anchors, a chunk of
/// consecutive articles at a time (so they can live on disk).
pub trait CandidateKeys: Sync {
    /// Number of articles.
    fn count(&self) -> usize;
    /// Number of anchors of article `d`.
    fn anchor_count(&self, d: usize) -> usize;
    /// The keys of the articles of `docs`, in order.
    fn chunk(&self, docs: Range<usize>) -> Keys;
    /// Like [`CandidateKeys::chunk`], where only `channel`'s keys are
    /// needed (the other channel's may read back empty).
    fn channel_chunk(&self, docs: Range<usize>, channel: Channel) -> Keys {
        let _ = channel;
        self.chunk(docs)
    }
}

impl CandidateKeys for [Features] {
    fn count(&self) -> usize {
        self.len()
    }
    fn anchor_count(&self, d: usize) -> usize {
        self[d].anchors.len()
    }
    fn chunk(&self, docs: Range<usize>) -> Keys {
        let mut k = Keys::default();
        for f in &self[docs] {
            k.push(&f.band_keys, &f.anchors);
        }
        k
    }
}

/// The candidate keys of consecutive articles.
#[derive(Debug, Default)]
pub struct Keys {
    bands: Ragged<u64>,
    anchors: Ragged<u64>,
}

/// The two kinds of candidate key, each with its own posting lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// LSH band keys.
    Bands,
    /// Winnowed anchors.
    Anchors,
}

impl Keys {
    /// Appends the next article's keys.
    pub fn push(&mut self, band_keys: &[u64], anchors: &[u64]) {
        self.bands.push(band_keys);
        self.anchors.push(anchors);
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// True when there are no articles.
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Band keys of the `i`th article.
    pub fn band_keys(&self, i: usize) -> &[u64] {
        self.bands.get(i)
    }

    /// Anchors of the `i`th article.
    pub fn anchors(&self, i: usize) -> &[u64] {
        self.anchors.get(i)
    }

    /// Calls `f` with each posting key of the `i`th article in `channel`
    /// (band keys with their band mixed in).
    fn for_each_posting(&self, i: usize, channel: Channel, mut f: impl FnMut(u64)) {
        match channel {
            Channel::Bands => {
                for (j, &k) in self.band_keys(i).iter().enumerate() {
                    f(band_key(j, k));
                }
            }
            Channel::Anchors => self.anchors(i).iter().for_each(|&k| f(k)),
        }
    }
}

impl CandidateKeys for Keys {
    fn count(&self) -> usize {
        self.len()
    }
    fn anchor_count(&self, d: usize) -> usize {
        self.anchors(d).len()
    }
    fn chunk(&self, docs: Range<usize>) -> Keys {
        let mut k = Keys::default();
        for d in docs {
            k.push(self.band_keys(d), self.anchors(d));
        }
        k
    }
}

/// Candidate keys written to two [`Spill`]s (band keys, anchors) in blocks
/// of `CHUNK` articles (the chunks candidate generation reads), with each
/// article's anchor count kept in memory. A large run's keys (about 1 KB an
/// article) would otherwise be the largest thing it holds while finding
/// candidates; a channel's posting lists read only that channel's spill.
pub struct SpilledKeys {
    bands: Spill,
    anchors: Spill,
    anchor_counts: Vec<u32>,
    block: Keys,
    // reads happen inside parallel work that cannot return an error: the
    // first one is kept, and the block reads as articles without keys
    error: Mutex<Option<io::Error>>,
}

impl SpilledKeys {
    /// Drops the keys, their files closed on a thread of their own
    /// ([`crate::spill::Spill::close_in_background`]).
    pub fn close_in_background(self) {
        self.bands.close_in_background();
        self.anchors.close_in_background();
    }

    /// Band keys written to `bands`, anchors to `anchors`.
    pub fn new(bands: Spill, anchors: Spill) -> Self {
        SpilledKeys {
            bands,
            anchors,
            anchor_counts: Vec::new(),
            block: Keys::default(),
            error: Mutex::new(None),
        }
    }

    /// Appends the next article's keys.
    pub fn push(&mut self, band_keys: &[u64], anchors: &[u64]) -> io::Result<()> {
        self.block.push(band_keys, anchors);
        self.anchor_counts.push(anchors.len() as u32);
        if self.block.len() == CHUNK {
            self.write_block()?;
        }
        Ok(())
    }

    fn write_block(&mut self) -> io::Result<()> {
        let block = std::mem::take(&mut self.block);
        for (runs, spill) in [
            (&block.bands, &mut self.bands),
            (&block.anchors, &mut self.anchors),
        ] {
            let mut e = Encoder::default();
            runs.encode(&mut e);
            spill.push(&e.bytes)?;
        }
        Ok(())
    }

    /// Ends writing: keys can be read from now on.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.block.is_empty() {
            self.write_block()?;
        }
        self.bands.finish()?;
        self.anchors.finish()
    }

    /// The first error met while reading keys back, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Block `b`'s runs of one channel; articles without keys when it
    /// cannot be read back (the error is kept).
    fn read_runs(&self, b: usize, channel: Channel) -> Ragged<u64> {
        let docs = (b * CHUNK)..((b + 1) * CHUNK).min(self.anchor_counts.len());
        let spill = match channel {
            Channel::Bands => &self.bands,
            Channel::Anchors => &self.anchors,
        };
        let read = spill.get(b).and_then(|bytes| {
            let runs = Ragged::decode(&mut Decoder::new(&bytes))?;
            if runs.len() != docs.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a spilled block of keys is torn",
                ));
            }
            Ok(runs)
        });
        read.unwrap_or_else(|e| {
            let mut first = self.error.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert(e);
            let mut empty = Ragged::default();
            docs.for_each(|_| empty.push(&[]));
            empty
        })
    }

    fn read_block(&self, b: usize, channel: Option<Channel>) -> Keys {
        let empty = |len: usize| {
            let mut r = Ragged::default();
            (0..len).for_each(|_| r.push(&[]));
            r
        };
        match channel {
            None => Keys {
                bands: self.read_runs(b, Channel::Bands),
                anchors: self.read_runs(b, Channel::Anchors),
            },
            Some(Channel::Bands) => {
                let bands = self.read_runs(b, Channel::Bands);
                let anchors = empty(bands.len());
                Keys { bands, anchors }
            }
            Some(Channel::Anchors) => {
                let anchors = self.read_runs(b, Channel::Anchors);
                let bands = empty(anchors.len());
                Keys { bands, anchors }
            }
        }
    }

    fn read(&self, docs: Range<usize>, channel: Option<Channel>) -> Keys {
        // candidate generation reads whole blocks; other ranges are cut
        // from the blocks they overlap
        if docs.start.is_multiple_of(CHUNK) && docs.end == (docs.start + CHUNK).min(self.count()) {
            return self.read_block(docs.start / CHUNK, channel);
        }
        let mut k = Keys::default();
        let mut b = usize::MAX;
        let mut block = Keys::default();
        for d in docs {
            if d / CHUNK != b {
                b = d / CHUNK;
                block = self.read_block(b, channel);
            }
            k.push(block.band_keys(d % CHUNK), block.anchors(d % CHUNK));
        }
        k
    }
}

impl CandidateKeys for SpilledKeys {
    fn count(&self) -> usize {
        self.anchor_counts.len()
    }
    fn anchor_count(&self, d: usize) -> usize {
        self.anchor_counts[d] as usize
    }
    fn chunk(&self, docs: Range<usize>) -> Keys {
        self.read(docs, None)
    }
    fn channel_chunk(&self, docs: Range<usize>, channel: Channel) -> Keys {
        self.read(docs, Some(channel))
    }
}

/// Articles read together: enough to keep every thread busy.
const CHUNK: usize = 4096;

/// The key ranges of `n` articles, `CHUNK` at a time.
fn chunks(n: usize) -> Vec<Range<usize>> {
    (0..n)
        .step_by(CHUNK)
        .map(|s| s..(s + CHUNK).min(n))
        .collect()
}

/// Inverted lists of the keys two or more articles share (most anchors and
/// band keys are unique, and are dropped), with their transpose: the lists
/// each article is in. An article's partners are then read from its shared
/// lists alone, with no lookup of the keys it does not share: at a million
/// articles, where the lists are far larger than the caches, looking each
/// key up (a directory slot, the key, the list bounds: three misses) cost
/// more than reading the lists found.
struct Postings {
    // where each list starts in `docs`; one more for the end
    starts: Vec<u32>,
    docs: Vec<u32>,
    // the lists of article `d` are `lists[of[d]..of[d + 1]]`, ascending;
    // a list is left out of its first member's, which has no earlier
    // partner in it
    of: Vec<u32>,
    lists: Vec<u32>,
}

impl Postings {
    /// Entries sorted at a time: the (key, article) entries of a whole
    /// corpus (over a hundred an article) would be the peak of a run's
    /// memory, so keys are taken in slices of the key range, in order, and
    /// only the shared ones kept from each.
    const SLICE_ENTRIES: usize = 1 << 21;
    /// Every slice reads all keys: past this many slices, slices grow
    /// instead, so the reads stay linear in the corpus (at a million
    /// articles a slice holds about 14M entries, some 110 MB).
    const MAX_SLICES: usize = 8;
    /// Keys are counted by their top bits first; slices are runs of these
    /// buckets, sized from the counts.
    const BUCKET_BITS: u32 = 8;

    /// Entries are one `u64` each: the key's top bits above the article
    /// id in the low `doc_bits` bits, sorted as plain integers. Half the
    /// memory of a (key, article) pair, so slices are twice as large and
    /// the spill is read half as often. Keys equal in their top bits but
    /// not in the dropped ones share a list: at a million generator
    /// articles (20 bits dropped, 44 kept) that made 19 extra candidate
    /// pairs among 1.53M, each turned away by verification.
    fn build<K: CandidateKeys + ?Sized>(source: &K, channel: Channel) -> Self {
        let doc_bits = doc_bits(source.count());
        let chunks = chunks(source.count());
        let bucket_of = |k: u64| (k >> (64 - Self::BUCKET_BITS)) as usize;
        // entries of each chunk in each bucket
        let counts: Vec<Vec<u32>> = chunks
            .par_iter()
            .map(|r| {
                let k = source.channel_chunk(r.clone(), channel);
                let mut c = vec![0u32; 1 << Self::BUCKET_BITS];
                for i in 0..k.len() {
                    k.for_each_posting(i, channel, |key| c[bucket_of(key)] += 1);
                }
                c
            })
            .collect();
        let per_bucket: Vec<usize> = (0..1 << Self::BUCKET_BITS)
            .map(|b| counts.iter().map(|c| c[b] as usize).sum())
            .collect();
        let total: usize = per_bucket.iter().sum();
        let target = Self::SLICE_ENTRIES.max(total.div_ceil(Self::MAX_SLICES));
        let mut slices = Vec::new();
        let (mut lo, mut size) = (0, 0);
        for (b, &n) in per_bucket.iter().enumerate() {
            if size > 0 && size + n > target {
                slices.push(lo..b);
                (lo, size) = (b, 0);
            }
            size += n;
        }
        slices.push(lo..per_bucket.len());

        let mut starts = Vec::new();
        let mut docs = Vec::new();
        // one buffer, filled in place: each chunk writes its own part
        let mut entries: Vec<u64> = Vec::new();
        for slice in slices {
            let sizes: Vec<usize> = counts
                .iter()
                .map(|c| c[slice.clone()].iter().map(|&n| n as usize).sum())
                .collect();
            entries.clear();
            entries.resize(sizes.iter().sum(), 0);
            let mut parts = Vec::with_capacity(chunks.len());
            let mut rest = entries.as_mut_slice();
            for &n in &sizes {
                let (part, after) = std::mem::take(&mut rest).split_at_mut(n);
                parts.push(part);
                rest = after;
            }
            chunks.par_iter().zip(parts).for_each(|(r, part)| {
                let k = source.channel_chunk(r.clone(), channel);
                let mut at = 0;
                for i in 0..k.len() {
                    let d = (r.start + i) as u64;
                    k.for_each_posting(i, channel, |key| {
                        if slice.contains(&bucket_of(key)) {
                            part[at] = key >> doc_bits << doc_bits | d;
                            at += 1;
                        }
                    });
                }
            });
            entries.par_sort_unstable();
            entries.dedup();
            let key = |e: u64| e >> doc_bits;
            let doc = |e: u64| (e & ((1 << doc_bits) - 1)) as u32;
            for run in entries.chunk_by(|x, y| key(*x) == key(*y)) {
                if run.len() > 1 {
                    starts.push(docs.len() as u32);
                    docs.extend(run.iter().map(|&e| doc(e)));
                }
            }
        }
        drop(entries);
        starts.push(docs.len() as u32);
        starts.shrink_to_fit();
        docs.shrink_to_fit();
        let (of, lists) = transpose(&starts, &docs, source.count());
        Postings {
            starts,
            docs,
            of,
            lists,
        }
    }

    /// The lists article `d` is in (but those it comes first in) into
    /// `out`. The bounds of every list are read before any list is: the
    /// reads of different lists do not wait on each other. `bounds` is
    /// scratch, reused by the caller across articles.
    fn lists_of<'a>(&'a self, d: u32, bounds: &mut Vec<(u32, u32)>, out: &mut Vec<&'a [u32]>) {
        let d = d as usize;
        let lists = &self.lists[self.of[d] as usize..self.of[d + 1] as usize];
        bounds.clear();
        bounds.extend(
            lists
                .iter()
                .map(|&l| (self.starts[l as usize], self.starts[l as usize + 1])),
        );
        out.clear();
        out.extend(
            bounds
                .iter()
                .map(|&(s, e)| &self.docs[s as usize..e as usize]),
        );
    }
}

/// The transpose of the lists `docs[starts[l]..starts[l + 1]]` over `n`
/// articles: for each article, the lists it is in, leaving out those it is
/// first in (offsets, then the lists one after another).
fn transpose(starts: &[u32], docs: &[u32], n: usize) -> (Vec<u32>, Vec<u32>) {
    let members = |w: &[u32]| &docs[w[0] as usize + 1..w[1] as usize];
    let mut of = vec![0u32; n + 1];
    for w in starts.windows(2) {
        for &d in members(w) {
            of[d as usize + 1] += 1;
        }
    }
    for d in 0..n {
        of[d + 1] += of[d];
    }
    let mut at = of.clone();
    let mut lists = vec![0u32; of[n] as usize];
    for (l, w) in starts.windows(2).enumerate() {
        for &d in members(w) {
            lists[at[d as usize] as usize] = l as u32;
            at[d as usize] += 1;
        }
    }
    (of, lists)
}

/// Bits that hold an article id of a corpus of `n` articles.
fn doc_bits(n: usize) -> u32 {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1)
}

/// Partners of `doc` in one posting list: in a list over the cap, every
/// member meets only the first `star` members (which meet each other). Only
/// those with a smaller id: a pass over every article then meets each pair
/// once, from its later article, instead of from both sides. Nothing is
/// lost: lists are in article order, so where the later article is within
/// a capped list's first `star` members the earlier one is too, and the
/// later article meets at least as many of the pair's shared lists as the
/// earlier one does.
fn earlier_partners<'a>(
    list: &'a [u32],
    doc: u32,
    cfg: &CandidateConfig,
) -> impl Iterator<Item = u32> + 'a {
    list[..partners_taken(list.len(), cfg)]
        .iter()
        .copied()
        .take_while(move |&e| e < doc)
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
    // LSH: one posting list per (band, key); the band index is mixed into
    // the key so equal keys of different bands never meet
    let lsh = Postings::build(keys, Channel::Bands);
    let anchors = Postings::build(keys, Channel::Anchors);
    let mut pairs: Vec<(u32, u32, u8)> = chunks(keys.count())
        .par_iter()
        .flat_map_iter(|r| {
            let mut out = Vec::new();
            let (mut bounds, mut lists) = (Vec::new(), Vec::new());
            // scratch reused across articles: most articles meet no one
            let (mut found, mut met) = (Vec::<(u32, u8)>::new(), Vec::<u32>::new());
            for d in r.clone() {
                let d = d as u32;
                found.clear();
                lsh.lists_of(d, &mut bounds, &mut lists);
                for list in &lists {
                    found.extend(earlier_partners(list, d, cfg).map(|e| (e, LSH)));
                }
                // shared anchors per partner: a partner's runs, counted
                anchors.lists_of(d, &mut bounds, &mut lists);
                met.clear();
                for list in &lists {
                    met.extend(earlier_partners(list, d, cfg));
                }
                met.sort_unstable();
                let own = keys.anchor_count(d as usize);
                let need = |e: u32| anchors_needed(own.min(keys.anchor_count(e as usize)), cfg);
                for run in met.chunk_by(|a, b| a == b) {
                    if run.len() as u32 >= need(run[0]) {
                        found.push((run[0], ANCHORS));
                    }
                }
                // one entry per partner and channel, not per shared band
                found.sort_unstable();
                found.dedup();
                out.extend(found.iter().map(|&(e, ch)| (e, d, ch)));
            }
            out
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
        let earlier = |list: &[u32], d| earlier_partners(list, d, &cfg).collect::<Vec<_>>();
        assert_eq!(earlier(&list, 5), [0, 1]);
        assert!(earlier(&list, 0).is_empty());
        assert_eq!(earlier(&list, 1), [0]);
        let small: Vec<u32> = (0..3).collect();
        assert_eq!(earlier(&small, 1), [0]);
        assert_eq!(earlier(&small, 2), [0, 1]);
    }

    /// Every article meeting its partners in every list it is in, from both
    /// sides of each pair: what meeting each pair from its later article
    /// must give.
    fn pairs_met_from_both_sides(f: &[Features], cfg: &CandidateConfig) -> Vec<(u32, u32)> {
        let bits = doc_bits(f.len());
        let packed = |k: u64| k >> bits << bits;
        let mut lists: std::collections::BTreeMap<(u8, u64), Vec<u32>> = Default::default();
        for (d, a) in f.iter().enumerate() {
            for (j, &k) in a.band_keys.iter().enumerate() {
                lists
                    .entry((0, packed(band_key(j, k))))
                    .or_default()
                    .push(d as u32);
            }
            for &k in &a.anchors {
                lists.entry((1, packed(k))).or_default().push(d as u32);
            }
        }
        let mut pairs = std::collections::BTreeSet::new();
        for (d, a) in f.iter().enumerate() {
            let d = d as u32;
            let mut shared: std::collections::BTreeMap<u32, u32> = Default::default();
            for ((channel, _), list) in &lists {
                let mut list = list.clone();
                list.dedup();
                if !list.contains(&d) {
                    continue;
                }
                for &e in &list[..partners_taken(list.len(), cfg)] {
                    if e == d {
                        continue;
                    }
                    if *channel == 0 {
                        pairs.insert((d.min(e), d.max(e)));
                    } else {
                        *shared.entry(e).or_default() += 1;
                    }
                }
            }
            for (e, n) in shared {
                let fewest = a.anchors.len().min(f[e as usize].anchors.len());
                if n >= anchors_needed(fewest, cfg) {
                    pairs.insert((d.min(e), d.max(e)));
                }
            }
        }
        pairs.into_iter().collect()
    }

    #[test]
    fn each_pair_met_once_is_each_pair_met_from_both_sides() {
        // few distinct keys, so that lists run over the cap
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        for round in 0..20 {
            let n = 5 + next(60) as usize;
            let features: Vec<Features> = (0..n)
                .map(|_| {
                    let mut anchors: Vec<u64> = (0..next(8)).map(|_| next(12) << 40).collect();
                    anchors.sort_unstable();
                    anchors.dedup();
                    Features {
                        band_keys: (0..3).map(|_| next(4) << 40).collect(),
                        anchors,
                        ..Features::default()
                    }
                })
                .collect();
            let cfg = CandidateConfig {
                anchor_min_shared: 1 + (round % 3) as u32,
                bucket_cap: 3 + round % 5,
                star: 1 + round % 3,
            };
            let met = candidates(features.as_slice(), &cfg).pairs;
            assert_eq!(
                met,
                pairs_met_from_both_sides(&features, &cfg),
                "round {round}"
            );
        }
    }

    #[test]
    fn article_ids_take_the_bits_they_need() {
        assert_eq!(doc_bits(0), 1);
        assert_eq!(doc_bits(1), 1);
        assert_eq!(doc_bits(2), 1);
        assert_eq!(doc_bits(3), 2);
        assert_eq!(doc_bits(1 << 20), 20);
        assert_eq!(doc_bits((1 << 20) + 1), 21);
    }

    #[test]
    fn keys_differing_only_below_the_kept_bits_share_a_list() {
        // four articles: two share a key exactly, two differ only in the
        // lowest bit, which an article id replaces
        let mut keys = Keys::default();
        for k in [
            0xdead_beef_0000_0010_u64,
            0xdead_beef_0000_0010,
            0x1234_5678_0000_0100,
            0x1234_5678_0000_0101,
        ] {
            keys.push(&[], &[k, k ^ 0xffff_0000_0000]);
        }
        let cfg = CandidateConfig {
            anchor_min_shared: 2,
            ..CandidateConfig::default()
        };
        let found = candidates(&keys, &cfg);
        assert_eq!(found.pairs, [(0, 1), (2, 3)]);
        assert_eq!(found.from_anchors, 2);
    }

    #[test]
    fn spilled_keys_read_back_in_any_range() {
        let n = CHUNK * 2 + 5;
        let key = |d: usize| (d as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut mem = Keys::default();
        let mut spilled = SpilledKeys::new(Spill::file().unwrap(), Spill::memory());
        for d in 0..n {
            let anchors: Vec<u64> = (0..d % 3).map(|i| key(d) ^ i as u64).collect();
            // articles three by three share a band key
            mem.push(&[key(d / 3)], &anchors);
            spilled.push(&[key(d / 3)], &anchors).unwrap();
        }
        spilled.finish().unwrap();
        assert_eq!(spilled.count(), n);
        for r in [0..CHUNK, CHUNK..2 * CHUNK, 2 * CHUNK..n, 3..CHUNK + 7, 0..n] {
            let (a, b) = (spilled.chunk(r.clone()), mem.chunk(r.clone()));
            assert_eq!(a.len(), r.len());
            let bands = spilled.channel_chunk(r.clone(), Channel::Bands);
            let anchors = spilled.channel_chunk(r.clone(), Channel::Anchors);
            for i in 0..a.len() {
                assert_eq!(a.band_keys(i), b.band_keys(i));
                assert_eq!(a.anchors(i), b.anchors(i));
                assert_eq!(bands.band_keys(i), b.band_keys(i));
                assert_eq!(anchors.anchors(i), b.anchors(i));
            }
        }
        assert_eq!(spilled.anchor_count(CHUNK + 2), (CHUNK + 2) % 3);
        assert!(spilled.take_error().is_none());
        let cfg = CandidateConfig::default();
        let found = candidates(&spilled, &cfg).pairs;
        // three pairs in each full trio; the last article is alone
        assert_eq!(found.len(), n / 3 * 3);
        assert_eq!(found, candidates(&mem, &cfg).pairs);
    }

    #[test]
    fn each_article_is_given_the_lists_it_is_in_but_first() {
        // lists [0 1 2], [1 2], [0 2] over four articles
        let (of, lists) = transpose(&[0, 3, 5, 7], &[0, 1, 2, 1, 2, 0, 2], 4);
        assert_eq!(of, [0, 0, 1, 4, 4]);
        assert_eq!(lists, [0, 0, 1, 2]);
    }
}
