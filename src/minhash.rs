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
        if simd::minima(&mut sig, &self.a, &self.b, hashes) {
            return Some(Signature(sig));
        }
        minima::<32>(&mut sig, &self.a, &self.b, hashes);
        Some(Signature(sig))
    }
}

/// Folds each hash into the running minima of every permutation. The same
/// arithmetic whatever the instruction set, so signatures are bit-identical
/// on every machine. Permutations go in blocks of `BLOCK` whose minima,
/// multipliers and offsets stay in registers while every hash passes
/// through them: a hash at a time through all 128 loaded and stored every
/// minimum for every hash, and took 1.6-1.9 times as long.
#[inline(always)]
fn minima<const BLOCK: usize>(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) {
    let whole = sig.len() / BLOCK * BLOCK;
    for ((s, a), b) in sig[..whole]
        .chunks_exact_mut(BLOCK)
        .zip(a.chunks_exact(BLOCK))
        .zip(b.chunks_exact(BLOCK))
    {
        let a: [u32; BLOCK] = a.try_into().expect("a block");
        let b: [u32; BLOCK] = b.try_into().expect("a block");
        let mut m: [u32; BLOCK] = (&*s).try_into().expect("a block");
        for &h in hashes {
            let x = fold(h);
            for j in 0..BLOCK {
                m[j] = m[j].min(a[j].wrapping_mul(x).wrapping_add(b[j]));
            }
        }
        s.copy_from_slice(&m);
    }
    // permutations past the last whole block (a `num_perm` not a multiple)
    let (sig, a, b) = (&mut sig[whole..], &a[whole..], &b[whole..]);
    for &h in hashes {
        let x = fold(h);
        for ((s, &ai), &bi) in sig.iter_mut().zip(a).zip(b) {
            *s = (*s).min(ai.wrapping_mul(x).wrapping_add(bi));
        }
    }
}

/// The 64-bit hash folded to 32 bits: 32-bit lanes vectorise wherever a
/// 32-bit vector multiply exists, 64-bit multiplies only with AVX-512.
#[inline(always)]
fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

/// The portable x86-64 target has no 32-bit vector multiply (SSE4.1's
/// `pmulld`), so the loop above runs on emulated lanes; users install the
/// portable build. Detected at run time, AVX2 does 8 lanes an instruction
/// (blocks of 32 permutations hold 12 of its 16 registers) and AVX-512 16
/// (all 128 permutations in 24 of its 32 registers, each hash read once).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod simd {
    /// [`super::minima`] with the widest vectors the machine has; false
    /// when it has neither AVX-512 nor AVX2.
    pub(super) fn minima(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) -> bool {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the machine has AVX-512F, just detected
            unsafe { minima_avx512(sig, a, b, hashes) };
            true
        } else if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the machine has AVX2, just detected
            unsafe { minima_avx2(sig, a, b, hashes) };
            true
        } else {
            false
        }
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn minima_avx2(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) {
        super::minima::<32>(sig, a, b, hashes);
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn minima_avx512(sig: &mut [u32], a: &[u32], b: &[u32], hashes: &[u64]) {
        super::minima::<128>(sig, a, b, hashes);
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

    /// A hash at a time through every permutation: the definition.
    fn reference(a: &[u32], b: &[u32], hashes: &[u64]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; a.len()];
        for &h in hashes {
            let x = (h ^ (h >> 32)) as u32;
            for i in 0..a.len() {
                sig[i] = sig[i].min(a[i].wrapping_mul(x).wrapping_add(b[i]));
            }
        }
        sig
    }

    #[test]
    fn every_path_gives_the_reference_signature() {
        let hashes = set(0..777);
        // 128 permutations, and 100: three whole blocks of 32 and a tail
        for perms in [128, 100] {
            let h = MinHasher::new(&Params {
                num_perm: perms,
                ..Params::default()
            });
            let want = reference(&h.a, &h.b, &hashes);
            let mut blocked = vec![u32::MAX; perms];
            minima::<32>(&mut blocked, &h.a, &h.b, &hashes);
            assert_eq!(blocked, want, "{perms} permutations in blocks");
            assert_eq!(h.signature(&hashes).unwrap().0, want, "{perms} detected");
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            for (feature, detected, wide) in [
                (
                    "avx2",
                    std::arch::is_x86_feature_detected!("avx2"),
                    simd::minima_avx2 as unsafe fn(&mut [u32], &[u32], &[u32], &[u64]),
                ),
                (
                    "avx512f",
                    std::arch::is_x86_feature_detected!("avx512f"),
                    simd::minima_avx512,
                ),
            ] {
                if !detected {
                    continue;
                }
                let mut sig = vec![u32::MAX; perms];
                // SAFETY: the feature was just detected
                unsafe { wide(&mut sig, &h.a, &h.b, &hashes) };
                assert_eq!(sig, want, "{perms} permutations with {feature}");
            }
        }
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
