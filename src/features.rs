//! The fingerprint of one article: the pure kernel
//! article text → words → (boilerplate mask) → shingles → signature,
//! band keys, anchors, and the exact shingle set used to verify candidates.
//!
//! Nothing here has global state: the same text, mask and [`Params`] give
//! the same fingerprint on any machine and any thread.

use std::collections::HashMap;
use std::io;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::align::Aligned;
use crate::anchor::anchors;
use crate::article::Article;
use crate::attribution::{canonical_credit, credit_candidates};
use crate::bits::bit_range;
use crate::lsh::band_keys;
use crate::minhash::{MinHasher, Signature};
use crate::normalize::{plain_text, Plain};
use crate::params::Params;
use crate::shingle::{le_bytes, shingles};
use crate::spill::{Decoder, Encoder};
use crate::tokenize::{tokenize, Tokens};

/// An article's words, before boilerplate is known: compact, so that a
/// whole corpus of them fits in memory between the two passes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    /// Hash of each normalised word.
    pub words: Vec<u64>,
    /// Bit per word: a name or a number.
    pub salient: Vec<u64>,
    /// Salient words that never appear in lower case in the text (a word
    /// that does is not a name where it is capitalised), sorted.
    pub names: Vec<u64>,
    /// Index of the first word of each sentence that has words.
    pub sentence_starts: Vec<u32>,
    /// Hash of each such sentence's words (never 0).
    pub sentence_hashes: Vec<u64>,
    /// Sources the article credits, in order of preference, each with the
    /// sentence it was found in (`None` outside the text).
    pub credits: Vec<(Option<u32>, String)>,
}

impl Prepared {
    /// Strips markup, tokenises and hashes the words of `article`'s text
    /// (its title when the text is empty).
    pub fn of_article(article: &Article, params: &Params) -> Self {
        Prepared::of_article_with(article, params, false).0
    }

    /// Strips markup, tokenises and hashes the words of `text`.
    pub fn new(text: &str, params: &Params) -> Self {
        Prepared::analyse(text, params, true).0
    }

    /// The normalised words of `text` by their hash (to show terms).
    pub fn words_by_hash(text: &str, params: &Params) -> HashMap<u64, String> {
        Prepared::words_of_hashes(text, params, |_| true)
    }

    /// Like [`Prepared::words_by_hash`], for only the hashes `wanted` takes:
    /// a few terms to show need no string for every word.
    pub fn words_of_hashes(
        text: &str,
        params: &Params,
        wanted: impl Fn(u64) -> bool,
    ) -> HashMap<u64, String> {
        let (prep, tokens, plain) = Prepared::analyse(text, params, false);
        prep.words
            .iter()
            .enumerate()
            .filter(|&(_, &h)| wanted(h))
            .map(|(i, &h)| (h, tokens.word(&plain.text, i)))
            .collect()
    }

    /// The words of `text` for alignment: hashes, character spans in `text`
    /// and which are boilerplate (`masked` by sentence hash).
    pub fn aligned(text: &str, params: &Params, masked: impl Fn(u64) -> bool) -> Aligned {
        let (prep, tokens, plain) = Prepared::analyse(text, params, false);
        Alignable::new(text, &prep, &tokens, &plain).aligned(masked)
    }

    /// [`Prepared::of_article`], and the article's words as evidence aligns
    /// them (none when its text is empty: evidence aligns texts, not
    /// titles).
    pub fn of_article_alignable(article: &Article, params: &Params) -> (Self, Alignable) {
        Prepared::of_article_with(article, params, true)
    }

    fn of_article_with(article: &Article, params: &Params, alignable: bool) -> (Self, Alignable) {
        let titled = article.text.trim().is_empty();
        let text = if titled {
            article.title.as_deref().unwrap_or("")
        } else {
            &article.text
        };
        let (mut prep, tokens, plain) = Prepared::analyse(text, params, true);
        let words = if alignable && !titled {
            Alignable::new(text, &prep, &tokens, &plain)
        } else {
            Alignable::default()
        };
        if let Some(c) = canonical_credit(article) {
            prep.credits.push((None, c));
        }
        (prep, words)
    }

