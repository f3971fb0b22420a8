//! A persistent, incremental index: everything seen before, ready to check
//! one article against in milliseconds, and to add today's feed to without
//! recomputing yesterday's.
//!
//! The mutable state lives in SQLite (WAL mode, see [`schema`]): articles,
//! their fingerprints, the LSH band and anchor posting lists, the verified
//! copy pairs, the learned boilerplate and every article's place in its
//! provenance group. An `add` is one transaction per batch:
//!
//! 1. new articles are prepared (words, sentences) and stored;
//! 2. boilerplate is learned again from every stored article's sentences;
//!    stored articles whose masked sentences changed are fingerprinted
//!    again (so the index never drifts from what `cluster` would learn);
//! 3. new and re-fingerprinted articles get candidates from the posting
//!    lists (the same two channels and bucket cap as `cluster`), which are
//!    verified on exact shingle sets and stored as edges;
//! 4. the connected parts of the copy graph they touch are grouped again
//!    with the same rules as `cluster`, and provenance is worked out anew
//!    (an older original arriving after its copies becomes the original).
//!
//! Readers use their own connections and never wait for a writer; a second
//! writer gets [`ErrorKind::IndexLocked`] or, asked to, waits.

mod boilerplate_stats;
mod lookup;
mod probe;
mod query;
mod regroup;
pub mod schema;
mod store;
mod update;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use lookup::{parse_group_label, GroupMember, GroupView, StoredArticle};
pub use query::{Decision, IndexStats, Keep, OutletCount};
pub use schema::{IndexConfig, SCHEMA_VERSION};
pub use update::{AddSummary, RemoveSummary};

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};

/// How to open an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Checks, stats and exports: never blocks a writer.
    Read,
    /// Adds and removes. With `wait`, a writer already at work is waited
    /// for; without, opening for a write fails with
    /// [`ErrorKind::IndexLocked`].
    Write {
        /// Wait for another writer instead of failing.
        wait: bool,
    },
}

/// An open index.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    engine: Engine,
    access: Access,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("path", &self.path).finish()
    }
}

impl Index {
    /// Creates an empty index at `path` with `engine`'s configuration (which
    /// every later add and check uses). Fails when `path` exists.
    pub fn create(path: &Path, engine: &Engine) -> Result<Index> {
        if path.exists() {
            return Err(Error::index(
                path,
                "already exists (remove it, or `index add` to it)",
            ));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        let config = IndexConfig {
            params: engine.params.clone(),
            thresholds: engine.thresholds.clone(),
            boilerplate: engine.boilerplate.clone(),
            candidates: engine.candidates.clone(),
        };
        let setup = || -> rusqlite::Result<()> {
            // the page size first: a database in WAL mode keeps the one it
            // has, and switching to WAL writes the file with the default 4 KiB
            conn.pragma_update(None, "page_size", 8192)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.execute_batch(&format!("BEGIN; {} COMMIT;", schema::DDL))?;
            schema::set_meta(&conn, "application", schema::APPLICATION)?;
            schema::set_meta(&conn, "schema_version", &SCHEMA_VERSION.to_string())?;
            let json = serde_json::to_string(&config).expect("configuration serialises");
            schema::set_meta(&conn, "config", &json)?;
            schema::set_meta(&conn, "created_at", &now())?;
            Ok(())
        };
        setup().map_err(|e| db_error(path, e))?;
        drop(conn);
        Index::open(path, Access::Write { wait: false })
    }

    /// Gives up durability for speed, for an index that lives only as long
    /// as the process (a feed deduplicated within itself): commits are not
    /// synced to the disk, and pages are written in place without a
    /// journal (in WAL mode each batch's pages were written twice, to the
    /// log and back into the file, and the process waited for the disk
    /// after every batch). Without a journal a failed write cannot be
    /// rolled back: the caller must give up the index on any error, as a
    /// run that fails does with its temporary index.
    pub fn scratch(&self) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", "OFF")
            .and_then(|()| self.conn.pragma_update(None, "journal_mode", "OFF"))
            .map_err(|e| db_error(&self.path, e))
    }

