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

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::report::{Passage, Span};

/// One article's words, ready for alignment.
#[derive(Debug, Clone, Default)]
pub struct Aligned {
    /// Hash of each word.
    pub words: Vec<u64>,
    /// Character span of each word in the original text.
    pub spans: Vec<(u32, u32)>,
    /// Whether each word is in boilerplate.
    pub masked: Vec<bool>,
}

/// More occurrences in the source than this, and a shingle anchors
/// nothing.
const REPEATED: usize = 8;

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

/// An article's shingles for alignment, and where each occurs: made once
/// per article, however many pairs it is in (a parent is aligned with each
/// of its children).
#[derive(Debug, Clone, Default)]
pub struct Shingles {
    /// Words per shingle.
    k: usize,
    /// Hash of every k-word window, and whether it touches boilerplate.
    windows: Vec<(u64, bool)>,
    /// Whether `slots` and `next` are made (only a source's positions are
    /// looked up).
    indexed: bool,
    /// Open addressing over the windows (a power of two, at least twice
    /// their number): each slot holds one more than the first window of a
    /// hash, 0 when empty, and the key is read from `windows`. The hashes
    /// are xxh3 already, so their low bits are the slot. A hash map built
    /// for every source was a tenth of the evidence stage.
    slots: Vec<u32>,
    /// Chains each window to the next one with the same hash (`NONE` after
    /// the last), so positions come out ascending with one slot per
    /// distinct hash and no list per hash.
    next: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Shingles {
    /// The shingles of `a`, `k` words each; with `source`, indexed for
    /// aligning copies with `a`.
    pub fn new(a: &Aligned, k: usize, source: bool) -> Self {
        let k = k.max(1);
        let windows: Vec<(u64, bool)> = if a.words.len() < k {
            Vec::new()
        } else {
            // as `shingle::shingles` hashes them, without its vectors
            let bytes = crate::shingle::le_bytes(&a.words);
            // masked words in the window, kept as the window slides
            let mut masked = a.masked[..k - 1].iter().filter(|&&m| m).count();
            (0..=a.words.len() - k)
                .map(|i| {
                    let h = xxh3_64_with_seed(&bytes[8 * i..8 * (i + k)], 0);
                    masked += usize::from(a.masked[i + k - 1]);
                    let touches = masked > 0;
                    masked -= usize::from(a.masked[i]);
                    (h, touches)
                })
                .collect()
        };
        let (mut slots, mut next) = (Vec::new(), Vec::new());
        if source {
            slots = vec![0; (2 * windows.len()).next_power_of_two().max(2)];
            next = vec![NONE; windows.len()];
            let mask = slots.len() - 1;
            // backwards, so that each hash's chain runs forwards
            for (j, &(h, _)) in windows.iter().enumerate().rev() {
                let mut at = h as usize & mask;
                loop {
                    match slots[at] {
                        0 => {
                            slots[at] = j as u32 + 1;
                            break;
                        }
                        s if windows[s as usize - 1].0 == h => {
                            next[j] = s - 1;
                            slots[at] = j as u32 + 1;
                            break;
                        }
                        _ => at = (at + 1) & mask,
                    }
                }
            }
        }
        Shingles {
            k,
            windows,
            indexed: source,
            slots,
            next,
        }
    }

    /// The first window with hash `h`, else `NONE`.
    fn first(&self, h: u64) -> u32 {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = h as usize & mask;
        loop {
            match *self.slots.get(at).unwrap_or(&0) {
                0 => return NONE,
                s if self.windows[s as usize - 1].0 == h => return s - 1,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Where shingle `h` occurs, ascending, into `out`; at most `limit + 1`
    /// of them, enough to tell a phrase repeated more than `limit` times.
    fn at(&self, h: u64, limit: usize, out: &mut Vec<u32>) {
        out.clear();
        let mut j = self.first(h);
        while j != NONE && out.len() <= limit {
            out.push(j);
            j = self.next[j as usize];
        }
    }
}

/// Passages `copy` shares with `source`, and the additions of `copy`.
pub fn align(copy: &Aligned, source: &Aligned, cfg: AlignConfig) -> (Vec<Passage>, Vec<Span>) {
    align_shingled(
        copy,
        &Shingles::new(copy, cfg.k, false),
        source,
        &Shingles::new(source, cfg.k, true),
        cfg,
    )
}

/// [`align`] with the shingles of both sides already made (by
/// [`Shingles::new`] with `cfg.k`, the source's as a source).
pub fn align_shingled(
    copy: &Aligned,
    copy_shingles: &Shingles,
    source: &Aligned,
    source_shingles: &Shingles,
    cfg: AlignConfig,
) -> (Vec<Passage>, Vec<Span>) {
    let k = cfg.k.max(1);
    assert!(
        copy_shingles.k == k && source_shingles.k == k,
        "shingles made with another k"
    );
    assert!(
        source_shingles.indexed,
        "a source's shingles made unindexed"
    );
    let sc = &copy_shingles.windows;
    // chains of anchors (first_i, first_j, last_i, last_j, anchors outside
    // boilerplate): boilerplate inside a copied stretch is copied too, but
    // shared boilerplate alone is no passage
    let mut open: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    let mut positions: Vec<u32> = Vec::with_capacity(REPEATED + 1);
    let mut done: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    for (i, &(h, masked)) in sc.iter().enumerate() {
        open.retain(|c| {
            let alive = i - c.2 <= cfg.max_gap;
            if !alive {
                done.push(*c);
            }
            alive
        });
        source_shingles.at(h, REPEATED, &mut positions);
        if positions.is_empty() {
            continue;
        }
        // a phrase repeated many times in the source anchors nothing
        if positions.len() > REPEATED {
            continue;
        }
        for &j in &positions {
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
            start: copy.spans[fi].0 as usize,
            end: copy.spans[end_i - 1].1 as usize,
            parent_start: source.spans[fj].0 as usize,
            parent_end: source.spans[end_j - 1].1 as usize,
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
            start: copy.spans[start].0 as usize,
            end: copy.spans[i - 1].1 as usize,
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
            spans: (0..words.len() as u32)
                .map(|i| (i * 10, i * 10 + 5))
                .collect(),
            masked: vec![false; words.len()],
        }
    }

    #[test]
    fn windows_know_their_boilerplate_and_sources_find_every_occurrence() {
        // a phrase three times over, the middle one in boilerplate
        let phrase: Vec<u64> = (100..105).collect();
        let words = [&phrase[..], &[1, 2], &phrase[..], &[3], &phrase[..]].concat();
        let mut a = aligned(&words);
        (7..12).for_each(|i| a.masked[i] = true);
        let s = Shingles::new(&a, 5, true);
        for (i, &(_, touches)) in s.windows.iter().enumerate() {
            assert_eq!(touches, a.masked[i..i + 5].contains(&true), "window {i}");
        }
        let mut at = Vec::new();
        s.at(s.windows[0].0, REPEATED, &mut at);
        assert_eq!(at, [0, 7, 13]);
        s.at(s.windows[0].0, 1, &mut at);
        assert_eq!(at, [0, 7], "stops past the limit");
        s.at(12345, REPEATED, &mut at);
        assert!(at.is_empty());
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
