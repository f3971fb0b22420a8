//! Shared passages between two articles, and what one adds to the other,
//! as character offsets into the original texts.
//!
//! Anchor and extend, as passim and TextPAIR do: every k-word shingle of the
//! copy that also occurs in the source is an anchor; anchors chain into a passage while they advance in
//! both texts by at most `max_gap` shingles, so a reworded word or two
//! (which removes k consecutive anchors) does not split a passage, while a
//! moved paragraph starts a new one. Chains shorter than `min_words` words
//! are dropped (a stock phrase is not a passage), and so are chains with
//! fewer than `min_words` words outside boilerplate (a shared footer is not
//! a passage, but a boilerplate line inside a copied stretch is copied
//! too). Words of the copy outside
//! every passage are its additions: a reposter's intro, ads and footer, or
//! text the source does not have.

use std::collections::HashMap;

use crate::report::{Passage, Span};

/// One article's words, ready for alignment.
#[derive(Debug, Clone, Default)]
pub struct Aligned {
    /// Hash of each word.
    pub words: Vec<u64>,
    /// Character span of each word in the original text.
    pub spans: Vec<(usize, usize)>,
    /// Whether each word is in boilerplate.
    pub masked: Vec<bool>,
}

/// Alignment settings.
#[derive(Debug, Clone, Copy)]
pub struct AlignConfig {
    /// Words per shingle.
    pub k: usize,
    /// Largest advance, in shingles, that still continues a passage.
    pub max_gap: usize,
    /// Shortest passage kept, in words.
    pub min_words: usize,
}

impl AlignConfig {
    /// Defaults for shingle size `k`: passages bridge edits of up to 4
    /// words and are at least 2k words long.
    pub fn new(k: usize) -> Self {
        AlignConfig {
            k,
            max_gap: k + 5,
            min_words: 2 * k,
        }
    }
}

/// Shingle hashes of every k-word window, and whether the window touches
/// boilerplate.
fn shingles(a: &Aligned, k: usize) -> Vec<(u64, bool)> {
    let (hashes, starts) = crate::shingle::shingles(&a.words, k, 0);
    if a.words.len() < k {
        return Vec::new();
    }
    hashes
        .into_iter()
        .zip(starts)
        .map(|(h, i)| {
            let i = i as usize;
            (h, a.masked[i..i + k].iter().any(|&m| m))
        })
        .collect()
}

