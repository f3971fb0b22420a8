//! The same-story tier: the same news told in other words.
//!
//! No shingle survives a rewrite; names, places and numbers do. Each
//! article's *terms* are its salient words (numbers, and capitalised words
//! that do not open a sentence) outside boilerplate. Two articles of
//! different copy groups are linked when
//!
//! * they share at least `min_shared` terms that are rare (in at most
//!   `max_df` articles), found through an inverted index of those terms;
//! * they were published within `window_days` of each other (when both are
//!   dated);
//! * the IDF-weighted overlap of their terms, `Σ idf(shared) /
//!   min(Σ idf(A), Σ idf(B))`, is at least `min_score`, where a term's IDF
//!   is computed without the pair itself (a shared term counts as in one
//!   article fewer: otherwise in a small corpus every shared name looks
//!   common just because both articles tell it);
//! * and they are not two fillings of one template: the caller vetoes pairs
//!   whose verification shows fact substitutions, or that share more than
//!   `max_shared_wording` of their wording without being copies (a
//!   retelling is in new words).
//!
//! Template siblings share their template's constant names but differ in
//! every slot, and unrelated stories share common names only, so neither
//! reaches the score a rewrite does, which keeps every name and number.
//! Links are between groups and never merge them.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::ragged::Ragged;

/// Settings of the same-story tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SameStoryConfig {
    /// Weighted overlap needed for a link.
    pub min_score: f64,
    /// Rare terms two articles must share to be compared.
    pub min_shared: u32,
    /// Largest distance in days between two dated articles.
    pub window_days: f64,
    /// A term in more articles than this is not rare.
    pub max_df: usize,
    /// Two texts sharing more than this share of the smaller one's
    /// shingles, without being copies, are template look-alikes, not a
    /// retelling.
    pub max_shared_wording: f64,
}

impl Default for SameStoryConfig {
    fn default() -> Self {
        SameStoryConfig {
            min_score: 0.5,
            min_shared: 3,
            window_days: 14.0,
            max_df: 64,
            max_shared_wording: 0.2,
        }
    }
}

/// A same-story link between two articles.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// One article.
    pub a: u32,
    /// The other.
    pub b: u32,
    /// Weighted overlap.
    pub score: f64,
    /// Shared terms, rarest first.
    pub shared: Vec<u64>,
    /// Days apart, when both are dated.
    pub days_apart: Option<f64>,
}

/// Candidate same-story links among articles of different groups, scored.
/// `terms` are each article's sorted distinct terms. The caller checks
/// the template veto and keeps the best link per pair of groups.
pub fn links(
    terms: &Ragged<u64>,
    published: &[Option<i64>],
    group_of: &[u32],
    cfg: &SameStoryConfig,
) -> Vec<Link> {
    let n = terms.len();
    let index = TermIndex::new(terms, cfg.max_df);
    let df = |h: u64| index.df(h);
    let idf = |h: u64| (n as f64 / f64::from(df(h).max(1))).ln().max(0.0);
    let idf_shared = |h: u64| {
        let d = df(h).max(2) - 1;
        (n as f64 / f64::from(d)).ln().max(0.0)
    };
    let weight: Vec<f64> = terms
        .iter()
        .map(|t| t.iter().map(|&h| idf(h)).sum())
        .collect();
    let window = cfg.window_days * 86_400.0;
    let mut out: Vec<Link> = (0..n as u32)
        .into_par_iter()
        .fold(
            || (Vec::new(), Vec::new()),
            |(mut found, mut met): (Vec<Link>, Vec<u32>), a| {
                // later articles sharing a rare term, once per term: the
                // runs of the sorted list are the shared counts
                met.clear();
                for &h in terms.get(a as usize) {
                    met.extend(index.postings(h).iter().filter(|&&b| b > a));
                }
                met.sort_unstable();
                for run in met.chunk_by(|x, y| x == y) {
                    let b = run[0];
                    if (run.len() as u32) < cfg.min_shared
                        || group_of[a as usize] == group_of[b as usize]
                    {
                        continue;
                    }
                    let days_apart = match (published[a as usize], published[b as usize]) {
                        (Some(x), Some(y)) => {
                            let d = (x - y).abs() as f64;
                            if d > window {
                                continue;
                            }
                            Some(d / 86_400.0)
                        }
                        _ => None,
                    };
                    let (ta, tb) = (terms.get(a as usize), terms.get(b as usize));
                    let mut shared: Vec<u64> = ta
                        .iter()
                        .copied()
                        .filter(|h| tb.binary_search(h).is_ok())
                        .collect();
                    // a shared term's rarity is judged without the pair
                    // itself: it is in one more article than a term only
                    // one of them has
                    let overlap: f64 = shared.iter().map(|&h| idf_shared(h)).sum();
                    let gain: f64 = shared.iter().map(|&h| idf_shared(h) - idf(h)).sum();
                    let denom = weight[a as usize].min(weight[b as usize]) + gain;
                    let score = if denom > 0.0 { overlap / denom } else { 0.0 };
                    if score >= cfg.min_score {
                        shared.sort_by(|&x, &y| idf(y).total_cmp(&idf(x)).then(x.cmp(&y)));
                        found.push(Link {
                            a,
                            b,
                            score,
                            shared,
                            days_apart,
                        });
                    }
                }
                (found, met)
            },
        )
        .map(|(found, _)| found)
        .flatten_iter()
        .collect();
    out.sort_by_key(|x| (x.a, x.b));
    out
}

