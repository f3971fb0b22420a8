//! Throughput of each pipeline stage, one at a time, on a generated corpus.
//!
//! Stages, in the order `Engine::cluster` runs them: ingest (the `Reader`
//! on the JSONL file, and the per-line parse on bytes in memory), markup
//! stripping and tokenising, prepare, shingle, sign, band, the features of
//! one article, boilerplate learning, the whole fingerprint, candidates
//! (from keys in memory, and spilled as `cluster` spills them),
//! verify, group, and then the whole `Engine::cluster`. Text stages report
//! bytes per second (of the article texts, or of the file for ingest);
//! the others articles per second, or pairs (verify) and edges (group).
//!
//! Every stage runs on one thread (rayon's global pool has one), so the
//! figures are per core and sit beside `benches/floor.rs --threads 1`;
//! `Engine::cluster` runs once on one thread and once on a pool of rayon's
//! default size (one thread per core).
//!
//!     cargo bench --bench stages
//!     cargo bench --bench stages -- sign        # only benches matching "sign"
//!     REPRINT_BENCH_CORPUS=other.jsonl cargo bench --bench stages
//!
//! The corpus defaults to `target/bench-corpora/c2000_s7.jsonl`; when that
//! file is missing the bench makes it with the generator (the interpreter in
//! `REPRINT_BENCH_PYTHON`, else `target/bench-venv/bin/python` when
//! benches/compare has made it, else `python3`; it needs numpy and wordfreq):
//!
//!     python3 ../shared/bench/gen_corpus.py --n 2000 --seed 7 --vocab wordfreq \
//!         --out target/bench-corpora/c2000_s7.jsonl \
//!         --gold target/bench-corpora/c2000_s7.gold.jsonl

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput};
use reprint::boilerplate::{Boilerplate, DocSentences};
use reprint::candidates::{candidates, SpilledKeys};
use reprint::cluster::{group, Edge};
use reprint::evidence::{evidence, evidence_of};
use reprint::features::{Alignable, Features, Prepared};
use reprint::ingest::{Corpus, FieldNames, Input, Reader};
use reprint::lsh::band_keys;
use reprint::minhash::{MinHasher, Signature};
use reprint::normalize::{plain_text, Plain};
use reprint::provenance::{provenance, MemberInfo};
use reprint::ragged::Ragged;
use reprint::same_story::links;
use reprint::shingle::shingles;
use reprint::spill::{Encoder, Spill};
use reprint::tokenize::tokenize;
use reprint::verify::verify;
use reprint::{Article, Engine, Location};

const DEFAULT_CORPUS: &str = "target/bench-corpora/c2000_s7.jsonl";
const GENERATOR: &str = "../shared/bench/gen_corpus.py";

/// The corpus file: `REPRINT_BENCH_CORPUS`, else the default one, made when
/// missing.
fn corpus_path() -> PathBuf {
    if let Some(p) = std::env::var_os("REPRINT_BENCH_CORPUS") {
        let p = PathBuf::from(p);
        if !p.is_file() {
            eprintln!(
                "REPRINT_BENCH_CORPUS={} is not a file; unset it to use {DEFAULT_CORPUS}",
                p.display()
            );
            std::process::exit(2);
        }
        return p;
    }
    let p = PathBuf::from(DEFAULT_CORPUS);
    if !p.is_file() {
        generate(&p);
    }
    p
}

