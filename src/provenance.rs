//! Which member of a group is the original, and each member's parent.
//!
//! The original is chosen among the members that joined through copy
//! relations (an article that only quotes a passage is never the original):
//!
//! 1. the earliest `published_at` (undated members cannot be proven
//!    earlier, so they are only considered when no member is dated);
//! 2. on a tie or without dates, a member whose outlet another member
//!    credits ("Source: X", a reposting breadcrumb, a canonical URL);
//! 3. then the member that carries most of the text the group shares and
//!    adds least of its own: a reprint adds an intro and a footer, a
//!    truncation drops text, the original does neither;
//! 4. then input order.
//!
//! A member that credits another outlet is not a candidate (unless all
//! do). When at least half of the members credit one and the same source,
//! no member credits another, and no member is from it, the original is
//! outside the corpus: there is no `original_id`, and
//! the credited source is reported instead.
//!
//! Each other member's parent is the already placed member (original first,
//! then by date, then input order) it is most strongly a copy of.

use std::collections::HashMap;

use crate::attribution::names_match;
use crate::cluster::Joined;
use crate::features::Features;
use crate::verify::Verdict;

/// Why the original was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OriginalBy {
    /// The only member.
    Alone,
    /// Earliest publication time.
    PublishedAt,
    /// Credited by other members.
    Attribution,
    /// Carries most of the shared text with the fewest additions.
    Content,
    /// Every member credits one source that is not in the corpus.
    CreditedOutside,
}

/// What provenance needs to know about one member.
#[derive(Debug, Clone, Copy)]
pub struct MemberInfo<'a> {
    /// Article index.
    pub doc: u32,
    /// Publication time.
    pub published: Option<i64>,
    /// The member's outlet (source or URL host).
    pub outlet: Option<&'a str>,
    /// The source it credits.
    pub credited: Option<&'a str>,
    /// How it joined the group.
    pub joined: Joined,
    /// Its fingerprint.
    pub features: &'a Features,
}

/// A member's place in the group.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Article index.
    pub doc: u32,
    /// Parent article, `None` for the original (or for every member when
    /// the original is outside the corpus... then the first member's
    /// parent is `None` as well).
    pub parent: Option<u32>,
    /// The verdict against the parent.
    pub verdict: Option<Verdict>,
}

/// Provenance of one group.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The original, `None` when it is outside the corpus.
    pub original: Option<u32>,
    /// Why.
    pub by: OriginalBy,
    /// The source every member credits, when the original is outside.
    pub credited_outside: Option<String>,
    /// Members, original (or root) first.
    pub placements: Vec<Placement>,
}

