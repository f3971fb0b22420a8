//! The index's tables and its stored configuration.
//!
//! One SQLite database in WAL mode: readers (checks) see the last committed
//! batch while a writer adds the next; a batch is one transaction, so a
//! crash leaves it whole or absent. Keys are stored as signed 64-bit
//! integers (SQLite's integer; also what engines read back unchanged).

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::boilerplate::BoilerplateRules;
use crate::candidates::CandidateConfig;
use crate::params::Params;
use crate::verify::Thresholds;

/// Version of the table layout below; an index of another version is
/// refused with what to do.
pub const SCHEMA_VERSION: u32 = 1;

/// What a reprint index file says about itself, to tell it from any other
/// SQLite database.
pub const APPLICATION: &str = "reprint-index";

pub(crate) const DDL: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE outlets(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE batches(
    id INTEGER PRIMARY KEY,
    added_at TEXT NOT NULL,
    articles INTEGER NOT NULL,
    removed INTEGER NOT NULL
);
-- the record as read: what reports show and what re-fingerprinting needs
CREATE TABLE articles(
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT,
    text TEXT NOT NULL,
    published_at TEXT,
    published_ts INTEGER,
    source TEXT,
    url TEXT,
    canonical TEXT,
    outlet INTEGER,
    location TEXT NOT NULL,
    batch INTEGER NOT NULL
);
-- apart from the text so that verification reads only what it needs
CREATE TABLE features(
    doc INTEGER PRIMARY KEY,
    sentences BLOB NOT NULL,
    features BLOB NOT NULL,
    anchors INTEGER NOT NULL,
    credited TEXT
);
CREATE TABLE bands(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE anchors(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
-- verified copy pairs, a < b
CREATE TABLE edges(a INTEGER NOT NULL, b INTEGER NOT NULL, verdict BLOB NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE INDEX edges_b ON edges(b, a);
-- learned boilerplate sentences; outlet -1: across outlets
CREATE TABLE boilerplate(hash INTEGER NOT NULL, outlet INTEGER NOT NULL, PRIMARY KEY(hash, outlet)) WITHOUT ROWID;
CREATE INDEX boilerplate_outlet ON boilerplate(outlet);
-- the sums boilerplate is decided from (see index/boilerplate_stats.rs):
-- articles per outlet; articles per (sentence, outlet), outlet -1 for
-- articles without one; neighbour counts; which articles hold a sentence
CREATE TABLE outlet_docs(outlet INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE sentence_counts(hash INTEGER NOT NULL, outlet INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(hash, outlet)) WITHOUT ROWID;
CREATE TABLE neighbours(hash INTEGER NOT NULL, neighbour INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(hash, neighbour)) WITHOUT ROWID;
CREATE TABLE sentence_docs(hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(hash, doc)) WITHOUT ROWID;
-- each article's place in its provenance group; grp is the group's first doc
CREATE TABLE placements(
    doc INTEGER PRIMARY KEY,
    grp INTEGER NOT NULL,
    parent INTEGER,
    verdict BLOB,
    is_original INTEGER NOT NULL,
    partial INTEGER NOT NULL
);
CREATE INDEX placements_grp ON placements(grp);
CREATE TABLE groups(
    grp INTEGER PRIMARY KEY,
    original INTEGER,
    original_by TEXT NOT NULL,
    credited_outside TEXT,
    confidence REAL NOT NULL,
    size INTEGER NOT NULL
);
";

/// Everything that shapes what an index stores: fingerprints, relations of
/// stored pairs, boilerplate and candidates. Fixed when the index is
/// created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexConfig {
    /// Fingerprint parameters.
    pub params: Params,
    /// Relation thresholds.
    pub thresholds: Thresholds,
    /// Boilerplate rules.
    pub boilerplate: BoilerplateRules,
    /// Candidate generation.
    pub candidates: CandidateConfig,
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}