    /// Markup out, words, their hashes and sentences; and, for a
    /// `fingerprint`, its names and the sources the text credits: alignment
    /// and shown terms use neither, and sorting out names is close to a
    /// tenth of the work.
    fn analyse(text: &str, params: &Params, fingerprint: bool) -> (Prepared, Tokens, Plain) {
        let plain = plain_text(text);
        let mut tokens = tokenize(&plain.text, params.seed);
        // the hashes move into the Prepared: what the caller gets back of
        // the tokens is their spans and flags
        let words = std::mem::take(&mut tokens.hashes);
        let mut salient = vec![0u64; words.len().div_ceil(64)];
        for (i, _) in tokens.salient.iter().enumerate().filter(|(_, &s)| s) {
            salient[i / 64] |= 1 << (i % 64);
        }
        // salient words, less those that also appear in lower case: the
        // few salient words are sorted and looked up, rather than sorting
        // the many lower-case ones
        let mut candidates: Vec<u64> = words
            .iter()
            .zip(&tokens.salient)
            .filter(|(_, &s)| fingerprint && s)
            .map(|(&w, _)| w)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut common = vec![false; candidates.len()];
        if !candidates.is_empty() {
            // a 1,024-bit filter of the candidates' top bits (xxh3 bits are
            // uniform; word hashes have 32) turns most lower-case words
            // away before a search
            let bit = |w: u64| ((w >> 28 & 15) as usize, 1u64 << ((w >> 22) & 63));
            let mut filter = [0u64; 16];
            for &c in &candidates {
                let (slot, mask) = bit(c);
                filter[slot] |= mask;
            }
            for (&w, _) in words.iter().zip(&tokens.lower).filter(|(_, &l)| l) {
                let (slot, mask) = bit(w);
                if filter[slot] & mask == 0 {
                    continue;
                }
                if let Ok(k) = candidates.binary_search(&w) {
                    common[k] = true;
                }
            }
        }
        let mut names = Vec::with_capacity(common.iter().filter(|&&c| !c).count());
        names.extend(
            candidates
                .iter()
                .zip(&common)
                .filter(|(_, &c)| !c)
                .map(|(&w, _)| w),
        );
        let sentence_starts = tokens.sentence_starts.clone();
        let sentence_hashes: Vec<u64> = sentence_starts
            .iter()
            .enumerate()
            .map(|(k, &start)| {
                let end = sentence_starts
                    .get(k + 1)
                    .map_or(words.len(), |&e| e as usize);
                let bytes = le_bytes(&words[start as usize..end]);
                xxh3_64_with_seed(&bytes, params.seed ^ 0x5e47).max(1)
            })
            .collect();
        // the sentence (index into sentence_starts) holding a byte offset
        let sentence_at = |offset: usize| -> Option<u32> {
            let w = tokens
                .spans
                .partition_point(|&(start, _)| (start as usize) <= offset);
            let w = w.checked_sub(1)? as u32;
            Some(sentence_starts.partition_point(|&st| st <= w) as u32 - 1)
        };
        let credits = if !fingerprint {
            Vec::new()
        } else {
            credit_candidates(&plain.text)
                .into_iter()
                .map(|(offset, name)| (sentence_at(offset), name))
                .collect()
        };
        let prep = Prepared {
            words,
            salient,
            names,
            sentence_starts,
            sentence_hashes,
            credits,
        };
        (prep, tokens, plain)
    }

    /// True when word `i` is a name or a number.
    #[cfg(test)]
    fn is_salient(&self, i: usize) -> bool {
        self.salient
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The first credit not found in a masked sentence.
    pub fn credited(&self, masked: impl Fn(usize) -> bool) -> Option<String> {
        self.credits
            .iter()
            .find(|(s, _)| !s.is_some_and(|s| masked(s as usize)))
            .map(|(_, name)| name.clone())
    }
}

/// An article's words as evidence aligns them, made while the article is
/// prepared, so that evidence does not read and tokenise its text again
/// (that second reading was a sixth of a run's work).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alignable {
    /// Each word's hash, in the 32 bits it has
    /// ([`crate::shingle::word_hash`]): the fingerprint pass reads the words
    /// here, so no other record spills them.
    pub words: Vec<u32>,
    /// Character span of each word in the original text, with the
    /// punctuation that closes it ("bank.", "said,”"), so that a passage
    /// reads as the text does.
    pub spans: Vec<(u32, u32)>,
    /// Index of the first word of each sentence that has words.
    pub sentence_starts: Vec<u32>,
    /// Hash of each such sentence, as in [`Prepared`] (boilerplate is known
    /// only later).
    pub sentence_hashes: Vec<u64>,
    /// Each of [`Prepared::names`] (by hash) as a normalised word: the words
    /// a same-story link shows for its shared terms, which are names, so
    /// that no text is kept to find them in.
    pub names: Vec<(u64, String)>,
}

impl Alignable {
    fn new(text: &str, prep: &Prepared, tokens: &Tokens, plain: &Plain) -> Self {
        let mut chars = CharCounter::new(text);
        let closing = |after_byte: usize| {
            // most words end at a space or an ASCII letter: nothing to take
            match text.as_bytes().get(after_byte) {
                None => return 0,
                Some(b) if b.is_ascii_whitespace() || b.is_ascii_alphanumeric() => return 0,
                _ => {}
            }
            let mut b = after_byte.min(text.len());
            while !text.is_char_boundary(b) {
                b += 1;
            }
            text[b..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !c.is_alphanumeric())
                .count()
        };
        let mut source = plain.cursor();
        let spans = tokens
            .spans
            .iter()
            .map(|&(s, e)| {
                let (start, last) = source.span(s as usize, (e as usize).saturating_sub(1));
                let first = chars.before(start);
                // the character after the one holding the word's last byte
                // (a text with a word has a character before `last + 1`)
                let after = chars.before(last + 1).max(1);
                (first as u32, (after + closing(last + 1)).max(first) as u32)
            })
            .collect();
        Alignable {
            words: narrow(&prep.words),
            spans,
            sentence_starts: prep.sentence_starts.clone(),
            sentence_hashes: prep.sentence_hashes.clone(),
            names: Alignable::name_words(prep, tokens, plain),
        }
    }

