//! Reading articles from files, folders and standard input.
//!
//! Formats: `.jsonl`/`.ndjson` (one JSON object per line), `.json` (one
//! object or an array of objects), `.txt`/`.md`/`.html` (one article per file;
//! the first line is the title when it looks like one). A text file whose
//! content is a JSON object is read as JSON (news exports often save JSON
//! under `.txt`). Standard input (`-`) is sniffed the same way.
//!
//! One bad record never stops the read: it becomes a [`Skipped`] entry with
//! its file, line and reason, and every other article is kept.

mod fields;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

pub use fields::{FieldNames, RecordProblem};

use crate::article::{Article, Location};

/// One input named by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file or a folder (read recursively).
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input, anything else a path.
    pub fn parse(s: &str) -> Input {
        if s == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(s))
        }
    }
}

/// A record or file that was not read, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// Where.
    pub location: Location,
    /// Why, in words a user can act on.
    pub reason: String,
    /// True when a whole input the user named could not be read: the user
    /// must act, and the run fails.
    pub fatal: bool,
}

/// Something odd about a record that was still read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Articles in input order.
    pub articles: Vec<Article>,
    /// Records and files that were not read.
    pub skipped: Vec<Skipped>,
    /// Records read with a problem worth knowing.
    pub warnings: Vec<Warning>,
}

/// The format of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jsonl,
    Json,
    Text,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "json" => Some(Format::Json),
        "txt" | "text" | "md" | "markdown" | "html" | "htm" => Some(Format::Text),
        _ => None,
    }
}

/// Reads articles with a given set of field names.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    fields: FieldNames,
}

impl Reader {
    /// A reader that maps JSON fields with `fields`.
    pub fn new(fields: FieldNames) -> Self {
        Reader { fields }
    }

    /// Reads every input, in the order given; folders are walked in file
    /// name order so the article order never depends on the file system.
    pub fn read(&self, inputs: &[Input]) -> Corpus {
        let mut articles = Vec::new();
        let (skipped, warnings) = self.read_each(inputs, |a| {
            articles.push(a);
            ControlFlow::Continue(())
        });
        Corpus {
            articles,
            skipped,
            warnings,
        }
    }

    /// Reads like [`Reader::read`], but hands each article to `each` as
    /// soon as it is read instead of holding them all: memory stays that of
    /// one record (or one whole `.json`/text file). `each` returning
    /// `Break` stops the read. Returns what was skipped and the warnings.
    pub fn read_each(
        &self,
        inputs: &[Input],
        mut each: impl FnMut(Article) -> ControlFlow<()>,
    ) -> (Vec<Skipped>, Vec<Warning>) {
        let mut sink = Sink {
            each: &mut each,
            skipped: Vec::new(),
            warnings: Vec::new(),
            ids: HashMap::new(),
            files: Vec::new(),
            stopped: false,
        };
        for input in inputs {
            if sink.stopped {
                break;
            }
            match input {
                Input::Stdin => {
                    let mut buf = Vec::new();
                    match io::stdin().lock().read_to_end(&mut buf) {
                        Ok(_) => self.read_sniffed("-", &buf, &mut sink),
                        Err(e) => sink.skipped.push(Skipped {
                            location: whole("-"),
                            reason: format!("cannot read standard input: {e}"),
                            fatal: true,
                        }),
                    }
                }
                Input::Path(path) => self.read_path(path, &mut sink),
            }
        }
        (sink.skipped, sink.warnings)
    }

