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

/// Articles per parallel task of [`gather`] and [`FrequentFirsts`].
const CHUNK: usize = 4096;

/// The items of every article (by its index) in one exactly sized vector:
/// a parallel `collect` of a flat map holds its items twice at its peak
/// (lists of pieces, then the whole), and at a million articles these
/// vectors are the largest allocations of a run. Each article writes at
/// most `bound` items (its exact count where that is cheap to know); the
/// parts are then packed together.
fn gather<T>(
    docs: &[DocSentences<'_>],
    bound: impl Fn(usize, &DocSentences<'_>) -> usize + Sync,
    items: impl Fn(usize, &DocSentences<'_>, &mut dyn FnMut(T)) + Sync,
) -> Vec<T>
where
    T: Copy + Default + Send + Sync,
{
    let bounds: Vec<usize> = docs
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(k, c)| {
            c.iter()
                .enumerate()
                .map(|(i, d)| bound(k * CHUNK + i, d))
                .sum()
        })
        .collect();
    let mut out = vec![T::default(); bounds.iter().sum()];
    let mut parts = Vec::with_capacity(bounds.len());
    let mut rest = out.as_mut_slice();
    for &n in &bounds {
        let (part, after) = std::mem::take(&mut rest).split_at_mut(n);
        parts.push(part);
        rest = after;
    }
    let written: Vec<usize> = docs
        .par_chunks(CHUNK)
        .enumerate()
        .zip(parts)
        .map(|((k, c), part)| {
            let mut n = 0;
            for (i, d) in c.iter().enumerate() {
                items(k * CHUNK + i, d, &mut |item| {
                    part[n] = item;
                    n += 1;
                });
            }
            n
        })
        .collect();
    let (mut from, mut to) = (0, 0);
    for (&n, &b) in written.iter().zip(&bounds) {
        out.copy_within(from..from + n, to);
        from += b;
        to += n;
    }
    out.truncate(to);
    out
}

/// An article's distinct sentences, sorted (`learn` sorts them all after:
/// the order within an article does not count), without a hash set.
fn distinct(sentences: &[u64]) -> Vec<u64> {
    let mut out = sentences.to_vec();
    out.sort_unstable();
    out.dedup();
    out
}

/// Where the sentences `keep` takes first occur, in order: few of an
/// article's sentences are frequent, so those are looked up first, then
/// whether each occurred before (a scan in a short article, a set in a
/// long one, so that no article costs the square of its length). Each
/// position is written with the flag `keep` gives it.
fn firsts(sentences: &[u64], keep: impl Fn(u64) -> Option<u32>, out: &mut Vec<u32>) {
    let kept = (0..sentences.len()).filter_map(|j| keep(sentences[j]).map(|flag| (j, flag)));
    if sentences.len() <= 64 {
        out.extend(
            kept.filter(|&(j, _)| !sentences[..j].contains(&sentences[j]))
                .map(|(j, flag)| j as u32 | flag),
        );
    } else {
        let mut seen = FxHashSet::default();
        out.extend(
            kept.filter(|&(j, _)| seen.insert(sentences[j]))
                .map(|(j, flag)| j as u32 | flag),
        );
    }
}

/// [`firsts`] of every article for the sentences in enough articles for
/// either rule, looked up once: at a million articles the set of them is
/// larger than the caches, and the passes after each looked up every
/// sentence again. Positions of sentences in enough articles to be stock
/// text carry [`FrequentFirsts::STOCK`].
struct FrequentFirsts {
    /// Per chunk of [`CHUNK`] articles: each article's end in `positions`,
    /// and the positions.
    chunks: Vec<(Vec<u32>, Vec<u32>)>,
}

impl FrequentFirsts {
    const STOCK: u32 = 1 << 31;

    fn new(docs: &[DocSentences<'_>], flag: impl Fn(u64) -> Option<u32> + Sync) -> Self {
        let chunks = docs
            .par_chunks(CHUNK)
            .map(|c| {
                let mut ends = Vec::with_capacity(c.len());
                let mut positions = Vec::new();
                for d in c {
                    firsts(d.sentences, &flag, &mut positions);
                    ends.push(positions.len() as u32);
                }
                positions.shrink_to_fit();
                (ends, positions)
            })
            .collect();
        FrequentFirsts { chunks }
    }

    /// Where article `i`'s frequent sentences first occur, in order.
    fn of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.flagged(i).iter().map(|&j| (j & !Self::STOCK) as usize)
    }

    /// [`FrequentFirsts::of`], for the sentences in enough articles to be
    /// stock text.
    fn stock(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.flagged(i)
            .iter()
            .filter(|&&j| j & Self::STOCK != 0)
            .map(|&j| (j & !Self::STOCK) as usize)
    }

    fn flagged(&self, i: usize) -> &[u32] {
        let (ends, positions) = &self.chunks[i / CHUNK];
        let k = i % CHUNK;
        let start = k.checked_sub(1).map_or(0, |p| ends[p] as usize);
        &positions[start..ends[k] as usize]
    }
}

/// The (sentence, neighbour) pairs of [`contribution`], for the sentences
/// first occurring at `firsts`.
fn neighbour_pairs<'a>(
    sentences: &'a [u64],
    firsts: impl Iterator<Item = usize> + 'a,
) -> impl Iterator<Item = (u64, u64)> + 'a {
    firsts.flat_map(move |j| {
        let s = sentences[j];
        let prev = j.checked_sub(1).map(|p| sentences[p]);
        let next = sentences.get(j + 1).copied();
        [prev, next]
            .into_iter()
            .flatten()
            .filter(move |&n| n != s)
            .map(move |n| (s, n))
    })
}

