//! The library's one error type.
//!
//! Errors carry the place they come from (file, line) so that a user can act
//! on them without reading source code. Problems with a single record of a
//! corpus are not errors: they are [`crate::ingest::Skipped`] entries, so one
//! bad line never stops a batch.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// `Result` with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// An error from the reprint library.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// Writing a report failed.
    #[error("cannot write output: {0}")]
    Output(#[source] io::Error),
    /// An index cannot be created, opened, read or written.
    #[error("index {path}: {message}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
    },
    /// Another process is writing to the index.
    #[error(
        "index {path} is locked: another process is adding to it (pass --wait to wait for it)"
    )]
    IndexLocked {
        /// The index file.
        path: PathBuf,
    },
    /// A parameter is out of range or inconsistent with another one.
    #[error("invalid parameters: {0}")]
    Params(#[from] ParamError),
}

/// A parameter that cannot be used, with the value that was given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// Shingles must hold at least one word.
    #[error("--shingle-size must be at least 1 (got 0)")]
    ZeroShingleSize,
    /// Too few or too many permutations.
    #[error("--num-perm must be between 16 and 1024 (got {0})")]
    NumPerm(usize),
    /// Bands times rows must fit in the signature.
    #[error("--bands {bands} x rows {rows} exceeds --num-perm {num_perm}")]
    BandsTooMany {
        /// Bands requested.
        bands: usize,
        /// Rows per band.
        rows: usize,
        /// Signature length.
        num_perm: usize,
    },
    /// A threshold outside (0, 1].
    #[error("{name} must be in (0, 1] (got {value})")]
    Threshold {
        /// The flag or field.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A count that must be positive.
    #[error("{name} must be at least 1 (got 0)")]
    ZeroCount {
        /// The flag or field.
        name: &'static str,
    },
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        ErrorKind::Io {
            path: path.into(),
            source,
        }
        .into()
    }

    /// An index error on `path`.
    pub fn index(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ErrorKind::Index {
            path: path.into(),
            message: message.into(),
        }
        .into()
    }

    /// True when the error is a closed pipe on output (`reprint ... | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&*self.0, ErrorKind::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl From<ParamError> for Error {
    fn from(e: ParamError) -> Self {
        ErrorKind::Params(e).into()
    }
}
