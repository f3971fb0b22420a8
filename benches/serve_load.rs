//! Load on `reprint serve`: concurrent checks over keep-alive connections
//! for a fixed time, alone or while articles are added, with throughput,
//! latency percentiles, errors and the server's peak resident memory.
//!
//!     cargo bench --bench serve_load -- --index target/bench-out/index/c100000_s1.db \
//!         --queries target/bench-out/index/c100000_s1.queries.jsonl
//!     cargo bench --bench serve_load -- --index ... --queries ... \
//!         --add target/bench-corpora/c10000_s2.jsonl --add-count 10000
//!
//! The bench starts the server itself (the `reprint` binary of this build)
//! on a free loopback port, and talks to nothing else. Without `--add` the
//! server is read-only and the index is only read. With `--add`, the index
//! is first copied into a temporary folder (removed at the end) and the
//! articles (ids prefixed, so that none is already stored) are posted in
//! batches while the checks run; the checks go on until the add is done.
//!
//! Options: `--connections N` (16), `--seconds S` (60), `--warmup S` (5,
//! not counted), `--add-batch N` (1000 articles per request), `--id-prefix
//! P` (`add-`). Every loop is bounded in time (at most 30 minutes in all).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Nothing runs longer than this, whatever the options say.
const HARD_LIMIT: Duration = Duration::from_secs(30 * 60);

struct Options {
    index: PathBuf,
    queries: PathBuf,
    connections: usize,
    seconds: f64,
    warmup: f64,
    add: Option<PathBuf>,
    add_count: usize,
    add_batch: usize,
    id_prefix: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: cargo bench --bench serve_load -- --index INDEX --queries QUERIES.jsonl \
         [--connections 16] [--seconds 60] [--warmup 5] [--add ARTICLES.jsonl \
         [--add-count 10000] [--add-batch 1000] [--id-prefix add-]]"
    );
    std::process::exit(0)
}

fn options() -> Options {
    let mut o = Options {
        index: PathBuf::new(),
        queries: PathBuf::new(),
        connections: 16,
        seconds: 60.0,
        warmup: 5.0,
        add: None,
        add_count: 10_000,
        add_batch: 1_000,
        id_prefix: "add-".to_string(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--index" => o.index = PathBuf::from(value()),
            "--queries" => o.queries = PathBuf::from(value()),
            "--connections" => o.connections = value().parse().unwrap_or_else(|_| usage()),
            "--seconds" => o.seconds = value().parse().unwrap_or_else(|_| usage()),
            "--warmup" => o.warmup = value().parse().unwrap_or_else(|_| usage()),
            "--add" => o.add = Some(PathBuf::from(value())),
            "--add-count" => o.add_count = value().parse().unwrap_or_else(|_| usage()),
            "--add-batch" => o.add_batch = value().parse().unwrap_or_else(|_| usage()),
            "--id-prefix" => o.id_prefix = value(),
            // cargo bench passes --bench to harness = false targets
            "--bench" => {}
            _ => usage(),
        }
    }
    if o.index.as_os_str().is_empty() || o.queries.as_os_str().is_empty() {
        usage();
    }
    o.connections = o.connections.clamp(1, 256);
    o.seconds = o.seconds.clamp(1.0, 600.0);
    o.warmup = o.warmup.clamp(0.0, 60.0);
    o.add_batch = o.add_batch.max(1);
    o
}

