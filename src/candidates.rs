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
use crate::spill::{Encoder, Spill};

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

/// What candidate generation reads of the articles: the posting entries
/// of each channel (a key's top bits over the article id, see
/// [`posting_entry`]), counted and read by part (articles read together)
/// and bucket (a key's top [`BUCKET_BITS`] bits), so that posting lists can
/// be built a slice of buckets at a time and keys can live on disk.
pub trait CandidateKeys: Sync {
    /// Number of articles.
    fn count(&self) -> usize;
    /// Number of anchors of article `d`.
    fn anchor_count(&self, d: usize) -> usize;
    /// Bits of an article id in a posting entry.
    fn doc_bits(&self) -> u32 {
        doc_bits(self.count())
    }
    /// For each part, its entries of `channel` in each bucket.
    fn bucket_counts(&self, channel: Channel) -> Vec<Vec<u32>>;
    /// Writes part `p`'s entries of `channel` in `buckets` to `out`, which
    /// has room for exactly as many as [`CandidateKeys::bucket_counts`]
    /// counted, in bucket order (in any order within a bucket).
    fn fill(&self, channel: Channel, p: usize, buckets: Range<usize>, out: &mut [u64]);
}

/// A key's bucket: its top bits, which a posting entry keeps.
pub const BUCKET_BITS: u32 = 8;

fn bucket_of(key: u64) -> usize {
    (key >> (64 - BUCKET_BITS)) as usize
}

/// The posting entry of `key` for article `d`: the key's top bits above the
/// article id in the low `doc_bits` bits. Keys equal in their top bits but
/// not in the dropped ones share a list: at a million generator articles
/// (20 bits dropped, 44 kept) that made 19 extra candidate pairs among
/// 1.53M, each turned away by verification.
pub fn posting_entry(key: u64, d: usize, doc_bits: u32) -> u64 {
    key >> doc_bits << doc_bits | d as u64
}

/// Keys held per article in memory; a part is a chunk of `CHUNK` articles.
trait ArticleKeys: Sync {
    fn articles(&self) -> usize;
    /// Calls `f` with each posting key of article `d` in `channel` (band
    /// keys with their band mixed in).
    fn postings(&self, d: usize, channel: Channel, f: impl FnMut(u64));

    fn counts_by_chunk(&self, channel: Channel) -> Vec<Vec<u32>> {
        chunks(self.articles())
            .par_iter()
            .map(|r| {
                let mut c = vec![0u32; 1 << BUCKET_BITS];
                for d in r.clone() {
                    self.postings(d, channel, |key| c[bucket_of(key)] += 1);
                }
                c
            })
            .collect()
    }

    fn fill_chunk(&self, channel: Channel, p: usize, buckets: Range<usize>, out: &mut [u64]) {
        let (n, bits) = (self.articles(), doc_bits(self.articles()));
        let articles = p * CHUNK..((p + 1) * CHUNK).min(n);
        // where each bucket starts in `out`, from a count of the chunk's own
        let mut counts = vec![0usize; buckets.len()];
        for d in articles.clone() {
            self.postings(d, channel, |key| {
                if buckets.contains(&bucket_of(key)) {
                    counts[bucket_of(key) - buckets.start] += 1;
                }
            });
        }
        let mut at = starts_of(counts.into_iter());
        for d in articles {
            self.postings(d, channel, |key| {
                if buckets.contains(&bucket_of(key)) {
                    let slot = &mut at[bucket_of(key) - buckets.start];
                    out[*slot] = posting_entry(key, d, bits);
                    *slot += 1;
                }
            });
        }
    }
}

fn for_each_key(band_keys: &[u64], anchors: &[u64], channel: Channel, mut f: impl FnMut(u64)) {
    match channel {
        Channel::Bands => {
            for (j, &k) in band_keys.iter().enumerate() {
                f(band_key(j, k));
            }
        }
        Channel::Anchors => anchors.iter().for_each(|&k| f(k)),
    }
}

impl ArticleKeys for [Features] {
    fn articles(&self) -> usize {
        self.len()
    }
    fn postings(&self, d: usize, channel: Channel, f: impl FnMut(u64)) {
        for_each_key(&self[d].band_keys, &self[d].anchors, channel, f);
    }
}

