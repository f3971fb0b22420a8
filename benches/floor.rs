//! The hardware floor: how fast the least work any near-duplicate finder
//! must do on a corpus can go on this machine, to set reprint's stage
//! figures (`benches/stages.rs`) against.
//!
//! Passes, each timed from reading the file to its last article:
//!
//! * `read`: the file into memory (and its lines counted);
//! * `parse`: read, then serde_json on each line for the text and title;
//! * `minimal`: read, parse, lower-case and split on non-alphanumeric
//!   characters, xxh3 of each word and of each 5-word shingle (of the word
//!   hashes, as reprint does), and a 128-permutation MinHash of those
//!   shingles with affine permutations `a*x+b` in u32 lanes;
//! * `minimal_reprint_sign`: the same with reprint's `MinHasher::signature`
//!   as the signing step.
//!
//! The two last passes also time their signing step alone (`sign_seconds`,
//! summed over threads), so that "reprint's signing / the floor's" is their
//! ratio. The file is read once untimed first, so every pass reads it from
//! the page cache. MB are 10^6 bytes of the file.
//!
//!     cargo bench --bench floor -- CORPUS.jsonl [--threads N]
//!
//! Stdout is one JSON line per pass (`pass`, `threads`, `docs`, `mb`,
//! `seconds`, `docs_per_s`, `mb_per_s`, `checksum`, and `sign_seconds` where
//! timed); a summary goes to stderr. One thread unless `--threads` says
//! otherwise; with more, the file's lines are split in equal runs of bytes.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use reprint::minhash::MinHasher;
use reprint::Params;
use serde::Deserialize;
use xxhash_rust::xxh3::xxh3_64;

const SHINGLE: usize = 5;
const PERMS: usize = 128;

/// The fields a finder needs; borrowed, so that a text without escapes is
/// not copied.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(default)]
    title: Option<String>,
}

/// What one thread of one pass did.
#[derive(Default)]
struct Tally {
    docs: u64,
    checksum: u64,
    sign: Duration,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.docs += other.docs;
        self.checksum = self.checksum.wrapping_add(other.checksum);
        self.sign += other.sign;
    }
}

/// The floor's permutations: odd multipliers from SplitMix64.
struct Perms {
    a: [u32; PERMS],
    b: [u32; PERMS],
}

impl Perms {
    fn new(seed: u64) -> Perms {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 32) as u32
        };
        let mut p = Perms {
            a: [0; PERMS],
            b: [0; PERMS],
        };
        for (a, b) in p.a.iter_mut().zip(p.b.iter_mut()) {
            *a = next() | 1;
            *b = next();
        }
        p
    }

    /// Fixed-size arrays, so the lane loop is fully unrolled and vectorised.
    fn sign(&self, hashes: &[u64]) -> [u32; PERMS] {
        let mut sig = [u32::MAX; PERMS];
        for &h in hashes {
            let x = (h ^ (h >> 32)) as u32;
            for ((s, &a), &b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                *s = (*s).min(a.wrapping_mul(x).wrapping_add(b));
            }
        }
        sig
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Parse,
    Minimal,
    MinimalReprintSign,
}

impl Pass {
    fn name(self) -> &'static str {
        match self {
            Pass::Parse => "parse",
            Pass::Minimal => "minimal",
            Pass::MinimalReprintSign => "minimal_reprint_sign",
        }
    }
}

/// Reused buffers of one thread.
struct Scratch {
    word: Vec<u8>,
    words: Vec<u64>,
    shingles: Vec<u64>,
}

/// Word hashes of `text`: lower-cased runs of alphanumeric characters.
fn words(text: &str, s: &mut Scratch) {
    s.words.clear();
    s.word.clear();
    if text.is_ascii() {
        for &c in text.as_bytes() {
            if c.is_ascii_alphanumeric() {
                s.word.push(c.to_ascii_lowercase());
            } else if !s.word.is_empty() {
                s.words.push(xxh3_64(&s.word));
                s.word.clear();
            }
        }
    } else {
        let mut utf8 = [0u8; 4];
        for c in text.chars() {
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    s.word
                        .extend_from_slice(l.encode_utf8(&mut utf8).as_bytes());
                }
            } else if !s.word.is_empty() {
                s.words.push(xxh3_64(&s.word));
                s.word.clear();
            }
        }
    }
    if !s.word.is_empty() {
        s.words.push(xxh3_64(&s.word));
    }
}

/// Shingle hashes of the word hashes; a text shorter than a shingle is one.
fn shingles(s: &mut Scratch) {
    s.shingles.clear();
    if s.words.is_empty() {
        return;
    }
    let width = SHINGLE.min(s.words.len());
    let mut buf = [0u8; 8 * SHINGLE];
    for w in s.words.windows(width) {
        for (i, h) in w.iter().enumerate() {
            buf[8 * i..8 * i + 8].copy_from_slice(&h.to_le_bytes());
        }
        s.shingles.push(xxh3_64(&buf[..8 * width]));
    }
}