/// The server under test, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(index: &Path, read_only: bool) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reprint"));
        cmd.arg("serve")
            .arg("--index")
            .arg(index)
            .args(["--addr", "127.0.0.1:0", "-q", "--max-body", "64M"])
            .args(["--timeout", "120", "--write-timeout", "1800"]);
        if read_only {
            cmd.arg("--read-only");
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start reprint serve");
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                eprintln!("  server: {line}");
                let _ = tx.send(line);
            }
        });
        let addr = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(120))
                .expect("reprint serve started");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split('/').next().unwrap().parse().expect("address");
            }
        };
        Server { child, addr }
    }

    /// A memory figure of the server process from /proc (`VmHWM`: peak
    /// resident; `RssAnon`: its own heap now; `RssFile`: mapped index pages
    /// now), in MiB.
    fn memory_mib(&self, field: &str) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Server {
    /// SIGTERM first: the server closes its index connections, and SQLite
    /// removes the `-wal` and `-shm` files a reader made beside the index.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    addr: SocketAddr,
    stream: Option<(TcpStream, BufReader<TcpStream>)>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        Conn { addr, stream: None }
    }

    /// Sends one request; the status and body of the answer.
    fn call(&mut self, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(1800)))?;
            let r = BufReader::new(s.try_clone()?);
            self.stream = Some((s, r));
        }
        let result = self.exchange(path, body);
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn exchange(&mut self, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let (w, r) = self.stream.as_mut().expect("connected");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        w.write_all(head.as_bytes())?;
        w.write_all(body)?;
        let mut line = String::new();
        r.read_line(&mut line)?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        let mut close = false;
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                } else if k.eq_ignore_ascii_case("connection") && v.trim() == "close" {
                    close = true;
                }
            }
        }
        let mut out = vec![0u8; length];
        r.read_exact(&mut out)?;
        if close {
            self.stream = None;
        }
        Ok((status, out))
    }
}

/// A finished check: when it ended (since the start), how long it took,
/// and whether it succeeded.
#[derive(Clone, Copy)]
struct Sample {
    end: Duration,
    micros: u64,
    ok: bool,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// Throughput and latency of the samples that ended in `[from, to)`.
fn summary(label: &str, samples: &[Sample], from: Duration, to: Duration) -> String {
    let window: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.end >= from && s.end < to)
        .collect();
    let errors = window.iter().filter(|s| !s.ok).count();
    let mut lat: Vec<u64> = window.iter().filter(|s| s.ok).map(|s| s.micros).collect();
    lat.sort_unstable();
    let secs = (to - from).as_secs_f64().max(1e-9);
    format!(
        "{label}: {} checks in {secs:.1} s = {:.1} checks/s; latency p50 {:.1} ms, p90 {:.1} ms, \
         p99 {:.1} ms, max {:.1} ms; {errors} errors",
        window.len(),
        window.len() as f64 / secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.9),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0) as f64 / 1000.0,
    )
}

fn read_lines(path: &Path, limit: usize) -> Vec<String> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .take(limit)
        .collect()
}

