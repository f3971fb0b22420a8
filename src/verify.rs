//! Verification of a candidate pair on the exact shingle sets, and the
//! relation it shows.
//!
//! Figures, from a merge of the two sorted shingle sets:
//! * Jaccard `|A∩B| / |A∪B|`;
//! * containment of each in the other, `|A∩B| / |A|` and `|A∩B| / |B|`;
//! * the longest shared passage, in words (matching shingles at
//!   consecutive positions of the smaller text, merged across gaps of up to
//!   `k` positions, the footprint of one edited word);
//! * the *template signal*: substitutions, i.e. places where both texts
//!   leave 1 to 3 words uncovered between two aligned shared stretches.
//!   A *fact substitution* is one where both sides hold a name or number
//!   and most of the words are names or numbers ("Bitcoin rose 2.3%" / "Ether rose 1.1%"). When there are
//!   several and they are at least half of all substitutions, the two texts
//!   are one template filled with different facts (market reports, match
//!   results), not a copy, however high their overlap. A copy edits prose
//!   and keeps its facts.
//!
//! Relations, first match wins (thresholds in [`Thresholds`]):
//! `identical` (same words), `near-identical` (Jaccard ≥ `near_identical`),
//! `reprint` (the smaller is contained ≥ `reprint` in the larger, which
//! adds at least twice as much of its own),
//! `edited` (contained ≥ `edited`), `partial` (a shared passage of at least
//! `partial_words` words, or covering `partial_share` of the smaller text),
//! else none.

use serde::{Deserialize, Serialize};

use crate::error::ParamError;
use crate::features::Features;

/// How two articles relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// The same words after normalisation.
    Identical,
    /// Almost the same words.
    NearIdentical,
    /// One contains nearly all of the other, plus additions.
    Reprint,
    /// A copy with rewording, or with parts dropped or added.
    Edited,
    /// A substantial shared passage.
    Partial,
}

impl Relation {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Identical => "identical",
            Relation::NearIdentical => "near-identical",
            Relation::Reprint => "reprint",
            Relation::Edited => "edited",
            Relation::Partial => "partial",
        }
    }
}

/// Thresholds that turn figures into relations. Defaults come from
/// measurement (see README, "Parameters").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Jaccard at or above which a pair is near-identical.
    pub near_identical: f64,
    /// Containment of the smaller text at or above which it is a reprint.
    pub reprint: f64,
    /// Containment of the smaller text at or above which it is an edited
    /// copy.
    pub edited: f64,
    /// Shared passage, in words, that makes a partial copy.
    pub partial_words: u32,
    /// Share of the smaller text in shared passages that makes a partial
    /// copy.
    pub partial_share: f64,
    /// Fact substitutions needed before the template signal counts.
    pub template_min_facts: u32,
    /// Share of substitutions that must be fact substitutions for a
    /// template.
    pub template_fact_share: f64,
    /// Fact substitutions per 100 shared words for a template: a copy that
    /// updates a figure or two in a long story is still a copy.
    pub template_facts_per_100: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            near_identical: 0.8,
            reprint: 0.8,
            edited: 0.45,
            partial_words: 40,
            partial_share: 0.3,
            template_min_facts: 2,
            template_fact_share: 0.5,
            template_facts_per_100: 1.0,
        }
    }
}

impl Thresholds {
    /// Checks every share is in (0, 1].
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), ParamError> {
        for (name, value) in [
            ("--near-identical", self.near_identical),
            ("--reprint", self.reprint),
            ("--edited", self.edited),
            ("--partial-share", self.partial_share),
            ("--template-fact-share", self.template_fact_share),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(ParamError::Threshold { name, value });
            }
        }
        if self.partial_words == 0 {
            return Err(ParamError::ZeroCount {
                name: "--partial-words",
            });
        }
        Ok(())
    }
}

