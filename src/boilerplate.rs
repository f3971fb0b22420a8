//! Boilerplate learned from the corpus, masked before fingerprinting.
//!
//! The unit is the sentence (UAX #29 sentence, or line): headers,
//! breadcrumbs, ad lines and legal footers come as whole sentences or lines.
//! Two rules, both learned from the corpus, no phrase lists:
//!
//! * **Per outlet.** A sentence that appears in at least
//!   `outlet_min_docs` articles of one outlet, and in at least
//!   `outlet_min_share` of that outlet's articles, is that outlet's
//!   boilerplate. Outlets do not publish one story many times, but they do
//!   repeat their header and footer on every article. The outlet is the
//!   `source` field, else the URL's host.
//! * **Across outlets.** A sentence in at least `global_min_docs` articles
//!   of at least `global_min_outlets` outlets is boilerplate when it does
//!   not travel with its neighbours: no neighbouring sentence sits next to
//!   it in more than `global_max_cohesion` of its articles. A widely
//!   syndicated story repeats its sentences *with the same neighbours*
//!   everywhere (even its first and last sentences keep one neighbour), so
//!   it is never masked; a stock phrase or a shared legal line sits next to
//!   different text in each outlet.
//!
//! A masked sentence contributes no shingle, no anchor and no signature
//! value; it is still shown in passages and counted as an addition. An
//! article whose every sentence would be masked is not masked at all: it is
//! a brief syndicated word for word, or an outlet's repeated copy of one
//! story, and its words are all the evidence there is.

use std::collections::HashSet;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// Thresholds of the two boilerplate rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoilerplateRules {
    /// Per outlet: minimum articles carrying the sentence.
    pub outlet_min_docs: u32,
    /// Per outlet: minimum share of the outlet's articles carrying it.
    pub outlet_min_share: f64,
    /// Across outlets: minimum articles carrying the sentence.
    pub global_min_docs: u32,
    /// Across outlets: minimum distinct outlets carrying it.
    pub global_min_outlets: u32,
    /// Across outlets: the largest share of a sentence's articles in which
    /// one same sentence neighbours it, for it to be stock text.
    pub global_max_cohesion: f64,
}

impl Default for BoilerplateRules {
    fn default() -> Self {
        BoilerplateRules {
            outlet_min_docs: 3,
            outlet_min_share: 0.05,
            global_min_docs: 4,
            global_min_outlets: 3,
            global_max_cohesion: 0.5,
        }
    }
}

impl BoilerplateRules {
    /// The per-outlet rule: a sentence in `n` of the outlet's `outlet_docs`
    /// articles.
    pub fn outlet_rule(&self, n: u32, outlet_docs: u32) -> bool {
        n >= self.outlet_min_docs && f64::from(n) >= self.outlet_min_share * f64::from(outlet_docs)
    }

    /// The rule across outlets: a sentence in `docs` articles of `outlets`
    /// outlets, whose most frequent neighbour sits next to it in
    /// `cohesion` of them.
    pub fn global_rule(&self, docs: u32, outlets: u32, cohesion: u32) -> bool {
        docs >= self.global_min_docs
            && outlets >= self.global_min_outlets
            && f64::from(cohesion) <= self.global_max_cohesion * f64::from(docs)
    }
}

/// Distinct sentences, and (sentence, neighbour) pairs.
pub type Contribution = (Vec<u64>, Vec<(u64, u64)>);

/// What one article adds to the statistics boilerplate is learned from:
/// its distinct sentences, in order, and for each the neighbours of its
/// first occurrence (a neighbour on both sides counts twice). Counts summed
/// over a corpus decide [`Boilerplate::learn`]; an index keeps the sums.
pub fn contribution(sentences: &[u64]) -> Contribution {
    let mut seen = FxHashSet::default();
    let mut distinct = Vec::new();
    let mut neighbours = Vec::new();
    for (j, &s) in sentences.iter().enumerate() {
        if !seen.insert(s) {
            continue;
        }
        distinct.push(s);
        let prev = j.checked_sub(1).map(|p| sentences[p]);
        let next = sentences.get(j + 1).copied();
        for n in [prev, next].into_iter().flatten().filter(|&n| n != s) {
            neighbours.push((s, n));
        }
    }
    (distinct, neighbours)
}