fn main() {
    let o = options();
    let queries: Arc<Vec<Vec<u8>>> = Arc::new(
        read_lines(&o.queries, usize::MAX)
            .into_iter()
            .map(String::into_bytes)
            .collect(),
    );
    assert!(!queries.is_empty(), "no queries in {}", o.queries.display());

    // an add works on a copy of the index, never on the original
    let scratch = tempfile::Builder::new()
        .prefix("reprint-serve-load-")
        .tempdir_in("/tmp")
        .expect("temporary folder");
    let index = match &o.add {
        Some(_) => {
            let copy = scratch.path().join("index.db");
            let started = Instant::now();
            std::fs::copy(&o.index, &copy).expect("copy the index");
            let mut wal = o.index.clone().into_os_string();
            wal.push("-wal");
            if Path::new(&wal).is_file() {
                std::fs::copy(&wal, scratch.path().join("index.db-wal")).expect("copy the log");
            }
            eprintln!(
                "copied {} to {} in {:.1} s",
                o.index.display(),
                copy.display(),
                started.elapsed().as_secs_f64()
            );
            copy
        }
        None => o.index.clone(),
    };
    let batches: Vec<Vec<u8>> = match &o.add {
        Some(path) => {
            let records: Vec<serde_json::Value> = read_lines(path, o.add_count)
                .iter()
                .map(|l| {
                    let mut v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
                    let id = v["id"].as_str().map(str::to_string).unwrap_or_default();
                    v["id"] = serde_json::Value::String(format!("{}{id}", o.id_prefix));
                    v
                })
                .collect();
            records
                .chunks(o.add_batch)
                .map(|c| serde_json::to_vec(c).expect("serialise"))
                .collect()
        }
        None => Vec::new(),
    };
    let to_add: usize = o.add.as_ref().map_or(0, |_| o.add_count);

    let server = Server::start(&index, o.add.is_none());
    eprintln!(
        "serving {} at {}; {} queries; {} connections; {} s (+{} s warm-up){}",
        index.display(),
        server.addr,
        queries.len(),
        o.connections,
        o.seconds,
        o.warmup,
        if to_add > 0 {
            format!("; adding {to_add} articles in batches of {}", o.add_batch)
        } else {
            String::new()
        }
    );

    let start = Instant::now();
    let warm = Duration::from_secs_f64(o.warmup);
    let measure_end = warm + Duration::from_secs_f64(o.seconds);
    let adding = Arc::new(AtomicBool::new(!batches.is_empty()));
    let adder = (!batches.is_empty()).then(|| {
        let addr = server.addr;
        let adding = Arc::clone(&adding);
        std::thread::spawn(move || {
            // the add starts with the measured window
            std::thread::sleep(warm.saturating_sub(start.elapsed()));
            let began = start.elapsed();
            let mut conn = Conn::new(addr);
            let (mut added, mut present, mut failed) = (0u64, 0u64, 0usize);
            for b in &batches {
                match conn.call("/v1/articles", b) {
                    Ok((200, body)) => {
                        let v: serde_json::Value =
                            serde_json::from_slice(&body).unwrap_or_default();
                        added += v["added"].as_u64().unwrap_or(0);
                        present += v["already_present"]
                            .as_array()
                            .map_or(0, |a| a.len() as u64);
                    }
                    Ok((status, body)) => {
                        failed += 1;
                        eprintln!("add: {status} {}", String::from_utf8_lossy(&body));
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("add: {e}");
                    }
                }
                if start.elapsed() > HARD_LIMIT {
                    break;
                }
            }
            adding.store(false, Ordering::SeqCst);
            (began, start.elapsed(), added, present, failed)
        })
    });

    let workers: Vec<_> = (0..o.connections)
        .map(|w| {
            let queries = Arc::clone(&queries);
            let adding = Arc::clone(&adding);
            let addr = server.addr;
            std::thread::spawn(move || {
                let mut conn = Conn::new(addr);
                let mut samples = Vec::new();
                let mut k = w;
                loop {
                    let now = start.elapsed();
                    let more = now < measure_end || adding.load(Ordering::SeqCst);
                    if !more || now > HARD_LIMIT {
                        break;
                    }
                    let q = &queries[k % queries.len()];
                    k += o.connections;
                    let t = Instant::now();
                    let ok = matches!(conn.call("/v1/check", q), Ok((200, _)));
                    samples.push(Sample {
                        end: start.elapsed(),
                        micros: t.elapsed().as_micros() as u64,
                        ok,
                    });
                }
                samples
            })
        })
        .collect();
    let mut samples: Vec<Sample> = Vec::new();
    for w in workers {
        samples.extend(w.join().expect("worker"));
    }
    let end = samples
        .iter()
        .map(|s| s.end)
        .max()
        .unwrap_or(measure_end)
        .max(measure_end);
    println!("{}", summary("checks", &samples, warm, end));
    if let Some(adder) = adder {
        let (began, ended, added, present, failed) = adder.join().expect("adder");
        let secs = (ended - began).as_secs_f64();
        println!(
            "add: {added} articles added ({present} already present, {failed} failed requests) \
             in {secs:.1} s = {:.1} articles/s",
            added as f64 / secs.max(1e-9)
        );
        println!(
            "{}",
            summary("checks while the add ran", &samples, began, ended)
        );
    }
    let mib = |f: &str| {
        server
            .memory_mib(f)
            .map_or("unknown".to_string(), |m| format!("{m:.0} MiB"))
    };
    println!(
        "server peak RSS: {} (at the end: {} heap, {} of mapped index pages)",
        mib("VmHWM:"),
        mib("RssAnon:"),
        mib("RssFile:")
    );
    drop(server);
}
