//! LSH band keys.
//!
//! Band j of a signature is rows `j*r .. (j+1)*r`; its key is
//! `xxh3_64_with_seed(little-endian bytes of those u32 values, seed + j)`.
//! Keys that leave the process (exports, a cluster engine) are written as
//! signed 64-bit integers (`key as i64`): engines read unsigned 64-bit
//! columns as decimals.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::minhash::Signature;
use crate::params::Params;

/// The band keys of one signature, one per band.
pub fn band_keys(sig: &Signature, params: &Params) -> Vec<u64> {
    let mut bytes = Vec::with_capacity(params.rows * 4);
    (0..params.bands)
        .map(|j| {
            bytes.clear();
            for v in &sig.0[j * params.rows..(j + 1) * params.rows] {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            xxh3_64_with_seed(&bytes, params.seed.wrapping_add(j as u64))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::MinHasher;

    #[test]
    fn equal_bands_give_equal_keys() {
        let p = Params::default();
        let h = MinHasher::new(&p);
        let a = h.signature(&[1, 2, 3, 4, 5]).unwrap();
        let mut b = a.clone();
        b.0[0] ^= 1; // differs in band 0 only
        let (ka, kb) = (band_keys(&a, &p), band_keys(&b, &p));
        assert_eq!(ka.len(), p.bands);
        assert_ne!(ka[0], kb[0]);
        assert_eq!(ka[1..], kb[1..]);
    }
}
