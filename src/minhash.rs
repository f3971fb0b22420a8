//! MinHash signatures.
//!
//! The 64-bit shingle hash h (already a seeded xxh3 value, so uniform) is
//! folded to 32 bits, `x = (h ^ h >> 32) as u32`, and permutation i maps it
//! to `(a_i * x + b_i) mod 2^32`, a bijection of u32 (odd `a_i`), with
//! `a_i`, `b_i` the high halves of SplitMix64 draws seeded with
//! `params.seed`. Signature values are u32. The loop over permutations works
//! on flat u32 arrays so the compiler vectorises it with the SIMD every
//! x86-64 has (64-bit multiplies vectorise only with AVX-512); the
//! estimate's error is checked against exact Jaccard in the tests.

use crate::params::Params;

/// A MinHash signature: one minimum per permutation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Signature(pub Vec<u32>);

impl Signature {
    /// Estimated Jaccard similarity: the share of equal positions.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        let n = self.0.len().min(other.0.len());
        if n == 0 {
            return 0.0;
        }
        let eq = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        eq as f64 / n as f64
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a fixed, documented stream so that
/// permutations never change with a dependency's version.
pub(crate) struct SplitMix64(pub u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Computes signatures for one set of [`Params`].
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u32>,
    b: Vec<u32>,
}

impl MinHasher {
    /// Permutations for `params.num_perm` and `params.seed`.
    pub fn new(params: &Params) -> Self {
        let mut rng = SplitMix64(params.seed ^ 0x6d69_6e68_6173_6821);
        let mut a = Vec::with_capacity(params.num_perm);
        let mut b = Vec::with_capacity(params.num_perm);
        for _ in 0..params.num_perm {
            a.push((rng.next_u64() >> 32) as u32 | 1);
            b.push((rng.next_u64() >> 32) as u32);
        }
        MinHasher { a, b }
    }

    /// The signature of a set of shingle hashes (order and repeats do not
    /// matter). `None` for an empty set: an empty article has no signature
    /// rather than one that collides with every other empty article.
    pub fn signature(&self, hashes: &[u64]) -> Option<Signature> {
        if hashes.is_empty() {
            return None;
        }
        let mut sig = vec![u32::MAX; self.a.len()];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            avx2::minima(&mut sig, &self.a, &self.b, hashes);
            return Some(Signature(sig));
        }
        minima(&mut sig, &self.a, &self.b, hashes);
        Some(Signature(sig))
    }
}

/// Folds each hash into the running minima of every permutation. The same
/// arithmetic whatever the instruction set, so signatures are bit-identical
/// on every machine.
#[inline(always)]
fn minima(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) {
    for &h in hashes {
        // fold the 64-bit hash to 32 bits: 32-bit lanes vectorise wherever
        // a 32-bit vector multiply exists, 64-bit multiplies only with
        // AVX-512
        let x = (h ^ (h >> 32)) as u32;
        for ((s, &ai), &bi) in sig.iter_mut().zip(a).zip(b) {
            let v = ai.wrapping_mul(x).wrapping_add(bi);
            *s = (*s).min(v);
        }
    }
}

/// The portable x86-64 target has no 32-bit vector multiply (SSE4.1's
/// `pmulld`), so the loop above runs on emulated lanes; users install the
/// portable build. Detected at run time, AVX2 does 8 lanes an instruction:
/// the signing stage runs several times faster.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    pub(super) fn minima(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) {
        debug_assert!(std::arch::is_x86_feature_detected!("avx2"));
        // SAFETY: callers run this only after is_x86_feature_detected!("avx2")
        unsafe { minima_avx2(sig, a, b, hashes) }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn minima_avx2(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) {
        super::minima(sig, a, b, hashes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range
            .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
            .collect()
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_path_gives_the_portable_signature() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let h = MinHasher::new(&Params::default());
        let hashes = set(0..777);
        let mut portable = vec![u32::MAX; h.a.len()];
        let mut wide = portable.clone();
        minima(&mut portable, &h.a, &h.b, &hashes);
        avx2::minima(&mut wide, &h.a, &h.b, &hashes);
        assert_eq!(portable, wide);
    }

    #[test]
    fn estimate_is_close_to_exact_jaccard() {
        let h = MinHasher::new(&Params::default());
        // |A∩B| = 500, |A∪B| = 1500: J = 1/3
        let a = h.signature(&set(0..1000)).unwrap();
        let b = h.signature(&set(500..1500)).unwrap();
        assert!(
            (a.jaccard(&b) - 1.0 / 3.0).abs() < 0.12,
            "{}",
            a.jaccard(&b)
        );
    }

    #[test]
    fn estimate_error_over_many_pairs_is_small() {
        // mean absolute error over pairs of Jaccard 0.1 .. 0.9, 128 perms:
        // the binomial standard error is at most sqrt(0.25/128) = 0.044
        let h = MinHasher::new(&Params::default());
        let mut total = 0.0;
        let mut n = 0.0;
        for k in 1..10u64 {
            for offset in 0..5u64 {
                let base = offset * 10_000;
                let shared = k * 40;
                let a = set(base..base + 400);
                let b = set(base + 400 - shared..base + 800 - shared);
                let exact = shared as f64 / (800 - shared) as f64;
                let est = h.signature(&a).unwrap().jaccard(&h.signature(&b).unwrap());
                total += (est - exact).abs();
                n += 1.0;
            }
        }
        assert!(total / n < 0.045, "mean absolute error {}", total / n);
    }

    #[test]
    fn order_does_not_matter() {
        let h = MinHasher::new(&Params::default());
        let mut s = set(0..50);
        let a = h.signature(&s);
        s.reverse();
        assert_eq!(a, h.signature(&s));
        assert_eq!(h.signature(&[]), None);
    }
}
