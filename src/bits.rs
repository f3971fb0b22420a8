//! Bit masks over 64-bit words, shared by the tokeniser's word masks and
//! the fingerprint's salient bits.

/// Bits `lo..hi` of a 64-bit word: none when `hi <= lo`, all from `lo` up
/// when `hi` is 64 or past it (a range that runs on into the next word).
#[inline]
pub(crate) fn bit_range(lo: usize, hi: usize) -> u64 {
    let below = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    below(hi) & !below(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(bit_range(0, 0), 0);
        assert_eq!(bit_range(3, 3), 0);
        assert_eq!(bit_range(5, 2), 0);
        assert_eq!(bit_range(0, 1), 1);
        assert_eq!(bit_range(1, 3), 0b110);
        assert_eq!(bit_range(0, 64), u64::MAX);
        assert_eq!(bit_range(63, 64), 1 << 63);
        assert_eq!(bit_range(60, 200), 0xf << 60);
    }
}
