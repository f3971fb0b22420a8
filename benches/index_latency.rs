//! Latency of one `check` against a persistent index, article by article.
//!
//! Opens INDEX read-only (as `reprint check --index` does) and checks each
//! article of QUERIES on its own, timing every call; prints p50/p90/p99/max
//! and the batch throughput, with and without shared passages.
//!
//!     cargo bench --bench index_latency -- INDEX QUERIES.jsonl [MAX_QUERIES]

use std::path::Path;
use std::time::Instant;

use reprint::index::{Access, Index};
use reprint::ingest::{Input, Reader};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (Some(index), Some(queries)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo bench --bench index_latency -- INDEX QUERIES.jsonl [MAX_QUERIES]");
        return;
    };
    let max: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut corpus = Reader::default().read(&[Input::parse(queries)]);
    corpus.articles.truncate(max);
    let mut ix = Index::open(Path::new(index), Access::Read).expect("open index");
    let stats = ix.stats(false).expect("stats");
    println!(
        "index {index}: {} articles, {:.0} MB; {} queries",
        stats.articles,
        stats.file_bytes as f64 / 1e6,
        corpus.articles.len()
    );
    for evidence in [false, true] {
        ix.set_evidence(evidence);
        // one warm-up pass: the page cache, as on a serving machine
        let _ = ix.check(&corpus.articles[..corpus.articles.len().min(100)], 10);
        let mut ms: Vec<f64> = Vec::with_capacity(corpus.articles.len());
        let mut reprints = 0;
        let start = Instant::now();
        for a in &corpus.articles {
            let t = Instant::now();
            let r = ix.check(std::slice::from_ref(a), 10).expect("check");
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            reprints += usize::from(r[0].is_reprint);
        }
        let total = start.elapsed().as_secs_f64();
        ms.sort_by(f64::total_cmp);
        let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
        println!(
            "passages {:<3}: p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  \
             {:.0} checks/s  ({reprints} reprints)",
            if evidence { "yes" } else { "no" },
            q(0.5),
            q(0.9),
            q(0.99),
            ms[ms.len() - 1],
            ms.len() as f64 / total
        );
    }
}