/// One article's sentences, for learning.
#[derive(Debug, Clone, Copy)]
pub struct DocSentences<'a> {
    /// Interned outlet, `None` when unknown.
    pub outlet: Option<u32>,
    /// Hash of each sentence that has words, in order.
    pub sentences: &'a [u64],
}

/// The learned boilerplate.
#[derive(Debug, Default)]
pub struct Boilerplate {
    per_outlet: HashSet<(u32, u64)>,
    global: HashSet<u64>,
}

/// Each distinct value of a sorted slice with the number of its copies.
/// The items of every article in one exactly sized vector: a parallel
/// `collect` of a flat map holds its items twice at its peak (lists of
/// pieces, then the whole), and at a million articles these vectors are
/// the largest allocations of a run. Items are made twice, once to count.
fn gather<T, I>(docs: &[DocSentences<'_>], items: impl Fn(&DocSentences<'_>) -> I + Sync) -> Vec<T>
where
    T: Copy + Default + Send + Sync,
    I: IntoIterator<Item = T>,
{
    const CHUNK: usize = 4096;
    let counts: Vec<usize> = docs
        .par_chunks(CHUNK)
        .map(|c| c.iter().map(|d| items(d).into_iter().count()).sum())
        .collect();
    let mut out = vec![T::default(); counts.iter().sum()];
    let mut parts = Vec::with_capacity(counts.len());
    let mut rest = out.as_mut_slice();
    for &n in &counts {
        let (part, after) = std::mem::take(&mut rest).split_at_mut(n);
        parts.push(part);
        rest = after;
    }
    docs.par_chunks(CHUNK).zip(parts).for_each(|(c, part)| {
        for (slot, item) in part.iter_mut().zip(c.iter().flat_map(&items)) {
            *slot = item;
        }
    });
    out
}

fn runs<T: PartialEq>(sorted: &[T]) -> impl Iterator<Item = (&T, u32)> {
    sorted
        .chunk_by(|a, b| a == b)
        .map(|run| (&run[0], run.len() as u32))
}

impl Boilerplate {
    /// Learns boilerplate sentences from every article of a corpus.
    ///
    /// Counting is done by sorting keys in parallel rather than in hash
    /// maps: at 100k articles the maps held millions of entries filled on
    /// one thread, half of the fingerprint stage's wall time.
    pub fn learn(docs: &[DocSentences<'_>], rules: &BoilerplateRules) -> Self {
        let mut outlet_docs: FxHashMap<u32, u32> = FxHashMap::default();
        for o in docs.iter().filter_map(|d| d.outlet) {
            *outlet_docs.entry(o).or_default() += 1;
        }
        // (outlet, sentence) once per article carrying it
        let mut keyed: Vec<(u32, u64)> = gather(docs, |d| {
            let distinct = match d.outlet {
                Some(_) => contribution(d.sentences).0,
                None => Vec::new(),
            };
            let o = d.outlet.unwrap_or_default();
            distinct.into_iter().map(move |s| (o, s))
        });
        keyed.par_sort_unstable();
        let per_outlet = runs(&keyed)
            .filter(|&(&(o, _), n)| rules.outlet_rule(n, outlet_docs.get(&o).copied().unwrap_or(1)))
            .map(|(&key, _)| key)
            .collect();
        drop(keyed);

        // sentences in enough articles to be stock text: the candidates
        let mut all: Vec<u64> = gather(docs, |d| contribution(d.sentences).0);
        all.par_sort_unstable();
        let frequent: FxHashMap<u64, u32> = runs(&all)
            .filter(|&(_, n)| n >= rules.global_min_docs)
            .map(|(&s, n)| (s, n))
            .collect();
        drop(all);
        if frequent.is_empty() {
            return Boilerplate {
                per_outlet,
                global: HashSet::new(),
            };
        }

        // distinct outlets of each candidate; an article without a known
        // outlet counts as an outlet of its own
        let mut outlets: Vec<(u64, u64)> = docs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, d)| {
                let outlet = d.outlet.map_or(u64::MAX - i as u64, u64::from);
                let frequent = &frequent;
                contribution(d.sentences)
                    .0
                    .into_iter()
                    .filter(move |s| frequent.contains_key(s))
                    .map(move |s| (s, outlet))
            })
            .collect();
        outlets.par_sort_unstable();
        outlets.dedup();
        let mut outlet_count: FxHashMap<u64, u32> = FxHashMap::default();
        for (s, _) in &outlets {
            *outlet_count.entry(*s).or_default() += 1;
        }
        drop(outlets);

