//! The fingerprint of one article: the pure kernel
//! article text → words → (boilerplate mask) → shingles → signature,
//! band keys, anchors, and the exact shingle set used to verify candidates.
//!
//! Nothing here has global state: the same text, mask and [`Params`] give
//! the same fingerprint on any machine and any thread.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::anchor::anchors;
use crate::lsh::band_keys;
use crate::minhash::{MinHasher, Signature};
use crate::normalize::{plain_text, Plain};
use crate::params::Params;
use crate::shingle::shingles;
use crate::tokenize::{tokenize, Tokens};

/// An article's words, before boilerplate is known.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Text without markup.
    pub plain: Plain,
    /// Its words.
    pub tokens: Tokens,
    /// Hash of each sentence's words (0 for a sentence without words).
    pub sentence_hashes: Vec<u64>,
}

impl Prepared {
    /// Strips markup and tokenises `text`.
    pub fn new(text: &str, params: &Params) -> Self {
        let plain = plain_text(text);
        let tokens = tokenize(&plain.text);
        let mut sentence_hashes = vec![0u64; tokens.sentences as usize];
        let mut buf = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let s = tokens.sentence[i];
            buf.clear();
            while i < tokens.len() && tokens.sentence[i] == s {
                if !buf.is_empty() {
                    buf.push(b' ');
                }
                buf.extend_from_slice(tokens.word(i).as_bytes());
                i += 1;
            }
            // never 0, which marks an empty sentence
            sentence_hashes[s as usize] = xxh3_64_with_seed(&buf, params.seed ^ 0x5e47).max(1);
        }
        Prepared {
            plain,
            tokens,
            sentence_hashes,
        }
    }

    /// Hashes of the sentences that have words, in order.
    pub fn sentence_list(&self) -> Vec<u64> {
        self.sentence_hashes.iter().copied().filter(|&h| h != 0).collect()
    }
}

/// The fingerprint of one article after boilerplate masking.
#[derive(Debug, Clone, Default)]
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
    /// Index (in all words) of each kept word.
    pub kept_index: Vec<u32>,
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
}

impl Features {
    /// Fingerprints `prep`, leaving out the sentences `masked` says are
    /// boilerplate.
    pub fn new(
        prep: &Prepared,
        masked: impl Fn(usize) -> bool,
        params: &Params,
        hasher: &MinHasher,
    ) -> Self {
        let t = &prep.tokens;
        let mut all_words: Vec<&str> = Vec::with_capacity(t.len());
        let mut kept_words: Vec<&str> = Vec::with_capacity(t.len());
        let mut kept_index = Vec::with_capacity(t.len());
        let mut salient = vec![0u64; t.len().div_ceil(64)];
        for i in 0..t.len() {
            let w = t.word(i);
            all_words.push(w);
            if !masked(t.sentence[i] as usize) {
                let k = kept_words.len();
                if t.salient[i] {
                    salient[k / 64] |= 1 << (k % 64);
                }
                kept_words.push(w);
                kept_index.push(i as u32);
            }
        }
        salient.truncate(kept_words.len().div_ceil(64));
        let content_hash = if all_words.is_empty() {
            0
        } else {
            xxh3_64_with_seed(all_words.join(" ").as_bytes(), params.seed)
        };
        let (hashes, starts) = shingles(&kept_words, params.shingle_size, params.seed);
        let signature = hasher.signature(&hashes);
        let band_keys = signature
            .as_ref()
            .map(|s| band_keys(s, params))
            .unwrap_or_default();
        let anchors = anchors(&hashes, params.anchor_window);
        let mut pairs: Vec<(u32, u32)> = hashes
            .iter()
            .zip(&starts)
            .map(|(&h, &p)| (h as u32, p))
            .collect();
        pairs.sort_unstable();
        pairs.dedup_by_key(|p| p.0);
        let (shingles, positions) = pairs.into_iter().unzip();
        Features {
            shingles,
            positions,
            kept: kept_words.len() as u32,
            words: all_words.len() as u32,
            kept_index,
            salient,
            content_hash,
            signature,
            band_keys,
            anchors,
        }
    }

    /// True when kept word `i` is a name or a number.
    pub fn is_salient(&self, i: usize) -> bool {
        self.salient.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Frees what only candidate generation needs.
    pub fn drop_candidate_keys(&mut self) {
        self.band_keys = Vec::new();
        self.anchors = Vec::new();
        self.signature = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_removes_shingles() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        let prep = Prepared::new("One two three four five six.\nFooter line here for all pages.", &p);
        let full = Features::new(&prep, |_| false, &p, &h);
        let masked = Features::new(&prep, |s| s == 1, &p, &h);
        assert!(masked.shingles.len() < full.shingles.len());
        assert_eq!(masked.kept, 6);
        assert_eq!(full.content_hash, masked.content_hash);
    }

    #[test]
    fn salient_bits_follow_kept_words() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        let prep = Prepared::new("Footer.\nWe met Abedi in 2025 today.", &p);
        let f = Features::new(&prep, |s| s == 0, &p, &h);
        let sal: Vec<_> = (0..f.kept as usize).filter(|&i| f.is_salient(i)).collect();
        assert_eq!(sal, [2, 4]);
    }
}