fn generate(out: &Path) {
    // the venv benches/compare makes has numpy and wordfreq
    let venv = "target/bench-venv/bin/python";
    let python = std::env::var("REPRINT_BENCH_PYTHON").unwrap_or_else(|_| {
        if Path::new(venv).exists() {
            venv
        } else {
            "python3"
        }
        .into()
    });
    let gold = out.with_extension("gold.jsonl");
    let how = format!(
        "{python} {GENERATOR} --n 2000 --seed 7 --vocab wordfreq --out {} --gold {}",
        out.display(),
        gold.display()
    );
    eprintln!("{} is missing; making it: {how}", out.display());
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let ok = Command::new(&python)
        .arg(GENERATOR)
        .args(["--n", "2000", "--seed", "7", "--vocab", "wordfreq", "--out"])
        .arg(out)
        .arg("--gold")
        .arg(&gold)
        .status()
        .is_ok_and(|s| s.success());
    if !ok || !out.is_file() {
        eprintln!(
            "could not make the bench corpus. Make it by hand from the repository root \
             (the generator needs numpy and wordfreq: pip install numpy wordfreq, or set \
             REPRINT_BENCH_PYTHON to an interpreter that has them):\n    {how}\n\
             or point REPRINT_BENCH_CORPUS at any JSONL corpus."
        );
        std::process::exit(2);
    }
}

/// Every stage's input, made once by running the stages before it.
struct Data {
    path: PathBuf,
    file: Vec<u8>,
    articles: Vec<Article>,
    engine: Engine,
    plains: Vec<Plain>,
    prepared: Vec<Prepared>,
    outlet_ids: Vec<Option<u32>>,
    shingle_sets: Vec<Vec<u64>>,
    signatures: Vec<Signature>,
    features: Vec<Features>,
    pairs: Vec<(u32, u32)>,
    edges: Vec<Edge>,
    published: Vec<Option<i64>>,
}

impl Data {
    fn load() -> Data {
        let path = corpus_path();
        let file = std::fs::read(&path).expect("read the corpus");
        let corpus = Reader::default().read(&[Input::Path(path.clone())]);
        assert!(
            !corpus.articles.is_empty(),
            "{}: no articles read",
            path.display()
        );
        let articles = corpus.articles;
        let engine = Engine::default();
        let params = &engine.params;
        let plains = articles.iter().map(|a| plain_text(&a.text)).collect();
        let prepared: Vec<Prepared> = articles
            .iter()
            .map(|a| Prepared::of_article(a, params))
            .collect();
        // the interning Engine::fingerprint does, so boilerplate is learnt
        // per outlet as in a run
        let outlet_ids = reprint::engine::outlets_of(&articles).1;
        let shingle_sets: Vec<Vec<u64>> = prepared
            .iter()
            .map(|p| shingles(&p.words, params.shingle_size, params.seed))
            .collect();
        let hasher = MinHasher::new(params);
        let signatures = shingle_sets
            .iter()
            .filter_map(|s| hasher.signature(s))
            .collect();
        let features = engine.fingerprint(&articles).features;
        let pairs = candidates(features.as_slice(), &engine.candidates).pairs;
        let edges = pairs
            .iter()
            .map(|&(a, b)| Edge {
                a,
                b,
                verdict: engine.verify(&features[a as usize], &features[b as usize]),
            })
            .filter(|e| e.verdict.relation.is_some())
            .collect();
        let published = articles.iter().map(|a| a.published_ts).collect();
        Data {
            path,
            file,
            articles,
            engine,
            plains,
            prepared,
            outlet_ids,
            shingle_sets,
            signatures,
            features,
            pairs,
            edges,
            published,
        }
    }

    fn text_bytes(&self) -> u64 {
        self.articles.iter().map(|a| a.text.len() as u64).sum()
    }

    fn docs(&self) -> u64 {
        self.articles.len() as u64
    }
}

