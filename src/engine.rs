//! The clustering pipeline, from read articles to a [`Report`].
//!
//! Stages (see ARCHITECTURE.md): prepare (markup out, words, sentences) →
//! learn boilerplate → fingerprint → candidates → verify → group →
//! provenance. Per-article stages run in parallel on the caller's rayon pool
//! and produce vectors indexed by input position; grouping runs serially
//! over sorted edges, so the output is the same for any thread count.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::time::Instant;

use rayon::prelude::*;

use crate::article::Article;
use crate::boilerplate::{Boilerplate, BoilerplateRules, DocSentences};
use crate::candidates::{candidates, CandidateConfig};
use crate::cluster::{group, Edge};
use crate::error::Error;
use crate::evidence::{evidence, Evidence};
use crate::features::{Features, Prepared};
use crate::ingest::{Corpus, Skipped, Warning};
use crate::minhash::MinHasher;
use crate::params::Params;
use crate::provenance::{provenance, MemberInfo};
use crate::report::{round4, ArticleLine, Group, Member, Report, SameStory, Stats};
use crate::same_story::{links, Link, SameStoryConfig};
use crate::texts::TextStore;
use crate::verify::{verify, Thresholds, Verdict};

/// Everything that configures a run.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Fingerprint parameters.
    pub params: Params,
    /// Relation thresholds.
    pub thresholds: Thresholds,
    /// Boilerplate rules.
    pub boilerplate: BoilerplateRules,
    /// Candidate generation.
    pub candidates: CandidateConfig,
    /// Compute shared passages and additions for the report.
    pub evidence: bool,
    /// The same-story tier.
    pub same_story: SameStoryConfig,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            params: Params::default(),
            thresholds: Thresholds::default(),
            boilerplate: BoilerplateRules::default(),
            candidates: CandidateConfig::default(),
            evidence: true,
            same_story: SameStoryConfig::default(),
        }
    }
}

/// Fingerprints of a corpus, ready for candidate generation and
/// verification.
pub struct Fingerprinted {
    /// One per article, input order.
    pub features: Vec<Features>,
    /// Sources credited by each article.
    pub credited: Vec<Option<String>>,
    /// Outlet of each article.
    pub outlets: Vec<Option<String>>,
    /// Interned outlet of each article.
    pub outlet_ids: Vec<Option<u32>>,
    /// The learned boilerplate.
    pub boilerplate: Boilerplate,
}

impl Engine {
    /// Prepares, learns boilerplate and fingerprints every article.
    pub fn fingerprint(&self, articles: &[Article]) -> Fingerprinted {
        let prepared: Vec<Prepared> = articles
            .par_iter()
            .map(|a| Prepared::of_article(a, &self.params))
            .collect();
        self.fingerprint_with(articles, prepared)
    }

    /// Learns boilerplate and fingerprints `articles`, already prepared (one
    /// [`Prepared`] each; their texts are not read again).
    pub fn fingerprint_with(&self, articles: &[Article], prepared: Vec<Prepared>) -> Fingerprinted {
        let outlets: Vec<Option<String>> = articles.iter().map(Article::outlet_key).collect();
        let mut interned: HashMap<&str, u32> = HashMap::new();
        let outlet_ids: Vec<Option<u32>> = outlets
            .iter()
            .map(|o| {
                o.as_deref().map(|o| {
                    let next = interned.len() as u32;
                    *interned.entry(o).or_insert(next)
                })
            })
            .collect();
        let docs: Vec<DocSentences> = prepared
            .iter()
            .zip(&outlet_ids)
            .map(|(p, &outlet)| DocSentences {
                outlet,
                sentences: &p.sentence_hashes,
            })
            .collect();
        let boiler = Boilerplate::learn(&docs, &self.boilerplate);
        drop(docs);
        let (features, credited) = self.fingerprint_prepared(prepared, &outlet_ids, &boiler);
        Fingerprinted {
            features,
            credited,
            outlets,
            outlet_ids,
            boilerplate: boiler,
        }
    }