    /// Opens the index at `path`. The configuration stored in it is used;
    /// an unknown schema or a file that is not an index is an error that
    /// says what to do.
    pub fn open(path: &Path, access: Access) -> Result<Index> {
        if !path.is_file() {
            return Err(Error::index(
                path,
                "no such index (create it with `reprint index create`)",
            ));
        }
        let conn = match connect(path, access, false) {
            // a folder the reader cannot write to (a read-only share): SQLite
            // cannot make the -shm file readers of a WAL database share, so
            // the file is read as immutable; no writer can be at work there
            Err(e) if access == Access::Read && is_read_only(&e) => connect(path, access, true),
            other => other,
        }
        .map_err(|e| db_error(path, e))?;
        let not_index = || {
            Error::index(
                path,
                "not a reprint index (it is not SQLite, or has no reprint tables)",
            )
        };
        let application =
            schema::get_meta(&conn, "application").map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
                    db_error(path, e)
                }
                _ => not_index(),
            })?;
        if application.as_deref() != Some(schema::APPLICATION) {
            return Err(not_index());
        }
        let version: u32 = schema::get_meta(&conn, "schema_version")
            .map_err(|e| db_error(path, e))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if version != SCHEMA_VERSION {
            return Err(Error::index(
                path,
                format!(
                    "schema version {version}, this reprint reads version {SCHEMA_VERSION}: \
                     rebuild the index with this version (`index export` from the old \
                     reprint keeps the groups)"
                ),
            ));
        }
        let config: IndexConfig = schema::get_meta(&conn, "config")
            .map_err(|e| db_error(path, e))?
            .and_then(|c| serde_json::from_str(&c).ok())
            .ok_or_else(|| Error::index(path, "its configuration is unreadable"))?;
        if config.params.normalizer_version != crate::params::NORMALIZER_VERSION {
            return Err(Error::index(
                path,
                format!(
                    "built with normaliser version {}, this reprint has version {}: \
                     fingerprints would not match; rebuild the index",
                    config.params.normalizer_version,
                    crate::params::NORMALIZER_VERSION
                ),
            ));
        }
        let engine = Engine {
            params: config.params,
            thresholds: config.thresholds,
            boilerplate: config.boilerplate,
            candidates: config.candidates,
            ..Engine::default()
        };
        Ok(Index {
            conn,
            path: path.to_path_buf(),
            engine,
            access,
        })
    }

    /// The configuration the index was created with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Mutable access to settings that do not shape stored state (evidence,
    /// same-story).
    pub fn set_evidence(&mut self, evidence: bool) {
        self.engine.evidence = evidence;
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails unless `engine` fingerprints and relates exactly as the
    /// index's own configuration does.
    pub fn ensure_same_config(&self, engine: &Engine) -> Result<()> {
        let differs = |what: &str| {
            Err(Error::index(
                &self.path,
                format!(
                    "was created with other {what}; drop those flags to use the index's own, \
                     or build a new index with them"
                ),
            ))
        };
        if engine.params != self.engine.params {
            return differs("fingerprint parameters");
        }
        if engine.thresholds != self.engine.thresholds {
            return differs("relation thresholds");
        }
        if engine.boilerplate != self.engine.boilerplate {
            return differs("boilerplate rules");
        }
        if engine.candidates != self.engine.candidates {
            return differs("candidate settings");
        }
        Ok(())
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |e| db_error(&self.path, e)
    }
}