/// The per-article and per-pair stages, each on its own.
fn stages(c: &mut Criterion, d: &Data) {
    let params = &d.engine.params;
    let hasher = MinHasher::new(params);
    let mut g = c.benchmark_group("stage");
    // whole-corpus iterations take tens of milliseconds or more: flat
    // sampling keeps ten samples within the measurement time
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    g.throughput(Throughput::Bytes(d.file.len() as u64));
    g.bench_function("ingest_reader", |b| {
        b.iter_with_large_drop(|| Reader::default().read(&[Input::Path(d.path.clone())]))
    });
    // the Reader reads only paths and standard input: this is its per-line
    // work (JSON value, then the article) on bytes already in memory
    let fields = FieldNames::default();
    g.bench_function("ingest_parse_bytes", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (i, line) in d.file.split(|&c| c == b'\n').enumerate() {
                if line.trim_ascii().is_empty() {
                    continue;
                }
                let value: serde_json::Value = serde_json::from_slice(line).expect("JSON line");
                let location = Location {
                    file: "bench".into(),
                    line: i as u64 + 1,
                    record: None,
                };
                n += black_box(fields.to_article(&value, location)).is_ok() as usize;
            }
            n
        })
    });

    g.throughput(Throughput::Bytes(d.text_bytes()));
    g.bench_function("normalize", |b| {
        b.iter(|| {
            for a in &d.articles {
                black_box(plain_text(&a.text));
            }
        })
    });
    g.bench_function("normalize_tokenize", |b| {
        b.iter(|| {
            for a in &d.articles {
                black_box(tokenize(&plain_text(&a.text).text, params.seed));
            }
        })
    });
    g.bench_function("prepare", |b| {
        b.iter(|| {
            for a in &d.articles {
                black_box(Prepared::of_article(a, params));
            }
        })
    });
    // with evidence on, as `reprint cluster` prepares: the alignment
    // record (character spans, names' words) made and encoded too
    g.bench_function("prepare_alignable", |b| {
        b.iter(|| {
            for a in &d.articles {
                let (p, words) = Prepared::of_article_alignable(a, params);
                let mut e = Encoder::default();
                words.encode(&mut e);
                black_box((p, e.bytes));
            }
        })
    });
    // the intake's spill and the fingerprint pass's reading of it: the
    // prepared record written whole beside the alignment record, or
    // leaving it the words' low halves and the sentences (as `cluster` does)
    let aligned: Vec<(Prepared, Alignable)> = d
        .articles
        .iter()
        .map(|a| Prepared::of_article_alignable(a, params))
        .collect();
    for (name, beside) in [
        ("spill_prepared_whole", false),
        ("spill_prepared_beside", true),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut prepared = Spill::file().expect("a temporary file");
                let mut alignments = Spill::file().expect("a temporary file");
                // a chunk's records encoded, then written in one go
                for chunk in aligned.chunks(1024) {
                    let records: Vec<(Vec<u8>, Vec<u8>)> = chunk
                        .iter()
                        .map(|(p, words)| {
                            let (mut e, mut w) = (Encoder::default(), Encoder::default());
                            words.encode(&mut w);
                            if beside {
                                p.encode_beside(words, &mut e);
                            } else {
                                p.encode(&mut e);
                            }
                            (e.bytes, w.bytes)
                        })
                        .collect();
                    let (e, w): (Vec<&[u8]>, Vec<&[u8]>) =
                        records.iter().map(|(e, w)| (&e[..], &w[..])).unzip();
                    prepared.push_all(&e).expect("written");
                    alignments.push_all(&w).expect("written");
                }
                prepared.finish().expect("written");
                alignments.finish().expect("written");
                // read back as the fingerprint pass does: a chunk's
                // records in one read per spill
                for start in (0..aligned.len()).step_by(1024) {
                    let range = start..(start + 1024).min(aligned.len());
                    let run = prepared.get_run(range.clone()).expect("read back");
                    let beside_run = beside.then(|| alignments.get_run(range.clone()));
                    let beside_run = beside_run.transpose().expect("read back");
                    for i in range {
                        let p = Prepared::decode_beside(run.get(i), || {
                            Ok::<_, std::io::Error>(
                                beside_run.as_ref().map_or(&[][..], |b| b.get(i)),
                            )
                        });
                        black_box(p.expect("decoded"));
                    }
                }
            })
        });
    }

    let plain_bytes = d.plains.iter().map(|p| p.text.len() as u64).sum();
    g.throughput(Throughput::Bytes(plain_bytes));
    g.bench_function("tokenize", |b| {
        b.iter(|| {
            for p in &d.plains {
                black_box(tokenize(&p.text, params.seed));
            }
        })
    });

    g.throughput(Throughput::Elements(d.docs()));
    g.bench_function("shingle", |b| {
        b.iter(|| {
            for p in &d.prepared {
                black_box(shingles(&p.words, params.shingle_size, params.seed));
            }
        })
    });
    g.bench_function("sign", |b| {
        b.iter(|| {
            for s in &d.shingle_sets {
                black_box(hasher.signature(s));
            }
        })
    });
    g.throughput(Throughput::Elements(d.signatures.len() as u64));
    g.bench_function("band", |b| {
        b.iter(|| {
            for s in &d.signatures {
                black_box(band_keys(s, params));
            }
        })
    });
    g.throughput(Throughput::Elements(d.docs()));
    // shingle + sign + band + anchors + the verification set, nothing masked
    g.bench_function("features", |b| {
        b.iter(|| {
            for p in &d.prepared {
                black_box(Features::new(p, |_| false, params, &hasher));
            }
        })
    });
    g.bench_function("boilerplate_learn", |b| {
        let docs: Vec<DocSentences> = d
            .prepared
            .iter()
            .zip(&d.outlet_ids)
            .map(|(p, &outlet)| DocSentences {
                outlet,
                sentences: &p.sentence_hashes,
            })
            .collect();
        b.iter(|| Boilerplate::learn(&docs, &d.engine.boilerplate))
    });
    g.throughput(Throughput::Bytes(d.text_bytes()));
    // prepare + boilerplate + features, as Engine::cluster's first stage;
    // ten flat samples of one iteration need this long
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("fingerprint", |b| {
        b.iter_with_large_drop(|| d.engine.fingerprint(&d.articles))
    });
    g.measurement_time(Duration::from_secs(3));

    g.throughput(Throughput::Elements(d.docs()));
    g.bench_function("candidates", |b| {
        b.iter_with_large_drop(|| candidates(d.features.as_slice(), &d.engine.candidates))
    });
    // as `cluster` finds them: the keys spilled to files (warm page cache)
    g.bench_function("candidates_spilled", |b| {
        let spill = || Spill::file().expect("a temporary file");
        let mut keys = SpilledKeys::new(spill(), spill(), d.features.len());
        for f in &d.features {
            keys.push(&f.band_keys, &f.anchors).expect("keys spilled");
        }
        keys.finish().expect("keys spilled");
        b.iter_with_large_drop(|| candidates(&keys, &d.engine.candidates))
    });
    g.throughput(Throughput::Elements(d.pairs.len() as u64));
    g.bench_function("verify", |b| {
        let k = params.shingle_size;
        let t = &d.engine.thresholds;
        let f = &d.features;
        b.iter(|| {
            let mut copies = 0usize;
            for &(x, y) in &d.pairs {
                copies += verify(&f[x as usize], &f[y as usize], k, t)
                    .relation
                    .is_some() as usize;
            }
            copies
        })
    });
    g.throughput(Throughput::Elements(d.edges.len() as u64));
    g.bench_function("group", |b| {
        let f = &d.features;
        b.iter_with_large_drop(|| {
            group(d.articles.len(), &d.edges, &d.published, |x, y| {
                d.engine.related_among(&d.pairs, &d.edges, x, y, || {
                    (f[x as usize].clone(), f[y as usize].clone())
                })
            })
        })
    });
    // the same-story tier's candidate links: rare shared terms among
    // articles of different groups, scored (before the template veto)
    let grouping = group(d.articles.len(), &d.edges, &d.published, |x, y| {
        let f = &d.features;
        d.engine.related_among(&d.pairs, &d.edges, x, y, || {
            (f[x as usize].clone(), f[y as usize].clone())
        })
    });
    // each group's original and every member's closest parent, as the
    // engine works them out (outlets and credits aside)
    g.throughput(Throughput::Elements(d.docs()));
    g.bench_function("provenance", |b| {
        let f = &d.features;
        assert!(d
            .edges
            .windows(2)
            .all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b)));
        b.iter(|| {
            let mut placed = 0;
            for members in &grouping.groups {
                let infos: Vec<MemberInfo> = members
                    .iter()
                    .map(|&m| MemberInfo {
                        doc: m,
                        published: d.published[m as usize],
                        outlet: None,
                        credited: None,
                        joined: grouping.joined[m as usize],
                        features: &f[m as usize],
                    })
                    .collect();
                placed += provenance(&infos, |x, y| {
                    d.engine
                        .verdict_among(&d.edges, x, y, &f[x as usize], &f[y as usize])
                })
                .placements
                .len();
            }
            placed
        })
    });
    let terms: Ragged<u64> = d.features.iter().map(|f| f.terms.as_slice()).collect();
    g.throughput(Throughput::Elements(d.docs()));
    g.bench_function("same_story", |b| {
        b.iter_with_large_drop(|| {
            links(
                &terms,
                &d.published,
                &grouping.group_of,
                &d.engine.same_story,
            )
        })
    });
    // the copy pairs as (member, parent): both texts re-read, tokenised
    // with their spans and aligned, as the report's evidence is made
    let pairs: Vec<(u32, u32)> = d.edges.iter().map(|e| (e.a, e.b)).collect();
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("evidence", |b| {
        b.iter_with_large_drop(|| {
            evidence(
                &pairs,
                |i| d.articles[i as usize].text.as_str(),
                |_, _| false,
                params,
            )
        })
    });
    // the same pairs from the records the intake spills (`reprint
    // cluster`'s way): decoded, not tokenised again
    let records: Vec<Vec<u8>> = d
        .articles
        .iter()
        .map(|a| {
            let mut e = Encoder::default();
            Prepared::of_article_alignable(a, params).1.encode(&mut e);
            e.bytes
        })
        .collect();
    g.bench_function("evidence_from_records", |b| {
        b.iter_with_large_drop(|| {
            evidence_of(
                &pairs,
                |i| {
                    Alignable::decode_words(&records[i as usize])
                        .expect("records read back")
                        .aligned(|_| false)
                },
                params,
            )
        })
    });
    g.finish();
}

