//! Command-line arguments (binary only: the library never sees clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use reprint::boilerplate::BoilerplateRules;
use reprint::candidates::CandidateConfig;
use reprint::ingest::FieldNames;
use reprint::same_story::SameStoryConfig;
use reprint::{Params, ParamsBuilder, Thresholds};

/// Find reprints and syndicated copies of news articles, and group every
/// copy with its original.
#[derive(Debug, Parser)]
#[command(name = "reprint", version, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Group a corpus into provenance groups: every copy with its original.
    Cluster(ClusterArgs),
    /// Show why two articles are copies: figures, who was first, the
    /// passages they share and what each adds. Exit 0 when they are copies,
    /// 1 when not.
    Explain(ExplainArgs),
    /// Is this story a reprint? Check articles against a corpus: ranked
    /// matches with figures, passages and provenance. Exit 0 when at least
    /// one is a reprint, 1 when none is.
    Check(CheckArgs),
    /// A persistent index: create it, add today's feed to it, remove
    /// articles, show its statistics, export its groups.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Pass a feed through with the copies dropped (or annotated), writing
    /// what was dropped and why; with --index, remember it for tomorrow.
    Dedup(DedupArgs),
    /// An HTTP API and a web page over an index: paste a story, see where
    /// it came from.
    #[cfg(feature = "serve")]
    Serve(crate::commands::ServeArgs),
}

/// Which member of a group `dedup` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeepArg {
    /// The first seen (streams: decided as records arrive).
    First,
    /// The group's original, earliest published (decided after the whole
    /// input).
    Original,
}

/// `reprint dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// JSONL files, folders or `-` (standard input, read as JSON lines).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Write the kept records here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write one line per dropped record here: its id, the kept id,
    /// relation and scores.
    #[arg(long, value_name = "FILE")]
    pub dropped: Option<PathBuf>,
    /// A persistent index to check against and add to (created when
    /// missing); without it, duplicates are found within the input only.
    #[arg(long, value_name = "PATH")]
    pub index: Option<PathBuf>,
    /// Decide with the whole input at hand: cluster it in one pass, as
    /// `cluster` does, instead of adding it batch by batch to a temporary
    /// index. Many times faster on a large feed, and one record kept per
    /// final group; output starts only once the input is read. Not with
    /// `--index`.
    #[arg(long, conflicts_with = "index")]
    pub whole_input: bool,
    /// Which member of each group to keep.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
    /// Keep every record and add `group`, `original_id`, `relation`,
    /// `is_duplicate` to each.
    #[arg(long)]
    pub annotate: bool,
    /// Records per batch added to the index.
    #[arg(long, default_value_t = 2000)]
    pub batch_size: usize,
    /// Wait for another process writing to the index instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Exit with code 2 when a record or file could not be read (such
    /// records are still passed through).
    #[arg(long)]
    pub strict: bool,
    /// No summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    /// Worker threads (0 = all cores).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Field names of JSON inputs.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Fingerprint parameters (for a new index).
    #[command(flatten)]
    pub params: ParamArgs,
    /// Relation thresholds (for a new index).
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// `reprint index ...`.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Create an empty index with the given parameters (kept for every add
    /// and check).
    Create(IndexCreateArgs),
    /// Add articles: matched against everything stored, groups and
    /// originals updated. Each batch is committed whole.
    Add(IndexAddArgs),
    /// Remove articles by id; their groups are worked out again.
    Remove(IndexRemoveArgs),
    /// What the index holds; `--check` also verifies it is consistent.
    Stats(IndexStatsArgs),
    /// Every stored article as `cluster --format jsonl` prints it.
    Export(IndexExportArgs),
}

/// `reprint index create`.
#[derive(Debug, Args)]
pub struct IndexCreateArgs {
    /// The index file to create.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Fingerprint parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// Relation thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    /// No line on stderr saying the index was created.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `reprint index add`.
#[derive(Debug, Args)]
pub struct IndexAddArgs {
    /// The index file.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Files or folders (read recursively), `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Articles per committed batch (0: all in one).
    #[arg(long, default_value_t = 50_000)]
    pub batch_size: usize,
    /// Wait for another process adding to the index instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Worker threads (0 = all cores).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Exit with code 2 if any record is skipped.
    #[arg(long)]
    pub strict: bool,
    /// No summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print each stage of each batch with its time on standard error.
    #[arg(short, long)]
    pub verbose: bool,
    /// Field names of JSON inputs.
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// `reprint index remove`.
#[derive(Debug, Args)]
pub struct IndexRemoveArgs {
    /// The index file.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Ids of the articles to remove.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// Wait for another process writing to the index instead of failing.
    #[arg(long)]
    pub wait: bool,
}

/// Formats of `index stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// For people.
    Table,
    /// One JSON object.
    Json,
}

/// `reprint index stats`.
#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// The index file.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Also check that the tables agree and SQLite finds no damage (exit 2
    /// when not).
    #[arg(long)]
    pub check: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
}

