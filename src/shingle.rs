//! k-word shingles, hashed.
//!
//! Each normalised word is hashed as the low 32 bits of
//! `xxh3_64_with_seed(utf8_bytes, seed)` (held in a `u64`); a shingle of k
//! consecutive words is hashed as
//! `xxh3_64_with_seed(concatenated 8-byte little-endian word hashes, seed)`.
//! That definition is the contract with every other implementation (Spark
//! kernel, Python wheel). Hashing word hashes rather than the words spares
//! re-reading every word k times.
//! A text with fewer than k words (but at least one) has exactly one
//! shingle, made of all its words, so two identical one-line briefs still
//! match each other and never anything longer.

use std::borrow::Cow;

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The hash of one normalised word: 32 bits, because evidence's alignment
/// records hold every word in 32 bits already, and a wider hash had to be
/// spilled again beside them for the fingerprint pass (1.9 GB through the
/// page cache at a million articles). Two words of a corpus's few million
/// sharing a hash changes a shingle only where the other four words match
/// too.
pub fn word_hash(word: impl AsRef<[u8]>, seed: u64) -> u64 {
    xxh3_64_with_seed(word.as_ref(), seed) & u64::from(u32::MAX)
}

/// The bytes the hash contract defines for a run of word hashes (each
/// little-endian, in order): on a little-endian machine, the memory that
/// already holds them, not a copy of every word per shingle set, sentence
/// and content hash.
pub fn le_bytes(words: &[u64]) -> Cow<'_, [u8]> {
    if cfg!(target_endian = "little") {
        Cow::Borrowed(bytemuck::cast_slice(words))
    } else {
        Cow::Owned(words.iter().flat_map(|w| w.to_le_bytes()).collect())
    }
}

/// Hashes of the shingles of `words` (word hashes, in order): shingle `i`
/// starts at word `i`, so its position is its index (a text shorter than
/// `k` words is one shingle of them all).
pub fn shingles(words: &[u64], k: usize, seed: u64) -> Vec<u64> {
    let n = words.len();
    if n == 0 || k == 0 {
        return Vec::new();
    }
    let width = k.min(n);
    let count = n - width + 1;
    // a shingle's bytes are a slice of the words' bytes, not k words
    // copied into a buffer for each shingle
    let bytes = le_bytes(words);
    (0..count)
        .map(|start| xxh3_64_with_seed(&bytes[8 * start..8 * (start + width)], seed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let w = [1, 2, 3, 4, 5, 6];
        assert_eq!(shingles(&w, 5, 1).len(), 2);
        assert_eq!(shingles(&w[..3], 5, 1).len(), 1);
        assert_eq!(shingles(&[], 5, 1).len(), 0);
    }

    #[test]
    fn the_hash_is_of_the_word_hashes() {
        let w: Vec<u64> = ["big", "news", "today", "in", "town"]
            .iter()
            .map(|w| word_hash(w, 7))
            .collect();
        let bytes: Vec<u8> = w.iter().flat_map(|h| h.to_le_bytes()).collect();
        assert_eq!(shingles(&w, 5, 7)[0], xxh3_64_with_seed(&bytes, 7));
        let full = xxh3_64_with_seed(b"big", 7);
        assert_eq!(w[0], full & 0xffff_ffff);
    }
}