        // the most frequent neighbour of each candidate, counted with the
        // multiplicity `contribution` gives
        let mut pairs: Vec<(u64, u64)> = docs
            .par_iter()
            .flat_map_iter(|d| {
                let frequent = &frequent;
                contribution(d.sentences)
                    .1
                    .into_iter()
                    .filter(move |(s, _)| frequent.contains_key(s))
            })
            .collect();
        pairs.par_sort_unstable();
        let mut cohesion: FxHashMap<u64, u32> = FxHashMap::default();
        for (&(s, _), n) in runs(&pairs) {
            let c = cohesion.entry(s).or_default();
            *c = (*c).max(n);
        }
        drop(pairs);

        let global = frequent
            .into_iter()
            .filter(|&(s, docs)| {
                let outlets = outlet_count.get(&s).copied().unwrap_or(0);
                let cohesion = cohesion.get(&s).copied().unwrap_or(0);
                rules.global_rule(docs, outlets, cohesion)
            })
            .map(|(s, _)| s)
            .collect();
        Boilerplate { per_outlet, global }
    }

    /// True when sentence `hash` of an article of `outlet` is boilerplate.
    pub fn is_boilerplate(&self, outlet: Option<u32>, hash: u64) -> bool {
        self.global.contains(&hash) || outlet.is_some_and(|o| self.per_outlet.contains(&(o, hash)))
    }

    /// Every learned sentence: `(Some(outlet), hash)` for an outlet's
    /// boilerplate, `(None, hash)` for stock text across outlets.
    pub fn entries(&self) -> impl Iterator<Item = (Option<u32>, u64)> + '_ {
        let outlet = self.per_outlet.iter().map(|&(o, h)| (Some(o), h));
        outlet.chain(self.global.iter().map(|&h| (None, h)))
    }

    /// Boilerplate made of `entries` as [`Boilerplate::entries`] gives them.
    pub fn from_entries(entries: impl IntoIterator<Item = (Option<u32>, u64)>) -> Self {
        let mut b = Boilerplate::default();
        for (o, h) in entries {
            match o {
                Some(o) => b.per_outlet.insert((o, h)),
                None => b.global.insert(h),
            };
        }
        b
    }

    /// Number of (outlet, sentence) pairs and of corpus-wide sentences
    /// learned.
    pub fn len(&self) -> (usize, usize) {
        (self.per_outlet.len(), self.global.len())
    }

    /// True when nothing was learned.
    pub fn is_empty(&self) -> bool {
        self.per_outlet.is_empty() && self.global.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlets_footer_is_learned() {
        let docs: Vec<Vec<u64>> = (0..4).map(|i| vec![100 + i, 200 + i, 999]).collect();
        let input: Vec<_> = docs
            .iter()
            .map(|s| DocSentences {
                outlet: Some(1),
                sentences: s,
            })
            .collect();
        let b = Boilerplate::learn(&input, &BoilerplateRules::default());
        assert!(b.is_boilerplate(Some(1), 999));
        assert!(!b.is_boilerplate(Some(1), 100));
        assert!(!b.is_boilerplate(Some(2), 999));
    }

    #[test]
    fn a_syndicated_story_is_not_boilerplate() {
        // one story, 10 outlets, each adding its own footer
        let docs: Vec<Vec<u64>> = (0..10).map(|o| vec![1, 2, 3, 4, 500 + o]).collect();
        let input: Vec<_> = docs
            .iter()
            .enumerate()
            .map(|(o, s)| DocSentences {
                outlet: Some(o as u32),
                sentences: s,
            })
            .collect();
        let b = Boilerplate::learn(&input, &BoilerplateRules::default());
        for s in [1, 2, 3, 4] {
            assert!(!b.is_boilerplate(Some(0), s), "sentence {s}");
        }
    }

    #[test]
    fn a_stock_line_across_outlets_is_boilerplate() {
        // "Follow us" after different stories on different outlets
        let docs: Vec<Vec<u64>> = (0..6).map(|o| vec![10 * o + 1, 10 * o + 2, 777]).collect();
        let input: Vec<_> = docs
            .iter()
            .enumerate()
            .map(|(o, s)| DocSentences {
                outlet: Some(o as u32),
                sentences: s,
            })
            .collect();
        let b = Boilerplate::learn(&input, &BoilerplateRules::default());
        assert!(b.is_boilerplate(None, 777));
    }
}
