//! `reprint serve`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use reprint::serve::{Config, RequestLog, Server};
use reprint::Error;

/// `reprint serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The index to serve (made with `reprint index create`).
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Where to listen. Loopback unless an address is given; port 0 picks a
    /// free port (the address is printed on standard error).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Refuse to add articles: the index is only read.
    #[arg(long)]
    pub read_only: bool,
    /// A file holding the bearer token that adding articles requires
    /// (`Authorization: Bearer TOKEN`).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Largest request body: bytes, or with K, M or G (1024-based).
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_body: usize,
    /// Seconds a request may take (adds excepted) before a 503 answers it.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// Seconds an add request may take before a 503 answers it (the add
    /// itself goes on and commits).
    #[arg(long, value_name = "SECONDS", default_value = "600", value_parser = parse_seconds)]
    pub write_timeout: Duration,
    /// Checks and lookups running at once [default: two per core].
    #[arg(long, value_name = "N")]
    pub max_concurrency: Option<usize>,
    /// Requests waiting for their turn before new ones get a 503 [default:
    /// 64 per core].
    #[arg(long, value_name = "N")]
    pub max_queue: Option<usize>,
    /// Matches per checked article unless a request asks otherwise.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Articles per transaction of an add.
    #[arg(long, default_value_t = 50_000)]
    pub batch_size: usize,
    /// No access log on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `16M`, `512K`, `1G` or a number of bytes.
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: usize = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size (a number, or with K, M or G)"))?;
    let scale: usize = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("{s:?}: the unit must be K, M or G")),
    };
    match n.checked_mul(scale) {
        Some(0) | None => Err(format!("{s:?} must be at least one byte and fit in memory")),
        Some(v) => Ok(v),
    }
}

/// A positive number of seconds.
fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "{s:?} must be a number of seconds above 0 (at most a day)"
        )),
    }
}

pub fn run(args: ServeArgs) -> reprint::Result<ExitCode> {
    let token = match &args.token_file {
        Some(path) => {
            let raw = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let token = raw.trim().to_string();
            if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                eprintln!(
                    "reprint: error: {}: the token file must hold one token (no spaces)",
                    path.display()
                );
                return Ok(ExitCode::from(2));
            }
            Some(token)
        }
        None => None,
    };
    let mut config = Config::new(args.index.clone());
    config.addr = args.addr;
    config.read_only = args.read_only;
    config.token = token;
    config.max_body = args.max_body;
    config.timeout = args.timeout;
    config.write_timeout = args.write_timeout;
    if let Some(n) = args.max_concurrency {
        config.max_concurrency = n.max(1);
    }
    if let Some(n) = args.max_queue {
        config.max_queue = n;
    }
    config.limit = args.limit.max(1);
    config.batch_size = args.batch_size;
    if !args.quiet {
        config.log = Some(Arc::new(|r: &RequestLog| {
            // one write per line, so lines of concurrent requests never mix
            let line = format!("{} {} {} {:.1} ms\n", r.method, r.path, r.status, r.millis);
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }));
    }
    let writable = !config.read_only;
    let has_token = config.token.is_some();
    let server = Server::bind(config)?;
    let addr = server.local_addr();
    eprintln!(
        "reprint serve: listening on http://{addr}/ (index {}, {})",
        args.index.display(),
        match (writable, has_token) {
            (false, _) => "read-only",
            (true, true) => "adds need the token",
            (true, false) => "adds open to every client",
        }
    );
    if writable && !has_token && !addr.ip().is_loopback() {
        eprintln!(
            "reprint serve: warning: anyone who reaches {addr} can add articles; \
             pass --token-file or --read-only"
        );
    }
    server.run()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-3").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