    fn read_path(&self, path: &Path, sink: &mut Sink<'_>) {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                sink.skipped.push(Skipped {
                    location: whole(&path.display().to_string()),
                    reason: format!("cannot read: {e}"),
                    fatal: true,
                });
                return;
            }
        };
        if !meta.is_dir() {
            let format = format_of(path).unwrap_or(Format::Text);
            self.read_file(path, Some(format), true, sink);
            return;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            if sink.stopped {
                break;
            }
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if let Some(format) = format_of(e.path()) {
                        self.read_file(e.path(), Some(format), false, sink);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let shown = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| path.display().to_string());
                    let reason = if e.loop_ancestor().is_some() {
                        "symbolic link loop, not followed".to_string()
                    } else {
                        format!(
                            "cannot read: {}",
                            e.io_error().map_or(e.to_string(), |io| io.to_string())
                        )
                    };
                    sink.skipped.push(Skipped {
                        location: whole(&shown),
                        reason,
                        fatal: false,
                    });
                }
            }
        }
    }

    fn read_file(&self, path: &Path, format: Option<Format>, named: bool, sink: &mut Sink<'_>) {
        let name = path.display().to_string();
        let file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                sink.skipped.push(Skipped {
                    location: whole(&name),
                    reason: format!("cannot read: {e}"),
                    fatal: named,
                });
                return;
            }
        };
        if format == Some(Format::Jsonl) {
            // reads of a mebibyte, not BufReader's 8 KiB: a file the page
            // cache no longer holds cost 3.9 s of system time per 4 GB read
            // in 8 KiB pieces, 2.8 s in 1 MiB ones (`dd`, this VM)
            self.read_jsonl(&name, BufReader::with_capacity(1 << 20, file), sink);
            return;
        }
        let mut buf = Vec::new();
        // `File::read_to_end` sizes the buffer from the file's length
        if let Err(e) = (&file).read_to_end(&mut buf) {
            sink.skipped.push(Skipped {
                location: whole(&name),
                reason: format!("cannot read: {e}"),
                fatal: named,
            });
            return;
        }
        match format {
            Some(Format::Json) => self.read_json(&name, &buf, sink),
            _ => self.read_text_or_json(&name, &buf, sink),
        }
    }

    fn read_sniffed(&self, name: &str, buf: &[u8], sink: &mut Sink<'_>) {
        let head = buf.iter().find(|b| !b.is_ascii_whitespace()).copied();
        match head {
            Some(b'[') => self.read_json(name, buf, sink),
            Some(b'{') => {
                // one object, or one per line
                if serde_json::from_slice::<Value>(buf).is_ok() {
                    self.read_json(name, buf, sink)
                } else {
                    self.read_jsonl(name, buf, sink)
                }
            }
            _ => self.read_text_or_json(name, buf, sink),
        }
    }

    fn read_jsonl(&self, name: &str, mut input: impl BufRead, sink: &mut Sink<'_>) {
        let mut line = Vec::new();
        let mut lineno = 0u64;
        while !sink.stopped {
            line.clear();
            match input.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    sink.skipped.push(Skipped {
                        location: at(name, lineno + 1),
                        reason: format!("read error, rest of file not read: {e}"),
                        fatal: false,
                    });
                    break;
                }
            }
            lineno += 1;
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            let location = at(name, lineno);
            let value: Value = match serde_json::from_slice(trimmed) {
                Ok(v) => v,
                Err(e) if e.is_syntax() && std::str::from_utf8(trimmed).is_err() => {
                    // invalid UTF-8 inside strings: read lossily, but say so
                    let lossy = String::from_utf8_lossy(trimmed);
                    match serde_json::from_str(&lossy) {
                        Ok(v) => {
                            sink.warnings.push(Warning {
                                location: location.clone(),
                                message: format!(
                                    "invalid UTF-8 at byte {}, replaced with U+FFFD",
                                    utf8_error_offset(trimmed)
                                ),
                            });
                            v
                        }
                        Err(e) => {
                            sink.skipped.push(bad_json_line(location, &e));
                            continue;
                        }
                    }
                }
                Err(e) => {
                    sink.skipped.push(bad_json_line(location, &e));
                    continue;
                }
            };
            self.push_value(value, location, sink);
        }
    }

    fn read_json(&self, name: &str, buf: &[u8], sink: &mut Sink<'_>) {
        let start = buf.iter().position(|b| !b.is_ascii_whitespace());
        match start {
            None => sink.skipped.push(Skipped {
                location: whole(name),
                reason: "empty file, no JSON value".to_string(),
                fatal: false,
            }),
            Some(i) if buf[i] == b'[' => self.read_json_array(name, buf, i + 1, sink),
            Some(_) => match serde_json::from_slice::<Value>(buf) {
                Ok(v) => self.push_value(v, whole(name), sink),
                Err(e) => {
                    let mut location = whole(name);
                    location.line = e.line() as u64;
                    sink.skipped.push(bad_json(location, &e));
                }
            },
        }
    }

    /// A JSON array read one element at a time, so that a broken or
    /// truncated element loses only itself and what follows it (the rest
    /// of a syntax error cannot be resynchronised), never the records
    /// before it.
    fn read_json_array(&self, name: &str, buf: &[u8], mut pos: usize, sink: &mut Sink<'_>) {
        let skip_ws = |mut p: usize| {
            while p < buf.len() && buf[p].is_ascii_whitespace() {
                p += 1;
            }
            p
        };
        let line_at = |p: usize| {
            1 + buf[..p.min(buf.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
        };
        let mut record = 0u64;
        pos = skip_ws(pos);
        if buf.get(pos) == Some(&b']') {
            return self.trailing(name, buf, skip_ws(pos + 1), sink);
        }
        while !sink.stopped {
            record += 1;
            let location = Location {
                file: name.to_string(),
                line: 0,
                record: Some(record),
            };
            let mut values = serde_json::Deserializer::from_slice(&buf[pos..]).into_iter::<Value>();
            match values.next() {
                Some(Ok(v)) => {
                    pos += values.byte_offset();
                    self.push_value(v, location, sink);
                }
                Some(Err(e)) => {
                    let what = if e.is_eof() {
                        "truncated JSON"
                    } else {
                        "invalid JSON"
                    };
                    let line = line_at(pos) + e.line() as u64 - 1;
                    sink.skipped.push(Skipped {
                        location,
                        reason: format!(
                            "{what} at line {line}: {}; the rest of the file not read",
                            message_of(&e)
                        ),
                        fatal: false,
                    });
                    return;
                }
                None => {
                    sink.skipped.push(Skipped {
                        location,
                        reason: format!(
                            "truncated JSON at line {}: the array is not closed",
                            line_at(pos)
                        ),
                        fatal: false,
                    });
                    return;
                }
            }
            pos = skip_ws(pos);
            match buf.get(pos) {
                Some(b',') => pos = skip_ws(pos + 1),
                Some(b']') => return self.trailing(name, buf, skip_ws(pos + 1), sink),
                other => {
                    let what = match other {
                        None => "truncated JSON: the array is not closed".to_string(),
                        Some(_) => "invalid JSON: expected `,` or `]`".to_string(),
                    };
                    sink.skipped.push(Skipped {
                        location: Location {
                            file: name.to_string(),
                            line: 0,
                            record: Some(record + 1),
                        },
                        reason: format!(
                            "{what} at line {}; the rest of the file not read",
                            line_at(pos)
                        ),
                        fatal: false,
                    });
                    return;
                }
            }
        }
    }

    /// Anything but whitespace after a closed top-level array is reported.
    fn trailing(&self, name: &str, buf: &[u8], pos: usize, sink: &mut Sink<'_>) {
        if pos < buf.len() {
            let line = 1 + buf[..pos].iter().filter(|&&b| b == b'\n').count() as u64;
            sink.skipped.push(Skipped {
                location: at(name, line),
                reason: "invalid JSON: trailing characters after the array, not read".to_string(),
                fatal: false,
            });
        }
    }

    fn read_text_or_json(&self, name: &str, buf: &[u8], sink: &mut Sink<'_>) {
        if buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            if let Ok(v) = serde_json::from_slice::<Value>(buf) {
                // an export saved as text: keep the file path as its id
                // unless it names its own
                return self.push_value(v, whole(name), sink);
            }
        }
        if looks_binary(buf) {
            sink.skipped.push(Skipped {
                location: whole(name),
                reason: "binary file (NUL bytes), not an article".to_string(),
                fatal: false,
            });
            return;
        }
        let text = match std::str::from_utf8(buf) {
            Ok(s) => s.to_string(),
            Err(_) => {
                sink.warnings.push(Warning {
                    location: whole(name),
                    message: format!(
                        "invalid UTF-8 at byte {}, replaced with U+FFFD",
                        utf8_error_offset(buf)
                    ),
                });
                String::from_utf8_lossy(buf).into_owned()
            }
        };
        let title = text_title(&text);
        sink.push(Article {
            id: name.to_string(),
            title,
            text,
            published_at: None,
            published_ts: None,
            source: None,
            url: None,
            canonical: None,
            location: whole(name),
        });
    }

    fn push_value(&self, value: Value, location: Location, sink: &mut Sink<'_>) {
        match self.fields.into_article(value, location.clone()) {
            Ok(a) => {
                if a.published_at.is_some() && a.published_ts.is_none() {
                    sink.warnings.push(Warning {
                        location,
                        message: format!(
                            "unrecognised date {:?}, treated as missing",
                            a.published_at.as_deref().unwrap_or_default()
                        ),
                    });
                }
                sink.push(a);
            }
            Err(problem) => sink.skipped.push(Skipped {
                location,
                reason: problem.to_string(),
                fatal: false,
            }),
        }
    }
}

