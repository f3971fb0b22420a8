//! The index when the machine lets it down: a damaged file, a read-only
//! folder, a full disk (a file size limit). Each gets an error that says
//! what happened and what to do, never a panic, and the index is left as it
//! was (or holds the batches committed before the failure, whole).

use std::path::Path;
use std::process::Command;

use crate::index::{stats, syndication};
use crate::util::{run_in, Run, TestDir};

/// Ids of the exported articles, in the order added.
fn exported_ids(dir: &TestDir, index: &str) -> Vec<String> {
    dir.run(&["index", "export", index, "--no-evidence"])
        .ok()
        .lines()
        .ids()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Overwrites every page after the first three (the schema, the `meta`
/// table and its key index, so the file still opens as an index) with
/// pseudo-random bytes (fixed seed): the other b-trees do not survive.
fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for (i, b) in bytes.iter_mut().enumerate().skip(3 * page) {
        if i % 4096 < 2048 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_index_is_reported_with_what_to_do() {
    let dir = TestDir::new("index-damaged");
    let records = syndication(30, 5);
    dir.write_jsonl("feed.jsonl", &records[..records.len() - 5]);
    dir.write_jsonl("more.jsonl", &records[records.len() - 5..]);
    dir.write("query.txt", records[0]["text"].as_str().unwrap());
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", "feed.jsonl", "-q"]).ok();
    let db = dir.path().join("i.db");
    damage(&db);
    let damaged = std::fs::read(&db).unwrap();

    let run = dir.run(&["index", "stats", "i.db", "--check"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let problem = run
        .stdout
        .lines()
        .find(|l| l.starts_with("problem") && l.contains("SQLite integrity check"))
        .unwrap_or_else(|| panic!("no integrity finding in\n{}{}", run.stdout, run.stderr));
    // the findings are capped: a damaged page gives thousands
    assert!(problem.len() < 2000, "{problem}");

    for args in [
        &["check", "--index", "i.db", "query.txt"][..],
        &["index", "export", "i.db"],
        &["index", "add", "i.db", "more.jsonl"],
    ] {
        let run = dir.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("i.db") && run.stderr.contains("is damaged"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("index stats i.db --check"),
            "{args:?} does not say what to do: {}",
            run.stderr
        );
    }
    assert!(
        std::fs::read(&db).unwrap() == damaged,
        "a failed command changed the damaged file"
    );
}

/// Runs reprint under a file size limit of `kib` KiB, with SIGXFSZ
/// ignored, so that a write past it fails as on a full disk.
fn run_with_file_limit(dir: &TestDir, kib: u64, args: &[&str]) -> Run {
    let script = format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\"",);
    let mut full = vec!["-c", &script, env!("CARGO_BIN_EXE_reprint")];
    full.extend(args);
    let out = Command::new("bash")
        .args(&full)
        .current_dir(dir.path())
        .output()
        .expect("run bash");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

#[test]
#[cfg(unix)]
fn a_full_disk_keeps_whole_batches_and_says_so() {
    const BATCH: usize = 10;
    let dir = TestDir::new("index-full");
    let records = syndication(80, 8);
    let (first, rest) = records.split_at(20);
    dir.write_jsonl("day1.jsonl", first);
    dir.write_jsonl("day2.jsonl", rest);
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", "day1.jsonl", "-q"]).ok();
    let db = dir.path().join("i.db");
    let size = std::fs::metadata(&db).unwrap().len();

    // one batch that cannot fit: the index is byte for byte as before
    let before = std::fs::read(&db).unwrap();
    let limit = size / 1024 + 16;
    let run = run_with_file_limit(&dir, limit, &["index", "add", "i.db", "day2.jsonl"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("i.db")
            && (run.stderr.contains("cannot write to disk") || run.stderr.contains("disk is full"))
            && run.stderr.contains("rolled back"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the failed batch changed the index"
    );
    assert_eq!(stats(&dir, "i.db")["articles"], first.len());

    // small batches: those committed before the failure stay, whole
    let batch = BATCH.to_string();
    let limit = size / 1024 + 160;
    let args = ["index", "add", "i.db", "day2.jsonl", "--batch-size", &batch];
    let run = run_with_file_limit(&dir, limit, &args);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let n = stats(&dir, "i.db")["articles"].as_u64().unwrap() as usize;
    let added = n - first.len();
    assert!(
        added < rest.len() && added.is_multiple_of(BATCH),
        "{added} added"
    );
    // the limit leaves room for some batches (raise it if storage grows)
    assert!(added > 0, "no batch fitted under the limit: {}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{added} articles of this add, stay in the index")),
        "{}",
        run.stderr
    );
    let want: Vec<String> = records[..n]
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(exported_ids(&dir, "i.db"), want);

    // with room again, the same command completes what is missing
    dir.run(&["index", "add", "i.db", "day2.jsonl", "-q"]).ok();
    assert_eq!(stats(&dir, "i.db")["articles"], records.len());
}

/// Runs reprint as a user who cannot write to `dir`'s read-only folder:
/// root ignores permissions, so as root the binary runs as `nobody`.
fn run_without_write_permission(dir: &TestDir, args: &[&str]) -> Run {
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return run_in(dir.path(), args, None);
    }
    // nobody may not reach the build folder: run a copy beside the test
    let bin = dir.path().join("bin").join("reprint");
    if !bin.exists() {
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_reprint"), &bin).unwrap();
    }
    let mut full = vec![
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        bin.to_str().unwrap(),
    ];
    full.extend(args);
    let out = Command::new("setpriv")
        .args(&full)
        .current_dir(dir.path())
        .output()
        .expect("run setpriv (util-linux)");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

#[test]
#[cfg(unix)]
fn a_read_only_folder_is_read_and_never_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TestDir::new("index-read-only");
    let records = syndication(20, 3);
    dir.write_jsonl("feed.jsonl", &records[..records.len() - 4]);
    dir.write_jsonl("more.jsonl", &records[records.len() - 4..]);
    dir.write("query.txt", records[1]["text"].as_str().unwrap());
    dir.run(&["index", "create", "ro/i.db"]).ok();
    dir.run(&["index", "add", "ro/i.db", "feed.jsonl", "-q"])
        .ok();
    let ro = dir.path().join("ro");
    let before = std::fs::read(ro.join("i.db")).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();

    // readers work: a copy of a stored story is found
    let run = run_without_write_permission(&dir, &["check", "--index", "ro/i.db", "query.txt"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = run_without_write_permission(&dir, &["index", "stats", "ro/i.db", "--check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // writers are refused with the reason
    for args in [
        &["index", "add", "ro/i.db", "more.jsonl"][..],
        &["index", "create", "ro/new.db"],
    ] {
        let run = run_without_write_permission(&dir, args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("read-only") && run.stderr.contains("ro/"),
            "{args:?}: {}",
            run.stderr
        );
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        std::fs::read(ro.join("i.db")).unwrap() == before,
        "the index changed"
    );
    assert!(!ro.join("new.db").exists());
}