    /// Each name's word, from its first (salient) occurrence.
    fn name_words(prep: &Prepared, tokens: &Tokens, plain: &Plain) -> Vec<(u64, String)> {
        let mut found: Vec<Option<String>> = vec![None; prep.names.len()];
        let mut left = found.len();
        for (i, w) in prep.words.iter().enumerate() {
            if left == 0 {
                break;
            }
            if !tokens.salient[i] {
                continue;
            }
            if let Ok(k) = prep.names.binary_search(w) {
                if found[k].is_none() {
                    found[k] = Some(tokens.word(&plain.text, i));
                    left -= 1;
                }
            }
        }
        prep.names
            .iter()
            .zip(found)
            .filter_map(|(&h, w)| Some((h, w?)))
            .collect()
    }

    /// Ready for alignment, the words of sentences `masked` takes (by hash)
    /// marked as boilerplate.
    pub fn aligned(self, masked: impl Fn(u64) -> bool) -> Aligned {
        let n = self.words.len();
        let mut masked_words = vec![false; n];
        for (s, &start) in self.sentence_starts.iter().enumerate() {
            if masked(self.sentence_hashes[s]) {
                let end = self.sentence_starts.get(s + 1).map_or(n, |&e| e as usize);
                masked_words[start as usize..end]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
        Aligned {
            words: widen(self.words),
            spans: self.spans,
            masked: masked_words,
        }
    }

    /// Writes the record: spans as starts (each after the one before, when
    /// they ascend, as words do) and lengths, in one byte each where all
    /// fit, as they nearly always do.
    pub fn encode(&self, e: &mut Encoder) {
        // room for the widest layout (names aside): one allocation
        let n = self.words.len();
        e.bytes
            .reserve(32 + 12 * n + 12 * self.sentence_starts.len());
        // what the fingerprint pass reads of the record comes first (see
        // `Prepared::encode_beside`)
        e.u32s(&self.words);
        e.narrow_u32s(&self.sentence_starts);
        e.u64s(&self.sentence_hashes);
        let ascending = self.spans.windows(2).all(|w| w[0].0 <= w[1].0);
        let mut last = 0;
        let starts: Vec<u32> = self
            .spans
            .iter()
            .map(|&(s, _)| {
                let delta = if ascending { s - last } else { s };
                last = s;
                delta
            })
            .collect();
        let lengths: Vec<u32> = self.spans.iter().map(|&(s, end)| end - s).collect();
        e.u32(u32::from(ascending));
        e.narrow_u32s(&starts);
        e.narrow_u32s(&lengths);
        e.u32(self.names.len() as u32);
        for (h, w) in &self.names {
            e.u64(*h);
            e.str(w);
        }
    }

    /// Reads a record [`Alignable::encode`] wrote; a malformed one is an
    /// `InvalidData` error.
    pub fn decode(bytes: &[u8]) -> io::Result<Self> {
        Alignable::decode_with(bytes, true)
    }

    /// [`Alignable::decode`] without the names, which alignment does not
    /// use (their strings are most of the cost of reading a record).
    pub fn decode_words(bytes: &[u8]) -> io::Result<Self> {
        Alignable::decode_with(bytes, false)
    }

    fn decode_with(bytes: &[u8], with_names: bool) -> io::Result<Self> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        let mut d = Decoder::new(bytes);
        let words = d.u32s()?;
        let sentence_starts = d.narrow_u32s()?;
        let sentence_hashes = d.u64s()?;
        let ascending = match d.u32()? {
            0 => false,
            1 => true,
            _ => return Err(invalid("an alignment record of an unknown kind")),
        };
        let starts = d.narrow_u32s()?;
        let lengths = d.narrow_u32s()?;
        if starts.len() != lengths.len() {
            return Err(invalid("an alignment record whose parts disagree"));
        }
        // a loop into a sized vector: collecting into an `Option<Vec>`
        // grows the vector as it goes
        let mut spans = Vec::with_capacity(starts.len());
        let (mut last, mut overflow) = (0u32, false);
        for (&s, &n) in starts.iter().zip(&lengths) {
            let (start, o1) = if ascending {
                last.overflowing_add(s)
            } else {
                (s, false)
            };
            let (end, o2) = start.overflowing_add(n);
            overflow |= o1 | o2;
            last = start;
            spans.push((start, end));
        }
        if overflow {
            return Err(invalid("a word span out of range"));
        }
        let count = if with_names { d.u32()? as usize } else { 0 };
        // each name takes at least 12 bytes: a bad count cannot allocate much
        let mut names = Vec::with_capacity(count.min(bytes.len() / 12));
        for _ in 0..count {
            names.push((d.u64()?, d.str()?));
        }
        let ordered = sentence_starts.windows(2).all(|w| w[0] <= w[1]);
        let in_range = sentence_starts
            .last()
            .is_none_or(|&s| (s as usize) <= words.len());
        if spans.len() != words.len()
            || sentence_starts.len() != sentence_hashes.len()
            || !ordered
            || !in_range
        {
            return Err(invalid("an alignment record whose parts disagree"));
        }
        Ok(Alignable {
            words,
            spans,
            sentence_starts,
            sentence_hashes,
            names,
        })
    }
}

/// Character offsets of byte offsets in a text, for offsets that mostly
/// come in increasing order (the words of a text): counted on from the last
/// one rather than looked up in a table of every character, and not counted
/// at all in an ASCII text.
struct CharCounter<'t> {
    bytes: &'t [u8],
    ascii: bool,
    /// A byte offset, and the characters that start before it.
    at: usize,
    count: usize,
}

