//! Variable-length runs of values, one per article, in one flat array.
//!
//! A `Vec` per article costs an allocation and a 24-byte header each: for
//! a million articles' sentence hashes or candidate keys, that overhead and
//! the allocator's slack were a large part of a run's memory.

use std::io;
use std::ops::Range;

use crate::spill::{Decoder, Encoder};

/// Runs appended in order and read back by their position.
#[derive(Debug, Clone)]
pub struct Ragged<T> {
    values: Vec<T>,
    ends: Vec<u64>,
}

impl<T> Default for Ragged<T> {
    fn default() -> Self {
        Ragged {
            values: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T: Copy> Ragged<T> {
    /// Appends the next run.
    pub fn push(&mut self, run: &[T]) {
        self.values.extend_from_slice(run);
        self.ends.push(self.values.len() as u64);
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when no run was pushed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Run `i`.
    pub fn get(&self, i: usize) -> &[T] {
        &self.values[self.range(i)]
    }

    /// The runs, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[T]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    fn range(&self, i: usize) -> Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        start..self.ends[i] as usize
    }
}

impl<T: Copy, R: AsRef<[T]>> FromIterator<R> for Ragged<T> {
    fn from_iter<I: IntoIterator<Item = R>>(runs: I) -> Self {
        let mut r = Ragged::default();
        for run in runs {
            r.push(run.as_ref());
        }
        r
    }
}

impl Ragged<u64> {
    /// Writes the runs to a record.
    pub fn encode(&self, e: &mut Encoder) {
        e.u64s(&self.values);
        e.u64s(&self.ends);
    }

    /// Reads runs [`Ragged::encode`] wrote; ends out of order or past the
    /// values are an `InvalidData` error.
    pub fn decode(d: &mut Decoder<'_>) -> io::Result<Self> {
        let values = d.u64s()?;
        let ends = d.u64s()?;
        let ordered = ends.windows(2).all(|w| w[0] <= w[1]);
        if !ordered || ends.last().is_some_and(|&e| e > values.len() as u64) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a spilled record's runs are out of order",
            ));
        }
        Ok(Ragged { values, ends })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_read_back_as_pushed() {
        let mut r = Ragged::default();
        r.push(&[1u64, 2]);
        r.push(&[]);
        r.push(&[3]);
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(0), [1, 2]);
        assert!(r.get(1).is_empty());
        assert_eq!(r.get(2), [3]);
    }

    #[test]
    fn encoded_runs_decode_and_bad_ends_are_errors() {
        let mut r = Ragged::default();
        r.push(&[1u64, 2]);
        r.push(&[]);
        r.push(&[3]);
        let mut e = Encoder::default();
        r.encode(&mut e);
        let back = Ragged::decode(&mut Decoder::new(&e.bytes)).unwrap();
        assert_eq!(
            (back.len(), back.get(0), back.get(2)),
            (3, &[1u64, 2][..], &[3u64][..])
        );
        let mut bad = Encoder::default();
        bad.u64s(&[1]);
        bad.u64s(&[2]);
        assert!(Ragged::decode(&mut Decoder::new(&bad.bytes)).is_err());
        assert!(Ragged::decode(&mut Decoder::new(&e.bytes[..5])).is_err());
    }
}
