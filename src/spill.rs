//! Records written once and read back by position, in memory or in an
//! unnamed temporary file.
//!
//! A large `cluster` run holds, per article, its prepared words until
//! boilerplate is learned and its exact shingle set until every candidate
//! pair is verified: several kilobytes an article, most of the memory of a
//! run when held as structs. Spilled, they cost a file (removed by the OS
//! when closed, kept in the page cache while it has room) and a 12-byte
//! span each; reads are positioned (`pread`), so parallel readers never
//! wait for each other. The same records can be held in one memory buffer
//! instead, for callers who want no file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, IoSlice, Write};
use std::ops::Range;

/// Append-only records, numbered in the order they were pushed.
pub struct Spill {
    backend: Backend,
    spans: Vec<(u64, u32)>,
    end: u64,
}

enum Backend {
    Memory(Vec<u8>),
    File {
        writer: Option<BufWriter<File>>,
        file: File,
    },
}

impl Spill {
    /// Records held in one memory buffer.
    pub fn memory() -> Self {
        Spill::with(Backend::Memory(Vec::new()))
    }

    /// Records written to a new unnamed temporary file.
    pub fn file() -> io::Result<Self> {
        let file = tempfile::tempfile()?;
        let writer = BufWriter::with_capacity(1 << 20, file.try_clone()?);
        Ok(Spill::with(Backend::File {
            writer: Some(writer),
            file,
        }))
    }

    fn with(backend: Backend) -> Self {
        Spill {
            backend,
            spans: Vec::new(),
            end: 0,
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Appends a record.
    pub fn push(&mut self, record: &[u8]) -> io::Result<()> {
        self.push_all(&[record])
    }

    /// Appends records, in order. To a file, a batch larger than the
    /// write buffer goes with vectored writes straight from the records,
    /// not copied into the buffer first (that copy was most of the
    /// intake's store).
    pub fn push_all(&mut self, records: &[&[u8]]) -> io::Result<()> {
        let mut spans = Vec::with_capacity(records.len());
        let mut end = self.end;
        for r in records {
            let len = u32::try_from(r.len())
                .map_err(|_| io::Error::other("a spilled record over 4 GiB"))?;
            spans.push((end, len));
            end += u64::from(len);
        }
        match &mut self.backend {
            Backend::Memory(buf) => records.iter().for_each(|r| buf.extend_from_slice(r)),
            Backend::File { writer, .. } => {
                let w = writer
                    .as_mut()
                    .ok_or_else(|| io::Error::other("spill file already finished"))?;
                // an empty record writes nothing (and a write of only empty
                // slices returns 0)
                let mut slices: Vec<IoSlice<'_>> = records
                    .iter()
                    .filter(|r| !r.is_empty())
                    .map(|r| IoSlice::new(r))
                    .collect();
                let mut left = &mut slices[..];
                while !left.is_empty() {
                    match w.write_vectored(left) {
                        Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                        Ok(n) => IoSlice::advance_slices(&mut left, n),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        self.spans.extend(spans);
        self.end = end;
        Ok(())
    }

    /// Drops the spill, closing its file on a thread of its own: the
    /// kernel gives a temporary file's page cache back as the file closes,
    /// on the closing thread (0.44 s for the 4.3 GB of shingle sets at a
    /// million articles), and the stage after need not wait for it.
    pub fn close_in_background(self) {
        if let Backend::File { .. } = self.backend {
            // a failed spawn drops the spill here, as a plain drop would
            let _ = std::thread::Builder::new()
                .name("reprint-close".into())
                .spawn(move || drop(self));
        }
    }

    /// Ends writing: records can be read from now on.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Backend::File { writer, .. } = &mut self.backend {
            if let Some(mut w) = writer.take() {
                w.flush()?;
            }
        }
        Ok(())
    }

    /// Record `i` (empty past the end).
    pub fn get(&self, i: usize) -> io::Result<Cow<'_, [u8]>> {
        match self.spans.get(i) {
            Some(&(at, len)) => self.bytes(at, at + u64::from(len)),
            None => Ok(Cow::Borrowed(&[])),
        }
    }

    /// Records `range` (clamped to those pushed), read in one go: a reader
    /// of a run of records pays one read instead of one per record.
    pub fn get_run(&self, range: Range<usize>) -> io::Result<Run<'_>> {
        let end = range.end.min(self.spans.len());
        let start = range.start.min(end);
        let spans = &self.spans[start..end];
        let (from, to) = match (spans.first(), spans.last()) {
            (Some(&(at, _)), Some(&(last, len))) => (at, last + u64::from(len)),
            _ => (0, 0),
        };
        let bytes = self.bytes(from, to)?;
        Ok(Run {
            bytes,
            start,
            from,
            spans,
        })
    }

    /// Fills `out` with the bytes of record `i` from `offset` on: a reader
    /// that needs part of a record reads only that part, into memory of its
    /// own (a posting slice reads its buckets of each block of keys).
    pub fn read_part(&self, i: usize, offset: usize, out: &mut [u8]) -> io::Result<()> {
        let fits = |&(at, len): &(u64, u32)| {
            (offset.checked_add(out.len())? <= len as usize).then_some(at + offset as u64)
        };
        let Some(from) = self.spans.get(i).and_then(fits) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a read past the end of spilled record {i}"),
            ));
        };
        match &self.backend {
            Backend::Memory(buf) => {
                out.copy_from_slice(&buf[from as usize..from as usize + out.len()]);
                Ok(())
            }
            Backend::File { file, writer } => {
                if writer.is_some() {
                    return Err(io::Error::other("spill file read before it was finished"));
                }
                read_exact_at(file, out, from)
            }
        }
    }

    /// The spilled bytes `from..to`, which must be finished records.
    fn bytes(&self, from: u64, to: u64) -> io::Result<Cow<'_, [u8]>> {
        match &self.backend {
            Backend::Memory(buf) => Ok(Cow::Borrowed(&buf[from as usize..to as usize])),
            Backend::File { file, writer } => {
                if writer.is_some() {
                    return Err(io::Error::other("spill file read before it was finished"));
                }
                Ok(Cow::Owned(read_vec_at(file, (to - from) as usize, from)?))
            }
        }
    }

    /// Gives back the storage of the records before `i`, which must not be
    /// read again: a spill read once, in order, then no longer occupies the
    /// page cache and disk as it is read (Linux; elsewhere the storage goes
    /// when the spill is dropped). Whole pages only.
    pub fn discard_before(&self, i: usize) -> io::Result<()> {
        let Backend::File { file, writer: None } = &self.backend else {
            return Ok(());
        };
        let end = self.spans.get(i).map_or(self.end, |&(at, _)| at);
        punch_hole(file, end & !(PAGE - 1))
    }
}