impl<'t> CharCounter<'t> {
    fn new(text: &'t str) -> Self {
        CharCounter {
            bytes: text.as_bytes(),
            ascii: text.is_ascii(),
            at: 0,
            count: 0,
        }
    }

    /// The number of characters that start before byte `offset` (the
    /// index of the character at or after it).
    fn before(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len());
        if self.ascii {
            return offset;
        }
        // a character starts at every byte that does not continue one
        let starts = |b: &[u8]| b.iter().filter(|&&x| x & 0xC0 != 0x80).count();
        if offset >= self.at {
            self.count += starts(&self.bytes[self.at..offset]);
        } else {
            self.count -= starts(&self.bytes[offset..self.at]);
        }
        self.at = offset;
        self.count
    }
}

/// The fingerprint of one article after boilerplate masking.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Features {
    /// Distinct shingle hashes (low 32 bits), sorted.
    pub shingles: Vec<u32>,
    /// For each entry of `shingles`, the position (in kept words) of the
    /// first word of its first occurrence.
    pub positions: Vec<u32>,
    /// Words kept after masking boilerplate.
    pub kept: u32,
    /// All words, boilerplate included.
    pub words: u32,
    /// Bit per kept word: a name or a number.
    pub salient: Vec<u64>,
    /// Hash of all words: equal for texts identical after normalisation.
    pub content_hash: u64,
    /// MinHash signature of the kept shingles; `None` when there are none.
    pub signature: Option<Signature>,
    /// LSH band keys of the signature.
    pub band_keys: Vec<u64>,
    /// Winnowed anchors of the kept shingles.
    pub anchors: Vec<u64>,
    /// Distinct salient words (names, numbers) outside boilerplate, sorted:
    /// the terms of the same-story tier.
    pub terms: Vec<u64>,
}

impl Features {
    /// Fingerprints `prep`, leaving out the sentences `masked` says are
    /// boilerplate (by index into `prep.sentence_starts`).
    pub fn new(
        prep: &Prepared,
        masked: impl Fn(usize) -> bool,
        params: &Params,
        hasher: &MinHasher,
    ) -> Self {
        let n = prep.words.len();
        let sentences = prep.sentence_starts.len();
        let whole = prep.sentence_starts.first().is_none_or(|&s| s == 0);
        let (kept, salient, terms) = match (0..sentences).position(&masked) {
            // nothing masked: every word is kept, and every name (a salient
            // word never written in lower case) is a term
            None if whole => {
                let mut salient = prep.salient.clone();
                salient.resize(n.div_ceil(64), 0);
                (prep.words.clone(), salient, prep.names.clone())
            }
            _ => Features::unmasked(prep, &masked),
        };
        let content_hash = if n == 0 {
            0
        } else {
            xxh3_64_with_seed(&le_bytes(&prep.words), params.seed)
        };
        let hashes = shingles(&kept, params.shingle_size, params.seed);
        let signature = hasher.signature(&hashes);
        let band_keys = signature
            .as_ref()
            .map(|s| band_keys(s, params))
            .unwrap_or_default();
        let anchors = anchors(&hashes, params.anchor_window);
        // positions come in increasing order, so a stable radix sort by
        // shingle alone leaves each shingle's first position first; a
        // comparison sort of the pairs was a third of this function
        let mut pairs: Vec<(u32, u32)> = hashes
            .iter()
            .enumerate()
            .map(|(p, &h)| (h as u32, p as u32))
            .collect();
        radsort::sort_by_key(&mut pairs, |p| p.0);
        pairs.dedup_by_key(|p| p.0);
        let (shingles, positions) = pairs.into_iter().unzip();
        Features {
            shingles,
            positions,
            kept: kept.len() as u32,
            words: n as u32,
            salient,
            content_hash,
            signature,
            band_keys,
            anchors,
            terms,
        }
    }