fn runs<T: PartialEq>(sorted: &[T]) -> impl Iterator<Item = (&T, u32)> {
    sorted
        .chunk_by(|a, b| a == b)
        .map(|run| (&run[0], run.len() as u32))
}

/// `(key, value)` per run of equal keys of `sorted`, the runs' values
/// folded by `fold`: sorted by key, for a merge with other such lists.
fn per_key<K: Copy + PartialEq, V: Copy>(
    sorted: &[(K, V)],
    fold: impl Fn(&[(K, V)]) -> u32,
) -> Vec<(K, u32)> {
    sorted
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0, fold(run)))
        .collect()
}

/// The value of `key` in `sorted` (ascending keys), looked up in
/// ascending order of keys: `at` moves forward only.
fn merged(sorted: &[(u64, u32)], at: &mut usize, key: u64) -> u32 {
    while *at < sorted.len() && sorted[*at].0 < key {
        *at += 1;
    }
    match sorted.get(*at) {
        Some(&(k, v)) if k == key => v,
        _ => 0,
    }
}

impl Boilerplate {
    /// Learns boilerplate sentences from every article of a corpus.
    ///
    /// Counting is done by sorting keys in parallel rather than in hash
    /// maps: at 100k articles the maps held millions of entries filled on
    /// one thread, half of the fingerprint stage's wall time. Only the
    /// sentences in enough articles for a rule are counted further, each
    /// looked up once, and the counts are merged as sorted lists.
    pub fn learn(docs: &[DocSentences<'_>], rules: &BoilerplateRules) -> Self {
        let mut outlet_docs: FxHashMap<u32, u32> = FxHashMap::default();
        for o in docs.iter().filter_map(|d| d.outlet) {
            *outlet_docs.entry(o).or_default() += 1;
        }
        // the articles carrying each sentence: a sentence in fewer than
        // either rule asks for is no one's boilerplate
        let mut all: Vec<u64> = gather(
            docs,
            |_, d| d.sentences.len(),
            |_, d, out| distinct(d.sentences).into_iter().for_each(out),
        );
        all.par_sort_unstable();
        let fewest = rules.outlet_min_docs.min(rules.global_min_docs);
        let counted: Vec<(u64, u32)> = runs(&all)
            .filter(|&(_, n)| n >= fewest)
            .map(|(&s, n)| (s, n))
            .collect();
        drop(all);
        if counted.is_empty() {
            return Boilerplate::default();
        }
        let flag: FxHashMap<u64, u32> = counted
            .iter()
            .map(|&(s, n)| {
                let stock = n >= rules.global_min_docs;
                (s, if stock { FrequentFirsts::STOCK } else { 0 })
            })
            .collect();
        let firsts = FrequentFirsts::new(docs, |s| flag.get(&s).copied());
        drop(flag);

        // (outlet, sentence) once per article carrying it
        let mut keyed: Vec<(u32, u64)> = gather(
            docs,
            |i, d| d.outlet.map_or(0, |_| firsts.of(i).count()),
            |i, d, out| {
                if let Some(o) = d.outlet {
                    firsts.of(i).for_each(|j| out((o, d.sentences[j])));
                }
            },
        );
        keyed.par_sort_unstable();
        let per_outlet = runs(&keyed)
            .filter(|&(&(o, _), n)| rules.outlet_rule(n, outlet_docs.get(&o).copied().unwrap_or(1)))
            .map(|(&key, _)| key)
            .collect();
        drop(keyed);

        // distinct outlets of each sentence in enough articles to be stock
        // text; an article without a known outlet counts as an outlet of
        // its own
        let mut outlets: Vec<(u64, u64)> = gather(
            docs,
            |i, _| firsts.stock(i).count(),
            |i, d, out| {
                let outlet = d.outlet.map_or(u64::MAX - i as u64, u64::from);
                firsts.stock(i).for_each(|j| out((d.sentences[j], outlet)));
            },
        );
        outlets.par_sort_unstable();
        outlets.dedup();
        let outlet_count = per_key(&outlets, |run| run.len() as u32);
        drop(outlets);

        // the most frequent neighbour of each, counted with the
        // multiplicity `contribution` gives
        let mut pairs: Vec<(u64, u64)> = gather(
            docs,
            |i, d| neighbour_pairs(d.sentences, firsts.stock(i)).count(),
            |i, d, out| neighbour_pairs(d.sentences, firsts.stock(i)).for_each(out),
        );
        drop(firsts);
        pairs.par_sort_unstable();
        let cohesion = per_key(&pairs, |run| {
            run.chunk_by(|a, b| a == b)
                .map(|same| same.len() as u32)
                .max()
                .unwrap_or(0)
        });
        drop(pairs);

        let (mut at_outlets, mut at_cohesion) = (0, 0);
        let global = counted
            .iter()
            .filter(|&&(s, docs)| {
                let outlets = merged(&outlet_count, &mut at_outlets, s);
                let cohesion = merged(&cohesion, &mut at_cohesion, s);
                rules.global_rule(docs, outlets, cohesion)
            })
            .map(|&(s, _)| s)
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
    use std::collections::HashMap;

    /// Numbers below `n` from a fixed LCG started at `state`: the same
    /// cases on every run.
    fn below(mut state: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        }
    }

    /// `learn` counted straight from each article's `contribution` in hash
    /// maps, as the definition reads.
    fn learn_by_definition(
        docs: &[DocSentences<'_>],
        rules: &BoilerplateRules,
    ) -> Vec<(Option<u32>, u64)> {
        let mut outlet_docs: HashMap<u32, u32> = HashMap::new();
        let mut per_pair: HashMap<(u32, u64), u32> = HashMap::new();
        let mut docs_of: HashMap<u64, u32> = HashMap::new();
        let mut outlets_of: HashMap<u64, HashSet<u64>> = HashMap::new();
        let mut neighbours: HashMap<(u64, u64), u32> = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            let (distinct, pairs) = contribution(d.sentences);
            if let Some(o) = d.outlet {
                *outlet_docs.entry(o).or_default() += 1;
            }
            for &s in &distinct {
                if let Some(o) = d.outlet {
                    *per_pair.entry((o, s)).or_default() += 1;
                }
                *docs_of.entry(s).or_default() += 1;
                let outlet = d.outlet.map_or(u64::MAX - i as u64, u64::from);
                outlets_of.entry(s).or_default().insert(outlet);
            }
            for p in pairs {
                *neighbours.entry(p).or_default() += 1;
            }
        }
        let mut out: Vec<(Option<u32>, u64)> = per_pair
            .iter()
            .filter(|&(&(o, _), &n)| rules.outlet_rule(n, outlet_docs[&o]))
            .map(|(&(o, s), _)| (Some(o), s))
            .collect();
        for (&s, &n) in &docs_of {
            let cohesion = neighbours
                .iter()
                .filter(|&(&(a, _), _)| a == s)
                .map(|(_, &c)| c)
                .max()
                .unwrap_or(0);
            if n >= rules.global_min_docs
                && rules.global_rule(n, outlets_of[&s].len() as u32, cohesion)
            {
                out.push((None, s));
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn an_articles_own_counts_are_its_contribution() {
        let mut next = below(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2_000 {
            // short and long articles (both ways of finding repeats)
            let len = if next(4) == 0 {
                65 + next(100)
            } else {
                next(64)
            };
            let vocabulary = 1 + next(50);
            let sentences: Vec<u64> = (0..len).map(|_| next(vocabulary)).collect();
            let (distinct_in_order, pairs) = contribution(&sentences);
            let firsts_of = |keep: fn(u64) -> bool| {
                let mut out = Vec::new();
                firsts(&sentences, |s| keep(s).then_some(0), &mut out);
                out.into_iter().map(|j| j as usize).collect::<Vec<_>>()
            };
            let all = firsts_of(|_| true);
            let found: Vec<u64> = all.iter().map(|&j| sentences[j]).collect();
            assert_eq!(found, distinct_in_order);
            let mut expected = distinct_in_order.clone();
            expected.sort_unstable();
            assert_eq!(distinct(&sentences), expected);
            assert_eq!(
                neighbour_pairs(&sentences, all.into_iter()).collect::<Vec<_>>(),
                pairs
            );
            // only the kept sentences' pairs
            let odd_firsts = firsts_of(|s| s % 2 == 1);
            let odd: Vec<_> = neighbour_pairs(&sentences, odd_firsts.into_iter()).collect();
            let expected: Vec<_> = pairs.into_iter().filter(|(s, _)| s % 2 == 1).collect();
            assert_eq!(odd, expected);
        }
    }

    #[test]
    fn learning_counts_as_the_definition_does() {
        // random corpora with sentences repeated within and across
        // articles, some articles longer than the short-article scan, some
        // without an outlet (a fixed LCG: the same cases on every run)
        let mut next = below(0x2545_f491_4f6c_dd1d);
        for case in 0..60 {
            let articles = 20 + next(200) as usize;
            // later cases: larger vocabularies, so that counts fall on
            // both sides of the thresholds
            let vocabulary = if case < 10 {
                5 + next(60)
            } else {
                20 + next(600)
            };
            let corpus: Vec<(Option<u32>, Vec<u64>)> = (0..articles)
                .map(|_| {
                    let len = if next(8) == 0 {
                        65 + next(80)
                    } else {
                        next(30)
                    };
                    let outlet = (next(5) != 0).then(|| next(6) as u32);
                    (outlet, (0..len).map(|_| 1 + next(vocabulary)).collect())
                })
                .collect();
            let docs: Vec<DocSentences<'_>> = corpus
                .iter()
                .map(|(outlet, s)| DocSentences {
                    outlet: *outlet,
                    sentences: s,
                })
                .collect();
            // the defaults, then thresholds on either side of each other
            // (learning counts further only what reaches the lower one)
            let rules = if case < 10 {
                BoilerplateRules::default()
            } else {
                BoilerplateRules {
                    outlet_min_docs: next(6) as u32,
                    outlet_min_share: [0.0, 0.05, 0.3][next(3) as usize],
                    global_min_docs: next(7) as u32,
                    global_min_outlets: next(4) as u32,
                    global_max_cohesion: [0.2, 0.5, 1.0][next(3) as usize],
                }
            };
            let mut learned: Vec<_> = Boilerplate::learn(&docs, &rules).entries().collect();
            learned.sort_unstable();
            assert_eq!(learned, learn_by_definition(&docs, &rules), "case {case}");
        }
    }

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
