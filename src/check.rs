//! "Is this story a reprint?": one or more articles checked against a
//! corpus, each with its ranked matches.
//!
//! The articles are fingerprinted together with the corpus (so boilerplate
//! is learned from both), candidates come from the same two channels as
//! clustering (LSH bands and shared anchors), every candidate is verified
//! on exact shingle sets, and each match is reported with its figures, the
//! passages the checked article shares with it, and the match's provenance
//! group and original as `cluster` reports them. The checked articles are
//! never added to the corpus.

use std::collections::HashMap;

use serde::Serialize;

use crate::article::Article;
use crate::candidates::candidates;
use crate::engine::Engine;
use crate::ingest::Corpus;
use crate::report::{round4, Passage};
use crate::verify::Relation;

/// One corpus article a checked article copies or is copied by.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// The corpus article's id.
    pub id: String,
    /// How the checked article relates to it.
    pub relation: Relation,
    /// Jaccard similarity.
    pub jaccard: f64,
    /// Share of the checked article found in the match.
    pub containment: f64,
    /// Share of the match found in the checked article.
    pub contained_by: f64,
    /// Longest shared passage, in words.
    pub longest_passage: u32,
    /// The passages, in the checked article (`start`, `end`) and in the match
    /// (`parent_start`, `parent_end`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<Passage>,
    /// The match's provenance group in the corpus.
    pub group: String,
    /// That group's original (null when outside the corpus).
    pub original_id: Option<String>,
    /// Publication time of the match.
    pub published_at: Option<String>,
    /// Outlet of the match.
    pub source: Option<String>,
    /// Source the match credits.
    pub credited_source: Option<String>,
}

/// The verdict on one checked article.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The checked article's id.
    pub id: String,
    /// True when it copies, or is copied by, some corpus article.
    pub is_reprint: bool,
    /// The strongest relation found.
    pub verdict: Option<Relation>,
    /// Source the checked article credits.
    pub credited_source: Option<String>,
    /// Matches, strongest first.
    pub matches: Vec<Match>,
}

impl Engine {
    /// Checks each of `articles` against `corpus`; at most `limit` matches
    /// per article.
    pub fn check(&self, corpus: Corpus, articles: Vec<Article>, limit: usize) -> Vec<CheckResult> {
        let n = corpus.articles.len();
        let report = self.cluster(Corpus {
            articles: corpus.articles.clone(),
            ..Corpus::default()
        });
        let group_of: HashMap<usize, (&str, Option<&str>)> = report
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i, (l.group.as_str(), l.original_id.as_deref())))
            .collect();
        let mut all = corpus.articles;
        all.extend(articles);
        let fp = self.fingerprint(&all);
        let cands = candidates(fp.features.as_slice(), &self.candidates);
        let mut partners: Vec<Vec<u32>> = vec![Vec::new(); all.len() - n];
        for &(a, b) in &cands.pairs {
            // corpus ids come first: a < b
            let (a, b) = (a as usize, b as usize);
            if a < n && b >= n {
                partners[b - n].push(a as u32);
            }
        }
        partners
            .iter()
            .enumerate()
            .map(|(q, found)| {
                let qd = n + q;
                let mut matches: Vec<(u32, crate::verify::Verdict)> = found
                    .iter()
                    .map(|&c| (c, self.verify(&fp.features[qd], &fp.features[c as usize])))
                    .filter(|(_, v)| v.relation.is_some())
                    .collect();
                matches.sort_by(|x, y| y.1.score().total_cmp(&x.1.score()).then(x.0.cmp(&y.0)));
                matches.truncate(limit);
                let pairs: Vec<(u32, u32)> = matches.iter().map(|&(c, _)| (qd as u32, c)).collect();
                let ev = self.evidence_for(&pairs, &all, &fp);
                let out: Vec<Match> = matches
                    .iter()
                    .enumerate()
                    .map(|(i, &(c, v))| {
                        let a = &all[c as usize];
                        let (group, original) = group_of[&(c as usize)];
                        Match {
                            id: a.id.clone(),
                            relation: v.relation.expect("only copies are kept"),
                            jaccard: round4(v.figures.jaccard),
                            containment: round4(v.figures.a_in_b),
                            contained_by: round4(v.figures.b_in_a),
                            longest_passage: v.figures.longest_passage,
                            passages: ev.get(i).map(|e| e.passages.clone()).unwrap_or_default(),
                            group: group.to_string(),
                            original_id: original.map(str::to_string),
                            published_at: a.published_at.clone(),
                            source: a.source.clone(),
                            credited_source: fp.credited[c as usize].clone(),
                        }
                    })
                    .collect();
                CheckResult {
                    id: all[qd].id.clone(),
                    is_reprint: !out.is_empty(),
                    verdict: out.first().map(|m| m.relation),
                    credited_source: fp.credited[qd].clone(),
                    matches: out,
                }
            })
            .collect()
    }
}