    /// The words outside masked sentences, their salient bits, and their
    /// distinct salient words that are names (the terms), sorted.
    fn unmasked(prep: &Prepared, masked: impl Fn(usize) -> bool) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
        let n = prep.words.len();
        let mut kept: Vec<u64> = Vec::with_capacity(n);
        let mut salient = vec![0u64; n.div_ceil(64)];
        for (s, &start) in prep.sentence_starts.iter().enumerate() {
            if masked(s) {
                continue;
            }
            let end = prep.sentence_starts.get(s + 1).map_or(n, |&e| e as usize);
            let (start, at) = (start as usize, kept.len());
            kept.extend_from_slice(&prep.words[start..end]);
            // the sentence's salient words, a set bit at a time
            for (b, &bits) in prep
                .salient
                .iter()
                .enumerate()
                .take(end.div_ceil(64))
                .skip(start / 64)
            {
                let mut bits = bits & bit_range(start.saturating_sub(64 * b), end - 64 * b);
                while bits != 0 {
                    let k = at + 64 * b + bits.trailing_zeros() as usize - start;
                    salient[k / 64] |= 1 << (k % 64);
                    bits &= bits - 1;
                }
            }
        }
        salient.truncate(kept.len().div_ceil(64));
        let mut terms: Vec<u64> = kept
            .iter()
            .enumerate()
            .filter(|&(k, _)| salient[k / 64] & (1 << (k % 64)) != 0)
            .map(|(_, &w)| w)
            .filter(|w| prep.names.binary_search(w).is_ok())
            .collect();
        terms.sort_unstable();
        terms.dedup();
        (kept, salient, terms)
    }

    /// True when kept word `i` is a name or a number.
    pub fn is_salient(&self, i: usize) -> bool {
        self.salient
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Frees what only candidate generation needs.
    pub fn drop_candidate_keys(&mut self) {
        self.band_keys = Vec::new();
        self.anchors = Vec::new();
        self.signature = None;
    }
}

/// Word hashes as the 32 bits they hold ([`crate::shingle::word_hash`]).
fn narrow(words: &[u64]) -> Vec<u32> {
    words.iter().map(|&w| w as u32).collect()
}

/// Word hashes held in 32 bits, as the `u64`s the fingerprint works on.
fn widen(words: Vec<u32>) -> Vec<u64> {
    words.into_iter().map(u64::from).collect()
}

/// The spilled forms of [`Prepared`] and of the part of [`Features`] that
/// verification reads (see [`crate::spill`]).
impl Prepared {
    /// Appends this article's record to `e`.
    pub fn encode(&self, e: &mut Encoder) {
        e.bytes.reserve(
            32 + 4 * (self.words.len() + self.names.len())
                + 8 * self.salient.len()
                + 12 * self.sentence_starts.len(),
        );
        e.u32(Self::WHOLE);
        e.u32s(&narrow(&self.words));
        e.u64s(&self.salient);
        e.u32s(&narrow(&self.names));
        e.u32s(&self.sentence_starts);
        e.u64s(&self.sentence_hashes);
        self.encode_credits(e);
    }

    /// [`Prepared::encode`] for an article whose alignment record
    /// (`beside`) is spilled too, less what that record holds: the words
    /// and the sentences. At a million articles these records are about
    /// 0.2 GB, bytes through the page cache on the intake's path (written
    /// whole with 64-bit words, they were 4.8 GB). Written whole when the
    /// records do not hold the same words (an article without text is
    /// prepared from its title, and aligned from nothing).
    pub fn encode_beside(&self, beside: &Alignable, e: &mut Encoder) {
        let same_words = beside.words.len() == self.words.len()
            && beside
                .words
                .iter()
                .zip(&self.words)
                .all(|(&l, &w)| u64::from(l) == w);
        if !same_words
            || beside.sentence_starts != self.sentence_starts
            || beside.sentence_hashes != self.sentence_hashes
        {
            return self.encode(e);
        }
        e.bytes
            .reserve(32 + 8 * self.salient.len() + 4 * self.names.len());
        e.u32(Self::BESIDE);
        e.u64s(&self.salient);
        e.u32s(&narrow(&self.names));
        self.encode_credits(e);
    }

    const WHOLE: u32 = 0;
    const BESIDE: u32 = 1;

    fn encode_credits(&self, e: &mut Encoder) {
        e.u32(self.credits.len() as u32);
        for (sentence, name) in &self.credits {
            e.u32(sentence.map_or(u32::MAX, |s| s));
            e.str(name);
        }
    }

