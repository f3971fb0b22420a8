//! # reprint
//!
//! Finds reprints, syndicated copies and near-duplicates among news
//! articles, groups every copy with its original, and says why.
//!
//! The pipeline (see `ARCHITECTURE.md`): read articles ([`ingest`]), strip
//! markup ([`normalize`]), split into words ([`tokenize`]), learn and mask
//! boilerplate ([`boilerplate`]), fingerprint with shingles, MinHash, LSH
//! bands and winnowed anchors ([`features`]), find candidate pairs
//! ([`candidates`]), verify them on exact shingle sets ([`verify`]), group
//! without chaining ([`cluster`]) and pick each group's original
//! ([`provenance`]).
//!
//! ```
//! use reprint::{Engine, ingest::{Corpus}, Article, Location};
//!
//! let story = "Russia and Iran signed a memorandum on blockchain and artificial \
//!     intelligence in Moscow on Friday, the Iranian news agency reported. The \
//!     document covers cybersecurity, regulation and joint work of tech parks.";
//! let article = |id: &str, text: String| Article {
//!     id: id.to_string(), title: None, text, published_at: None, published_ts: None,
//!     source: None, url: None, canonical: None,
//!     location: Location { file: "-".into(), line: 0, record: None },
//! };
//! let corpus = Corpus {
//!     articles: vec![
//!         article("original", story.to_string()),
//!         article("repost", format!("Reposted from our partners.\n\n{story}\n\nSubscribe now!")),
//!         article("other", "A different story about football results entirely.".to_string()),
//!     ],
//!     ..Corpus::default()
//! };
//! let report = Engine::default().cluster(corpus);
//! assert_eq!(report.groups.len(), 1);
//! assert_eq!(report.groups[0].members.len(), 2);
//! ```

pub mod align;
pub mod anchor;
pub mod article;
pub mod attribution;
mod bits;
pub mod boilerplate;
pub mod candidates;
pub mod check;
pub mod cluster;
pub mod dedup;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod explain;
pub mod features;
pub mod html;
pub mod index;
pub mod ingest;
pub mod lsh;
pub mod memory;
pub mod minhash;
pub mod normalize;
pub mod params;
pub mod provenance;
pub mod ragged;
pub mod report;
pub mod same_story;
#[cfg(feature = "serve")]
pub mod serve;
pub mod shingle;
pub mod spill;
pub mod texts;
pub mod tokenize;
pub mod verify;

pub use article::{Article, DocId, Location};
pub use engine::Engine;
pub use error::{Error, ErrorKind, ParamError, Result};
pub use params::{Params, ParamsBuilder};
pub use report::Report;
pub use verify::{Relation, Thresholds, Verdict};