/// A run of consecutive records, read by [`Spill::get_run`].
pub struct Run<'a> {
    bytes: Cow<'a, [u8]>,
    // the first record's number, and its offset in the spill
    start: usize,
    from: u64,
    spans: &'a [(u64, u32)],
}

impl Run<'_> {
    /// Record `i` (by its number in the spill; empty outside the run).
    pub fn get(&self, i: usize) -> &[u8] {
        match i.checked_sub(self.start).and_then(|k| self.spans.get(k)) {
            Some(&(at, len)) => {
                let at = (at - self.from) as usize;
                &self.bytes[at..at + len as usize]
            }
            None => &[],
        }
    }
}

/// The granularity of [`Spill::discard_before`]: partial pages stay.
const PAGE: u64 = 4096;

#[cfg(target_os = "linux")]
fn punch_hole(file: &File, len: u64) -> io::Result<()> {
    use rustix::fs::{fallocate, FallocateFlags};
    if len == 0 {
        return Ok(());
    }
    match fallocate(
        file,
        FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
        0,
        len,
    ) {
        // a file system without holes keeps the storage until the drop
        Err(e) if e == rustix::io::Errno::OPNOTSUPP => Ok(()),
        r => r.map_err(io::Error::from),
    }
}

#[cfg(not(target_os = "linux"))]
fn punch_hole(_: &File, _: u64) -> io::Result<()> {
    Ok(())
}