/// Works out the provenance of one group. `verify` gives the verdict of two
/// members (the engine looks it up among the verified pairs first: see
/// [`crate::cluster::known_verdict`]).
pub fn provenance(
    members: &[MemberInfo<'_>],
    mut verify: impl FnMut(u32, u32) -> Verdict,
) -> Provenance {
    if members.len() == 1 {
        return Provenance {
            original: Some(members[0].doc),
            by: OriginalBy::Alone,
            credited_outside: None,
            placements: vec![Placement {
                doc: members[0].doc,
                parent: None,
                verdict: None,
            }],
        };
    }
    let core: Vec<&MemberInfo> = {
        let c: Vec<_> = members
            .iter()
            .filter(|m| m.joined == Joined::Copy)
            .collect();
        if c.is_empty() {
            members.iter().collect()
        } else {
            c
        }
    };
    let (root, by) = choose_original(members, &core);
    let credited_outside = credited_outside(members);
    let (original, by) = match &credited_outside {
        Some(_) => (None, OriginalBy::CreditedOutside),
        None => (Some(root), by),
    };

    // placement order: root, then dated members by time, then the rest
    let mut order: Vec<&MemberInfo> = members.iter().filter(|m| m.doc != root).collect();
    order.sort_by_key(|m| (m.published.is_none(), m.published, m.doc));
    let mut placed: Vec<u32> = vec![root];
    let mut placements = vec![Placement {
        doc: root,
        parent: None,
        verdict: None,
    }];
    // on-the-fly comparisons are bounded: in a huge group, a member is
    // compared with the root and the last placed members only
    const MAX_COMPARE: usize = 32;
    for m in order {
        let mut best: Option<(u32, Verdict)> = None;
        let window = placed.len().saturating_sub(MAX_COMPARE - 1);
        let consider = std::iter::once(root).chain(placed[window.max(1)..].iter().copied());
        for p in consider {
            let v = verify(m.doc, p);
            let better = match &best {
                None => true,
                Some((_, bv)) => v.score() > bv.score(),
            };
            if better {
                best = Some((p, v));
            }
        }
        let (parent, verdict) = best.map_or((None, None), |(p, v)| (Some(p), Some(v)));
        placements.push(Placement {
            doc: m.doc,
            parent,
            verdict,
        });
        placed.push(m.doc);
    }
    Provenance {
        original,
        by,
        credited_outside,
        placements,
    }
}

/// True when a member credits an outlet other than its own.
fn credits_another(m: &MemberInfo<'_>) -> bool {
    match (m.credited, m.outlet) {
        (Some(c), Some(o)) => !names_match(c, o),
        (Some(_), None) => true,
        _ => false,
    }
}

fn choose_original(members: &[MemberInfo<'_>], core: &[&MemberInfo<'_>]) -> (u32, OriginalBy) {
    // a member that credits another outlet says it is not the original
    let mut pool: Vec<&MemberInfo> = core
        .iter()
        .copied()
        .filter(|m| !credits_another(m))
        .collect();
    if pool.is_empty() {
        pool = core.to_vec();
    }
    let mut by = OriginalBy::Content;
    if let Some(earliest) = pool.iter().filter_map(|m| m.published).min() {
        pool.retain(|m| m.published == Some(earliest));
        by = OriginalBy::PublishedAt;
        if pool.len() == 1 {
            return (pool[0].doc, by);
        }
    }
    let credited: Vec<&MemberInfo> = pool
        .iter()
        .copied()
        .filter(|cand| {
            cand.outlet.is_some_and(|outlet| {
                members.iter().any(|m| {
                    m.doc != cand.doc && m.credited.is_some_and(|c| names_match(c, outlet))
                })
            })
        })
        .collect();
    if !credited.is_empty() {
        pool = credited;
        by = OriginalBy::Attribution;
        if pool.len() == 1 {
            return (pool[0].doc, by);
        }
    }
    // shared text carried minus text added, over the group's shingles
    let mut carriers: HashMap<u32, u32> = HashMap::new();
    for m in members {
        for &s in &m.features.shingles {
            *carriers.entry(s).or_default() += 1;
        }
    }
    let score = |m: &MemberInfo| {
        let shared = m
            .features
            .shingles
            .iter()
            .filter(|s| carriers[s] > 1)
            .count() as i64;
        shared - (m.features.shingles.len() as i64 - shared)
    };
    let best = pool
        .iter()
        .max_by(|a, b| score(a).cmp(&score(b)).then(b.doc.cmp(&a.doc)))
        .map_or(members[0].doc, |m| m.doc);
    if by != OriginalBy::PublishedAt && by != OriginalBy::Attribution {
        by = OriginalBy::Content;
    }
    (best, by)
}

/// The source credited by at least half of the members, by every member
/// that credits anything, and that no member is from.
fn credited_outside(members: &[MemberInfo<'_>]) -> Option<String> {
    let first = members.iter().find_map(|m| m.credited)?;
    let crediting = members.iter().filter(|m| m.credited.is_some()).count();
    let all_agree = members
        .iter()
        .filter_map(|m| m.credited)
        .all(|c| names_match(c, first));
    let one_is_from_it = members
        .iter()
        .any(|m| m.outlet.is_some_and(|o| names_match(first, o)));
    (all_agree && 2 * crediting >= members.len() && !one_is_from_it).then(|| first.to_string())
}
