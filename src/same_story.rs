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

use std::collections::HashMap;

use rayon::prelude::*;
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
    let mut df: HashMap<u64, u32> = HashMap::new();
    for t in terms.iter() {
        for &h in t {
            *df.entry(h).or_default() += 1;
        }
    }
    let idf = |h: u64| {
        (n as f64 / f64::from(df.get(&h).copied().unwrap_or(1)))
            .ln()
            .max(0.0)
    };
    let idf_shared = |h: u64| {
        let d = df.get(&h).copied().unwrap_or(2).max(2) - 1;
        (n as f64 / f64::from(d)).ln().max(0.0)
    };
    let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
    for (d, t) in terms.iter().enumerate() {
        for &h in t {
            let f = df[&h] as usize;
            if f >= 2 && f <= cfg.max_df {
                postings.entry(h).or_default().push(d as u32);
            }
        }
    }
    let weight: Vec<f64> = terms
        .iter()
        .map(|t| t.iter().map(|&h| idf(h)).sum())
        .collect();
    let window = cfg.window_days * 86_400.0;
    let mut out: Vec<Link> = (0..n as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for h in terms.get(a as usize) {
                if let Some(list) = postings.get(h) {
                    for &b in list.iter().filter(|&&b| b > a) {
                        *counts.entry(b).or_default() += 1;
                    }
                }
            }
            let mut found = Vec::new();
            for (b, c) in counts {
                if c < cfg.min_shared || group_of[a as usize] == group_of[b as usize] {
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
                // a shared term's rarity is judged without the pair itself:
                // it is in one more article than a term only one of them has
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
            found.into_iter()
        })
        .collect();
    out.sort_by_key(|x| (x.a, x.b));
    out
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