    /// Fingerprints prepared articles of `outlet_ids` with learned
    /// boilerplate; also returns the source each credits.
    pub fn fingerprint_prepared(
        &self,
        prepared: Vec<Prepared>,
        outlet_ids: &[Option<u32>],
        boiler: &Boilerplate,
    ) -> (Vec<Features>, Vec<Option<String>>) {
        let hasher = MinHasher::new(&self.params);
        prepared
            .into_par_iter()
            .zip(outlet_ids)
            .map(|(p, &outlet)| self.fingerprint_one(&p, outlet, boiler, &hasher))
            .unzip()
    }

    /// Fingerprints one prepared article of `outlet`.
    pub fn fingerprint_one(
        &self,
        p: &Prepared,
        outlet: Option<u32>,
        boiler: &Boilerplate,
        hasher: &MinHasher,
    ) -> (Features, Option<String>) {
        // an article that would be all boilerplate is compared on all its
        // words: it is a brief syndicated as is, or one outlet's repeated
        // copy of a story, not a page of chrome
        let all = p
            .sentence_hashes
            .iter()
            .all(|&h| boiler.is_boilerplate(outlet, h));
        let masked = |s: usize| !all && boiler.is_boilerplate(outlet, p.sentence_hashes[s]);
        let f = Features::new(p, masked, &self.params, hasher);
        (f, p.credited(masked))
    }

    /// Same-story links between groups: the best article pair per pair of
    /// groups, template siblings vetoed.
    fn same_story_links(
        &self,
        fp: &Fingerprinted,
        published: &[Option<i64>],
        group_of: &[u32],
    ) -> Vec<Link> {
        let terms: Vec<Vec<u64>> = fp.features.iter().map(|f| f.terms.clone()).collect();
        let found = links(&terms, published, group_of, &self.same_story);
        let mut best: HashMap<(u32, u32), Link> = HashMap::new();
        for l in found {
            // a same story is told in new words: two texts that share much
            // wording without being copies are one template filled twice
            let v = self.verify(&fp.features[l.a as usize], &fp.features[l.b as usize]);
            if v.template
                || (v.relation.is_none() && v.min_side() >= self.same_story.max_shared_wording)
            {
                continue;
            }
            let (ga, gb) = (group_of[l.a as usize], group_of[l.b as usize]);
            let key = (ga.min(gb), ga.max(gb));
            match best.get(&key) {
                Some(b) if b.score >= l.score => {}
                _ => {
                    best.insert(key, l);
                }
            }
        }
        let mut out: Vec<Link> = best.into_values().collect();
        out.sort_by(|x, y| {
            let kx = (group_of[x.a as usize].min(group_of[x.b as usize]), x.a, x.b);
            let ky = (group_of[y.a as usize].min(group_of[y.b as usize]), y.a, y.b);
            kx.cmp(&ky)
        });
        out
    }

    /// Passages and additions of each (copy, source) pair of `articles`,
    /// with `fp` their fingerprints; empty when evidence is off.
    pub fn evidence_for(
        &self,
        pairs: &[(u32, u32)],
        articles: &[Article],
        fp: &Fingerprinted,
    ) -> Vec<Evidence> {
        self.evidence_with(pairs, |d| articles[d as usize].text.as_str(), fp)
    }

    /// Like [`Engine::evidence_for`], with `text` giving each article's
    /// text.
    pub fn evidence_with<S: AsRef<str>>(
        &self,
        pairs: &[(u32, u32)],
        text: impl Fn(u32) -> S + Sync,
        fp: &Fingerprinted,
    ) -> Vec<Evidence> {
        if !self.evidence {
            return Vec::new();
        }
        evidence(
            pairs,
            text,
            |d, h| fp.boilerplate.is_boilerplate(fp.outlet_ids[d as usize], h),
            &self.params,
        )
    }

    /// Verifies two fingerprints.
    pub fn verify(&self, a: &Features, b: &Features) -> Verdict {
        verify(a, b, self.params.shingle_size, &self.thresholds)
    }

    /// Clusters a corpus into provenance groups.
    pub fn cluster(&self, corpus: Corpus) -> Report {
        self.cluster_with_progress(corpus, |_, _| {})
    }

