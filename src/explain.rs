//! Why two articles are (or are not) copies: the figures, the relation,
//! which came first and why, the passages they share and what each adds.

use serde::Serialize;

use crate::article::Article;
use crate::cluster::Joined;
use crate::engine::Engine;
use crate::provenance::{provenance, MemberInfo, OriginalBy};
use crate::report::{Passage, Span};
use crate::verify::{Figures, Relation};

/// One side of an explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// Article id.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// Publication time as given.
    pub published_at: Option<String>,
    /// Outlet.
    pub source: Option<String>,
    /// Source it credits.
    pub credited_source: Option<String>,
    /// Passages it shares with the other article, in its own text (and, as
    /// `parent_*`, in the other's).
    pub passages: Vec<Passage>,
    /// What it has that the other lacks.
    pub additions: Vec<Span>,
    /// Its original text.
    #[serde(skip)]
    pub text: String,
}

/// The explanation of a pair.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The first article.
    pub a: Side,
    /// The second article.
    pub b: Side,
    /// Jaccard, containment both ways (`a_in_b`, `b_in_a`), longest passage.
    pub figures: Figures,
    /// The relation, `None` when they are not copies.
    pub relation: Option<Relation>,
    /// True when the pair is one template filled with different facts.
    pub template: bool,
    /// The article that came first, when it can be told.
    pub earlier: Option<String>,
    /// How that was decided.
    pub earlier_by: Option<OriginalBy>,
    /// The source both credit when neither is the original.
    pub credited_outside: Option<String>,
}

impl Engine {
    /// Explains articles `a` and `b` of `articles` (indices). Boilerplate is
    /// learned from all of `articles`, so give the corpus they come from
    /// when there is one.
    pub fn explain(&self, articles: &[Article], a: usize, b: usize) -> Explanation {
        let fp = self.fingerprint(articles);
        let verdict = self.verify(&fp.features[a], &fp.features[b]);
        let info = |d: usize| MemberInfo {
            doc: d as u32,
            published: articles[d].published_ts,
            outlet: fp.outlets[d].as_deref(),
            credited: fp.credited[d].as_deref(),
            joined: Joined::Copy,
            features: &fp.features[d],
        };
        let prov = provenance(&[info(a), info(b)], |x, y| {
            self.verify(&fp.features[x as usize], &fp.features[y as usize])
        });
        let both = Engine {
            evidence: true,
            ..self.clone()
        };
        let found = both.evidence_for(&[(a as u32, b as u32), (b as u32, a as u32)], articles, &fp);
        let side = |d: usize, e: &crate::evidence::Evidence| Side {
            id: articles[d].id.clone(),
            title: articles[d].title.clone(),
            published_at: articles[d].published_at.clone(),
            source: articles[d].source.clone(),
            credited_source: fp.credited[d].clone(),
            passages: e.passages.clone(),
            additions: e.additions.clone(),
            text: articles[d].text.clone(),
        };
        let told = verdict.relation.is_some();
        Explanation {
            a: side(a, &found[0]),
            b: side(b, &found[1]),
            figures: verdict.figures,
            relation: verdict.relation,
            template: verdict.template,
            earlier: prov
                .original
                .filter(|_| told)
                .map(|o| articles[o as usize].id.clone()),
            earlier_by: told.then_some(prov.by),
            credited_outside: prov.credited_outside.filter(|_| told),
        }
    }
}