    /// Reads a record [`Prepared::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> io::Result<Self> {
        Prepared::decode_beside(bytes, || -> io::Result<&[u8]> {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a prepared record whose alignment record is missing",
            ))
        })
    }

    /// Reads a record [`Prepared::encode`] or [`Prepared::encode_beside`]
    /// wrote; `beside` reads the article's alignment record, asked for
    /// only when the prepared one needs it.
    pub fn decode_beside<B: AsRef<[u8]>>(
        bytes: &[u8],
        beside: impl FnOnce() -> io::Result<B>,
    ) -> io::Result<Self> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        let mut d = Decoder::new(bytes);
        let mut p = match d.u32()? {
            Self::WHOLE => Prepared {
                words: widen(d.u32s()?),
                salient: d.u64s()?,
                names: widen(d.u32s()?),
                sentence_starts: d.u32s()?,
                sentence_hashes: d.u64s()?,
                credits: Vec::new(),
            },
            Self::BESIDE => {
                let (salient, names) = (d.u64s()?, widen(d.u32s()?));
                let record = beside()?;
                // the alignment record's head: words, then sentences
                let mut a = Decoder::new(record.as_ref());
                let words = widen(a.u32s()?);
                if salient.len() != words.len().div_ceil(64) {
                    return Err(invalid(
                        "a prepared record and its alignment record disagree",
                    ));
                }
                Prepared {
                    words,
                    salient,
                    names,
                    sentence_starts: a.narrow_u32s()?,
                    sentence_hashes: a.u64s()?,
                    credits: Vec::new(),
                }
            }
            _ => return Err(invalid("a prepared record of an unknown kind")),
        };
        for _ in 0..d.u32()? {
            let sentence = Some(d.u32()?).filter(|&s| s != u32::MAX);
            p.credits.push((sentence, d.str()?));
        }
        Ok(p)
    }
}

impl Features {
    /// Appends what verification reads (shingles, positions, word counts,
    /// salient bits, content hash) to `e`; candidate keys and terms are
    /// left out.
    pub fn encode_verification(&self, e: &mut Encoder) {
        e.bytes
            .reserve(32 + 8 * self.shingles.len() + 8 * self.salient.len());
        e.u32s(&self.shingles);
        e.narrow_u32s(&self.positions);
        e.u32(self.kept);
        e.u32(self.words);
        e.u64s(&self.salient);
        e.u64(self.content_hash);
    }

    /// Reads a record [`Features::encode_verification`] wrote.
    pub fn decode_verification(bytes: &[u8]) -> io::Result<Self> {
        let mut d = Decoder::new(bytes);
        Ok(Features {
            shingles: d.u32s()?,
            positions: d.narrow_u32s()?,
            kept: d.u32()?,
            words: d.u32()?,
            salient: d.u64s()?,
            content_hash: d.u64()?,
            ..Features::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(text: &str, p: &Params) -> Prepared {
        Prepared::new(text, p)
    }

    #[test]
    fn with_nothing_masked_every_word_is_kept_and_every_name_is_a_term() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        for text in [
            "Apple said on Monday that Tim Cook met Lisa Su in Paris.\nShares of apple rose 3% to $190 after the 2025 report.",
            "Reuters reported that BRICS leaders met in Kazan. The BRICS summit ended on Oct. 24.",
            "no names here at all, only lower-case prose that goes on",
            "",
        ] {
            let prep = prep(text, &p);
            let f = Features::new(&prep, |_| false, &p, &h);
            let (kept, salient, terms) = Features::unmasked(&prep, |_| false);
            assert_eq!(f.kept as usize, kept.len(), "{text}");
            assert_eq!(f.salient, salient, "{text}");
            assert_eq!(f.terms, terms, "{text}");
            assert!(!text.contains("Apple") || !terms.is_empty());
        }
    }

    #[test]
    fn a_masked_sentence_takes_its_salient_bits_with_it() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        // sentences long enough that kept words cross 64-bit words of bits
        let sentence = |i: usize| {
            format!(
                "In {} Anna Berg of Oslo said {} of the {} mills in Bergen would close by {} and \
                 the town of Voss would hold a vote on the plan for the river with a {} quorum.",
                2000 + i,
                i * 7,
                i + 3,
                1990 + i,
                i + 40
            )
        };
        let text: Vec<String> = (0..9).map(sentence).collect();
        let prep = prep(&text.join("\n"), &p);
        for masked in [vec![1], vec![0, 2], vec![3, 4, 8], vec![5, 6, 7]] {
            let f = Features::new(&prep, |s| masked.contains(&s), &p, &h);
            // the kept words one at a time, as the definition reads
            let (mut kept, mut salient) = (0usize, Vec::new());
            for (s, &start) in prep.sentence_starts.iter().enumerate() {
                let end = prep
                    .sentence_starts
                    .get(s + 1)
                    .map_or(prep.words.len(), |&e| e as usize);
                for i in start as usize..end {
                    if !masked.contains(&s) {
                        salient.resize(kept / 64 + 1, 0u64);
                        salient[kept / 64] |= u64::from(prep.is_salient(i)) << (kept % 64);
                        kept += 1;
                    }
                }
            }
            salient.truncate(kept.div_ceil(64));
            assert_eq!(f.kept as usize, kept, "{masked:?}");
            assert_eq!(f.salient, salient, "{masked:?}");
            assert!(f.salient.iter().any(|&b| b != 0));
        }
    }

    #[test]
    fn masking_removes_shingles() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        let prep = prep(
            "One two three four five six.\nFooter line here for all pages.",
            &p,
        );
        let full = Features::new(&prep, |_| false, &p, &h);
        let masked = Features::new(&prep, |s| s == 1, &p, &h);
        assert!(masked.shingles.len() < full.shingles.len());
        assert_eq!(masked.kept, 6);
        assert_eq!(full.content_hash, masked.content_hash);
    }