/// Each term's document frequency, and the articles of each rare one (in
/// 2 to `max_df` articles) in one flat array: a map entry per distinct
/// term rather than a vector each (a million articles hold tens of
/// millions of terms).
struct TermIndex {
    // term → (articles holding it, index of its list in `starts`, or
    // u32::MAX when it is not rare)
    terms: FxHashMap<u64, (u32, u32)>,
    starts: Vec<u32>,
    docs: Vec<u32>,
}

impl TermIndex {
    fn new(terms: &Ragged<u64>, max_df: usize) -> Self {
        let mut map: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
        for t in terms.iter() {
            for &h in t {
                map.entry(h).or_insert((0, u32::MAX)).0 += 1;
            }
        }
        // lists laid out in order of each rare term's first article, so
        // the layout does not depend on the map's order
        let mut starts = vec![0u32];
        for t in terms.iter() {
            for &h in t {
                let e = map.get_mut(&h).expect("counted above");
                if e.1 == u32::MAX && e.0 >= 2 && e.0 as usize <= max_df {
                    e.1 = starts.len() as u32 - 1;
                    let end = starts.last().copied().unwrap_or(0) + e.0;
                    starts.push(end);
                }
            }
        }
        let mut filled: Vec<u32> = starts[..starts.len() - 1].to_vec();
        let mut docs = vec![0u32; starts.last().copied().unwrap_or(0) as usize];
        for (d, t) in terms.iter().enumerate() {
            for &h in t {
                let slot = map[&h].1;
                if slot != u32::MAX {
                    let at = &mut filled[slot as usize];
                    docs[*at as usize] = d as u32;
                    *at += 1;
                }
            }
        }
        TermIndex {
            terms: map,
            starts,
            docs,
        }
    }

    /// Articles holding `h` (1 for a term never seen).
    fn df(&self, h: u64) -> u32 {
        self.terms.get(&h).map_or(1, |e| e.0)
    }

    /// The articles holding `h` when it is rare, in order; else none.
    fn postings(&self, h: u64) -> &[u32] {
        match self.terms.get(&h) {
            Some(&(_, slot)) if slot != u32::MAX => {
                &self.docs
                    [self.starts[slot as usize] as usize..self.starts[slot as usize + 1] as usize]
            }
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_names_link_different_groups_only() {
        // 0 and 1 tell one story (same names), 2 is another; 3 copies 0
        let terms = vec![
            vec![1, 2, 3, 4, 5],
            vec![1, 2, 3, 4, 6],
            vec![7, 8, 9, 10, 11],
            vec![1, 2, 3, 4, 5],
        ];
        let filler: Vec<Vec<u64>> = (0..50).map(|i| vec![100 + i]).collect();
        let all: Vec<Vec<u64>> = terms.into_iter().chain(filler).collect();
        let groups: Vec<u32> = (0..all.len() as u32)
            .map(|d| if d == 3 { 0 } else { d })
            .collect();
        let published = vec![None; all.len()];
        let all: Ragged<u64> = all.iter().collect();
        let l = links(&all, &published, &groups, &SameStoryConfig::default());
        let pairs: Vec<(u32, u32)> = l.iter().map(|l| (l.a, l.b)).collect();
        assert_eq!(pairs, [(0, 1), (1, 3)]);
    }

    #[test]
    fn the_term_index_lists_rare_terms_only_and_counts_all() {
        // term 1 in every article (over max_df 3), 2 in two, 3 in one
        let all: Ragged<u64> = [vec![1, 2], vec![1], vec![1, 2, 3], vec![1]]
            .iter()
            .collect();
        let index = TermIndex::new(&all, 3);
        assert_eq!(
            (index.df(1), index.df(2), index.df(3), index.df(9)),
            (4, 2, 1, 1)
        );
        assert!(index.postings(1).is_empty());
        assert_eq!(index.postings(2), [0, 2]);
        assert!(index.postings(3).is_empty());
        assert!(index.postings(9).is_empty());
    }

    #[test]
    fn the_date_window_applies() {
        let mut all = vec![vec![1, 2, 3, 4], vec![1, 2, 3, 4]];
        all.extend((0..50).map(|i| vec![100 + i]));
        let all: Ragged<u64> = all.iter().collect();
        let groups: Vec<u32> = (0..all.len() as u32).collect();
        let mut published = vec![None; all.len()];
        published[0] = Some(0);
        published[1] = Some(30 * 86_400);
        assert!(links(&all, &published, &groups, &SameStoryConfig::default()).is_empty());
        published[1] = Some(2 * 86_400);
        assert_eq!(
            links(&all, &published, &groups, &SameStoryConfig::default()).len(),
            1
        );
    }
}
