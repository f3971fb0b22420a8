//! Recall of candidate generation against exact all-pairs verification.
//!
//! Every pair of a (small) corpus is verified exactly; the pairs that are
//! copies of some kind are the truth, and the share of them that LSH bands
//! or shared anchors proposed is the recall of candidate generation, per
//! relation and per channel.
//!
//!     cargo bench --bench candidate_recall -- CORPUS.jsonl [MAX_ARTICLES]

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;
use reprint::candidates::{candidates, CandidateConfig};
use reprint::ingest::{Input, Reader};
use reprint::{Engine, Params};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: cargo bench --bench candidate_recall -- CORPUS.jsonl [MAX_ARTICLES]");
        return;
    };
    let max: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let mut corpus = Reader::default().read(&[Input::parse(path)]);
    corpus.articles.truncate(max);
    let engine = Engine::default();
    let fp = engine.fingerprint(&corpus.articles);
    let n = fp.features.len();
    let cands = candidates(fp.features.as_slice(), &CandidateConfig::default());
    let lsh_only = candidates(
        fp.features.as_slice(),
        &CandidateConfig {
            anchor_min_shared: u32::MAX,
            ..CandidateConfig::default()
        },
    );
    let proposed: HashSet<(u32, u32)> = cands.pairs.iter().copied().collect();
    let by_lsh: HashSet<(u32, u32)> = lsh_only.pairs.iter().copied().collect();
    let truth: Vec<((u32, u32), &'static str)> = (0..n as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let fp = &fp;
            let engine = &engine;
            (a + 1..n as u32).filter_map(move |b| {
                let v = engine.verify(&fp.features[a as usize], &fp.features[b as usize]);
                v.relation.map(|r| ((a, b), r.as_str()))
            })
        })
        .collect();
    let mut table: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (pair, rel) in &truth {
        let e = table.entry(rel).or_default();
        e.0 += 1;
        e.1 += usize::from(proposed.contains(pair));
        e.2 += usize::from(by_lsh.contains(pair));
    }
    let params = Params::default();
    println!(
        "{} articles, {} pairs verified exactly; candidates: {} ({} from LSH {}x{}, {} from anchors)",
        n,
        n * (n - 1) / 2,
        cands.pairs.len(),
        cands.from_lsh,
        params.bands,
        params.rows,
        cands.from_anchors
    );
    println!("| relation | exact pairs | found (both channels) | recall | LSH alone | recall |");
    println!("|---|---|---|---|---|---|");
    let (mut t, mut f, mut l) = (0, 0, 0);
    for (rel, (total, found, lsh)) in &table {
        println!(
            "| {rel} | {total} | {found} | {:.4} | {lsh} | {:.4} |",
            *found as f64 / *total as f64,
            *lsh as f64 / *total as f64
        );
        t += total;
        f += found;
        l += lsh;
    }
    println!(
        "| all | {t} | {f} | {:.4} | {l} | {:.4} |",
        f as f64 / t as f64,
        l as f64 / t as f64
    );
}