/// `reprint index export`.
#[derive(Debug, Args)]
pub struct IndexExportArgs {
    /// The index file.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Skip shared passages and additions.
    #[arg(long)]
    pub no_evidence: bool,
}

/// Formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// A verdict and the matches per article, for people.
    Table,
    /// All results as one JSON array.
    Json,
    /// One result per line.
    Jsonl,
}

/// `reprint check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The articles to check: files (.txt, .md, .json, .jsonl), folders, or
    /// `-` for standard input. They are not added to the corpus.
    #[arg(required = true, value_name = "ARTICLE")]
    pub articles: Vec<String>,
    /// The corpus to check against (files, folders, `-`); repeat for more.
    #[arg(
        long,
        value_name = "CORPUS",
        required_unless_present = "index",
        conflicts_with = "index"
    )]
    pub against: Vec<String>,
    /// The index to check against (see `reprint index`); its own parameters
    /// are used.
    #[arg(long, value_name = "PATH")]
    pub index: Option<PathBuf>,
    /// With --index: add the checked articles to the index afterwards.
    #[arg(long, requires = "index")]
    pub add: bool,
    /// With --add: wait for another process adding to the index.
    #[arg(long, requires = "add")]
    pub wait: bool,
    /// Matches shown per article.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,
    /// Worker threads (0 = all cores).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Colour in the table.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Skip shared passages.
    #[arg(long)]
    pub no_evidence: bool,
    /// Field names of JSON inputs.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Fingerprint parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// Relation thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// Formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Both texts with shared passages and additions marked.
    Text,
    /// Figures, passages and additions as JSON.
    Json,
}

