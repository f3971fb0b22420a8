//! Shared by the ingest targets: the bytes go through the real reader, as a
//! file with the format's extension (the reader's per-format code is
//! private; a file on tmpfs costs a few microseconds).

use std::path::PathBuf;

use reprint::ingest::{Input, Reader};

/// Writes `data` to a per-process scratch file ending in `ext` and reads it
/// like a folder entry would be. Checks the reader's promises: every record
/// is an article or a skip with a location in this file, and nothing is
/// fatal for a readable file.
pub fn read_as(ext: &str, data: &[u8]) {
    thread_local! {
        static DIR: PathBuf = {
            let base = if std::path::Path::new("/dev/shm").is_dir() {
                PathBuf::from("/dev/shm")
            } else {
                std::env::temp_dir()
            };
            let d = base.join(format!("reprint-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&d).expect("scratch dir");
            d
        };
    }
    let path = DIR.with(|d| d.join(format!("input.{ext}")));
    std::fs::write(&path, data).expect("write scratch file");
    let corpus = Reader::default().read(&[Input::Path(path.clone())]);
    let name = path.display().to_string();
    for s in &corpus.skipped {
        assert!(!s.fatal, "a readable file is never fatal: {s:?}");
        assert_eq!(s.location.file, name);
        assert!(!s.reason.is_empty());
    }
    for a in &corpus.articles {
        assert_eq!(a.location.file, name);
        assert!(!a.id.is_empty() || a.location.line > 0 || a.location.record.is_some());
    }
    assert!(
        !corpus.articles.is_empty()
            || !corpus.skipped.is_empty()
            || !["txt", "md", "html"].contains(&ext),
        "a text file gives an article or a skip"
    );
}