/// Where a read puts what it finds: articles go to the caller as they come;
/// skipped records and warnings are kept.
struct Sink<'a> {
    each: &'a mut dyn FnMut(Article) -> ControlFlow<()>,
    skipped: Vec<Skipped>,
    warnings: Vec<Warning>,
    /// First location of every id, to warn of duplicates while streaming:
    /// keyed by a 128-bit hash and with the file as an index into `files`,
    /// so a million ids cost tens of megabytes, not the ids and paths again.
    ids: HashMap<u128, (u32, u64, Option<u64>)>,
    files: Vec<String>,
    stopped: bool,
}

impl Sink<'_> {
    fn push(&mut self, a: Article) {
        if self.files.last() != Some(&a.location.file) {
            self.files.push(a.location.file.clone());
        }
        let file = (self.files.len() - 1) as u32;
        let here = (file, a.location.line, a.location.record);
        match self.ids.entry(xxhash_rust::xxh3::xxh3_128(a.id.as_bytes())) {
            Entry::Vacant(v) => {
                v.insert(here);
            }
            Entry::Occupied(o) => {
                let &(f, line, record) = o.get();
                let first = Location {
                    file: self.files[f as usize].clone(),
                    line,
                    record,
                };
                self.warnings.push(Warning {
                    location: a.location.clone(),
                    message: format!("duplicate id {:?} (first at {first}); both kept", a.id),
                });
            }
        }
        if (self.each)(a).is_break() {
            self.stopped = true;
        }
    }
}

