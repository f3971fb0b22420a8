//! k-word shingles, hashed.
//!
//! A shingle is k consecutive words joined by one space (U+0020), hashed
//! with `xxh3_64_with_seed(utf8_bytes, params.seed)`. That definition is the
//! contract with every other implementation (Spark kernel, Python wheel).
//! A text with fewer than k words (but at least one) has exactly one
//! shingle, made of all its words, so two identical one-line briefs still
//! match each other and never anything longer.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Hashes of the shingles of `words` (in order), and for each shingle the
/// index of its first word.
pub fn shingles<'a>(words: &[&'a str], k: usize, seed: u64) -> (Vec<u64>, Vec<u32>) {
    let n = words.len();
    if n == 0 || k == 0 {
        return (Vec::new(), Vec::new());
    }
    let width = k.min(n);
    let count = n - width + 1;
    let mut hashes = Vec::with_capacity(count);
    let mut starts = Vec::with_capacity(count);
    let mut buf = Vec::with_capacity(64);
    for start in 0..count {
        buf.clear();
        for (j, w) in words[start..start + width].iter().enumerate() {
            if j > 0 {
                buf.push(b' ');
            }
            buf.extend_from_slice(w.as_bytes());
        }
        hashes.push(xxh3_64_with_seed(&buf, seed));
        starts.push(start as u32);
    }
    (hashes, starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let w = ["a", "b", "c", "d", "e", "f"];
        assert_eq!(shingles(&w, 5, 1).0.len(), 2);
        assert_eq!(shingles(&w[..3], 5, 1).0.len(), 1);
        assert_eq!(shingles(&[], 5, 1).0.len(), 0);
    }

    #[test]
    fn the_hash_is_of_the_joined_words() {
        let w = ["big", "news", "today", "in", "town"];
        assert_eq!(shingles(&w, 5, 7).0[0], xxh3_64_with_seed(b"big news today in town", 7));
    }
}