    /// Like [`Engine::cluster`], telling `progress` each stage as it starts,
    /// with the number of items it works on.
    pub fn cluster_with_progress(
        &self,
        corpus: Corpus,
        progress: impl FnMut(&str, usize),
    ) -> Report {
        let texts = if self.evidence {
            TextStore::memory()
        } else {
            TextStore::dropped()
        };
        let mut intake = Intake::new(self, texts);
        intake.pending = corpus.articles;
        // held in memory, a store cannot fail to take a text
        let _ = intake.prepare_pending();
        let mut texts = intake.texts;
        self.cluster_prepared(
            intake.articles,
            intake.prepared,
            &mut texts,
            (corpus.skipped, corpus.warnings),
            progress,
        )
    }

    /// A streamed corpus: articles are prepared as they are pushed, and
    /// their texts spilled to a temporary file (kept only when evidence is
    /// on), so a run holds fingerprints, not texts.
    pub fn intake(&self) -> crate::Result<Intake<'_>> {
        let texts = if self.evidence {
            TextStore::spilled().map_err(spill_error)?
        } else {
            TextStore::dropped()
        };
        Ok(Intake::new(self, texts))
    }

    /// Clusters the articles pushed to `intake`; `skipped` and `warnings`
    /// are the reader's, passed through to the report.
    pub fn cluster_intake(
        &self,
        mut intake: Intake<'_>,
        skipped: Vec<Skipped>,
        warnings: Vec<Warning>,
        progress: impl FnMut(&str, usize),
    ) -> crate::Result<Report> {
        intake.prepare_pending().map_err(spill_error)?;
        intake.texts.finish().map_err(spill_error)?;
        let mut texts = intake.texts;
        let report = self.cluster_prepared(
            intake.articles,
            intake.prepared,
            &mut texts,
            (skipped, warnings),
            progress,
        );
        match texts.take_error() {
            Some(e) => Err(spill_error(e)),
            None => Ok(report),
        }
    }

    fn cluster_prepared(
        &self,
        articles: Vec<Article>,
        prepared: Vec<Prepared>,
        texts: &mut TextStore,
        (skipped, warnings): (Vec<Skipped>, Vec<Warning>),
        mut progress: impl FnMut(&str, usize),
    ) -> Report {
        let mut timings = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &str, timings: &mut Vec<(String, u64)>| {
            timings.push((name.to_string(), clock.elapsed().as_millis() as u64));
            clock = Instant::now();
        };
        progress("fingerprint", articles.len());
        let n = articles.len();
        let mut fp = self.fingerprint_with(&articles, prepared);
        lap("fingerprint", &mut timings);
        progress("candidates", n);

        let cands = candidates(&fp.features, &self.candidates);
        for f in &mut fp.features {
            f.drop_candidate_keys();
        }
        lap("candidates", &mut timings);
        progress("verify", cands.pairs.len());

        let features = &fp.features;
        let verified: Vec<Edge> = cands
            .pairs
            .par_iter()
            .map(|&(a, b)| Edge {
                a,
                b,
                verdict: self.verify(&features[a as usize], &features[b as usize]),
            })
            .collect();
        let template_pairs = verified.iter().filter(|e| e.verdict.template).count();
        let edges: Vec<Edge> = verified
            .into_iter()
            .filter(|e| e.verdict.relation.is_some())
            .collect();
        lap("verify", &mut timings);
        progress("group", edges.len());

        let published: Vec<Option<i64>> = articles.iter().map(|a| a.published_ts).collect();
        let grouping = group(n, &edges, &published, |x, y| {
            self.verify(&features[x as usize], &features[y as usize])
                .relation
                .is_some()
        });
        lap("group", &mut timings);

        let provs: Vec<_> = grouping
            .groups
            .par_iter()
            .map(|members| {
                let infos: Vec<MemberInfo> = members
                    .iter()
                    .map(|&d| MemberInfo {
                        doc: d,
                        published: published[d as usize],
                        outlet: fp.outlets[d as usize].as_deref(),
                        credited: fp.credited[d as usize].as_deref(),
                        joined: grouping.joined[d as usize],
                        features: &features[d as usize],
                    })
                    .collect();
                provenance(&infos, |x, y| {
                    self.verify(&features[x as usize], &features[y as usize])
                })
            })
            .collect();
        lap("provenance", &mut timings);

        progress("same-story", n);
        let same_story = self.same_story_links(&fp, &published, &grouping.group_of);
        lap("same-story", &mut timings);

        let evidence_pairs: Vec<(u32, u32)> = provs
            .iter()
            .filter(|p| p.placements.len() > 1)
            .flat_map(|p| {
                p.placements
                    .iter()
                    .filter_map(|pl| pl.parent.map(|q| (pl.doc, q)))
            })
            .collect();
        if self.evidence {
            progress("evidence", evidence_pairs.len());
        }
        let found = self.evidence_with(&evidence_pairs, |d| texts.get(d), &fp);
        let mut evidence_of: HashMap<u32, Evidence> =
            evidence_pairs.iter().map(|&(m, _)| m).zip(found).collect();
        let mut shown_texts = BTreeMap::new();
        if self.evidence {
            let shown = provs
                .iter()
                .filter(|p| p.placements.len() > 1)
                .flat_map(|p| p.placements.iter().map(|pl| pl.doc))
                .chain(same_story.iter().flat_map(|l| [l.a, l.b]));
            for d in shown {
                let id = &articles[d as usize].id;
                if !shown_texts.contains_key(id) {
                    let text = texts.take(d);
                    if !text.is_empty() {
                        shown_texts.insert(id.clone(), text);
                    }
                }
            }
        }
        lap("evidence", &mut timings);

        // the words behind each link's shared terms: an article is in many
        // links, so each is analysed once (in parallel), keeping the words
        // of its links' terms only
        let mut terms_of: HashMap<u32, Vec<u64>> = HashMap::new();
        for l in &same_story {
            for d in [l.a, l.b] {
                terms_of.entry(d).or_default().extend(&l.shared);
            }
        }
        let words_of: HashMap<u32, HashMap<u64, String>> = terms_of
            .into_par_iter()
            .map(|(d, mut terms)| {
                terms.sort_unstable();
                terms.dedup();
                let words = shown_texts
                    .get(&articles[d as usize].id)
                    .map(|t| {
                        Prepared::words_of_hashes(t, &self.params, |h| {
                            terms.binary_search(&h).is_ok()
                        })
                    })
                    .unwrap_or_default();
                (d, words)
            })
            .collect();
        let no_words = HashMap::new();
        let gid = |g: u32| format!("g{}", g + 1);
        let mut linked: HashMap<u32, Vec<String>> = HashMap::new();
        let mut same_story_out = Vec::new();
        for l in &same_story {
            let (ga, gb) = (
                grouping.group_of[l.a as usize],
                grouping.group_of[l.b as usize],
            );
            linked.entry(ga).or_default().push(gid(gb));
            linked.entry(gb).or_default().push(gid(ga));
            let words = |d: u32| words_of.get(&d).unwrap_or(&no_words);
            let (wa, wb) = (words(l.a), words(l.b));
            let shared_terms = l
                .shared
                .iter()
                .filter_map(|h| wa.get(h).or_else(|| wb.get(h)).cloned())
                .take(12)
                .collect();
            same_story_out.push(SameStory {
                group: gid(ga),
                other: gid(gb),
                articles: [
                    articles[l.a as usize].id.clone(),
                    articles[l.b as usize].id.clone(),
                ],
                score: round4(l.score),
                shared_terms,
                days_apart: l.days_apart.map(|d| (d * 100.0).round() / 100.0),
            });
        }
        for v in linked.values_mut() {
            v.sort();
            v.dedup();
        }
        let mut lines: Vec<Option<ArticleLine>> = vec![None; n];
        let mut groups = Vec::new();
        let mut singletons = Vec::new();
        for (gi, prov) in provs.iter().enumerate() {
            let gid = format!("g{}", gi + 1);
            let original_id = prov.original.map(|o| articles[o as usize].id.clone());
            let mut members = Vec::new();
            let mut confidence: f64 = 1.0;
            for p in &prov.placements {
                let a = &articles[p.doc as usize];
                let v = p.verdict;
                let fig = v.map(|v| v.figures);
                if let Some(v) = v {
                    confidence = confidence.min(v.figures.jaccard.max(v.min_side()));
                }
                let is_original = prov.original == Some(p.doc);
                let parent = p.parent.map(|q| articles[q as usize].id.clone());
                let ev = evidence_of.remove(&p.doc).unwrap_or_default();
                lines[p.doc as usize] = Some(ArticleLine {
                    id: a.id.clone(),
                    group: gid.clone(),
                    original_id: original_id.clone(),
                    is_original,
                    relation: v.and_then(|v| v.relation),
                    parent: parent.clone(),
                    jaccard: fig.map(|f| round4(f.jaccard)),
                    containment: fig.map(|f| round4(f.a_in_b)),
                    contained_by: fig.map(|f| round4(f.b_in_a)),
                    passages: ev.passages.clone(),
                    additions: ev.additions.clone(),
                });
                members.push(Member {
                    id: a.id.clone(),
                    is_original,
                    relation: v.and_then(|v| v.relation),
                    parent,
                    jaccard: fig.map(|f| round4(f.jaccard)),
                    containment: fig.map(|f| round4(f.a_in_b)),
                    contained_by: fig.map(|f| round4(f.b_in_a)),
                    longest_passage: fig.map(|f| f.longest_passage),
                    published_at: a.published_at.clone(),
                    source: a.source.clone(),
                    credited_source: fp.credited[p.doc as usize].clone(),
                    title: a.title.clone(),
                    passages: ev.passages,
                    additions: ev.additions,
                });
            }
            if members.len() == 1 {
                singletons.push(members.remove(0).id);
                continue;
            }
            groups.push(Group {
                id: gid,
                original_id,
                original_by: prov.by,
                credited_source: prov.credited_outside.clone(),
                confidence: round4(confidence),
                members,
                same_story: linked.get(&(gi as u32)).cloned().unwrap_or_default(),
            });
        }
        lap("report", &mut timings);

        let grouped_articles = groups.iter().map(|g| g.members.len()).sum();
        let stats = Stats {
            articles: n,
            skipped: skipped.len(),
            groups: groups.len(),
            grouped_articles,
            singletons: singletons.len(),
            candidate_pairs: cands.pairs.len(),
            lsh_pairs: cands.from_lsh,
            anchor_pairs: cands.from_anchors,
            copy_pairs: edges.len(),
            template_pairs,
            boilerplate_outlet_sentences: fp.boilerplate.len().0,
            boilerplate_global_sentences: fp.boilerplate.len().1,
            timings_ms: timings,
        };
        Report {
            params: self.params.clone(),
            thresholds: self.thresholds.clone(),
            boilerplate: self.boilerplate.clone(),
            candidates: self.candidates.clone(),
            stats,
            groups,
            singletons,
            skipped,
            warnings,
            lines: lines.into_iter().flatten().collect(),
            same_story: same_story_out,
            texts: shown_texts,
        }
    }
}