/// Opens the SQLite connection of an index and sets it up for `access`;
/// `immutable` reads a file that nothing can write.
fn connect(path: &Path, access: Access, immutable: bool) -> rusqlite::Result<Connection> {
    let conn = if immutable {
        let mut uri = url_path(path);
        uri.insert_str(0, "file:");
        uri.push_str("?immutable=1");
        Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    } else {
        // read-write even for readers: a reader may have to recover the
        // write-ahead log a killed writer left; it never writes rows
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }?;
    let busy = match access {
        Access::Write { wait: true } => Duration::from_secs(24 * 3600),
        // a reader waits out a writer's brief checkpoint or recovery
        Access::Read => Duration::from_secs(10),
        Access::Write { wait: false } => Duration::ZERO,
    };
    conn.busy_timeout(busy)?;
    // a reader's pages come from the mapped file instead of copies
    // through read(2) into SQLite's own cache: the hot path of a check.
    // A writer keeps to its bounded cache, so that its resident memory
    // stays flat however large the index grows
    let mmap: i64 = if access == Access::Read { 1 << 36 } else { 0 };
    conn.pragma_update(None, "mmap_size", mmap)
        .and_then(|()| conn.pragma_update(None, "cache_size", -65536))
        // the log of a 50,000-article batch is truncated back after
        // its checkpoint instead of staying that large
        .and_then(|()| conn.pragma_update(None, "journal_size_limit", 64i64 << 20))?;
    // the first read opens the WAL: where that needs a write, it fails here
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// Whether `e` is SQLite failing to write beside or into the index.
fn is_read_only(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied)
    )
}

/// `path` as the path part of an SQLite URI: `%`, `?` and `#` escaped.
fn url_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// A database error on `path`, in words that say what happened to the index
/// and what to do: "locked" when another writer holds it.
fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ffi;
    let damaged = |what: String| {
        Error::index(
            path,
            format!(
                "is damaged ({what}): `reprint index stats {} --check` lists the damage; \
                 restore a copy, or build the index again from its inputs",
                path.display()
            ),
        )
    };
    if let rusqlite::Error::FromSqlConversionFailure(_, _, source) = &e {
        // a stored blob that does not decode: SQLite's pages are sound
        // but a row is not what reprint wrote
        return damaged(format!("a stored row cannot be read: {source}"));
    }
    let extended = match &e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        _ => 0,
    };
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => ErrorKind::IndexLocked {
            path: path.to_path_buf(),
        }
        .into(),
        Some(ErrorCode::NotADatabase) => Error::index(path, "not a reprint index (not SQLite)"),
        Some(ErrorCode::DatabaseCorrupt) => damaged(e.to_string()),
        Some(ErrorCode::DiskFull) => Error::index(
            path,
            "the disk is full: the batch being written was rolled back, \
             the index is as it was before it; free space and run the command again",
        ),
        Some(ErrorCode::SystemIoFailure)
            if matches!(
                extended,
                ffi::SQLITE_IOERR_WRITE | ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_TRUNCATE
            ) =>
        {
            Error::index(
                path,
                format!(
                    "cannot write to disk ({e}; a full disk or a file size limit?): \
                     the batch being written was rolled back, the index is as it was before it"
                ),
            )
        }
        Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied) => Error::index(
            path,
            format!(
                "cannot be written ({e}): the file or its folder is read-only; \
                     SQLite writes its -wal and -shm files beside the index, so its folder \
                     must be writable too"
            ),
        ),
        _ => Error::index(path, e.to_string()),
    }
}

/// The current time, RFC 3339 in UTC, for the index's own records.
fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;

    #[test]
    fn a_scratch_index_writes_in_place_unsynced_and_still_adds_and_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scratch.db");
        Index::create(&path, &Engine::default()).unwrap();
        let mut index = Index::open(&path, Access::Write { wait: false }).unwrap();
        index.scratch().unwrap();
        let pragma = |name: &str| -> String {
            index
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), r#"Text("off")"#);
        assert_eq!(pragma("synchronous"), "Integer(0)");
        let text = "The central bank raised its key rate by half a point on Tuesday, \
                    citing inflation that has stayed above target for two years. \
                    Analysts had expected a smaller move after weak retail figures.";
        let article = |id: &str| Article::of_text(id, text);
        index
            .add([article("a"), article("b")], 0, |_, _, _| {})
            .unwrap();
        let decided = index.decide(&["a", "b"], Keep::First).unwrap();
        assert!(decided[0].is_some() && decided[1].is_some(), "{decided:?}");
        // no log beside the file: the pages were written in place
        assert!(!dir.path().join("scratch.db-wal").exists());
    }
}