    #[test]
    fn a_capitalised_word_also_written_in_lower_case_is_no_name() {
        let params = Params::default();
        // many lower-case words, so that most pass the filter's test
        let filler: String = (0..300).map(|i| format!("word{i} ")).collect();
        let text = format!(
            "The firm Apple grew. {filler}. An apple a day. Reports by Cook and Reuters in 2025."
        );
        let prep = Prepared::new(&text, &params);
        let mut expected: Vec<u64> = ["cook", "reuters", "2025"]
            .iter()
            .map(|w| crate::shingle::word_hash(w, params.seed))
            .collect();
        expected.sort_unstable();
        assert_eq!(prep.names, expected);
    }

    #[test]
    fn salient_bits_follow_kept_words() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        let prep = prep("Footer.\nWe met Abedi in 2025 today.", &p);
        let f = Features::new(&prep, |s| s == 0, &p, &h);
        let sal: Vec<_> = (0..f.kept as usize).filter(|&i| f.is_salient(i)).collect();
        assert_eq!(sal, [2, 4]);
    }

    #[test]
    fn spilled_records_decode_to_what_was_encoded() {
        let p = Params::default();
        let prep = prep(
            "Story by Abedi, 2025.\nSource: Reuters\nMore words of the story here.",
            &p,
        );
        let mut e = Encoder::default();
        prep.encode(&mut e);
        let back = Prepared::decode(&e.bytes).unwrap();
        assert_eq!(back.words, prep.words);
        assert_eq!(back.names, prep.names);
        assert_eq!(back.sentence_hashes, prep.sentence_hashes);
        assert_eq!(back.credits, prep.credits);
        let f = Features::new(&prep, |_| false, &p, &MinHasher::new(&p));
        let mut e = Encoder::default();
        f.encode_verification(&mut e);
        let g = Features::decode_verification(&e.bytes).unwrap();
        assert_eq!((g.shingles, g.positions), (f.shingles, f.positions));
        assert_eq!((g.kept, g.words, g.salient), (f.kept, f.words, f.salient));
        assert_eq!(g.content_hash, f.content_hash);
        assert!(Prepared::decode(&e.bytes[..3]).is_err());
    }

    fn an_article(title: Option<&str>, text: &str) -> Article {
        Article {
            title: title.map(String::from),
            ..Article::of_text("x", text)
        }
    }

    #[test]
    fn a_record_beside_its_alignment_record_decodes_whole() {
        let p = Params::default();
        let article = an_article(
            None,
            "Story by Abedi, 2025.\nSource: Reuters\nMore words here.",
        );
        let (prep, aligned) = Prepared::of_article_alignable(&article, &p);
        let (mut e, mut a) = (Encoder::default(), Encoder::default());
        prep.encode_beside(&aligned, &mut e);
        aligned.encode(&mut a);
        let mut whole = Encoder::default();
        prep.encode(&mut whole);
        // the words' low halves and the sentences are left to the other
        assert!(e.bytes.len() + 4 * prep.words.len() < whole.bytes.len());
        let back = Prepared::decode_beside(&e.bytes, || Ok::<_, io::Error>(&a.bytes)).unwrap();
        assert_eq!(back, prep);
        // without it, or beside another article's, reading fails
        assert!(Prepared::decode(&e.bytes).is_err());
        let other = Encoder::default();
        assert!(Prepared::decode_beside(&e.bytes, || Ok::<_, io::Error>(&other.bytes)).is_err());

        // a title is prepared when there is no text, and aligned from
        // nothing: its record is written whole
        let titled = an_article(Some("Abedi wins in 2025"), "");
        let (prep, aligned) = Prepared::of_article_alignable(&titled, &p);
        assert!(!prep.words.is_empty() && aligned.words.is_empty());
        let mut e = Encoder::default();
        prep.encode_beside(&aligned, &mut e);
        assert_eq!(Prepared::decode(&e.bytes).unwrap(), prep);
    }

    #[test]
    fn alignment_records_decode_to_what_was_encoded() {
        let p = Params::default();
        // markup, a long word, non-ASCII text, a long text (two-byte
        // starts), and no words at all
        let long = "word ".repeat(20_000);
        let texts = [
            "**Story** by [Abedi](https://x.org), 2025.\nSource: Reuters",
            "Россия и Иран — “deal” ﬁnal",
            &long,
            "a-very-long-compound-word-".repeat(20).as_str(),
            " ",
        ]
        .map(str::to_string);
        for text in &texts {
            let (prep, tokens, plain) = Prepared::analyse(text, &p, true);
            let a = Alignable::new(text, &prep, &tokens, &plain);
            assert_eq!(a.words.len(), prep.words.len());
            let mut e = Encoder::default();
            a.encode(&mut e);
            let back = Alignable::decode(&e.bytes).unwrap();
            assert_eq!(back, a);
            // alignment's read: the same, less the names
            let words = Alignable::decode_words(&e.bytes).unwrap();
            assert!(words.names.is_empty());
            assert_eq!(
                Alignable {
                    names: a.names.clone(),
                    ..words
                },
                a
            );
            // what evidence aligns is what the text gives
            let masked = |h: u64| prep.sentence_hashes.first() == Some(&h);
            let from_text = Prepared::aligned(text, &p, masked);
            let from_record = back.aligned(masked);
            assert_eq!(from_record.spans, from_text.spans);
            assert_eq!(from_record.masked, from_text.masked);
            assert_eq!(from_record.words, from_text.words);
            for cut in [0, 3, e.bytes.len() / 2, e.bytes.len() - 1] {
                assert!(Alignable::decode(&e.bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
        // names' words come with the record
        let (prep, tokens, plain) = Prepared::analyse(&texts[0], &p, true);
        let names = Alignable::new(&texts[0], &prep, &tokens, &plain).names;
        let words: Vec<&str> = names.iter().map(|(_, w)| w.as_str()).collect();
        assert!(
            words.contains(&"abedi") && words.contains(&"reuters"),
            "{words:?}"
        );
        for (h, w) in &names {
            assert_eq!(*h, crate::shingle::word_hash(w, p.seed));
        }
        // spans out of order (kept as they are) and a span past 65,535
        let odd = Alignable {
            words: vec![1, 2, 3],
            spans: vec![(10, 12), (3, 5), (70_000, 70_300)],
            sentence_starts: vec![0],
            sentence_hashes: vec![9],
            names: vec![(5, "abedi".into())],
        };
        let mut e = Encoder::default();
        odd.encode(&mut e);
        assert_eq!(Alignable::decode(&e.bytes).unwrap(), odd);
        // parts that disagree
        let mut e = Encoder::default();
        e.u32s(&[1, 2]);
        e.u32(1);
        e.narrow_u32s(&[0]);
        e.narrow_u32s(&[3]);
        e.narrow_u32s(&[]);
        e.u64s(&[]);
        e.u32(0);
        assert!(Alignable::decode(&e.bytes).is_err());
    }

    #[test]
    fn credits_in_masked_sentences_are_ignored() {
        let p = Params::default();
        let prep = prep("Story text here.\nSource: Reuters\n", &p);
        assert_eq!(prep.credited(|_| false).as_deref(), Some("Reuters"));
        assert_eq!(prep.credited(|s| s == 1), None);
    }

    /// Spans as a table of every character gives them, the way they were
    /// first computed.
    fn spans_by_table(text: &str, p: &Params) -> Vec<(u32, u32)> {
        let (_, tokens, plain) = Prepared::analyse(text, p, false);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let closing = |mut c: usize| {
            while c < chars.len() && !chars[c].1.is_whitespace() && !chars[c].1.is_alphanumeric() {
                c += 1;
            }
            c
        };
        tokens
            .spans
            .iter()
            .map(|&(s, e)| {
                let start = plain.to_source(s as usize);
                let last = plain.to_source((e as usize).saturating_sub(1));
                let last_char = chars.partition_point(|&(b, _)| b <= last).saturating_sub(1);
                let first = chars.partition_point(|&(b, _)| b < start);
                (first as u32, closing(last_char + 1).max(first) as u32)
            })
            .collect()
    }

    #[test]
    fn spans_are_those_of_a_character_table() {
        let p = Params::default();
        for text in [
            "",
            "ه",
            "Plain ASCII words, said the bank. \"Quoted,\" she said!",
            "Президент России заявил в пятницу что новые правила вступят.",
            "Café «déjà vu» — naïve “quotes”… 東京 2025年 の ニュース。",
            "**Bold** _words_ [a link](http://x.y) and `code` here\n\n# Título é",
            "<p>Caf\u{e9} &amp; news &eacute; today</p>\n<p\u{e9}",
            "wo\u{200b}rd\u{00ad}s and\u{feff} more ünïcödé; end.)]",
            "emoji 😀 words 🎉! x😀y ok.",
        ] {
            let a = Prepared::aligned(text, &p, |_| false);
            assert_eq!(a.spans, spans_by_table(text, &p), "{text:?}");
        }
    }
}
