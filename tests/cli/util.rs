//! Shared helpers: a scratch folder, a runner for the real binary, parsed
//! views of its output, and a deterministic prose generator.
//!
//! Only std (plus the crate's own dependencies, which integration tests may
//! use): no dev-dependencies, so the tests build wherever the tool builds.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A debug build on a busy CI machine is slow, but a hung binary must still
/// fail the test instead of blocking the whole run.
const TIMEOUT: Duration = Duration::from_secs(180);

/// The hand-made corpus shipped with the repository.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// A scratch folder under the system temp dir, removed on drop. Kept when
/// the test fails, so the inputs that broke it can be rerun by hand.
pub struct TestDir {
    path: PathBuf,
}

impl TestDir {
    /// `name` only makes the folder easy to spot; uniqueness comes from the
    /// process id and a counter, since tests run in parallel threads.
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("reprint-cli-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create test dir");
        TestDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `rel` (creating parent folders) and returns its full path.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&p, content).expect("write test file");
        p
    }

    /// Writes one JSON object per line.
    pub fn write_jsonl(&self, rel: &str, records: &[Value]) -> PathBuf {
        let mut s = String::new();
        for r in records {
            s.push_str(&r.to_string());
            s.push('\n');
        }
        self.write(rel, s)
    }

    /// Runs `reprint ARGS` with this folder as the current directory, so
    /// relative paths in `args` are the paths the tool reports back.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(&self.path, args, None)
    }

    /// Same, feeding `stdin` to the child.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        run_in(&self.path, args, Some(stdin))
    }

    /// Same, with environment variables set for the child.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_with(&self.path, args, None, env)
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test inputs kept in {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary in `dir`. Checks that hold for every run live here: no
/// panic message, no panic exit code, no death by signal.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_with(dir, args, stdin, &[])
}

/// [`run_in`] with environment variables set for the child.
pub fn run_with(dir: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        // a stray NO_COLOR or terminal setting must not change the output
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn reprint");
    // feed and drain on threads: a child blocked on a full pipe would never exit
    let feeder = stdin.map(|bytes| {
        let bytes = bytes.to_vec();
        let mut pipe = child.stdin.take().expect("stdin pipe");
        std::thread::spawn(move || {
            // the child may exit early without reading everything
            let _ = pipe.write_all(&bytes);
        })
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout pipe")));
    let err = drain(Box::new(child.stderr.take().expect("stderr pipe")));

    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for reprint") {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("reprint {args:?} did not finish in {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.join().unwrap()).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "reprint {args:?} panicked:\n{}",
        run.stderr
    );
    assert!(
        status.code().is_some() && run.code != 101,
        "reprint {args:?} died ({status}):\n{}",
        run.stderr
    );
    run
}

impl Run {
    /// Asserts exit code 0 and returns self, showing stderr when it is not.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success; stderr:\n{}", self.stderr);
        self
    }

    /// The whole stdout as one JSON document (`--format json`).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Stdout as `--format jsonl`.
    pub fn lines(&self) -> Lines {
        Lines::parse(&self.stdout)
    }
}

/// The `jsonl` report: one object per input article, in input order.
#[derive(Debug, Clone)]
pub struct Lines(pub Vec<Value>);

impl Lines {
    pub fn parse(text: &str) -> Lines {
        Lines(
            text.lines()
                .enumerate()
                .map(|(i, l)| {
                    serde_json::from_str(l)
                        .unwrap_or_else(|e| panic!("jsonl line {} is not JSON ({e}): {l}", i + 1))
                })
                .collect(),
        )
    }

    pub fn ids(&self) -> Vec<&str> {
        self.0.iter().map(|l| str_field(l, "id")).collect()
    }

    /// The line of `id`; ids must be unique where this is used.
    pub fn get(&self, id: &str) -> &Value {
        let mut found = self.0.iter().filter(|l| l["id"] == id);
        let line = found
            .next()
            .unwrap_or_else(|| panic!("{id} is not in the output; ids: {:?}", self.ids()));
        assert!(found.next().is_none(), "{id} appears more than once");
        line
    }

    pub fn group_of(&self, id: &str) -> &str {
        str_field(self.get(id), "group")
    }

