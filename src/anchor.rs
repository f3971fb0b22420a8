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
    fn short_sequences_have_one_anchor() {
        assert_eq!(anchors(&[5, 3, 9], 12), vec![3]);
        assert!(anchors(&[], 12).is_empty());
    }
}