/// The figures of one verified pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// Share of A's shingles found in B.
    pub a_in_b: f64,
    /// Share of B's shingles found in A.
    pub b_in_a: f64,
    /// Longest shared passage, in words.
    pub longest_passage: u32,
    /// Words of the smaller text inside shared passages.
    pub shared_words: u32,
    /// Substitutions: 1 to 3 words differing between aligned stretches.
    pub substitutions: u32,
    /// Of those, substitutions of a name or number by another.
    pub fact_substitutions: u32,
}

/// A verified pair: its figures and, when it is a copy, the relation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The figures.
    pub figures: Figures,
    /// The relation, `None` when the pair is not a copy.
    pub relation: Option<Relation>,
    /// True when the template signal vetoed a copy relation.
    pub template: bool,
}

impl Verdict {
    /// The verdict of the same pair taken the other way round, where the
    /// two sides differ in [`side_size`] (with equal sizes the first side
    /// is taken as the smaller, so the layout may differ and the pair must
    /// be verified again): `verify(b, a)` is `verify(a, b).reversed()`.
    pub fn reversed(&self) -> Verdict {
        let mut v = *self;
        std::mem::swap(&mut v.figures.a_in_b, &mut v.figures.b_in_a);
        v
    }

    /// Containment of the smaller text in the larger.
    pub fn min_side(&self) -> f64 {
        self.figures.a_in_b.max(self.figures.b_in_a)
    }

    /// Containment of the larger text in the smaller.
    pub fn max_side(&self) -> f64 {
        self.figures.a_in_b.min(self.figures.b_in_a)
    }

    /// Strength for ordering: better relations first, then more shared text.
    pub fn score(&self) -> f64 {
        let rank = match self.relation {
            Some(Relation::Identical) => 5.0,
            Some(Relation::NearIdentical) => 4.0,
            Some(Relation::Reprint) => 3.0,
            Some(Relation::Edited) => 2.0,
            Some(Relation::Partial) => 1.0,
            None => 0.0,
        };
        rank + self.figures.jaccard.min(0.999) * 0.5 + self.min_side().min(0.999) * 0.49
    }
}

/// What decides which side of a pair is the smaller: verification lays
/// the pair out from the smaller side (the first on a tie), so a verdict
/// taken the other way round is [`Verdict::reversed`] exactly when the two
/// sizes differ.
pub fn side_size(f: &Features) -> (u32, usize) {
    (f.kept, f.shingles.len())
}

/// No shared shingle at this position.
const NONE: u32 = u32::MAX;

