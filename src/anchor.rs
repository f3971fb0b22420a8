//! Passage anchors by winnowing (Schleimer, Wilkerson, Aiken, SIGMOD 2003).
//!
//! In every window of `w` consecutive shingle hashes the smallest is kept
//! (the rightmost on ties). Two texts that share a run of at least
//! `w + k - 1` words share at least one anchor, whatever surrounds the run:
//! this is what finds a three-paragraph excerpt inside a long article, whose
//! Jaccard similarity (below 0.2) no MinHash band can see.

/// The distinct anchors of a shingle-hash sequence, sorted.
pub fn anchors(hashes: &[u64], w: usize) -> Vec<u64> {
    let w = w.max(1);
    let mut out = Vec::with_capacity(2 * hashes.len() / (w + 1) + 1);
    if hashes.len() <= w {
        out.extend(hashes.iter().min());
    } else {
        // the rightmost minimum of each window, carried over while it
        // stays inside: a window is rescanned only when its minimum leaves
        let rightmost_min = |from: usize| {
            (from..from + w).fold(
                from,
                |best, i| if hashes[i] <= hashes[best] { i } else { best },
            )
        };
        let mut best = rightmost_min(0);
        out.push(hashes[best]);
        for start in 1..=hashes.len() - w {
            let last = best;
            let end = start + w - 1;
            if best < start {
                best = rightmost_min(start);
            } else if hashes[end] <= hashes[best] {
                best = end;
            }
            if best != last {
                out.push(hashes[best]);
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