fn run_chunk(chunk: &[u8], pass: Pass, perms: &Perms, hasher: &MinHasher) -> Tally {
    let mut t = Tally::default();
    let mut s = Scratch {
        word: Vec::new(),
        words: Vec::new(),
        shingles: Vec::new(),
    };
    for line in chunk.split(|&c| c == b'\n') {
        if line.trim_ascii().is_empty() {
            continue;
        }
        let r: Record = match serde_json::from_slice(line) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("skipped a line: {e}");
                continue;
            }
        };
        t.docs += 1;
        let title = r.title.as_deref().unwrap_or("");
        if pass == Pass::Parse {
            t.checksum = t
                .checksum
                .wrapping_add(r.text.len() as u64 + title.len() as u64);
            continue;
        }
        // as reprint: the title stands in for an empty text
        let text = if r.text.trim().is_empty() {
            title
        } else {
            &r.text
        };
        words(text, &mut s);
        shingles(&mut s);
        if s.shingles.is_empty() {
            continue;
        }
        let clock = Instant::now();
        let sum = if pass == Pass::Minimal {
            let sig = perms.sign(&s.shingles);
            sig.iter()
                .fold(0u64, |acc, &v| acc.rotate_left(5) ^ v as u64)
        } else {
            let sig = hasher.signature(&s.shingles).expect("shingles");
            sig.0
                .iter()
                .fold(0u64, |acc, &v| acc.rotate_left(5) ^ v as u64)
        };
        t.sign += clock.elapsed();
        t.checksum = t.checksum.wrapping_add(sum);
    }
    t
}

/// `buf` in `n` runs of whole lines.
fn chunks(buf: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..=n {
        let mut end = (buf.len() * i / n).max(start);
        while end < buf.len() && buf[end - 1] != b'\n' {
            end += 1;
        }
        out.push(&buf[start..end]);
        start = end;
    }
    out
}

struct Run<'a> {
    path: &'a str,
    threads: usize,
    perms: Perms,
    hasher: MinHasher,
}

impl Run<'_> {
    fn read(&self) -> Vec<u8> {
        std::fs::read(self.path).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", self.path);
            std::process::exit(2);
        })
    }

    fn pass(&self, pass: Pass) -> (Tally, f64, u64) {
        let clock = Instant::now();
        let buf = self.read();
        let mut total = Tally::default();
        if self.threads == 1 {
            total = run_chunk(&buf, pass, &self.perms, &self.hasher);
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks(&buf, self.threads)
                    .into_iter()
                    .map(|c| scope.spawn(move || run_chunk(c, pass, &self.perms, &self.hasher)))
                    .collect();
                for h in handles {
                    total.add(h.join().expect("a pass thread"));
                }
            });
        }
        (total, clock.elapsed().as_secs_f64(), buf.len() as u64)
    }
}

fn emit(pass: &str, threads: usize, t: &Tally, seconds: f64, bytes: u64, timed_sign: bool) {
    let mb = bytes as f64 / 1e6;
    let mut line = serde_json::json!({
        "pass": pass,
        "threads": threads,
        "docs": t.docs,
        "mb": round(mb, 3),
        "seconds": round(seconds, 4),
        "docs_per_s": round(t.docs as f64 / seconds, 1),
        "mb_per_s": round(mb / seconds, 2),
        "checksum": t.checksum,
    });
    if timed_sign {
        line["sign_seconds"] = round(t.sign.as_secs_f64(), 4).into();
    }
    println!("{line}");
    eprintln!(
        "{pass:>21}: {:>9} docs in {seconds:>8.3} s  {:>10.0} docs/s  {:>8.1} MB/s",
        t.docs,
        t.docs as f64 / seconds,
        mb / seconds
    );
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn main() {
    let mut path = None;
    let mut threads = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            // cargo bench passes --bench to every bench binary
            "--bench" => {}
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| {
                        eprintln!("--threads wants a positive number");
                        std::process::exit(2);
                    })
            }
            _ if a.starts_with("--") => {
                eprintln!("unknown option {a}");
                std::process::exit(2);
            }
            _ => path = Some(a),
        }
    }
    let Some(path) = path else {
        // `cargo bench` with no arguments runs every bench: not an error
        eprintln!("usage: cargo bench --bench floor -- CORPUS.jsonl [--threads N]");
        return;
    };
    let params = Params::default();
    let run = Run {
        path: &path,
        threads,
        perms: Perms::new(params.seed),
        hasher: MinHasher::new(&params),
    };
    drop(run.read());

    let clock = Instant::now();
    let buf = run.read();
    let lines = buf
        .split(|&c| c == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .count() as u64;
    let seconds = clock.elapsed().as_secs_f64();
    let read = Tally {
        docs: lines,
        checksum: lines ^ buf.len() as u64,
        sign: Duration::ZERO,
    };
    emit("read", 1, &read, seconds, buf.len() as u64, false);
    drop(buf);

    let mut signs = Vec::new();
    for pass in [Pass::Parse, Pass::Minimal, Pass::MinimalReprintSign] {
        let (t, seconds, bytes) = run.pass(pass);
        let timed = pass != Pass::Parse;
        emit(pass.name(), threads, &t, seconds, bytes, timed);
        if timed {
            signs.push(t.sign.as_secs_f64());
        }
    }
    if let [floor, reprint] = signs[..] {
        eprintln!(
            "signing: floor {floor:.3} s, reprint's MinHasher::signature {reprint:.3} s: \
             {:.2}x the floor",
            reprint / floor
        );
    }
}