/// `len` bytes of `file` from `at`, read into the buffer's spare capacity:
/// zeroing a buffer the read then overwrites was a tenth of reading records
/// back.
#[cfg(unix)]
fn read_vec_at(file: &File, len: usize, at: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let from = at + out.len() as u64;
        match rustix::io::pread(file, rustix::buffer::spare_capacity(&mut out), from) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // the capacity may exceed `len`, and a read fill it from the records
    // that follow
    out.truncate(len);
    Ok(out)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_vec_at(file: &File, len: usize, at: u64) -> io::Result<Vec<u8>> {
    let mut out = vec![0; len];
    read_exact_at(file, &mut out, at)?;
    Ok(out)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, at) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Little-endian writing of the fixed-width values records are made of.
#[derive(Default)]
pub struct Encoder {
    /// The bytes written so far.
    pub bytes: Vec<u8>,
}

impl Encoder {
    /// A `u32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A `u64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A length-prefixed run of `u32`.
    pub fn u32s(&mut self, vs: &[u32]) {
        self.len(vs.len());
        self.run(vs, |e, &v| e.u32(v));
    }

    /// Values without their count: on a little-endian machine their memory
    /// is their bytes, copied once; elsewhere `put` writes each.
    fn run<T: bytemuck::Pod>(&mut self, vs: &[T], put: impl Fn(&mut Self, &T)) {
        if cfg!(target_endian = "little") {
            self.bytes.extend_from_slice(bytemuck::cast_slice(vs));
        } else {
            self.bytes.reserve(std::mem::size_of_val(vs));
            vs.iter().for_each(|v| put(self, v));
        }
    }

    /// A length-prefixed run of `u32`, one or two bytes each when all fit
    /// (word positions: articles under 65,536 words, nearly all of them;
    /// word lengths, under 256 characters).
    pub fn narrow_u32s(&mut self, vs: &[u32]) {
        let max = vs.iter().copied().max().unwrap_or(0);
        self.len(vs.len());
        if max <= u32::from(u8::MAX) {
            self.bytes.push(1);
            self.bytes.extend(vs.iter().map(|&v| v as u8));
        } else if max <= u32::from(u16::MAX) {
            self.bytes.push(2);
            self.bytes.reserve(2 * vs.len());
            for &v in vs {
                self.bytes.extend_from_slice(&(v as u16).to_le_bytes());
            }
        } else {
            self.bytes.push(4);
            self.run(vs, |e, &v| e.u32(v));
        }
    }

    /// A length-prefixed run of `u64`.
    pub fn u64s(&mut self, vs: &[u64]) {
        self.len(vs.len());
        self.run(vs, |e, &v| e.u64(v));
    }

    /// A length-prefixed string.
    pub fn str(&mut self, s: &str) {
        self.raw(s.as_bytes());
    }

    /// A length-prefixed run of bytes (another format's, such as postcard's).
    pub fn raw(&mut self, b: &[u8]) {
        self.len(b.len());
        self.bytes.extend_from_slice(b);
    }

    fn len(&mut self, n: usize) {
        // records are built from in-memory vectors of one article
        self.u32(n as u32);
    }
}

/// Reads what an [`Encoder`] wrote; a short or malformed record is an
/// `InvalidData` error, never a panic.
pub struct Decoder<'a> {
    rest: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Decoder { rest: bytes }
    }

    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a spilled record ends early",
            ));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    /// A `u32`.
    pub fn u32(&mut self) -> io::Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A `u64`.
    pub fn u64(&mut self) -> io::Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// A length-prefixed run of `u32`.
    pub fn u32s(&mut self) -> io::Result<Vec<u32>> {
        let n = self.u32()? as usize;
        self.u32_run(n)
    }

    fn u32_run(&mut self, n: usize) -> io::Result<Vec<u32>> {
        self.run(n, |c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
    }

    /// `n` values an [`Encoder`] run wrote: on a little-endian machine one
    /// copy into aligned memory; elsewhere `get` reads each.
    fn run<T: bytemuck::Pod>(&mut self, n: usize, get: impl Fn(&[u8]) -> T) -> io::Result<Vec<T>> {
        let width = std::mem::size_of::<T>();
        let b = self.take(n.saturating_mul(width))?;
        if cfg!(target_endian = "little") {
            return Ok(bytemuck::pod_collect_to_vec(b));
        }
        Ok(b.chunks_exact(width).map(get).collect())
    }

    /// A run [`Encoder::narrow_u32s`] wrote.
    pub fn narrow_u32s(&mut self) -> io::Result<Vec<u32>> {
        let n = self.u32()? as usize;
        match self.take(1)?[0] {
            1 => Ok(self.take(n)?.iter().map(|&b| u32::from(b)).collect()),
            2 => Ok(self
                .take(n.saturating_mul(2))?
                .chunks_exact(2)
                .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
                .collect()),
            4 => self.u32_run(n),
            w => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a spilled record with values {w} bytes wide"),
            )),
        }
    }

    /// A length-prefixed run of `u64`.
    pub fn u64s(&mut self) -> io::Result<Vec<u64>> {
        let n = self.u32()? as usize;
        self.run(n, |c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
    }

    /// A length-prefixed string.
    pub fn str(&mut self) -> io::Result<String> {
        let b = self.raw()?;
        String::from_utf8(b.to_vec()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// A run [`Encoder::raw`] wrote.
    pub fn raw(&mut self) -> io::Result<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(mut s: Spill) {
        let mut e = Encoder::default();
        e.u32s(&[1, 2, u32::MAX]);
        e.u64s(&[u64::MAX, 0]);
        e.str("Текст 三");
        s.push(&e.bytes).unwrap();
        s.push(&[]).unwrap();
        s.push(b"xyz").unwrap();
        s.finish().unwrap();
        assert_eq!(s.len(), 3);
        let first = s.get(0).unwrap();
        let mut d = Decoder::new(&first);
        assert_eq!(d.u32s().unwrap(), [1, 2, u32::MAX]);
        assert_eq!(d.u64s().unwrap(), [u64::MAX, 0]);
        assert_eq!(d.str().unwrap(), "Текст 三");
        assert!(d.u32().is_err(), "reading past the end is an error");
        assert!(s.get(1).unwrap().is_empty());
        assert_eq!(&*s.get(2).unwrap(), b"xyz");
        assert!(s.get(3).unwrap().is_empty());
    }

    #[test]
    fn memory_records_read_back_as_written() {
        round_trip(Spill::memory());
    }

    #[test]
    fn file_records_read_back_as_written() {
        round_trip(Spill::file().unwrap());
    }

    #[test]
    fn batches_of_records_read_back_as_pushed_one_by_one() {
        // batches below and above the 1 MiB write buffer, empty records
        // among them and alone, after single records
        let batches: Vec<Vec<Vec<u8>>> = vec![
            vec![vec![1, 2, 3]],
            (0..300u32)
                .map(|i| vec![i as u8; (i as usize * 37) % 9000])
                .collect(),
            vec![vec![], vec![]],
            vec![vec![9; 3 << 20], vec![], vec![8; 5]],
            vec![],
        ];
        for mut spill in [Spill::memory(), Spill::file().unwrap()] {
            let mut expected: Vec<Vec<u8>> = Vec::new();
            spill.push(b"first").unwrap();
            expected.push(b"first".to_vec());
            for batch in &batches {
                let slices: Vec<&[u8]> = batch.iter().map(|r| &r[..]).collect();
                spill.push_all(&slices).unwrap();
                expected.extend(batch.iter().cloned());
            }
            spill.push(b"last").unwrap();
            expected.push(b"last".to_vec());
            spill.finish().unwrap();
            assert_eq!(spill.len(), expected.len());
            for (i, r) in expected.iter().enumerate() {
                assert_eq!(&*spill.get(i).unwrap(), &r[..], "record {i}");
            }
        }
    }

    #[test]
    fn records_after_a_discard_read_back_whole() {
        let mut s = Spill::file().unwrap();
        // records that straddle pages: the discard keeps partial pages
        let records: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 1000 + usize::from(i)]).collect();
        for r in &records {
            s.push(r).unwrap();
        }
        s.finish().unwrap();
        for cut in [0, 1, 7, 50, 99, 100] {
            s.discard_before(cut).unwrap();
            for (i, r) in records.iter().enumerate().skip(cut) {
                assert_eq!(
                    &*s.get(i).unwrap(),
                    &r[..],
                    "record {i} after a cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn runs_of_records_read_back_as_single_records_do() {
        for mut s in [Spill::memory(), Spill::file().unwrap()] {
            let records: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; usize::from(i) * 3]).collect();
            for r in &records {
                s.push(r).unwrap();
            }
            s.finish().unwrap();
            for range in [0..20, 3..9, 5..5, 18..40, 30..40] {
                let run = s.get_run(range.clone()).unwrap();
                for i in 0..25 {
                    let expected = if range.contains(&i) && i < 20 {
                        s.get(i).unwrap().into_owned()
                    } else {
                        Vec::new()
                    };
                    assert_eq!(run.get(i), &expected[..], "record {i} of {range:?}");
                }
            }
        }
    }

    #[test]
    fn narrow_runs_read_back_at_every_width() {
        for (vs, width) in [
            (vec![], 1),
            (vec![0, 7, 255], 1),
            (vec![0, 256, 65_535], 2),
            (vec![1, 65_536, u32::MAX], 4),
        ] {
            let mut e = Encoder::default();
            e.narrow_u32s(&vs);
            e.u32(9);
            assert_eq!(e.bytes.len(), 4 + 1 + vs.len() * width + 4);
            let mut d = Decoder::new(&e.bytes);
            assert_eq!(d.narrow_u32s().unwrap(), vs);
            assert_eq!(d.u32().unwrap(), 9);
        }
        let mut e = Encoder::default();
        e.u32(1);
        e.bytes.push(3);
        assert!(Decoder::new(&e.bytes).narrow_u32s().is_err());
    }

    #[test]
    fn a_truncated_run_is_an_error() {
        let mut e = Encoder::default();
        e.u32(10);
        e.u64(1);
        assert!(Decoder::new(&e.bytes).u64s().is_err());
    }
}