fn whole(name: &str) -> Location {
    Location {
        file: name.to_string(),
        line: 0,
        record: None,
    }
}

fn at(name: &str, line: u64) -> Location {
    Location {
        file: name.to_string(),
        line,
        record: None,
    }
}

fn bad_json(location: Location, e: &serde_json::Error) -> Skipped {
    let what = if e.is_eof() {
        "truncated JSON"
    } else {
        "invalid JSON"
    };
    Skipped {
        location,
        reason: format!("{what}: {e}"),
        fatal: false,
    }
}

/// A bad JSON line: serde's "at line 1 column N" counts within the line,
/// which the location already names, so only the column is kept.
fn bad_json_line(location: Location, e: &serde_json::Error) -> Skipped {
    let what = if e.is_eof() {
        "truncated JSON"
    } else {
        "invalid JSON"
    };
    Skipped {
        location,
        reason: format!("{what}: {} at column {}", message_of(e), e.column()),
        fatal: false,
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn message_of(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn utf8_error_offset(buf: &[u8]) -> usize {
    std::str::from_utf8(buf)
        .err()
        .map_or(0, |e| e.valid_up_to())
}

fn looks_binary(buf: &[u8]) -> bool {
    buf.iter().take(8192).any(|&b| b == 0)
}

/// The first line, when it reads like a headline: short, non-empty, not a
/// sentence ending in a full stop.
fn text_title(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line.trim_start_matches('#').trim();
    let words = line.split_whitespace().count();
    let looks_like =
        (2..=25).contains(&words) && !line.ends_with('.') && line.chars().count() <= 200;
    looks_like.then(|| line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `read` runs on `reader` put in a sink, as a corpus.
    fn collect(read: impl FnOnce(&Reader, &mut Sink<'_>)) -> Corpus {
        let mut articles = Vec::new();
        let mut each = |a| {
            articles.push(a);
            ControlFlow::Continue(())
        };
        let mut sink = Sink {
            each: &mut each,
            skipped: Vec::new(),
            warnings: Vec::new(),
            ids: HashMap::new(),
            files: Vec::new(),
            stopped: false,
        };
        read(&Reader::default(), &mut sink);
        let (skipped, warnings) = (sink.skipped, sink.warnings);
        Corpus {
            articles,
            skipped,
            warnings,
        }
    }

    #[test]
    fn titles_of_text_files() {
        assert_eq!(
            text_title("# Big news today\n\nBody."),
            Some("Big news today".into())
        );
        assert_eq!(text_title("A long sentence that ends here.\nMore"), None);
        assert_eq!(text_title(""), None);
    }

    #[test]
    fn jsonl_reports_bad_lines_and_keeps_the_rest() {
        let input = b"{\"id\":\"a\",\"text\":\"x\"}\n{broken\n\n{\"id\":\"b\",\"text\":\"y\"}\n{\"id\":\"c\"}\n";
        let corpus = collect(|r, sink| r.read_jsonl("f.jsonl", &input[..], sink));
        let ids: Vec<_> = corpus.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(corpus.skipped.len(), 2);
        assert_eq!(corpus.skipped[0].location.to_string(), "f.jsonl:2");
        assert_eq!(corpus.skipped[1].location.to_string(), "f.jsonl:5");
    }

    #[test]
    fn sniffs_stdin() {
        let corpus = collect(|r, sink| {
            r.read_sniffed("-", b"[{\"id\":\"a\",\"text\":\"x\"}]", sink);
            r.read_sniffed(
                "-",
                b"{\"id\":\"b\",\"text\":\"x\"}\n{\"id\":\"c\",\"text\":\"y\"}",
                sink,
            );
            r.read_sniffed("-", b"Plain text here", sink);
        });
        let ids: Vec<_> = corpus.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "-"]);
    }

    #[test]
    fn duplicate_ids_are_warned_as_they_stream() {
        let corpus = collect(|r, sink| {
            r.read_jsonl("a.jsonl", &b"{\"id\":\"x\",\"text\":\"1\"}\n"[..], sink);
            r.read_jsonl(
                "b.jsonl",
                &b"{\"id\":\"y\",\"text\":\"2\"}\n{\"id\":\"x\",\"text\":\"3\"}\n"[..],
                sink,
            );
            // the same file read twice repeats every id
            r.read_jsonl("a.jsonl", &b"{\"id\":\"x\",\"text\":\"1\"}\n"[..], sink);
        });
        assert_eq!(corpus.articles.len(), 4);
        let warned: Vec<String> = corpus
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.location, w.message))
            .collect();
        assert_eq!(
            warned,
            [
                "b.jsonl:2: duplicate id \"x\" (first at a.jsonl:1); both kept",
                "a.jsonl:1: duplicate id \"x\" (first at a.jsonl:1); both kept"
            ]
        );
    }

    #[test]
    fn a_stream_stops_when_asked() {
        let dir = std::env::temp_dir().join(format!("reprint-stop-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("feed.jsonl");
        fs::write(
            &file,
            "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n",
        )
        .unwrap();
        let mut seen = Vec::new();
        Reader::default().read_each(&[Input::Path(file.clone()), Input::Path(file)], |a| {
            seen.push(a.id);
            ControlFlow::Break(())
        });
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(seen, ["a"]);
    }
}
