//! `reprint serve`: an HTTP JSON API over a persistent index, and a web
//! page where an editor pastes a story and sees where it came from.
//!
//! The API is versioned under `/v1` and documented in `openapi.json` at
//! the top of the repository (also served at `/v1/openapi.json`):
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/check` | one article (or an array) → [`crate::check::CheckResult`] |
//! | `POST /v1/articles` | add one article or a batch (refused by a read-only server) |
//! | `GET /v1/articles/{id}` | a stored article and its place in its group |
//! | `GET /v1/groups/{id}` | a group: original, members, passages |
//! | `GET /v1/health`, `GET /v1/stats` | liveness; the index's counts |
//! | `GET /` | the page (HTML, CSS and script from the binary) |
//!
//! Safe by default: it listens on loopback unless told otherwise; request
//! bodies are limited ([`Config::max_body`], a 413 with a JSON error);
//! every request has a deadline ([`Config::timeout`], adds
//! [`Config::write_timeout`]); at most [`Config::max_concurrency`] index
//! operations run at once and a bounded number wait, the rest get a 503;
//! writes can require a bearer token; ids from a request only ever reach
//! SQL parameters, never a path; every error is `{"error": "..."}` with a
//! message, never a panic text (a panic in a handler is a 500).
//!
//! The index is read through a small pool of read connections (SQLite WAL:
//! readers never wait for the writer), each request's index work running on
//! tokio's blocking pool; adds go through one writer behind a lock, so
//! checks keep being answered while a batch is added.

mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::sync::Semaphore;

use crate::error::{Error, ErrorKind, Result};
use crate::index::{Access, Index};

/// One finished request, for an access log.
#[derive(Debug, Clone)]
pub struct RequestLog {
    /// HTTP method.
    pub method: String,
    /// Request path (without the query string).
    pub path: String,
    /// Response status.
    pub status: u16,
    /// Time from the request's arrival to its response, in milliseconds.
    pub millis: f64,
}

/// Called once per request with what happened.
pub type LogFn = Arc<dyn Fn(&RequestLog) + Send + Sync>;

/// How the server runs.
#[derive(Clone)]
pub struct Config {
    /// The index file.
    pub index: PathBuf,
    /// Where to listen.
    pub addr: SocketAddr,
    /// Refuse every write (`POST /v1/articles`); the index is only read.
    pub read_only: bool,
    /// Bearer token that write requests must carry.
    pub token: Option<String>,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Deadline of every request but adds.
    pub timeout: Duration,
    /// Deadline of an add.
    pub write_timeout: Duration,
    /// Index operations (checks, lookups) running at once.
    pub max_concurrency: usize,
    /// Requests waiting for their turn beyond those; more get a 503.
    pub max_queue: usize,
    /// Matches per checked article unless the request asks for fewer.
    pub limit: usize,
    /// Articles per transaction of an add.
    pub batch_size: usize,
    /// Access log: called once per request.
    pub log: Option<LogFn>,
}

impl Config {
    /// Defaults for the index at `index`: loopback port 8080, 16 MiB
    /// bodies, 30 s per request (10 min per add), two index operations per
    /// core at once and 64 per core waiting.
    pub fn new(index: PathBuf) -> Config {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            index,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            read_only: false,
            token: None,
            max_body: 16 << 20,
            timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(600),
            max_concurrency: 2 * cores,
            max_queue: 64 * cores,
            limit: 10,
            batch_size: 50_000,
            log: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("index", &self.index)
            .field("addr", &self.addr)
            .field("read_only", &self.read_only)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("max_body", &self.max_body)
            .field("timeout", &self.timeout)
            .field("write_timeout", &self.write_timeout)
            .field("max_concurrency", &self.max_concurrency)
            .field("max_queue", &self.max_queue)
            .field("limit", &self.limit)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

/// What every request shares.
pub(crate) struct Shared {
    config: Config,
    /// Idle read connections.
    readers: Mutex<Vec<Index>>,
    /// Turns at the index for reads.
    read_turns: Arc<Semaphore>,
    /// The one writer (none when read-only).
    writer: Option<Arc<Mutex<Index>>>,
    /// One add at a time.
    write_turn: Arc<Semaphore>,
    /// Requests waiting for or holding a turn.
    queued: AtomicUsize,
    started: Instant,
}

/// An error as the API reports it: a status and a message.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    /// Ask for a bearer token (`WWW-Authenticate`).
    bearer: bool,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            bearer: false,
        }
    }

    /// An error from the library: a locked index is a 503 to retry; the
    /// rest are the server's own failures, told without the file's path.
    fn from_index(e: &Error) -> ApiError {
        match e.kind() {
            ErrorKind::IndexLocked { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the index is locked by another writer; try again later",
            ),
            ErrorKind::Index { message, .. } => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("index error: {message}"),
            ),
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
}

/// Counts a request among those queued while it lives.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Shared {
    fn new(config: Config) -> Result<Shared> {
        let mut reader = Index::open(&config.index, Access::Read)?;
        reader.set_evidence(true);
        let writer = if config.read_only {
            None
        } else {
            Some(Arc::new(Mutex::new(Index::open(
                &config.index,
                Access::Write { wait: false },
            )?)))
        };
        let turns = config.max_concurrency.max(1);
        Ok(Shared {
            readers: Mutex::new(vec![reader]),
            read_turns: Arc::new(Semaphore::new(turns)),
            writer,
            write_turn: Arc::new(Semaphore::new(1)),
            queued: AtomicUsize::new(0),
            started: Instant::now(),
            config,
        })
    }

    fn enter(&self) -> std::result::Result<Queued<'_>, ApiError> {
        let limit = self.config.max_concurrency.max(1) + self.config.max_queue;
        let before = self.queued.fetch_add(1, Ordering::Relaxed);
        let guard = Queued(&self.queued);
        if before >= limit {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the server is busy ({before} requests waiting for the index); try again"),
            ));
        }
        Ok(guard)
    }

    /// A read connection: an idle one, or a new one.
    fn take_reader(&self) -> Result<Index> {
        let idle = self.readers.lock().ok().and_then(|mut r| r.pop());
        match idle {
            Some(index) => Ok(index),
            None => {
                let mut index = Index::open(&self.config.index, Access::Read)?;
                index.set_evidence(true);
                Ok(index)
            }
        }
    }

    fn put_reader(&self, index: Index) {
        if let Ok(mut r) = self.readers.lock() {
            if r.len() < self.config.max_concurrency.max(1) {
                r.push(index);
            }
        }
    }

    /// Runs `f` on a read connection, on the blocking pool, in its turn.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, f: F) -> std::result::Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Index) -> Result<T> + Send + 'static,
    {
        let _queued = self.enter()?;
        let turn = self
            .read_turns
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| shutting_down())?;
        let state = Arc::clone(self);
        let done = tokio::task::spawn_blocking(move || {
            // the turn is held until the work ends, even when the request
            // that asked for it has timed out meanwhile
            let _turn = turn;
            let mut index = state.take_reader()?;
            let out = f(&mut index);
            state.put_reader(index);
            out
        })
        .await;
        finish(done)
    }

    /// Runs `f` on the writer, on the blocking pool, one at a time.
    pub(crate) async fn write<T, F>(self: &Arc<Self>, f: F) -> std::result::Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Index) -> Result<T> + Send + 'static,
    {
        let Some(writer) = self.writer.clone() else {
            return Err(read_only());
        };
        let _queued = self.enter()?;
        let turn = self
            .write_turn
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| shutting_down())?;
        let done = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            // a panic in an earlier add left the lock poisoned; the index
            // itself is whole (each batch is one transaction)
            let mut index = match writer.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            f(&mut index)
        })
        .await;
        finish(done)
    }
}

fn finish<T>(
    done: std::result::Result<Result<T>, tokio::task::JoinError>,
) -> std::result::Result<T, ApiError> {
    match done {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(ApiError::from_index(&e)),
        Err(_) => Err(internal()),
    }
}

pub(crate) fn internal() -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

fn shutting_down() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is shutting down",
    )
}

pub(crate) fn read_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "this server is read-only (started with --read-only): articles cannot be added",
    )
}

/// A bound server, ready to run.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    state: Arc<Shared>,
    addr: SocketAddr,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// Opens the index (an error when it is missing or not an index) and
    /// binds `config.addr` (port 0: a free port, see
    /// [`Server::local_addr`]).
    pub fn bind(config: Config) -> Result<Server> {
        let state = Arc::new(Shared::new(config)?);
        let addr = state.config.addr;
        let listen_error = |e| Error::io(format!("cannot listen on {addr}"), e);
        let listener = std::net::TcpListener::bind(addr).map_err(listen_error)?;
        listener.set_nonblocking(true).map_err(listen_error)?;
        let addr = listener.local_addr().map_err(listen_error)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .max_blocking_threads(state.config.max_concurrency.max(1) + 8)
            .thread_name("reprint-serve")
            .build()
            .map_err(|e| Error::io("tokio runtime", e))?;
        Ok(Server {
            runtime,
            listener,
            state,
            addr,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests under
    /// way.
    pub fn run(self) -> Result<()> {
        let Server {
            runtime,
            listener,
            state,
            addr,
        } = self;
        let listen_error = |e| Error::io(format!("cannot listen on {addr}"), e);
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(listen_error)?;
            let app = routes::router(state);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(listen_error)
        })
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // without a handler there is nothing to wait for: run until killed
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