impl CandidateKeys for [Features] {
    fn count(&self) -> usize {
        self.len()
    }
    fn anchor_count(&self, d: usize) -> usize {
        self[d].anchors.len()
    }
    fn bucket_counts(&self, channel: Channel) -> Vec<Vec<u32>> {
        self.counts_by_chunk(channel)
    }
    fn fill(&self, channel: Channel, p: usize, buckets: Range<usize>, out: &mut [u64]) {
        self.fill_chunk(channel, p, buckets, out);
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
}

impl ArticleKeys for Keys {
    fn articles(&self) -> usize {
        self.len()
    }
    fn postings(&self, d: usize, channel: Channel, f: impl FnMut(u64)) {
        for_each_key(self.band_keys(d), self.anchors(d), channel, f);
    }
}

impl CandidateKeys for Keys {
    fn count(&self) -> usize {
        self.len()
    }
    fn anchor_count(&self, d: usize) -> usize {
        self.anchors(d).len()
    }
    fn bucket_counts(&self, channel: Channel) -> Vec<Vec<u32>> {
        self.counts_by_chunk(channel)
    }
    fn fill(&self, channel: Channel, p: usize, buckets: Range<usize>, out: &mut [u64]) {
        self.fill_chunk(channel, p, buckets, out);
    }
}

/// Candidate keys written as posting entries to two [`Spill`]s (band keys,
/// anchors), one record per block of `CHUNK` articles with its entries in
/// bucket order, and each block's count per bucket and each article's
/// anchor count kept in memory. A large run's keys (about 1 KB an article)
/// would otherwise be the largest thing it holds while finding candidates.
/// Each slice of the posting lists reads only its buckets' bytes of each
/// block, straight into the slice, so the keys are read back once; when
/// blocks held their articles' keys in article order, every slice read
/// them all (ten times at a million articles, 7.3 GB of anchors).
pub struct SpilledKeys {
    spills: [Spill; 2],
    // per channel, per block, entries per bucket
    counts: [Vec<Vec<u32>>; 2],
    doc_bits: u32,
    capacity: usize,
    anchor_counts: Vec<u32>,
    // per channel, the entries of the block being filled
    block: [Vec<u64>; 2],
    // reads happen inside parallel work that cannot return an error: the
    // first one is kept, and the entries read as zeros (no shared key)
    error: Mutex<Option<io::Error>>,
}

impl SpilledKeys {
    /// Drops the keys, their files closed on a thread of their own
    /// ([`crate::spill::Spill::close_in_background`]).
    pub fn close_in_background(self) {
        let [bands, anchors] = self.spills;
        bands.close_in_background();
        anchors.close_in_background();
    }

    /// Band keys written to `bands`, anchors to `anchors`, for at most
    /// `capacity` articles (the ids in the entries take the bits that
    /// many need).
    pub fn new(bands: Spill, anchors: Spill, capacity: usize) -> Self {
        SpilledKeys {
            spills: [bands, anchors],
            counts: Default::default(),
            doc_bits: doc_bits(capacity),
            capacity,
            anchor_counts: Vec::new(),
            block: Default::default(),
            error: Mutex::new(None),
        }
    }

    /// Appends the next article's keys.
    pub fn push(&mut self, band_keys: &[u64], anchors: &[u64]) -> io::Result<()> {
        let d = self.anchor_counts.len();
        if d == self.capacity {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("keys of more than the {} articles announced", self.capacity),
            ));
        }
        let bits = self.doc_bits;
        for channel in [Channel::Bands, Channel::Anchors] {
            let block = &mut self.block[channel as usize];
            for_each_key(band_keys, anchors, channel, |key| {
                block.push(posting_entry(key, d, bits));
            });
        }
        self.anchor_counts.push(anchors.len() as u32);
        if self.anchor_counts.len().is_multiple_of(CHUNK) {
            self.write_block()?;
        }
        Ok(())
    }

    /// Writes the block's entries of each channel in bucket order (a
    /// counting sort), and keeps their count per bucket.
    fn write_block(&mut self) -> io::Result<()> {
        for c in 0..2 {
            let entries = std::mem::take(&mut self.block[c]);
            let mut counts = vec![0u32; 1 << BUCKET_BITS];
            for &e in &entries {
                counts[bucket_of(e)] += 1;
            }
            let mut at = starts_of(counts.iter().map(|&n| n as usize));
            let mut sorted = vec![0u64; entries.len()];
            for e in entries {
                let b = bucket_of(e);
                sorted[at[b]] = e;
                at[b] += 1;
            }
            let mut bytes = Encoder::default();
            bytes.u64s(&sorted);
            self.spills[c].push(&bytes.bytes)?;
            self.counts[c].push(counts);
        }
        Ok(())
    }

    /// Ends writing: keys can be read from now on.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.block[0].is_empty() || !self.block[1].is_empty() {
            self.write_block()?;
        }
        let [bands, anchors] = &mut self.spills;
        bands.finish()?;
        anchors.finish()
    }

    /// The first error met while reading keys back, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl CandidateKeys for SpilledKeys {
    fn count(&self) -> usize {
        self.anchor_counts.len()
    }
    fn anchor_count(&self, d: usize) -> usize {
        self.anchor_counts[d] as usize
    }
    fn doc_bits(&self) -> u32 {
        self.doc_bits
    }
    fn bucket_counts(&self, channel: Channel) -> Vec<Vec<u32>> {
        self.counts[channel as usize].clone()
    }
    fn fill(&self, channel: Channel, p: usize, buckets: Range<usize>, out: &mut [u64]) {
        let counts = &self.counts[channel as usize][p];
        let skip: usize = counts[..buckets.start].iter().map(|&n| n as usize).sum();
        // past the record's length prefix (Encoder::u64s)
        let offset = 4 + 8 * skip;
        let read =
            self.spills[channel as usize].read_part(p, offset, bytemuck::cast_slice_mut(out));
        match read {
            Ok(()) => out.iter_mut().for_each(|e| *e = u64::from_le(*e)),
            Err(e) => {
                out.fill(0);
                let mut first = self.error.lock().unwrap_or_else(|p| p.into_inner());
                first.get_or_insert(e);
            }
        }
    }
}

