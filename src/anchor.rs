//! Passage anchors by winnowing (Schleimer, Wilkerson, Aiken, SIGMOD 2003).
//!
//! In every window of `w` consecutive shingle hashes the smallest is kept
//! (the rightmost on ties). Two texts that share a run of at least
//! `w + k - 1` words share at least one anchor, whatever surrounds the run:
//! this is what finds a three-paragraph excerpt inside a long article, whose
//! Jaccard similarity (below 0.2) no MinHash band can see.

/// The distinct anchors of a shingle-hash sequence, sorted.
///
/// The anchors are the distinct minima of the windows, so no window needs
/// its minimum's position: each window's minimum is that of its two parts
/// in blocks of `w` (van Herk, Gil and Werman), the part in its first
/// block from minima taken right to left over every block, the part in the
/// next from minima taken left to right as the window moves. Carrying the
/// rightmost minimum and scanning a window again when it left cost a
/// mispredicted branch or a rescan every few shingles.
pub fn anchors(hashes: &[u64], w: usize) -> Vec<u64> {
    let w = w.max(1);
    let n = hashes.len();
    if n <= w {
        return hashes.iter().min().into_iter().copied().collect();
    }
    // each hash's minimum with the hashes after it in its block
    let mut to_block_end = vec![0u64; n];
    for (block, mins) in hashes.chunks(w).zip(to_block_end.chunks_mut(w)) {
        let mut m = u64::MAX;
        for (h, out) in block.iter().zip(mins).rev() {
            m = m.min(*h);
            *out = m;
        }
    }
    let mut out = Vec::with_capacity(2 * n / (w + 1) + 1);
    let (mut from_block_start, mut in_block) = (u64::MAX, 0);
    for (end, &h) in hashes.iter().enumerate() {
        if in_block == w {
            (from_block_start, in_block) = (u64::MAX, 0);
        }
        in_block += 1;
        from_block_start = from_block_start.min(h);
        if let Some(start) = (end + 1).checked_sub(w) {
            let m = to_block_end[start].min(from_block_start);
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_runs_share_anchors() {
        let shared: Vec<u64> = (100..140).map(|i| i * 7919 % 1000).collect();
        let mut a: Vec<u64> = (2000..2100).collect();
        a.splice(50..50, shared.iter().copied());
        let mut b: Vec<u64> = (5000..5030).collect();
        b.extend(&shared);
        let (aa, ab) = (anchors(&a, 12), anchors(&b, 12));
        assert!(aa.iter().any(|h| ab.binary_search(h).is_ok()));
    }

    #[test]
    fn the_same_anchors_as_scanning_every_window() {
        let naive = |hashes: &[u64], w: usize| {
            let mut out = Vec::new();
            let mut last = usize::MAX;
            for start in 0..=hashes.len() - w {
                let window = &hashes[start..start + w];
                let mut best = 0;
                for (i, h) in window.iter().enumerate() {
                    if *h <= window[best] {
                        best = i;
                    }
                }
                if start + best != last {
                    last = start + best;
                    out.push(hashes[last]);
                }
            }
            out.sort_unstable();
            out.dedup();
            out
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 13..400 {
            // small values: many ties, which the rightmost rule settles
            let hashes: Vec<u64> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    (state >> 33) % 50
                })
                .collect();
            for w in [1, 2, 5, 12] {
                assert_eq!(anchors(&hashes, w), naive(&hashes, w), "len {len} w {w}");
            }
        }
    }

    #[test]
    fn short_sequences_have_one_anchor() {
        assert_eq!(anchors(&[5, 3, 9], 12), vec![3]);
        assert!(anchors(&[], 12).is_empty());
    }
}