/// Passages `copy` shares with `source`, and the additions of `copy`.
pub fn align(copy: &Aligned, source: &Aligned, cfg: AlignConfig) -> (Vec<Passage>, Vec<Span>) {
    let k = cfg.k.max(1);
    let sc = shingles(copy, k);
    let ss = shingles(source, k);
    let mut at: HashMap<u64, Vec<u32>> = HashMap::new();
    for (j, (h, _)) in ss.iter().enumerate() {
        at.entry(*h).or_default().push(j as u32);
    }
    // chains of anchors (first_i, first_j, last_i, last_j, anchors outside
    // boilerplate): boilerplate inside a copied stretch is copied too, but
    // shared boilerplate alone is no passage
    let mut open: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    let mut done: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    for (i, &(h, masked)) in sc.iter().enumerate() {
        open.retain(|c| {
            let alive = i - c.2 <= cfg.max_gap;
            if !alive {
                done.push(*c);
            }
            alive
        });
        let Some(positions) = at.get(&h) else {
            continue;
        };
        // a phrase repeated many times in the source anchors nothing
        if positions.len() > 8 {
            continue;
        }
        for &j in positions {
            let j = j as usize;
            let best = open
                .iter_mut()
                .filter(|c| i > c.2 && j > c.3 && j - c.3 <= cfg.max_gap)
                .max_by_key(|c| (c.2, c.2 - c.0));
            match best {
                Some(c) => {
                    c.2 = i;
                    c.3 = j;
                    c.4 += usize::from(!masked);
                }
                None => open.push((i, j, i, j, usize::from(!masked))),
            }
        }
    }
    done.extend(open);
    let mut chains: Vec<(usize, usize, usize, usize)> = done
        .into_iter()
        .filter(|c| c.2 + k - c.0 >= cfg.min_words && c.4 + k > cfg.min_words)
        .map(|c| (c.0, c.1, c.2, c.3))
        .collect();
    // keep the longest chain where two overlap in the copy
    chains.sort_by_key(|c| (std::cmp::Reverse(c.2 - c.0), c.0));
    let mut covered = vec![false; copy.words.len()];
    // (start, end) in words of the copy and of the source
    let mut kept: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (fi, fj, li, lj) in chains {
        let (end_i, end_j) = (li + k, lj + k);
        let fresh = covered[fi..end_i].iter().filter(|&&c| !c).count();
        if fresh < cfg.min_words {
            continue;
        }
        covered[fi..end_i].iter_mut().for_each(|c| *c = true);
        kept.push((fi, end_i, fj, end_j));
    }
    // neighbouring passages in the same order in both texts, a few edited
    // words apart, are one passage
    kept.sort_unstable();
    let mut merged: Vec<(usize, usize, usize, usize)> = Vec::new();
    for p in kept {
        match merged.last_mut() {
            Some(m)
                if p.0 >= m.1
                    && p.0 - m.1 <= cfg.max_gap
                    && p.2 >= m.3
                    && p.2 - m.3 <= cfg.max_gap =>
            {
                covered[m.1..p.0].iter_mut().for_each(|c| *c = true);
                m.1 = p.1;
                m.3 = p.3;
            }
            _ => merged.push(p),
        }
    }
    let passages: Vec<Passage> = merged
        .into_iter()
        .map(|(fi, end_i, fj, end_j)| Passage {
            start: copy.spans[fi].0,
            end: copy.spans[end_i - 1].1,
            parent_start: source.spans[fj].0,
            parent_end: source.spans[end_j - 1].1,
            words: (end_i - fi) as u32,
        })
        .collect();
    let mut additions = Vec::new();
    let mut i = 0;
    while i < covered.len() {
        if covered[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < covered.len() && !covered[i] {
            i += 1;
        }
        additions.push(Span {
            start: copy.spans[start].0,
            end: copy.spans[i - 1].1,
            words: (i - start) as u32,
        });
    }
    (passages, additions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aligned(words: &[u64]) -> Aligned {
        Aligned {
            words: words.to_vec(),
            spans: (0..words.len()).map(|i| (i * 10, i * 10 + 5)).collect(),
            masked: vec![false; words.len()],
        }
    }

    #[test]
    fn a_wrapped_copy_has_one_passage_and_two_additions() {
        let story: Vec<u64> = (100..160).collect();
        let mut copy: Vec<u64> = (1..8).collect();
        copy.extend(&story);
        copy.extend(900..905);
        let (p, add) = align(&aligned(&copy), &aligned(&story), AlignConfig::new(5));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].words, 60);
        assert_eq!((p[0].parent_start, p[0].parent_end), (0, 595));
        assert_eq!(add.iter().map(|a| a.words).collect::<Vec<_>>(), [7, 5]);
    }

    #[test]
    fn one_reworded_word_does_not_split_a_passage() {
        let story: Vec<u64> = (100..160).collect();
        let mut copy = story.clone();
        copy[30] = 7;
        let (p, add) = align(&aligned(&copy), &aligned(&story), AlignConfig::new(5));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(add.is_empty());
    }

    #[test]
    fn boilerplate_is_never_a_passage() {
        let footer: Vec<u64> = (500..540).collect();
        let mut a = aligned(&[(1..30).collect::<Vec<u64>>(), footer.clone()].concat());
        let mut b = aligned(&[(200..230).collect::<Vec<u64>>(), footer].concat());
        for al in [&mut a, &mut b] {
            let n = al.masked.len();
            al.masked[n - 40..].iter_mut().for_each(|m| *m = true);
        }
        let (p, add) = align(&a, &b, AlignConfig::new(5));
        assert!(p.is_empty());
        assert_eq!(add.len(), 1);
    }

    #[test]
    fn a_moved_paragraph_is_its_own_passage() {
        let (x, y): (Vec<u64>, Vec<u64>) = ((100..140).collect(), (200..240).collect());
        let source = aligned(&[x.clone(), y.clone()].concat());
        let copy = aligned(&[y, x].concat());
        let (p, _) = align(&copy, &source, AlignConfig::new(5));
        assert_eq!(p.len(), 2);
    }
}