/// The whole run, as `reprint cluster` does it after reading; in `pool`
/// when given, else in the global (one-thread) pool.
fn engine(c: &mut Criterion, d: &Data, name: &str, pool: Option<&rayon::ThreadPool>) {
    let mut g = c.benchmark_group("engine");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(d.text_bytes()));
    g.bench_function(format!("cluster_{name}"), |b| {
        b.iter_batched(
            || Corpus {
                articles: d.articles.clone(),
                ..Corpus::default()
            },
            |corpus| match pool {
                Some(p) => p.install(|| d.engine.cluster(corpus)),
                None => d.engine.cluster(corpus),
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn main() {
    // candidates and Engine::fingerprint use rayon inside: with a one-thread
    // global pool every stage's figure is that of one core
    let default_pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("rayon's default pool");
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("a one-thread global pool");
    let mut c = Criterion::default().configure_from_args();
    let d = Data::load();
    eprintln!(
        "corpus {}: {} articles, {:.2} MB of file, {:.2} MB of text ({:.0} bytes a text), \
         {} candidate pairs, {} copy edges; default pool {} threads",
        d.path.display(),
        d.docs(),
        d.file.len() as f64 / 1e6,
        d.text_bytes() as f64 / 1e6,
        d.text_bytes() as f64 / d.docs() as f64,
        d.pairs.len(),
        d.edges.len(),
        default_pool.current_num_threads()
    );
    stages(&mut c, &d);
    engine(&mut c, &d, "1_thread", None);
    engine(&mut c, &d, "default_pool", Some(&default_pool));
    c.final_summary();
}
