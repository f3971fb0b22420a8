//! What the report reads back of an article after grouping, long after
//! fingerprinting: its text (shown in the HTML report, and the words behind
//! same-story terms) and its words as evidence aligns them.
//!
//! Holding every text in memory until then made the texts a third of a
//! large run's peak memory, so a streamed corpus spills them to an unnamed
//! temporary file (removed by the OS when closed) and reads back only the
//! ones the report needs. The words for evidence ([`Alignable`]) are made
//! while an article is prepared and spilled beside them: evidence then
//! needs no second tokenising of every grouped text.

use std::borrow::Cow;
use std::io;
use std::ops::Range;
use std::sync::Mutex;

use crate::features::Alignable;
use crate::spill::{Run, Spill};

/// Texts by article position, in input order.
pub struct TextStore {
    kind: Kind,
    // reads happen inside parallel evidence work that cannot return an
    // error: the first one is kept and reported when the run ends
    error: Mutex<Option<io::Error>>,
}

enum Kind {
    /// Evidence is off: nothing is kept.
    Dropped,
    Memory(Vec<String>),
    Spilled(Spill),
}

impl TextStore {
    /// A store that keeps nothing; every text reads back empty.
    pub fn dropped() -> Self {
        TextStore::of(Kind::Dropped)
    }

    /// A store that holds texts in memory.
    pub fn memory() -> Self {
        TextStore::of(Kind::Memory(Vec::new()))
    }

    /// A store that writes texts to a temporary file.
    pub fn spilled() -> io::Result<Self> {
        Ok(TextStore::of(Kind::Spilled(Spill::file()?)))
    }

    fn of(kind: Kind) -> Self {
        TextStore {
            kind,
            error: Mutex::new(None),
        }
    }

    /// Appends the next article's text.
    pub fn push(&mut self, text: String) -> io::Result<()> {
        match &mut self.kind {
            Kind::Dropped => Ok(()),
            Kind::Memory(texts) => {
                texts.push(text);
                Ok(())
            }
            Kind::Spilled(spill) => spill.push(text.as_bytes()),
        }
    }

    /// Ends writing: texts can be read from now on.
    pub fn finish(&mut self) -> io::Result<()> {
        match &mut self.kind {
            Kind::Spilled(spill) => spill.finish(),
            _ => Ok(()),
        }
    }

    /// The text of article `d`; empty when the store keeps none, or when
    /// reading failed (see [`TextStore::take_error`]).
    pub fn get(&self, d: u32) -> Cow<'_, str> {
        match &self.kind {
            Kind::Dropped => Cow::Borrowed(""),
            Kind::Memory(texts) => Cow::Borrowed(texts.get(d as usize).map_or("", String::as_str)),
            Kind::Spilled(spill) => {
                let text = spill.get(d as usize).and_then(|bytes| {
                    String::from_utf8(bytes.into_owned())
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
                });
                match text {
                    Ok(text) => Cow::Owned(text),
                    Err(e) => {
                        keep_first(&self.error, e);
                        Cow::Borrowed("")
                    }
                }
            }
        }
    }

    /// Takes the text of article `d` out of the store (in memory) or reads
    /// it back (spilled).
    pub fn take(&mut self, d: u32) -> String {
        if let Kind::Memory(texts) = &mut self.kind {
            return texts
                .get_mut(d as usize)
                .map(std::mem::take)
                .unwrap_or_default();
        }
        self.get(d).into_owned()
    }

    /// The first error met while reading texts back, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        take_first(&self.error)
    }
}

/// Keeps `e` unless an error is kept already.
fn keep_first(error: &Mutex<Option<io::Error>>, e: io::Error) {
    let mut first = error.lock().unwrap_or_else(|p| p.into_inner());
    first.get_or_insert(e);
}

fn take_first(error: &Mutex<Option<io::Error>>) -> Option<io::Error> {
    error.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// Every article's [`Alignable`] record, by article position, in input
/// order.
pub struct Alignments {
    records: Spill,
    // read inside parallel evidence work, as texts are
    error: Mutex<Option<io::Error>>,
}

impl Alignments {
    /// Records kept in `records` (in memory or a temporary file).
    pub fn new(records: Spill) -> Self {
        Alignments {
            records,
            error: Mutex::new(None),
        }
    }

    /// Appends the next article's record ([`Alignable::encode`]).
    pub fn push(&mut self, record: &[u8]) -> io::Result<()> {
        self.records.push(record)
    }

    /// Appends the next articles' records ([`Spill::push_all`]).
    pub fn push_all(&mut self, records: &[&[u8]]) -> io::Result<()> {
        self.records.push_all(records)
    }

    /// Ends writing: records can be read from now on.
    pub fn finish(&mut self) -> io::Result<()> {
        self.records.finish()
    }

    /// The words of article `d`, without its names; none when reading
    /// failed (see [`Alignments::take_error`]).
    pub fn words(&self, d: u32) -> Alignable {
        self.read(d, Alignable::decode_words)
    }

    /// The whole record of article `d`, names included.
    pub fn get(&self, d: u32) -> Alignable {
        self.read(d, Alignable::decode)
    }

    /// The records of articles `range` as written, read in one go.
    pub fn records(&self, range: Range<usize>) -> io::Result<Run<'_>> {
        self.records.get_run(range)
    }

    fn read(&self, d: u32, decode: fn(&[u8]) -> io::Result<Alignable>) -> Alignable {
        let read = self
            .records
            .get(d as usize)
            .and_then(|bytes| decode(&bytes));
        read.unwrap_or_else(|e| {
            keep_first(&self.error, e);
            Alignable::default()
        })
    }

    /// Drops the records, their file closed on a thread of its own
    /// ([`crate::spill::Spill::close_in_background`]).
    pub fn close_in_background(self) {
        self.records.close_in_background();
    }

    /// The first error met while reading records back, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        take_first(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_texts_read_back_as_written() {
        let mut s = TextStore::spilled().unwrap();
        for t in ["first", "", "dritte — Текст 三"] {
            s.push(t.to_string()).unwrap();
        }
        s.finish().unwrap();
        assert_eq!(s.get(0), "first");
        assert_eq!(s.get(1), "");
        assert_eq!(s.get(2), "dritte — Текст 三");
        assert_eq!(s.get(3), "");
        assert_eq!(s.take(2), "dritte — Текст 三");
        assert!(s.take_error().is_none());
    }

    #[test]
    fn a_dropped_store_keeps_nothing() {
        let mut s = TextStore::dropped();
        s.push("text".into()).unwrap();
        assert_eq!(s.get(0), "");
    }

    #[test]
    fn memory_texts_are_taken_once() {
        let mut s = TextStore::memory();
        s.push("a".into()).unwrap();
        assert_eq!(s.take(0), "a");
        assert_eq!(s.get(0), "");
    }
}
