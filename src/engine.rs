//! The clustering pipeline, from read articles to a [`Report`].
//!
//! Stages (see ARCHITECTURE.md): prepare (markup out, words, sentences) →
//! learn boilerplate → fingerprint → candidates → verify → group →
//! provenance. Per-article stages run in parallel on the caller's rayon pool
//! and produce vectors indexed by input position; grouping runs serially
//! over sorted edges, so the output is the same for any thread count.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::article::Article;
use crate::boilerplate::{Boilerplate, BoilerplateRules, DocSentences};
use crate::candidates::{candidates, CandidateConfig, SpilledKeys};
use crate::cluster::{group, known_relation, known_verdict, Edge};
use crate::error::Error;
use crate::evidence::{evidence, evidence_of, Evidence};
use crate::features::{Features, Prepared};
use crate::ingest::{Corpus, Skipped, Warning};
use crate::minhash::MinHasher;
use crate::params::Params;
use crate::provenance::{provenance, MemberInfo};
use crate::ragged::Ragged;
use crate::report::{round4, ArticleLine, Group, Member, Report, SameStory, Stats};
use crate::same_story::{links, Link, SameStoryConfig};
use crate::spill::{Encoder, Spill};
use crate::texts::{Alignments, TextStore};
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
    /// Keep the texts of grouped articles in the report (with evidence on):
    /// the HTML report shows them; a JSON report does not need them.
    pub texts: bool,
    /// Fill [`Report::lines`], one line per article (what `jsonl` and
    /// `csv` write). The other views read groups; at a million articles
    /// the lines are hundreds of megabytes.
    pub lines: bool,
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
            texts: true,
            lines: true,
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
        let (outlets, outlet_ids) = outlets_of(articles);
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
        terms: &Ragged<u64>,
        verify: impl Fn(u32, u32) -> Verdict + Sync,
        published: &[Option<i64>],
        group_of: &[u32],
    ) -> Vec<Link> {
        // a same story is told in new words: two texts that share much
        // wording without being copies are one template filled twice
        let found: Vec<Link> = links(terms, published, group_of, &self.same_story)
            .into_par_iter()
            .filter(|l| {
                let v = verify(l.a, l.b);
                !(v.template
                    || (v.relation.is_none() && v.min_side() >= self.same_story.max_shared_wording))
            })
            .collect();
        let mut best: HashMap<(u32, u32), Link> = HashMap::new();
        for l in found {
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

    /// The verdict of articles `x` and `y` (fingerprints `fx`, `fy`):
    /// looked up among `edges`, the verified copy pairs sorted by `(a, b)`
    /// (see [`known_verdict`]), else verified now.
    pub fn verdict_among(
        &self,
        edges: &[Edge],
        x: u32,
        y: u32,
        fx: &Features,
        fy: &Features,
    ) -> Verdict {
        known_verdict(edges, x, y, fx, fy).unwrap_or_else(|| self.verify(fx, fy))
    }

    /// Whether articles `x < y` are copies: verification's verdict when it
    /// judged the pair (see [`known_relation`]), else verified now on the
    /// fingerprints `read` gives.
    pub fn related_among(
        &self,
        verified: &[(u32, u32)],
        edges: &[Edge],
        x: u32,
        y: u32,
        read: impl FnOnce() -> (Features, Features),
    ) -> bool {
        known_relation(verified, edges, x, y).unwrap_or_else(|| {
            let (fx, fy) = read();
            self.verify(&fx, &fy).relation.is_some()
        })
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
        // texts are read back only to be shown in the HTML report
        let texts = if self.evidence && self.texts {
            TextStore::memory()
        } else {
            TextStore::dropped()
        };
        let mut intake = Intake::new(self, texts, false);
        if self.evidence {
            intake.alignments = Some(Alignments::new(Spill::memory()));
        }
        intake.pending = corpus.articles;
        // held in memory, records cannot fail to be written or read back
        let _ = intake.flush();
        self.cluster_intake(intake, corpus.skipped, corpus.warnings, progress)
            .expect("records held in memory read back")
    }

    /// A streamed corpus: articles are prepared as they are pushed, and
    /// their texts (kept only when evidence is on), prepared words and
    /// fingerprints spilled to temporary files, so a run holds keys and
    /// metadata, not texts or shingle sets.
    pub fn intake(&self) -> crate::Result<Intake<'_>> {
        let texts = if self.evidence && self.texts {
            TextStore::spilled().map_err(spill_error)?
        } else {
            TextStore::dropped()
        };
        let mut intake = Intake::new(self, texts, true);
        intake.prepared = intake.new_spill().map_err(spill_error)?;
        if self.evidence {
            let records = intake.new_spill().map_err(spill_error)?;
            intake.alignments = Some(Alignments::new(records));
        }
        Ok(intake)
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
        intake.flush().map_err(spill_error)?;
        intake.texts.finish().map_err(spill_error)?;
        intake.prepared.finish().map_err(spill_error)?;
        if let Some(a) = &mut intake.alignments {
            a.finish().map_err(spill_error)?;
        }
        self.cluster_prepared(intake, (skipped, warnings), progress)
    }

    /// Learns boilerplate from the intake's sentences, then fingerprints its
    /// prepared articles chunk by chunk: verification records and candidate
    /// keys to new spills, same-story terms kept.
    fn fingerprint_intake(
        &self,
        intake: &mut Intake<'_>,
    ) -> io::Result<(Fingerprinted, Spilled, SpilledKeys)> {
        let (outlets, outlet_ids) = intern_outlets(std::mem::take(&mut intake.outlets));
        let docs: Vec<DocSentences> = (0..intake.articles.len())
            .map(|d| DocSentences {
                outlet: outlet_ids[d],
                sentences: intake.sentences.get(d),
            })
            .collect();
        let boiler = Boilerplate::learn(&docs, &self.boilerplate);
        drop(docs);
        crate::memory::release();
        let hasher = MinHasher::new(&self.params);
        let mut records = intake.new_spill()?;
        let n = intake.articles.len();
        let mut keys = SpilledKeys::new(intake.new_spill()?, intake.new_spill()?, n);
        let mut terms = Ragged::default();
        let mut credited = Vec::with_capacity(n);
        let mut store = |done: Vec<io::Result<Fingerprint>>| -> io::Result<()> {
            let done: Vec<Fingerprint> = done.into_iter().collect::<io::Result<_>>()?;
            let bytes: Vec<&[u8]> = done.iter().map(|f| &f.0[..]).collect();
            records.push_all(&bytes)?;
            drop(bytes);
            for (_, band_keys, anchors, t, c) in done {
                keys.push(&band_keys, &anchors)?;
                terms.push(&t);
                credited.push(c);
            }
            Ok(())
        };
        // each chunk is fingerprinted while the one before is written
        let mut ready = Vec::new();
        for start in (0..n).step_by(Intake::CHUNK) {
            let end = (start + Intake::CHUNK).min(n);
            let previous = std::mem::take(&mut ready);
            let (stored, done) = rayon::join(
                || store(previous),
                || -> io::Result<Vec<_>> {
                    // each chunk's records in one read apiece
                    let prepared = intake.prepared.get_run(start..end)?;
                    let beside = match &intake.alignments {
                        Some(a) => Some(a.records(start..end)?),
                        None => None,
                    };
                    Ok((start..end)
                        .into_par_iter()
                        .map(|d| {
                            let p = Prepared::decode_beside(prepared.get(d), || {
                                Ok::<_, io::Error>(beside.as_ref().map_or(&[][..], |b| b.get(d)))
                            })?;
                            let (f, c) = self.fingerprint_one(&p, outlet_ids[d], &boiler, &hasher);
                            let mut e = Encoder::default();
                            f.encode_verification(&mut e);
                            // the shingle set is in the record now: only
                            // what stays in memory waits to be stored
                            let Features {
                                band_keys,
                                anchors,
                                terms,
                                ..
                            } = f;
                            Ok((e.bytes, band_keys, anchors, terms, c))
                        })
                        .collect())
                },
            );
            stored?;
            let done = done?;
            // each prepared record is read once: its storage can go
            intake.prepared.discard_before(end)?;
            ready = done;
        }
        store(ready)?;
        records.finish()?;
        keys.finish()?;
        let fp = Fingerprinted {
            features: Vec::new(),
            credited,
            outlets,
            outlet_ids,
            boilerplate: boiler,
        };
        Ok((
            fp,
            Spilled {
                records,
                terms,
                error: Mutex::new(None),
            },
            keys,
        ))
    }

    fn cluster_prepared(
        &self,
        mut intake: Intake<'_>,
        (skipped, warnings): (Vec<Skipped>, Vec<Warning>),
        mut progress: impl FnMut(&str, usize),
    ) -> crate::Result<Report> {
        // reading (when streamed), preparing and spilling, from the
        // intake's creation
        let mut timings = vec![(
            "intake".to_string(),
            intake.started.elapsed().as_millis() as u64,
        )];
        let mut clock = Instant::now();
        let mut lap = |name: &str, timings: &mut Vec<(String, u64)>| {
            timings.push((name.to_string(), clock.elapsed().as_millis() as u64));
            clock = Instant::now();
        };
        let n = intake.articles.len();
        progress("fingerprint", n);
        let (mut fp, spilled, keys) = self.fingerprint_intake(&mut intake).map_err(spill_error)?;
        let Intake {
            mut articles,
            mut texts,
            alignments,
            ..
        } = intake;
        crate::memory::release();
        lap("fingerprint", &mut timings);
        progress("candidates", n);

        let cands = candidates(&keys, &self.candidates);
        if let Some(e) = keys.take_error() {
            return Err(spill_error(e));
        }
        keys.close_in_background();
        crate::memory::release();
        lap("candidates", &mut timings);
        progress("verify", cands.pairs.len());

        // pairs are sorted by their first article: each is read once
        let verified: Vec<Edge> = cands
            .pairs
            .par_chunk_by(|x, y| x.0 == y.0)
            .flat_map_iter(|run| {
                let a = spilled.get(run[0].0);
                run.iter()
                    .map(|&(x, y)| Edge {
                        a: x,
                        b: y,
                        verdict: self.verify(&a, &spilled.get(y)),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let template_pairs = verified.iter().filter(|e| e.verdict.template).count();
        let edges: Vec<Edge> = verified
            .into_iter()
            .filter(|e| e.verdict.relation.is_some())
            .collect();
        // `known_verdict` searches them
        debug_assert!(edges
            .windows(2)
            .all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b)));
        lap("verify", &mut timings);
        progress("group", edges.len());

        let published: Vec<Option<i64>> = articles.iter().map(|a| a.published_ts).collect();
        let grouping = group(n, &edges, &published, |x, y| {
            self.related_among(&cands.pairs, &edges, x, y, || {
                (spilled.get(x), spilled.get(y))
            })
        });
        lap("group", &mut timings);

        let provs: Vec<_> = grouping
            .groups
            .par_iter()
            .map(|members| {
                // a lone article has no parent to find: its shingles are
                // not read back
                let features: Vec<Features> = if members.len() > 1 {
                    members.iter().map(|&d| spilled.get(d)).collect()
                } else {
                    vec![Features::default()]
                };
                let index: HashMap<u32, usize> =
                    members.iter().enumerate().map(|(i, &d)| (d, i)).collect();
                let at = |d: u32| index[&d];
                let infos: Vec<MemberInfo> = members
                    .iter()
                    .zip(&features)
                    .map(|(&d, f)| MemberInfo {
                        doc: d,
                        published: published[d as usize],
                        outlet: fp.outlets[d as usize].as_deref(),
                        credited: fp.credited[d as usize].as_deref(),
                        joined: grouping.joined[d as usize],
                        features: f,
                    })
                    .collect();
                provenance(&infos, |x, y| {
                    self.verdict_among(&edges, x, y, &features[at(x)], &features[at(y)])
                })
            })
            .collect();
        lap("provenance", &mut timings);

        progress("same-story", n);
        let same_story = self.same_story_links(
            &spilled.terms,
            |a, b| self.verify(&spilled.get(a), &spilled.get(b)),
            &published,
            &grouping.group_of,
        );
        lap("same-story", &mut timings);
        // the shingle sets and terms are done with: their memory goes to
        // the evidence and the report
        let spill_failed = spilled.take_error();
        let Spilled { records, terms, .. } = spilled;
        drop(terms);
        records.close_in_background();
        crate::memory::release();

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
        // the words of each article as prepared: its text is not read again
        let found = match &alignments {
            Some(a) => evidence_of(
                &evidence_pairs,
                |d| {
                    let outlet = fp.outlet_ids[d as usize];
                    a.words(d)
                        .aligned(|h| fp.boilerplate.is_boilerplate(outlet, h))
                },
                &self.params,
            ),
            None => Vec::new(),
        };
        let mut evidence_of: HashMap<u32, Evidence> =
            evidence_pairs.iter().map(|&(m, _)| m).zip(found).collect();
        let mut shown_texts = BTreeMap::new();
        if self.evidence && self.texts {
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
        crate::memory::release();
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
                let wanted = |h| terms.binary_search(&h).is_ok();
                let words = match (shown_texts.get(&articles[d as usize].id), &alignments) {
                    (Some(t), _) => Prepared::words_of_hashes(t, &self.params, wanted),
                    // the names' words were kept with the alignment record
                    (None, Some(a)) => a
                        .get(d)
                        .names
                        .into_iter()
                        .filter(|&(h, _)| wanted(h))
                        .collect(),
                    (None, None) => HashMap::new(),
                };
                (d, words)
            })
            .collect();
        let alignment_failed = alignments.as_ref().and_then(Alignments::take_error);
        if let Some(a) = alignments {
            a.close_in_background();
        }
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
                if self.lines {
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
                }
                // each article is a member of one group: what only its
                // member shows is moved out, not copied
                let a = &mut articles[p.doc as usize];
                members.push(Member {
                    id: a.id.clone(),
                    is_original,
                    relation: v.and_then(|v| v.relation),
                    parent,
                    jaccard: fig.map(|f| round4(f.jaccard)),
                    containment: fig.map(|f| round4(f.a_in_b)),
                    contained_by: fig.map(|f| round4(f.b_in_a)),
                    longest_passage: fig.map(|f| f.longest_passage),
                    published_at: a.published_at.take(),
                    source: a.source.take(),
                    credited_source: fp.credited[p.doc as usize].take(),
                    title: a.title.take(),
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
        if let Some(e) = texts.take_error().or(spill_failed).or(alignment_failed) {
            return Err(spill_error(e));
        }
        // the lines filtered in place (an Option<ArticleLine> is the size of an
        // ArticleLine): the flattened lines collected into a new vector held
        // both at once, the peak of a million-article run with lines on
        #[allow(clippy::filter_map_identity)]
        let lines: Vec<ArticleLine> = lines.into_iter().filter_map(|l| l).collect();
        Ok(Report {
            params: self.params.clone(),
            thresholds: self.thresholds.clone(),
            boilerplate: self.boilerplate.clone(),
            candidates: self.candidates.clone(),
            stats,
            groups,
            singletons,
            skipped,
            warnings,
            lines,
            same_story: same_story_out,
            texts: shown_texts,
        })
    }
}

/// Articles on their way into [`Engine::cluster_intake`]: prepared in
/// parallel chunks as they arrive; texts handed to a [`TextStore`],
/// prepared words to a [`Spill`], sentence hashes kept for learning
/// boilerplate.
pub struct Intake<'e> {
    engine: &'e Engine,
    pending: Vec<Article>,
    ready: Vec<Ready>,
    articles: Vec<Article>,
    outlets: Vec<Option<String>>,
    prepared: Spill,
    sentences: Ragged<u64>,
    texts: TextStore,
    // with evidence on: each article's words as evidence aligns them
    alignments: Option<Alignments>,
    to_file: bool,
    started: Instant,
}

impl<'e> Intake<'e> {
    /// Articles prepared together: enough to keep every thread busy, few
    /// enough that their texts are a small part of memory.
    pub const CHUNK: usize = 1024;

    fn new(engine: &'e Engine, texts: TextStore, to_file: bool) -> Self {
        Intake {
            engine,
            pending: Vec::new(),
            ready: Vec::new(),
            articles: Vec::new(),
            outlets: Vec::new(),
            prepared: Spill::memory(),
            sentences: Ragged::default(),
            texts,
            alignments: None,
            to_file,
            started: Instant::now(),
        }
    }

    fn new_spill(&self) -> io::Result<Spill> {
        if self.to_file {
            Spill::file()
        } else {
            Ok(Spill::memory())
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

    /// Prepares the pending articles in parallel while the previous
    /// chunk's records are written: the writing is serial, and would
    /// otherwise leave the other threads idle.
    fn prepare_pending(&mut self) -> io::Result<()> {
        let engine: &Engine = self.engine;
        let params = &engine.params;
        let pending = std::mem::take(&mut self.pending);
        let ready = std::mem::take(&mut self.ready);
        let alignable = self.alignments.is_some();
        let (stored, prepared) = rayon::join(
            || self.store(ready),
            || {
                pending
                    .into_par_iter()
                    .map(|a| {
                        let (mut aligned, mut e) = (Encoder::default(), Encoder::default());
                        let mut p = if alignable {
                            let (p, words) = Prepared::of_article_alignable(&a, params);
                            words.encode(&mut aligned);
                            p.encode_beside(&words, &mut e);
                            p
                        } else {
                            let p = Prepared::of_article(&a, params);
                            p.encode(&mut e);
                            p
                        };
                        Ready {
                            article: a,
                            sentences: std::mem::take(&mut p.sentence_hashes),
                            prepared: e.bytes,
                            aligned: aligned.bytes,
                        }
                    })
                    .collect()
            },
        );
        self.ready = prepared;
        stored
    }

    /// Prepares what is pending and stores everything prepared.
    fn flush(&mut self) -> io::Result<()> {
        self.prepare_pending()?;
        let ready = std::mem::take(&mut self.ready);
        self.store(ready)
    }

    fn store(&mut self, ready: Vec<Ready>) -> io::Result<()> {
        // each spill's records of the chunk in one write, from where they are
        let prepared: Vec<&[u8]> = ready.iter().map(|r| &r.prepared[..]).collect();
        self.prepared.push_all(&prepared)?;
        drop(prepared);
        if let Some(al) = &mut self.alignments {
            let aligned: Vec<&[u8]> = ready.iter().map(|r| &r.aligned[..]).collect();
            al.push_all(&aligned)?;
        }
        for r in ready {
            let mut a = r.article;
            self.sentences.push(&r.sentences);
            // the report needs ids and metadata; the text goes to the store
            self.texts.push(std::mem::take(&mut a.text))?;
            // what is read of the rest from now on is the outlet: at a
            // million articles, URLs and locations are a few hundred MB
            self.outlets.push(a.outlet_key());
            a.url = None;
            a.canonical = None;
            a.location.file = String::new();
            self.articles.push(a);
        }
        Ok(())
    }
}

/// An article prepared, not yet stored.
struct Ready {
    article: Article,
    sentences: Vec<u64>,
    /// [`Prepared::encode`]
    prepared: Vec<u8>,
    /// [`crate::features::Alignable::encode`], empty with evidence off
    aligned: Vec<u8>,
}

/// One article's fingerprint pass: its verification record, band keys,
/// anchors, same-story terms, and the source it credits.
type Fingerprint = (Vec<u8>, Vec<u64>, Vec<u64>, Vec<u64>, Option<String>);

/// A run's fingerprints after the fingerprint pass: verification records
/// read back by article, same-story terms.
struct Spilled {
    records: Spill,
    terms: Ragged<u64>,
    // reads happen inside parallel work that cannot return an error: the
    // first one is kept and reported when the run ends
    error: Mutex<Option<io::Error>>,
}

impl Spilled {
    /// The verification part of article `d`'s fingerprint (empty when it
    /// cannot be read back; the error is kept).
    fn get(&self, d: u32) -> Features {
        let read = self
            .records
            .get(d as usize)
            .and_then(|bytes| Features::decode_verification(&bytes));
        read.unwrap_or_else(|e| {
            let mut first = self.error.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert(e);
            Features::default()
        })
    }

    fn take_error(&self) -> Option<io::Error> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Each article's outlet, and the outlets interned in order of first use.
pub fn outlets_of(articles: &[Article]) -> (Vec<Option<String>>, Vec<Option<u32>>) {
    intern_outlets(articles.iter().map(Article::outlet_key).collect())
}

/// Each outlet of `outlets` with its id, interned in order of first use.
fn intern_outlets(outlets: Vec<Option<String>>) -> (Vec<Option<String>>, Vec<Option<u32>>) {
    let mut interned: HashMap<&str, u32> = HashMap::new();
    let outlet_ids = outlets
        .iter()
        .map(|o| {
            o.as_deref().map(|o| {
                let next = interned.len() as u32;
                *interned.entry(o).or_insert(next)
            })
        })
        .collect();
    (outlets, outlet_ids)
}

/// A failure of the temporary file texts are spilled to.
fn spill_error(e: io::Error) -> Error {
    Error::io(std::env::temp_dir(), e)
}