/// Articles on their way into [`Engine::cluster_intake`]: prepared in
/// parallel chunks as they arrive, texts handed to a [`TextStore`].
pub struct Intake<'e> {
    engine: &'e Engine,
    pending: Vec<Article>,
    articles: Vec<Article>,
    prepared: Vec<Prepared>,
    texts: TextStore,
}

impl<'e> Intake<'e> {
    /// Articles prepared together: enough to keep every thread busy, few
    /// enough that their texts are a small part of memory.
    const CHUNK: usize = 4096;

    fn new(engine: &'e Engine, texts: TextStore) -> Self {
        Intake {
            engine,
            pending: Vec::new(),
            articles: Vec::new(),
            prepared: Vec::new(),
            texts,
        }
    }

    /// Adds the next article; fails when its text cannot be spilled.
    pub fn push(&mut self, article: Article) -> crate::Result<()> {
        self.pending.push(article);
        if self.pending.len() >= Self::CHUNK {
            self.prepare_pending().map_err(spill_error)?;
        }
        Ok(())
    }

    fn prepare_pending(&mut self) -> io::Result<()> {
        let params = &self.engine.params;
        self.prepared.par_extend(
            self.pending
                .par_iter()
                .map(|a| Prepared::of_article(a, params)),
        );
        for mut a in self.pending.drain(..) {
            // the report needs ids and metadata; the text goes to the store
            self.texts.push(std::mem::take(&mut a.text))?;
            self.articles.push(a);
        }
        Ok(())
    }
}

/// A failure of the temporary file texts are spilled to.
fn spill_error(e: io::Error) -> Error {
    Error::io(std::env::temp_dir(), e)
}