    /// Group id -> member ids, in input order.
    pub fn groups(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut g: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for l in &self.0 {
            g.entry(str_field(l, "group"))
                .or_default()
                .push(str_field(l, "id"));
        }
        g
    }

    /// The members of `id`'s group, itself included.
    pub fn group_members(&self, id: &str) -> Vec<&str> {
        let g = self.group_of(id);
        self.groups().remove(g).unwrap_or_default()
    }

    /// Asserts that `ids` form one group, with nothing else in it.
    pub fn assert_group(&self, ids: &[&str]) {
        let mut got = self.group_members(ids[0]);
        let mut want = ids.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "group of {}", ids[0]);
    }

    /// Asserts that `id` shares its group with no other article.
    pub fn assert_alone(&self, id: &str) {
        assert_eq!(self.group_members(id), [id], "{id} should be alone");
    }

    pub fn relation(&self, id: &str) -> Option<&str> {
        self.get(id)["relation"].as_str()
    }
}

/// A string field that must be present.
pub fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key:?} is not a string in {v}"))
}

/// A JSONL record in the corpus's own shape.
pub fn record(id: &str, source: &str, published_at: &str, text: &str) -> Value {
    serde_json::json!({
        "id": id, "title": format!("Headline of {id}"), "text": text,
        "source": source, "published_at": published_at,
    })
}

/// Everyday content words: the generated prose must read like news to the
/// tokenizer (Latin words, sentences, paragraphs) while every 5-word run is
/// practically unique to the article that drew it.
const WORDS: &str = "\
    harbour council river budget school bridge market farmer station police doctor hospital \
    county mayor teacher library museum festival weather storm rainfall drought energy \
    turbine factory worker union contract tender housing office tenant landlord ferry \
    airport runway pilot league coach season village railway platform engineer survey report \
    minister election ballot candidate committee hearing judge lawyer verdict appeal company \
    profit shares investor bank loan interest inflation prices wages pension retail store \
    shopper harvest orchard cattle dairy water reservoir pipeline network software data \
    privacy startup founder funding research study scientist patient clinic vaccine nurse \
    student campus tuition district neighbourhood resident protest march street traffic \
    cyclist parking permit planning tower garden park forest wildfire coast beach fishing \
    boat port cargo shipping freight truck highway tunnel repair closure delay schedule \
    opened closed announced approved rejected raised lowered signed warned expected planned \
    delayed quietly sharply slowly early late annual local regional national northern \
    southern eastern western new old small large public private formal temporary final \
    second third";

/// Deterministic English-like prose from a 64-bit LCG (Knuth's MMIX
/// constants): the same seed always gives the same text, on every platform.
pub struct Prose {
    state: u64,
    words: Vec<&'static str>,
}

impl Prose {
    pub fn new(seed: u64) -> Self {
        Prose {
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
            words: WORDS.split_whitespace().collect(),
        }
    }

    fn next(&mut self) -> usize {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // the high bits of an LCG are the random ones
        (self.state >> 33) as usize
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.next() % n
    }

    /// One sentence of 9 to 16 words, capitalised, ending in a full stop.
    pub fn sentence(&mut self) -> String {
        let n = 9 + self.below(8);
        let words: Vec<&str> = (0..n)
            .map(|_| {
                let i = self.below(self.words.len());
                self.words[i]
            })
            .collect();
        let mut s = words.join(" ");
        s[..1].make_ascii_uppercase();
        s.push('.');
        s
    }

    /// Whole sentences until the paragraph holds at least `words` words.
    pub fn paragraph(&mut self, words: usize) -> String {
        let mut sentences = Vec::new();
        let mut count = 0;
        while count < words {
            let s = self.sentence();
            count += s.split_whitespace().count();
            sentences.push(s);
        }
        sentences.join(" ")
    }

    pub fn paragraphs(&mut self, n: usize, words: usize) -> Vec<String> {
        (0..n).map(|_| self.paragraph(words)).collect()
    }
}

/// Paragraphs joined the way the corpus separates them.
pub fn body(paragraphs: &[String]) -> String {
    paragraphs.join("\n\n")
}