/// Articles read together: enough to keep every thread busy.
const CHUNK: usize = 4096;

/// The ranges of `n` articles, `CHUNK` at a time.
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
    /// Entries sorted at a time: the entries of a whole corpus (over a
    /// hundred an article) would be the peak of a run's memory, so keys
    /// are taken in slices of the key range, in order, and only the shared
    /// ones kept from each.
    const SLICE_ENTRIES: usize = 1 << 21;
    /// Past this many slices, slices grow instead (at a million articles a
    /// slice holds about 14M entries, some 110 MB).
    const MAX_SLICES: usize = 8;

    fn build<K: CandidateKeys + ?Sized>(source: &K, channel: Channel) -> Self {
        Self::build_in_slices(source, channel, Self::SLICE_ENTRIES)
    }

    /// Entries are one `u64` each ([`posting_entry`]), sorted as plain
    /// integers: half the memory of a (key, article) pair, so slices are
    /// twice as large. Slices are runs of buckets of about `slice_entries`
    /// entries, sized from the counts.
    fn build_in_slices<K: CandidateKeys + ?Sized>(
        source: &K,
        channel: Channel,
        slice_entries: usize,
    ) -> Self {
        let doc_bits = source.doc_bits();
        let counts = source.bucket_counts(channel);
        let per_bucket: Vec<usize> = (0..1 << BUCKET_BITS)
            .map(|b| counts.iter().map(|c| c[b] as usize).sum())
            .collect();
        let total: usize = per_bucket.iter().sum();
        let target = slice_entries.max(total.div_ceil(Self::MAX_SLICES));
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

        // room for every entry in a shared list: the arrays never grow (at
        // a million articles, copied as they grew, they were a tenth of the
        // stage), and the room no list takes is never touched, so it is
        // address space, not memory
        let mut starts: Vec<u32> = Vec::with_capacity(total / 2 + 1);
        let mut docs: Vec<u32> = Vec::with_capacity(total);
        // one buffer, filled in place: each part writes its own piece
        let mut entries: Vec<u64> = Vec::new();
        for slice in slices {
            let sizes: Vec<usize> = counts
                .iter()
                .map(|c| c[slice.clone()].iter().map(|&n| n as usize).sum())
                .collect();
            entries.clear();
            entries.resize(sizes.iter().sum(), 0);
            let mut pieces = Vec::with_capacity(counts.len());
            let mut rest = entries.as_mut_slice();
            for &n in &sizes {
                let (piece, after) = std::mem::take(&mut rest).split_at_mut(n);
                pieces.push(piece);
                rest = after;
            }
            pieces
                .into_par_iter()
                .enumerate()
                .for_each(|(p, piece)| source.fill(channel, p, slice.clone(), piece));
            // each bucket's entries are runs in every part: where they start
            let mut from = starts_of(sizes.iter().copied());
            let runs: Vec<Vec<(usize, usize)>> = slice
                .clone()
                .map(|b| {
                    counts
                        .iter()
                        .zip(&mut from)
                        .map(|(c, at)| {
                            let run = (*at, *at + c[b] as usize);
                            *at = run.1;
                            run
                        })
                        .collect()
                })
                .collect();
            // a key's entries are all in its bucket: each bucket is sorted
            // and read for shared keys on its own, in the caches
            let in_slice: Vec<(Vec<u32>, Vec<u32>)> = runs
                .into_par_iter()
                .map_init(Vec::new, |bucket, runs| {
                    bucket.clear();
                    for (start, end) in runs {
                        bucket.extend_from_slice(&entries[start..end]);
                    }
                    bucket.sort_unstable();
                    shared_lists(bucket, doc_bits)
                })
                .collect();
            for (lens, members) in in_slice {
                let mut at = docs.len() as u32;
                for len in lens {
                    starts.push(at);
                    at += len;
                }
                docs.extend_from_slice(&members);
            }
        }
        drop(entries);
        starts.push(docs.len() as u32);
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

/// The lists of the keys of `entries` (sorted [`posting_entry`] values)
/// that two or more articles share, in key order: their lengths, and their
/// articles one after another. Equal entries count once.
fn shared_lists(entries: &[u64], doc_bits: u32) -> (Vec<u32>, Vec<u32>) {
    let key = |e: u64| e >> doc_bits;
    let doc = |e: u64| (e & ((1 << doc_bits) - 1)) as u32;
    let (mut lens, mut members) = (Vec::new(), Vec::new());
    for run in entries.chunk_by(|x, y| key(*x) == key(*y)) {
        let from = members.len();
        let mut last = None;
        for &e in run {
            if last != Some(e) {
                members.push(doc(e));
                last = Some(e);
            }
        }
        if members.len() - from > 1 {
            lens.push((members.len() - from) as u32);
        } else {
            members.truncate(from);
        }
    }
    (lens, members)
}

/// The transpose of the lists `docs[starts[l]..starts[l + 1]]` over `n`
/// articles: for each article, the lists it is in, leaving out those it is
/// first in (offsets, then the lists one after another). Serial: made in
/// parts of the article range on both threads (each finding its members of
/// every list by binary search) it was no faster at a million articles.
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

/// Where each of a run of pieces of these sizes starts, laid end to end.
fn starts_of(sizes: impl Iterator<Item = usize>) -> Vec<usize> {
    sizes
        .scan(0, |sum, n| {
            let start = *sum;
            *sum += n;
            Some(start)
        })
        .collect()
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
    // built side by side: each has serial steps the other fills
    let (lsh, anchors) = rayon::join(
        || Postings::build(keys, Channel::Bands),
        || Postings::build(keys, Channel::Anchors),
    );
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

    /// Keys of `n` articles that spread over every bucket: articles three
    /// by three share a band key, and neighbours share anchors.
    fn spread_keys(n: usize, spilled: &mut SpilledKeys) -> Keys {
        let key = |d: usize| (d as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut mem = Keys::default();
        for d in 0..n {
            let anchors: Vec<u64> = (0..d % 4).map(|i| key(d / 2) ^ i as u64).collect();
            mem.push(&[key(d / 3), key(d)], &anchors);
            spilled.push(&[key(d / 3), key(d)], &anchors).unwrap();
        }
        spilled.finish().unwrap();
        mem
    }

    /// Every entry of `keys` in `channel`, sorted.
    fn all_entries<K: CandidateKeys + ?Sized>(keys: &K, channel: Channel) -> Vec<u64> {
        let counts = keys.bucket_counts(channel);
        let mut all = Vec::new();
        for (p, c) in counts.iter().enumerate() {
            // a part read a few buckets at a time, as slices read it
            for lo in (0..1 << BUCKET_BITS).step_by(37) {
                let hi = (lo + 37).min(1 << BUCKET_BITS);
                let mut out = vec![0; c[lo..hi].iter().map(|&n| n as usize).sum()];
                keys.fill(channel, p, lo..hi, &mut out);
                assert!(out.iter().all(|&e| (lo..hi).contains(&bucket_of(e))));
                all.extend(out);
            }
        }
        all.sort_unstable();
        all
    }

    #[test]
    fn spilled_keys_read_back_as_the_keys_in_memory() {
        let n = CHUNK * 2 + 5;
        for mut spilled in [
            SpilledKeys::new(Spill::file().unwrap(), Spill::memory(), n),
            SpilledKeys::new(Spill::memory(), Spill::file().unwrap(), 2 * n),
        ] {
            let mem = spread_keys(n, &mut spilled);
            assert_eq!(spilled.count(), n);
            assert_eq!(spilled.anchor_count(CHUNK + 2), (CHUNK + 2) % 4);
            for channel in [Channel::Bands, Channel::Anchors] {
                let (s, m) = (all_entries(&spilled, channel), all_entries(&mem, channel));
                assert_eq!(s.len(), m.len());
                // the same keys for the same articles (a larger capacity
                // gives article ids more bits)
                let split = |e: u64, bits: u32| (e >> bits, e & ((1 << bits) - 1));
                let (sb, mb) = (spilled.doc_bits(), mem.doc_bits());
                let mut s: Vec<_> = s.iter().map(|&e| split(e, sb)).collect();
                let mut m: Vec<_> = m.iter().map(|&e| split(e, mb)).collect();
                let drop_bits = |v: &mut Vec<(u64, u64)>, by: u32| {
                    v.iter_mut().for_each(|(k, _)| *k >>= by);
                    v.sort_unstable();
                };
                drop_bits(&mut s, sb.max(mb) - sb);
                drop_bits(&mut m, sb.max(mb) - mb);
                assert_eq!(s, m);
            }
            assert!(spilled.take_error().is_none());
            let cfg = CandidateConfig::default();
            let found = candidates(&spilled, &cfg).pairs;
            assert!(!found.is_empty());
            assert_eq!(found, candidates(&mem, &cfg).pairs);
        }
    }

    #[test]
    fn keys_past_the_capacity_are_refused() {
        let mut spilled = SpilledKeys::new(Spill::memory(), Spill::memory(), 2);
        spilled.push(&[1], &[2]).unwrap();
        spilled.push(&[1], &[2]).unwrap();
        let e = spilled.push(&[1], &[2]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn posting_lists_built_in_slices_are_those_built_at_once() {
        let n = CHUNK + 999;
        let mut spilled = SpilledKeys::new(Spill::file().unwrap(), Spill::file().unwrap(), n);
        let mem = spread_keys(n, &mut spilled);
        for channel in [Channel::Bands, Channel::Anchors] {
            let whole = Postings::build_in_slices(&mem, channel, usize::MAX);
            for sliced in [
                Postings::build_in_slices(&mem, channel, 100),
                Postings::build_in_slices(&spilled, channel, 100),
            ] {
                let lists = |p: &Postings| -> Vec<Vec<u32>> {
                    p.starts
                        .windows(2)
                        .map(|w| p.docs[w[0] as usize..w[1] as usize].to_vec())
                        .collect()
                };
                // slices come in bucket order, the whole in key order: the
                // same order
                assert_eq!(lists(&sliced), lists(&whole));
                assert_eq!(sliced.of, whole.of);
                assert_eq!(sliced.lists, whole.lists);
            }
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let built = pool.install(|| Postings::build_in_slices(&spilled, channel, 100));
                assert_eq!(built.starts, whole.starts, "{threads} threads");
                assert_eq!(built.docs, whole.docs, "{threads} threads");
                assert_eq!(built.lists, whole.lists, "{threads} threads");
            }
        }
    }

    #[test]
    fn each_article_is_given_the_lists_it_is_in_but_first() {
        // lists [0 1 2], [1 2], [0 2] over four articles
        let (of, lists) = transpose(&[0, 3, 5, 7], &[0, 1, 2, 1, 2, 0, 2], 4);
        assert_eq!(of, [0, 0, 1, 4, 4]);
        assert_eq!(lists, [0, 0, 1, 2]);
    }

    #[test]
    fn shared_lists_are_those_of_one_pass_over_the_entries() {
        // entries of a few hundred keys over 1,000 articles, some repeated,
        // some keys held by one article only
        let bits = doc_bits(1000);
        let mut entries: Vec<u64> = (0..5000u64)
            .map(|i| {
                let key = (i * 7919) % 613;
                let doc = (i * 104_729) % 1000;
                (key << bits) | doc
            })
            .chain([(900 << bits) | 5, (900 << bits) | 5, (901 << bits) | 7])
            .collect();
        entries.sort_unstable();
        let serial = {
            let mut dedup = entries.clone();
            dedup.dedup();
            let key = |e: u64| e >> bits;
            let mut lists: Vec<Vec<u32>> = Vec::new();
            for run in dedup.chunk_by(|x, y| key(*x) == key(*y)) {
                if run.len() > 1 {
                    lists.push(
                        run.iter()
                            .map(|&e| (e & ((1 << bits) - 1)) as u32)
                            .collect(),
                    );
                }
            }
            lists
        };
        let (lens, members) = shared_lists(&entries, bits);
        let mut found: Vec<Vec<u32>> = Vec::new();
        let mut at = 0;
        for len in lens {
            found.push(members[at..at + len as usize].to_vec());
            at += len as usize;
        }
        assert_eq!(at, members.len());
        assert_eq!(found, serial);
    }
}