/// Verifies a pair on exact shingle sets. `k` is the shingle size.
pub fn verify(a: &Features, b: &Features, k: usize, t: &Thresholds) -> Verdict {
    let na = a.shingles.len();
    let nb = b.shingles.len();
    let identical = a.content_hash != 0 && a.content_hash == b.content_hash && a.words == b.words;
    let a_smaller = side_size(a) <= side_size(b);
    let (small, large) = if a_smaller { (a, b) } else { (b, a) };
    // shared shingles by their position in the smaller text (a position
    // starts one shingle, so it is a key): the position in the larger, or
    // NONE. Filled in hash order, read in position order, with no sort
    let mut by_position = vec![NONE; small.kept.max(1) as usize];
    let mut inter = 0;
    let (mut i, mut j) = (0, 0);
    while i < na && j < nb {
        match a.shingles[i].cmp(&b.shingles[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let (pa, pb) = (a.positions[i], b.positions[j]);
                let (ps, pl) = if a_smaller { (pa, pb) } else { (pb, pa) };
                let ps = ps as usize;
                if ps >= by_position.len() {
                    by_position.resize(ps + 1, NONE);
                }
                by_position[ps] = pl;
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = na + nb - inter;
    let jaccard = if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    };
    let a_in_b = if na == 0 {
        0.0
    } else {
        inter as f64 / na as f64
    };
    let b_in_a = if nb == 0 {
        0.0
    } else {
        inter as f64 / nb as f64
    };
    let shared = by_position
        .iter()
        .enumerate()
        .filter(|&(_, &pl)| pl != NONE)
        .map(|(ps, &pl)| (ps as u32, pl));
    let layout = Layout::of(shared, small, large, k as u32);
    let figures = Figures {
        jaccard: if identical { 1.0 } else { jaccard },
        a_in_b: if identical { 1.0 } else { a_in_b },
        b_in_a: if identical { 1.0 } else { b_in_a },
        longest_passage: layout.longest,
        shared_words: layout.covered,
        substitutions: layout.substitutions,
        fact_substitutions: layout.facts,
    };
    let template = !identical
        && layout.facts >= t.template_min_facts
        && f64::from(layout.facts) >= t.template_fact_share * f64::from(layout.substitutions)
        && f64::from(layout.facts) * 100.0 >= t.template_facts_per_100 * f64::from(layout.covered);
    let contained = a_in_b.max(b_in_a);
    let small_words = small.kept.max(1);
    let relation = if identical {
        Some(Relation::Identical)
    } else if template || inter == 0 {
        None
    } else if jaccard >= t.near_identical {
        Some(Relation::NearIdentical)
    } else if contained >= t.reprint && (1.0 - contained) * 2.0 <= 1.0 - a_in_b.min(b_in_a) {
        // nearly all of the smaller text is in the larger, and the larger
        // has clearly more of its own: a truncation, or a repost with
        // additions (both sides changed is an edit)
        Some(Relation::Reprint)
    } else if contained >= t.edited {
        Some(Relation::Edited)
    } else if layout.longest >= t.partial_words
        || (f64::from(layout.covered) >= t.partial_share * f64::from(small_words)
            && layout.longest >= t.partial_words / 2)
    {
        Some(Relation::Partial)
    } else {
        None
    };
    Verdict {
        figures,
        relation,
        template,
    }
}

/// Where the shared shingles lie.
#[derive(Default)]
struct Layout {
    longest: u32,
    covered: u32,
    substitutions: u32,
    facts: u32,
}

impl Layout {
    /// `shared`: (position in the smaller, position in the larger) of
    /// each shared shingle, by position in the smaller.
    fn of(
        mut shared: impl Iterator<Item = (u32, u32)>,
        small: &Features,
        large: &Features,
        k: u32,
    ) -> Layout {
        let mut out = Layout::default();
        let Some((first_s, first_l)) = shared.next() else {
            return out;
        };
        let salient = |f: &Features, from: u32, to: u32| {
            (from..to).filter(|&w| f.is_salient(w as usize)).count() as u32
        };
        // a covered stretch of the smaller text is [start, end); `end_l` is
        // where the aligned stretch of the larger text ends
        let (mut start, mut end, mut end_l) = (first_s, first_s + k, first_l + k);
        // passages merge covered stretches across gaps of up to k words
        let mut passage_start = first_s;
        for (ps, pl) in shared {
            if ps <= end {
                end = end.max(ps + k);
                end_l = end_l.max(pl + k);
                continue;
            }
            out.covered += end.min(small.kept) - start;
            let gap = ps - end;
            let gap_l = i64::from(pl) - i64::from(end_l);
            if gap <= 3 && (0..=3).contains(&gap_l) {
                out.substitutions += 1;
                let gap_l = gap_l as u32;
                // "82.2 percent" for "60": names and numbers on both sides,
                // and most of the words
                let (fs, fl) = (salient(small, end, ps), salient(large, end_l, pl));
                if fs > 0 && fl > 0 && 2 * (fs + fl) >= gap + gap_l {
                    out.facts += 1;
                }
            }
            if gap > k {
                out.longest = out.longest.max(end.min(small.kept) - passage_start);
                passage_start = ps;
            }
            start = ps;
            end = ps + k;
            end_l = pl + k;
        }
        out.covered += end.min(small.kept) - start;
        out.longest = out.longest.max(end.min(small.kept) - passage_start);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Prepared;
    use crate::minhash::MinHasher;
    use crate::params::Params;

    fn feat(text: &str) -> Features {
        let p = Params::default();
        Features::new(&Prepared::new(text, &p), |_| false, &p, &MinHasher::new(&p))
    }

    /// Lower-case pseudo-words, distinct per seed.
    fn prose(seed: u32, n: usize) -> String {
        (0..n)
            .map(|i| {
                let mut x = (seed as usize * 7919 + i * 104_729) % 1_000_003;
                let mut w = String::new();
                while x > 0 {
                    w.push((b'a' + (x % 26) as u8) as char);
                    x /= 26;
                }
                w
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn identical_texts() {
        let v = verify(
            &feat("Same words here, all of them."),
            &feat("same WORDS here all of them"),
            5,
            &Thresholds::default(),
        );
        assert_eq!(v.relation, Some(Relation::Identical));
    }

    #[test]
    fn a_pair_the_other_way_round_is_its_verdict_reversed() {
        // an excerpt with a reworded stretch, a repost with additions, and
        // a partial overlap: each side is the smaller in one of them
        let base = prose(3, 300);
        let words: Vec<&str> = base.split(' ').collect();
        let edited = format!(
            "{} changed words here {}",
            words[..120].join(" "),
            words[124..250].join(" ")
        );
        let repost = format!("{} {} {}", prose(4, 60), base, prose(5, 80));
        let partial = format!("{} {}", words[200..].join(" "), prose(6, 150));
        let t = Thresholds::default();
        for (a, b) in [(&base, &edited), (&base, &repost), (&base, &partial)] {
            let (fa, fb) = (feat(a), feat(b));
            assert_ne!(side_size(&fa), side_size(&fb));
            let ab = verify(&fa, &fb, 5, &t);
            assert!(ab.relation.is_some());
            assert_ne!(ab.figures.a_in_b, ab.figures.b_in_a);
            assert_eq!(verify(&fb, &fa, 5, &t), ab.reversed());
        }
    }

    #[test]
    fn truncation_is_a_reprint() {
        let full = prose(1, 400);
        let head: String = full.split(' ').take(120).collect::<Vec<_>>().join(" ");
        let v = verify(&feat(&head), &feat(&full), 5, &Thresholds::default());
        assert_eq!(v.relation, Some(Relation::Reprint));
        assert!(v.figures.jaccard < 0.35);
    }

    #[test]
    fn excerpt_is_partial() {
        let source = prose(1, 400);
        let excerpt: Vec<&str> = source.split(' ').skip(100).take(60).collect();
        let host = format!("{} {} {}", prose(2, 300), excerpt.join(" "), prose(3, 300));
        let v = verify(&feat(&source), &feat(&host), 5, &Thresholds::default());
        assert_eq!(v.relation, Some(Relation::Partial));
        assert!(v.figures.longest_passage >= 55);
    }

    #[test]
    fn template_siblings_are_not_copies() {
        let base: Vec<String> = prose(4, 200).split(' ').map(str::to_string).collect();
        let fill = |names: [&str; 2]| {
            base.iter()
                .enumerate()
                .map(|(i, w)| {
                    if i % 12 == 6 {
                        names[i / 12 % 2].to_string()
                    } else {
                        w.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let a = fill(["Alpha", "1,203"]);
        let b = fill(["Bravo", "7,655"]);
        let v = verify(&feat(&a), &feat(&b), 5, &Thresholds::default());
        assert!(v.template, "{v:?}");
        assert_eq!(v.relation, None);
    }

    #[test]
    fn unrelated_texts() {
        let v = verify(
            &feat(&prose(5, 300)),
            &feat(&prose(6, 300)),
            5,
            &Thresholds::default(),
        );
        assert_eq!(v.relation, None);
    }
}
