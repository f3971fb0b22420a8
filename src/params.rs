//! Everything that shapes a fingerprint, in one versioned value.
//!
//! A signature, a band key or an anchor computed anywhere (this process,
//! another machine, a Spark executor) is bit-identical to one computed here
//! when the [`Params`] are equal. `Params` is stored with every export and
//! index, and printed in every JSON report.

use serde::{Deserialize, Serialize};

use crate::error::ParamError;

/// Version of the text normaliser (markup stripping, Unicode normalisation,
/// case folding, tokenisation). Bump it whenever any of them changes the
/// tokens of some text: signatures from two versions must never be mixed.
pub const NORMALIZER_VERSION: u32 = 3;

/// The hash every persisted value is derived from (words keep its low 32
/// bits, see [`crate::shingle::word_hash`]).
pub const HASH_NAME: &str = "xxh3-64/w32";

/// Parameters that shape shingles, signatures, band keys and anchors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Words per shingle (k).
    pub shingle_size: usize,
    /// MinHash permutations (signature length).
    pub num_perm: usize,
    /// Seed of the shingle hash and of the permutations.
    pub seed: u64,
    /// Jaccard similarity the LSH bands are tuned for.
    pub lsh_threshold: f64,
    /// LSH bands.
    pub bands: usize,
    /// Rows (signature values) per band.
    pub rows: usize,
    /// Winnowing window, in shingles, for passage anchors.
    pub anchor_window: usize,
    /// Name of the hash function.
    pub hash: String,
    /// Version of the normaliser, see [`NORMALIZER_VERSION`].
    pub normalizer_version: u32,
}

impl Default for Params {
    fn default() -> Self {
        ParamsBuilder::new()
            .build()
            .expect("default parameters are valid")
    }
}

/// Builds [`Params`], deriving bands and rows from the threshold unless set.
#[derive(Debug, Clone)]
pub struct ParamsBuilder {
    shingle_size: usize,
    num_perm: usize,
    seed: u64,
    lsh_threshold: f64,
    bands: Option<usize>,
    anchor_window: usize,
}

impl Default for ParamsBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamsBuilder {
    /// Defaults: 5-word shingles, 128 permutations, LSH tuned for Jaccard 0.5,
    /// anchors from windows of 12 shingles.
    pub fn new() -> Self {
        ParamsBuilder {
            shingle_size: 5,
            num_perm: 128,
            seed: 0x5eed_0f2e_911a_7000,
            lsh_threshold: 0.5,
            bands: None,
            anchor_window: 12,
        }
    }

    /// Words per shingle.
    pub fn shingle_size(&mut self, k: usize) -> &mut Self {
        self.shingle_size = k;
        self
    }

    /// MinHash permutations.
    pub fn num_perm(&mut self, n: usize) -> &mut Self {
        self.num_perm = n;
        self
    }

    /// Hash seed.
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self
    }

    /// Jaccard threshold the LSH bands are tuned for.
    pub fn lsh_threshold(&mut self, t: f64) -> &mut Self {
        self.lsh_threshold = t;
        self
    }

    /// Force the number of bands (rows = num_perm / bands).
    pub fn bands(&mut self, b: Option<usize>) -> &mut Self {
        self.bands = b;
        self
    }

    /// Winnowing window for anchors.
    pub fn anchor_window(&mut self, w: usize) -> &mut Self {
        self.anchor_window = w;
        self
    }

    /// Validates and derives bands/rows.
    ///
    /// # Errors
    /// A [`ParamError`] naming the bad value.
    pub fn build(&self) -> Result<Params, ParamError> {
        if self.shingle_size == 0 {
            return Err(ParamError::ZeroShingleSize);
        }
        if !(16..=1024).contains(&self.num_perm) {
            return Err(ParamError::NumPerm(self.num_perm));
        }
        if !(self.lsh_threshold > 0.0 && self.lsh_threshold <= 1.0) {
            return Err(ParamError::Threshold {
                name: "--lsh-threshold",
                value: self.lsh_threshold,
            });
        }
        if self.anchor_window == 0 {
            return Err(ParamError::ZeroCount {
                name: "--anchor-window",
            });
        }
        let (bands, rows) = match self.bands {
            Some(0) => return Err(ParamError::ZeroCount { name: "--bands" }),
            Some(b) => {
                let rows = self.num_perm / b;
                if rows == 0 {
                    return Err(ParamError::BandsTooMany {
                        bands: b,
                        rows: 1,
                        num_perm: self.num_perm,
                    });
                }
                (b, rows)
            }
            None => optimal_bands(self.lsh_threshold, self.num_perm, 0.5, 0.5),
        };
        Ok(Params {
            shingle_size: self.shingle_size,
            num_perm: self.num_perm,
            seed: self.seed,
            lsh_threshold: self.lsh_threshold,
            bands,
            rows,
            anchor_window: self.anchor_window,
            hash: HASH_NAME.to_string(),
            normalizer_version: NORMALIZER_VERSION,
        })
    }
}

/// Probability that two sets of Jaccard similarity `s` share at least one
/// band of `rows` rows out of `bands`.
pub fn collision_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Bands and rows minimising the weighted false-positive area (integral of
/// the collision probability below the threshold) plus the false-negative
/// area (integral of its complement above it), over every `b * r <= n`.
///
/// This is the optimisation datasketch's `MinHashLSH` performs
/// (`_optimal_param`), integrated here with Simpson's rule so that the choice
/// is deterministic and has no numerical-library dependency.
pub fn optimal_bands(
    threshold: f64,
    num_perm: usize,
    fp_weight: f64,
    fn_weight: f64,
) -> (usize, usize) {
    let mut best = (1, num_perm.max(1));
    let mut best_err = f64::INFINITY;
    for b in 1..=num_perm {
        for r in 1..=(num_perm / b) {
            let fp = simpson(|s| collision_probability(s, b, r), 0.0, threshold);
            let fneg = simpson(|s| 1.0 - collision_probability(s, b, r), threshold, 1.0);
            let err = fp * fp_weight + fneg * fn_weight;
            if err < best_err {
                best_err = err;
                best = (b, r);
            }
        }
    }
    best
}

fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const N: usize = 200; // even; the integrands are smooth polynomials
    let h = (b - a) / N as f64;
    let mut sum = f(a) + f(b);
    for i in 1..N {
        let x = a + h * i as f64;
        sum += f(x) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_bands_match_datasketch() {
        // datasketch MinHashLSH(threshold=0.5, num_perm=128) picks b=25, r=5
        // (its own _optimal_param, weights 0.5/0.5).
        assert_eq!(optimal_bands(0.5, 128, 0.5, 0.5), (25, 5));
    }

    #[test]
    fn lower_threshold_means_more_bands() {
        let (b_low, r_low) = optimal_bands(0.2, 128, 0.5, 0.5);
        let (b_high, r_high) = optimal_bands(0.8, 128, 0.5, 0.5);
        assert!(b_low > b_high && r_low < r_high);
    }

    #[test]
    fn invalid_values_are_refused() {
        assert_eq!(
            ParamsBuilder::new().shingle_size(0).build(),
            Err(ParamError::ZeroShingleSize)
        );
        assert!(ParamsBuilder::new().lsh_threshold(1.5).build().is_err());
        assert!(ParamsBuilder::new().num_perm(8).build().is_err());
        assert!(ParamsBuilder::new().bands(Some(200)).build().is_err());
    }
}
