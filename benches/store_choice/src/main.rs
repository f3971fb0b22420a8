//! redb vs SQLite as the persistent MinHash-LSH index. Usage and results: README.md.
//!   build <N> [sqlite|redb]   run the benchmark for both stores (or one) and print a markdown table
//!   bench <store> <N>         one store in this process (spawned by `build`, so RSS is per store)
//!   read|write <store> <path> try to read / write a database another process may hold (spawned)
use redb::{Database, MultimapTableDefinition, TableDefinition};
use rusqlite::Connection;
use std::os::unix::{fs::MetadataExt, io::AsRawFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use std::{env, fs, ops::Range};

const BANDS: MultimapTableDefinition<u64, u32> = MultimapTableDefinition::new("bands");
const ANCHORS: MultimapTableDefinition<u64, u32> = MultimapTableDefinition::new("anchors");
const BLOBS: TableDefinition<u32, &[u8]> = TableDefinition::new("blobs");
const BATCH: u32 = 10_000;
const QUERIES: u64 = 1_000;
const SENTINEL: u64 = u64::MAX - 7; // inserted by a write txn that is never committed
/// splitmix64: a bijection, so distinct inputs give distinct keys.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
fn band_keys(d: u32) -> Vec<u64> {
    (0..25).map(|j| mix(0xBA4D ^ (u64::from(d) << 8 | j))).collect()
}
/// 90 anchors; slot j is shared within groups of 2..=5 consecutive docs for ~30% of (group, slot).
fn anchor_keys(d: u32) -> Vec<u64> {
    let anchor = |j: u64| {
        let g = u64::from(d) / (2 + j % 4);
        let shared = mix(0x5A4E ^ (g << 8 | j)) % 10 < 3;
        mix(if shared { 1 << 63 | g << 8 | j } else { 1 << 62 | u64::from(d) << 8 | j })
    };
    (0..90).map(anchor).collect()
}
/// 5-7 KB (mean 6 KB) of incompressible bytes.
fn blob(d: u32) -> Vec<u8> {
    let len = 5120 + (mix(0xB10B ^ u64::from(d)) % 2048) as usize;
    (0..).flat_map(|k: u64| mix(u64::from(d) << 20 | k).to_le_bytes()).take(len).collect()
}
fn push_new(found: &mut Vec<u32>, doc: u32) {
    if !found.contains(&doc) {
        found.push(doc)
    }
}
trait Store {
    fn insert(&mut self, docs: Range<u32>);
    /// Exact lookups of the 25 band + 90 anchor keys of `d`, then the blobs of up to 10 distinct
    /// docs found. Returns (distinct docs found, blob bytes read).
    fn query(&mut self, d: u32) -> (usize, usize);
}
struct Sqlite(Connection);
impl Sqlite {
    fn open(path: &Path, cache_mb: usize) -> Self {
        let c = Connection::open(path).unwrap();
        assert_eq!(c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)).unwrap(), "wal");
        c.execute_batch(&format!(
            "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-{};
             CREATE TABLE IF NOT EXISTS bands(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS anchors(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS blobs(doc INTEGER PRIMARY KEY, data BLOB NOT NULL);",
            cache_mb * 1024
        ))
        .unwrap();
        Sqlite(c)
    }
}
impl Store for Sqlite {
    fn insert(&mut self, docs: Range<u32>) {
        let tx = self.0.transaction().unwrap();
        {
            let mut b = tx.prepare_cached("INSERT INTO bands VALUES(?1, ?2)").unwrap();
            let mut a = tx.prepare_cached("INSERT INTO anchors VALUES(?1, ?2)").unwrap();
            let mut x = tx.prepare_cached("INSERT INTO blobs VALUES(?1, ?2)").unwrap();
            for d in docs {
                band_keys(d).into_iter().for_each(|k| _ = b.execute((k as i64, d)).unwrap());
                anchor_keys(d).into_iter().for_each(|k| _ = a.execute((k as i64, d)).unwrap());
                x.execute((d, blob(d))).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    fn query(&mut self, d: u32) -> (usize, usize) {
        let tx = self.0.transaction().unwrap(); // one read transaction per query, like redb
        let mut found = Vec::new();
        for (table, keys) in [("bands", band_keys(d)), ("anchors", anchor_keys(d))] {
            let mut st = tx.prepare_cached(&format!("SELECT doc FROM {table} WHERE key=?1")).unwrap();
            for k in keys {
                st.query_map([k as i64], |r| r.get(0)).unwrap().for_each(|doc| push_new(&mut found, doc.unwrap()));
            }
        }
        let mut st = tx.prepare_cached("SELECT data FROM blobs WHERE doc=?1").unwrap();
        let get = |doc: &u32| st.query_row([doc], |r| r.get::<_, Vec<u8>>(0)).unwrap().len();
        let bytes = found.iter().take(10).map(get).sum();
        (found.len(), bytes)
    }
}
struct Redb(Database);
impl Store for Redb {
    fn insert(&mut self, docs: Range<u32>) {
        let w = self.0.begin_write().unwrap();
        {
            let (mut b, mut a) = (w.open_multimap_table(BANDS).unwrap(), w.open_multimap_table(ANCHORS).unwrap());
            let mut x = w.open_table(BLOBS).unwrap();
            for d in docs {
                band_keys(d).into_iter().for_each(|k| _ = b.insert(k, d).unwrap());
                anchor_keys(d).into_iter().for_each(|k| _ = a.insert(k, d).unwrap());
                x.insert(d, blob(d).as_slice()).unwrap();
            }
        }
        w.commit().unwrap();
    }
    fn query(&mut self, d: u32) -> (usize, usize) {
        let r = self.0.begin_read().unwrap();
        let mut found = Vec::new();
        for (table, keys) in [(BANDS, band_keys(d)), (ANCHORS, anchor_keys(d))] {
            let t = r.open_multimap_table(table).unwrap();
            for k in keys {
                t.get(k).unwrap().for_each(|doc| push_new(&mut found, doc.unwrap().value()));
            }
        }
        let x = r.open_table(BLOBS).unwrap();
        let bytes = found.iter().take(10).map(|&doc| x.get(doc).unwrap().unwrap().value().to_vec().len()).sum();
        (found.len(), bytes)
    }
}
fn open(kind: &str, path: &Path, cache_mb: usize) -> Box<dyn Store> {
    match kind {
        "sqlite" => Box::new(Sqlite::open(path, cache_mb)),
        "redb" => Box::new(Redb(redb::Builder::new().set_cache_size(cache_mb << 20).create(path).unwrap())),
        _ => panic!("store must be sqlite or redb"),
    }
}
/// Database files: for SQLite the main file plus -wal (and -shm, which is not counted in the size).
fn files(path: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    suffixes.iter().map(|s| PathBuf::from(format!("{}{s}", path.display()))).collect()
}
fn vm_hwm_mb() -> f64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
}
/// Drop the file from the OS page cache (works unprivileged for clean pages).
fn evict(path: &Path) {
    let f = fs::File::open(path).unwrap();
    f.sync_all().unwrap();
    unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
}
fn percentiles(mut lat: Vec<Duration>) -> String {
    lat.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    format!("{:.0} / {:.0} / {:.0}", us(lat[lat.len() / 2]), us(lat[lat.len() * 99 / 100]), us(lat[lat.len() - 1]))
}

fn bench(kind: &str, n: u32) {
    let cache_mb: usize = env::var("CACHE_MB").map_or(256, |v| v.parse().unwrap());
    let dir = PathBuf::from(env::var("STORE_DIR").unwrap_or("/work/scratch/store_choice_data".into()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{kind}-{n}.db"));
    files(&path, &["", "-wal", "-shm"]).iter().for_each(|p| _ = fs::remove_file(p));
    let t = Instant::now();
    let mut store = open(kind, &path, cache_mb);
    for start in (0..n).step_by(BATCH as usize) {
        let tb = Instant::now();
        store.insert(start..(start + BATCH).min(n));
        let (total, rate) = (t.elapsed().as_secs_f64(), f64::from(BATCH) / tb.elapsed().as_secs_f64());
        eprintln!("{kind}: {} docs in {total:.0} s, this batch {rate:.0} docs/s", start + BATCH);
    }
    let build = t.elapsed().as_secs_f64();
    let meta: Vec<_> = files(&path, &["", "-wal"]).iter().filter_map(|p| fs::metadata(p).ok()).collect();
    let size = meta.iter().map(|m| m.len()).sum::<u64>() as f64 / 1e6;
    let alloc = meta.iter().map(|m| m.blocks() * 512).sum::<u64>() as f64 / 1e6; // what `du` reports
    let rss_build = vm_hwm_mb();
    drop(store);
    evict(&path); // SQLite checkpointed and deleted its -wal on close
    fs::write("/proc/self/clear_refs", "5").unwrap(); // reset VmHWM for the query phase
    let mut store = open(kind, &path, cache_mb);
    let docs: Vec<u32> = (0..QUERIES).map(|q| (mix(0xC0FFEE ^ q) % u64::from(n)) as u32).collect();
    let mut pass = || {
        let (mut lat, mut found) = (Vec::new(), 0);
        for &d in &docs {
            let t = Instant::now();
            let (f, bytes) = store.query(d);
            lat.push(t.elapsed());
            assert!(f >= 1 && bytes > 0);
            found += f;
        }
        (percentiles(lat), found as f64 / QUERIES as f64)
    };
    let (cold, _) = pass();
    let (warm, found) = pass();
    let rss_query = vm_hwm_mb();
    drop(store);
    println!(
        "ROW\t| {kind} | {n} | {build:.1} | {:.0} | {size:.0} ({alloc:.0}) | {rss_build:.0} | {rss_query:.0} | {cold} | {warm} | {found:.1} |",
        f64::from(n) / build
    );
    concurrency(kind, &path);
    if env::var_os("KEEP").is_none() {
        files(&path, &["", "-wal", "-shm"]).iter().for_each(|p| _ = fs::remove_file(p));
    }
}
fn child(sub: &str, kind: &str, path: &Path) -> String {
    let out = Command::new(env::current_exe().unwrap()).args([sub, kind, path.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "child {sub} crashed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
fn concurrency(kind: &str, path: &Path) {
    let report = |what: &str, result: String| println!("CONC\t- **{kind}** — {what}: {result}");
    if kind == "redb" {
        let db = Database::open(path).unwrap();
        report("2nd process reads while 1st has the DB open (idle)", child("read", kind, path));
        let w = db.begin_write().unwrap();
        w.open_multimap_table(BANDS).unwrap().insert(SENTINEL, 0).unwrap();
        report("2nd process reads while 1st holds an open write txn", child("read", kind, path));
        report("2nd process writes while 1st holds an open write txn", child("write", kind, path));
        let r = db.begin_read().unwrap().open_multimap_table(BANDS).unwrap().get(SENTINEL).unwrap().count() > 0;
        report("same process, read txn during the open write txn", format!("OK; uncommitted row visible: {r}"));
        w.abort().unwrap();
        drop(db);
        report("2nd process reads after 1st closed the DB", child("read", kind, path));
    } else {
        let c = Connection::open(path).unwrap();
        c.busy_timeout(Duration::ZERO).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        c.execute("INSERT INTO bands VALUES(?1, 0)", [SENTINEL as i64]).unwrap();
        report("2nd process reads while 1st holds an open write txn", child("read", kind, path));
        report("2nd process writes (busy_timeout=0) while 1st holds an open write txn", child("write", kind, path));
        c.execute_batch("ROLLBACK; BEGIN; SELECT count(*) FROM blobs;").unwrap();
        report("2nd process writes while 1st holds an open read txn", child("write", kind, path));
        c.execute_batch("COMMIT").unwrap();
    }
}
type Res = Result<String, Box<dyn std::error::Error>>;
/// Child side: open `path` and read doc 0's first band key + the sentinel, or write and roll back; never waits.
fn access_redb(write: bool, path: &Path) -> Res {
    let db = Database::open(path)?;
    if write {
        let w = db.begin_write()?;
        w.open_multimap_table(BANDS)?.insert(SENTINEL, 1)?;
        w.abort()?;
        return Ok("write txn acquired (then aborted)".into());
    }
    let t = db.begin_read()?.open_multimap_table(BANDS)?;
    let docs = t.get(band_keys(0)[0])?.map(|d| d.map(|d| d.value())).collect::<Result<Vec<_>, _>>()?;
    Ok(format!("doc 0's key -> {docs:?}, uncommitted row visible: {}", t.get(SENTINEL)?.count() > 0))
}
fn access_sqlite(write: bool, path: &Path) -> Res {
    let c = Connection::open(path)?;
    c.busy_timeout(Duration::ZERO)?;
    if write {
        c.execute_batch("BEGIN IMMEDIATE")?;
        c.execute("INSERT INTO bands VALUES(?1, 1)", [SENTINEL as i64])?;
        c.execute_batch("ROLLBACK")?;
        return Ok("write txn acquired (then rolled back)".into());
    }
    let mut st = c.prepare("SELECT doc FROM bands WHERE key=?1")?;
    let docs = st.query_map([band_keys(0)[0] as i64], |r| r.get(0))?.collect::<Result<Vec<u32>, _>>()?;
    Ok(format!("doc 0's key -> {docs:?}, uncommitted row visible: {}", st.exists([SENTINEL as i64])?))
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(1) {
        "bench" => bench(arg(2), arg(3).parse().expect("N")),
        "read" | "write" => {
            let t = Instant::now();
            let access = if arg(2) == "redb" { access_redb } else { access_sqlite };
            let result = access(arg(1) == "write", Path::new(arg(3)));
            let ms = t.elapsed().as_secs_f64() * 1e3;
            match result {
                Ok(s) => println!("OK in {ms:.1} ms ({s})"),
                Err(e) => println!("FAILED in {ms:.1} ms: `{e:?}`"),
            }
        }
        "build" => {
            let kinds = if arg(3).is_empty() { vec!["sqlite", "redb"] } else { vec![arg(3)] };
            let mut out = String::new();
            for kind in kinds {
                let exe = env::current_exe().unwrap();
                let child = Command::new(exe).args(["bench", kind, arg(2)]).stderr(Stdio::inherit()).output().unwrap();
                assert!(child.status.success(), "bench {kind} failed");
                out += &String::from_utf8_lossy(&child.stdout);
            }
            println!(
                "| store | N | build s | docs/s | size MB db+wal (allocated) | peak RSS build MB | peak RSS query MB \
                      | cold p50/p99/max µs | warm p50/p99/max µs | docs/query |\n{}",
                "|---".repeat(10) + "|"
            );
            out.lines().filter_map(|l| l.strip_prefix("ROW\t")).for_each(|r| println!("{r}"));
            println!();
            out.lines().filter_map(|l| l.strip_prefix("CONC\t")).for_each(|c| println!("{c}"));
        }
        _ => eprintln!("usage: store_choice build <N> [sqlite|redb]  (see README.md)"),
    }
}