/// `reprint explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The first article: a file, or an id in the --corpus.
    #[arg(value_name = "A")]
    pub a: String,
    /// The second article: a file, or an id in the --corpus.
    #[arg(value_name = "B")]
    pub b: String,
    /// Read A and B as ids in these inputs (files, folders, `-`); the
    /// corpus also teaches boilerplate.
    #[arg(long, value_name = "INPUT")]
    pub corpus: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Colour.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Field names of JSON inputs.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Fingerprint parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// Relation thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One block per group, for people (default on a terminal).
    Table,
    /// The whole report: params, stats, groups, skipped records.
    Json,
    /// One line per input article, in input order (default in a pipe).
    Jsonl,
    /// The jsonl columns as CSV.
    Csv,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal only.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `reprint cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Files or folders (read recursively) of .txt, .md, .html, .json,
    /// .jsonl/.ndjson; `-` reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a self-contained HTML report for people to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Skip shared passages and additions (faster; figures and groups are
    /// the same).
    #[arg(long)]
    pub no_evidence: bool,
    /// Worker threads (0 = all cores).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Exit with code 2 if any record is skipped.
    #[arg(long)]
    pub strict: bool,
    /// Colour in the table.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// No summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    /// Field names of JSON inputs.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Fingerprint parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// Relation thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// JSON field names, each replacing the guessed list.
#[derive(Debug, Args)]
#[command(next_help_heading = "Input fields (guessed from common exports unless named)")]
pub struct FieldArgs {
    /// Field holding the article id [guess: id, slug, guid, uuid, url].
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,
    /// Field holding the body [guess: text, body, body_md, content, article].
    #[arg(long, value_name = "NAME")]
    pub text_field: Option<String>,
    /// Field holding the headline [guess: title, headline].
    #[arg(long, value_name = "NAME")]
    pub title_field: Option<String>,
    /// Field holding the publication time [guess: published_at, date, published].
    #[arg(long, value_name = "NAME")]
    pub date_field: Option<String>,
    /// Field holding the outlet [guess: source, publisher, site].
    #[arg(long, value_name = "NAME")]
    pub source_field: Option<String>,
    /// Field holding the URL [guess: url, link].
    #[arg(long, value_name = "NAME")]
    pub url_field: Option<String>,
    /// Field holding a canonical source or URL [guess: canonical_source, canonical_url].
    #[arg(long, value_name = "NAME")]
    pub canonical_field: Option<String>,
}

impl FieldArgs {
    /// The field names to read.
    pub fn to_fields(&self) -> FieldNames {
        let mut f = FieldNames::default();
        let set = |slot: &mut Vec<String>, v: &Option<String>| {
            if let Some(v) = v {
                *slot = vec![v.clone()];
            }
        };
        set(&mut f.id, &self.id_field);
        set(&mut f.text, &self.text_field);
        set(&mut f.title, &self.title_field);
        set(&mut f.published, &self.date_field);
        set(&mut f.source, &self.source_field);
        set(&mut f.url, &self.url_field);
        set(&mut f.canonical, &self.canonical_field);
        f
    }
}

/// Parameters that shape fingerprints.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fingerprint")]
pub struct ParamArgs {
    /// Words per shingle.
    #[arg(long, default_value_t = 5)]
    pub shingle_size: usize,
    /// MinHash permutations.
    #[arg(long, default_value_t = 128)]
    pub num_perm: usize,
    /// Hash seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Jaccard similarity the LSH bands are tuned for (bands and rows follow
    /// from it).
    #[arg(long, default_value_t = 0.5)]
    pub lsh_threshold: f64,
    /// Force the number of LSH bands.
    #[arg(long)]
    pub bands: Option<usize>,
    /// Winnowing window (shingles) for passage anchors.
    #[arg(long, default_value_t = 12)]
    pub anchor_window: usize,
    /// Anchors two articles must share to be compared.
    #[arg(long, default_value_t = CandidateConfig::default().anchor_min_shared)]
    pub anchor_min_shared: u32,
}

impl ParamArgs {
    /// Validated parameters.
    pub fn to_params(&self) -> Result<Params, reprint::ParamError> {
        let mut b = ParamsBuilder::new();
        b.shingle_size(self.shingle_size)
            .num_perm(self.num_perm)
            .lsh_threshold(self.lsh_threshold)
            .bands(self.bands)
            .anchor_window(self.anchor_window);
        if let Some(s) = self.seed {
            b.seed(s);
        }
        b.build()
    }

    /// Candidate settings.
    pub fn to_candidates(&self) -> CandidateConfig {
        CandidateConfig {
            anchor_min_shared: self.anchor_min_shared.max(1),
            ..CandidateConfig::default()
        }
    }
}

/// Relation thresholds.
#[derive(Debug, Args)]
#[command(next_help_heading = "Relations")]
pub struct ThresholdArgs {
    /// Jaccard at or above which two articles are near-identical.
    #[arg(long, default_value_t = Thresholds::default().near_identical)]
    pub near_identical: f64,
    /// Containment of the smaller article at or above which it is a reprint.
    #[arg(long, default_value_t = Thresholds::default().reprint)]
    pub reprint: f64,
    /// Containment of the smaller article at or above which it is an edited copy.
    #[arg(long, default_value_t = Thresholds::default().edited)]
    pub edited: f64,
    /// Shared passage, in words, that makes a partial copy.
    #[arg(long, default_value_t = Thresholds::default().partial_words)]
    pub partial_words: u32,
    /// Share of the smaller article in shared passages that makes a partial copy.
    #[arg(long, default_value_t = Thresholds::default().partial_share)]
    pub partial_share: f64,
    /// Weighted overlap of rare names and numbers that links two groups on
    /// the same-story tier.
    #[arg(long, default_value_t = SameStoryConfig::default().min_score)]
    pub same_story_score: f64,
    /// Largest distance in days between two dated articles on the same-story
    /// tier.
    #[arg(long, default_value_t = SameStoryConfig::default().window_days)]
    pub same_story_days: f64,
    /// Minimum articles of one outlet carrying a sentence for it to be that
    /// outlet's boilerplate.
    #[arg(long, default_value_t = BoilerplateRules::default().outlet_min_docs)]
    pub boilerplate_min_docs: u32,
}

impl ThresholdArgs {
    /// Validated thresholds.
    pub fn to_thresholds(&self) -> Result<Thresholds, reprint::ParamError> {
        let t = Thresholds {
            near_identical: self.near_identical,
            reprint: self.reprint,
            edited: self.edited,
            partial_words: self.partial_words,
            partial_share: self.partial_share,
            ..Thresholds::default()
        };
        t.validate()?;
        Ok(t)
    }

    /// Same-story settings.
    pub fn to_same_story(&self) -> SameStoryConfig {
        SameStoryConfig {
            min_score: self.same_story_score,
            window_days: self.same_story_days,
            ..SameStoryConfig::default()
        }
    }

    /// Boilerplate rules.
    pub fn to_rules(&self) -> BoilerplateRules {
        BoilerplateRules {
            outlet_min_docs: self.boilerplate_min_docs.max(1),
            ..BoilerplateRules::default()
        }
    }
}
