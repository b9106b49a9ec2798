//! A hostile folder: files over the size cap, binary files, legacy encodings, symlink loops,
//! FIFOs, files deleted or truncated under the daemon, unreadable files and folders, bursts,
//! renamed folders, a kernel event queue overflow, and the watched folder itself deleted.
//!
//! Each case asserts the exact log line (message and the file's path), that the daemon is
//! still alive and processes the next normal article, and that nothing stored was lost
//! (`factwatch facts --json` unchanged).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::daemon::{Daemon, Workspace, eventually};
use crate::support::service::without_read_override;
use crate::support::skip;

const WAIT: Duration = Duration::from_secs(20);

const BASE: &str = "---\ndate: 2025-04-08\n---\nThe U.S. imposed a 29% tariff on Pakistani goods, officials in Washington said on Tuesday.\n";
const NEXT: &str = "---\ndate: 2025-07-31\n---\nThe United States cut its tariff on Pakistani goods to 19% under a new trade deal.\n";
const VIETNAM: &str = "---\ndate: 2025-05-14\n---\nThe United States imposed a 46% tariff on Vietnamese goods, officials in Hanoi said.\n";

/// A daemon watching a folder with one article recorded, and the facts it held then.
struct Case {
    ws: Workspace,
    daemon: Daemon,
    facts: Vec<serde_json::Value>,
}

impl Case {
    fn new(ingest: &str) -> Case {
        Case::with_wrapper(ingest, &[])
    }

    /// Adds `ingest` settings to the test config's `[ingest]` table and runs the daemon
    /// through `wrapper` (e.g. `setpriv`), or directly when it is empty.
    fn with_wrapper(ingest: &str, wrapper: &[&str]) -> Case {
        let ws = Workspace::new(None, None, "", "");
        let config = std::fs::read_to_string(&ws.config).expect("config");
        let marker = "rescan_interval = \"0s\"\n";
        assert!(config.contains(marker), "{config}");
        std::fs::write(&ws.config, config.replace(marker, &format!("{marker}{ingest}\n")))
            .expect("write config");
        ws.write("2025-04-08-tariff.md", BASE);
        let mut daemon = ws.spawn_command(ws.run_command(wrapper, &["--log-format", "json"]));
        daemon.wait_for_log("\"watching\"", WAIT);
        let facts = ws.facts();
        assert_eq!(facts.len(), 1, "{facts:?}");
        Case { ws, daemon, facts }
    }

    /// Waits for the log line `message` about `file` and returns it.
    fn line(&mut self, message: &str, file: &str) -> serde_json::Value {
        self.daemon.wait_for_record(message, "path", file, WAIT)
    }

    /// The daemon is alive, the stored facts are as they were, and the next normal article
    /// is recorded with its change.
    fn still_fine(mut self) -> Case {
        assert!(self.daemon.try_wait().is_none(), "the daemon is still running");
        assert_eq!(self.ws.facts(), self.facts, "nothing stored was lost");
        let name = format!("next-{}.md", self.facts.len());
        self.ws.write(&name, NEXT);
        let r = self.daemon.wait_for_record("article recorded", "path", &name, WAIT);
        assert_eq!((r["claims"].as_u64(), r["changes"].as_u64()), (Some(1), Some(1)), "{r}");
        let facts = self.ws.facts();
        let pk = facts.iter().find(|f| f["key"] == "tariff_rate:US:PK").expect("the PK fact");
        assert_eq!(pk["value"], 19.0, "{facts:?}");
        self
    }

    /// Stops the daemon; it exits cleanly.
    fn stop(self) {
        let (status, took) = self.daemon.stop();
        assert!(status.success(), "{status}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}

fn run(program: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) {
    let status = Command::new(program).args(args.iter().map(|a| a.as_ref())).status();
    assert!(status.is_ok_and(|s| s.success()), "{program} failed");
}

#[test]
fn a_file_over_the_size_cap_is_skipped_naming_the_cap() {
    let mut c = Case::new("max_file_size = \"1KiB\"");
    let big = format!("{BASE}{}", "More words about trade and tariffs. ".repeat(60));
    let size = big.len();
    c.ws.write("2025-06-01-long.md", &big);
    let r = c.line("skipped", "2025-06-01-long.md");
    assert_eq!(
        r["reason"],
        format!("{size} bytes is over the size cap of 1024 bytes (ingest.max_file_size)")
    );
    assert_eq!(r["level"], "WARN");
    c.still_fine().stop();
}

#[test]
fn a_binary_file_is_skipped() {
    let mut c = Case::new("");
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    std::fs::write(c.ws.articles.join("program.txt"), bytes).expect("write");
    let r = c.line("skipped", "program.txt");
    assert_eq!(r["reason"], "the file looks binary, not like an article");
    c.still_fine().stop();
}

#[test]
fn a_latin1_article_is_read_with_a_decoding_note() {
    let mut c = Case::new("");
    // "café", "São Paulo" and "négociations" in ISO-8859-1 bytes, which are not UTF-8.
    let text = "---\ndate: 2025-05-20\n---\nLes négociations continuent : the United States set a 17% tariff on Brazilian goods, said the café owners of São Paulo.\n";
    let latin1: Vec<u8> =
        text.chars().map(|ch| u8::try_from(u32::from(ch)).expect("latin-1")).collect();
    assert!(std::str::from_utf8(&latin1).is_err());
    std::fs::write(c.ws.articles.join("2025-05-20-brazil.txt"), latin1).expect("write");
    let note =
        c.line("not valid UTF-8; decoded as windows-1252 (detected)", "2025-05-20-brazil.txt");
    assert_eq!(note["level"], "WARN");
    let r = c.line("article recorded", "2025-05-20-brazil.txt");
    assert_eq!(r["claims"], 1, "{r}");
    let facts = c.ws.facts();
    let brazil = facts.iter().find(|f| f["key"] == "tariff_rate:US:BR").expect("the BR fact");
    assert_eq!(brazil["value"], 17.0);
    assert!(brazil["quote"].as_str().is_some_and(|q| q.contains("17%")), "{brazil}");
    c.facts = facts;
    c.still_fine().stop();
}

#[test]
fn symlink_loops_are_reported_and_never_followed() {
    let mut c = Case::new("");
    let a = c.ws.articles.join("a.md");
    let b = c.ws.articles.join("b.md");
    std::os::unix::fs::symlink(&b, &a).expect("a -> b");
    std::os::unix::fs::symlink(&a, &b).expect("b -> a");
    for name in ["a.md", "b.md"] {
        let r = c.line("skipped", name);
        assert_eq!(r["reason"], "cannot read: Too many levels of symbolic links (os error 40)");
    }
    // A folder with links back to its parent, one looking like an article.
    let sub = c.ws.articles.join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    std::os::unix::fs::symlink("..", sub.join("up")).expect("up -> ..");
    std::os::unix::fs::symlink("..", sub.join("up.md")).expect("up.md -> ..");
    let r = c.line("skipped", "sub/up.md");
    assert_eq!(r["reason"], "not a regular file");
    let c = c.still_fine();

    // A restart walks the folder with the loops in it and finishes.
    let (ws, facts) = (c.ws, c.facts);
    let (status, _) = c.daemon.stop();
    assert!(status.success());
    let mut daemon = ws.start(&[]);
    for name in ["a.md", "b.md", "sub/up.md"] {
        daemon.wait_for_record("skipped", "path", name, WAIT);
    }
    let cpu = daemon.cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    assert!(daemon.cpu_time() - cpu < Duration::from_millis(100), "no busy loop");
    let now = ws.facts();
    assert_eq!(now.len(), facts.len());
    assert_eq!(now[0]["value"], 19.0, "{now:?}");
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn a_fifo_never_blocks_the_daemon() {
    let mut c = Case::new("");
    let fifo = c.ws.articles.join("pipe.md");
    run("mkfifo", &[&fifo]);
    let r = c.line("skipped", "pipe.md");
    assert_eq!(r["reason"], "not a regular file");
    // A link to the FIFO with an article's name, too.
    std::os::unix::fs::symlink(&fifo, c.ws.articles.join("link.txt")).expect("symlink");
    let r = c.line("skipped", "link.txt");
    assert_eq!(r["reason"], "not a regular file");
    let c = c.still_fine();
    // A restart with the FIFO in the folder catches up and watches.
    let ws = c.ws;
    let (status, _) = c.daemon.stop();
    assert!(status.success());
    let mut daemon = ws.start(&[]);
    for name in ["pipe.md", "link.txt"] {
        let r = daemon.wait_for_record("skipped", "path", name, WAIT);
        assert_eq!(r["reason"], "not a regular file");
    }
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn a_file_deleted_right_after_it_is_written_is_noted_and_nothing_changes() {
    let mut c = Case::new("");
    let path = c.ws.write("2025-05-14-vietnam.md", VIETNAM);
    std::fs::remove_file(&path).expect("rm");
    let r = c.line("gone before it could be read", "2025-05-14-vietnam.md");
    assert_eq!(r["level"], "INFO");
    c.still_fine().stop();
}

#[test]
fn a_file_truncated_to_empty_is_skipped_and_its_facts_stay() {
    let mut c = Case::new("");
    let path = c.ws.write("2025-05-14-vietnam.md", VIETNAM);
    c.line("article recorded", "2025-05-14-vietnam.md");
    c.facts = c.ws.facts();
    assert_eq!(c.facts.len(), 2);
    std::fs::File::create(&path).expect("truncate");
    let r = c.line("skipped", "2025-05-14-vietnam.md");
    assert_eq!(r["reason"], "the file is empty");
    let c = c.still_fine();
    let vn = c.ws.facts().into_iter().find(|f| f["key"] == "tariff_rate:US:VN").expect("VN");
    assert_eq!(vn["value"], 46.0, "the truncated file's fact stays");
    c.stop();
}

#[test]
fn an_unreadable_file_is_skipped_with_the_os_reason() {
    let Some(wrapper) = without_read_override() else {
        skip(
            "an_unreadable_file_is_skipped_with_the_os_reason",
            "running as root without setpriv, so chmod 000 cannot deny a read",
        );
        return;
    };
    let mut c = Case::with_wrapper("", &wrapper);
    // Written under a hidden name, locked, then renamed into place: never readable.
    let hidden = c.ws.articles.join(".locked.md");
    std::fs::write(&hidden, VIETNAM).expect("write");
    run("chmod", &[&"000", &hidden]);
    std::fs::rename(&hidden, c.ws.articles.join("2025-05-14-locked.md")).expect("rename");
    let r = c.line("skipped", "2025-05-14-locked.md");
    assert_eq!(r["reason"], "cannot read: Permission denied (os error 13)");
    c.still_fine().stop();
}

#[test]
fn an_unreadable_subfolder_does_not_keep_the_daemon_from_starting() {
    let Some(wrapper) = without_read_override() else {
        skip(
            "an_unreadable_subfolder_does_not_keep_the_daemon_from_starting",
            "running as root without setpriv, so chmod 000 cannot deny a read",
        );
        return;
    };
    // `lost+found` on a mounted volume is the everyday case: root-only, in the watched folder.
    let ws = Workspace::new(None, None, "", "");
    ws.write("2025-04-08-tariff.md", BASE);
    let locked = ws.articles.join("lost+found");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::write(locked.join("2025-05-14-vietnam.md"), VIETNAM).expect("write");
    run("chmod", &[&"000", &locked]);
    let mut daemon = ws.spawn_command(ws.run_command(&wrapper, &["--log-format", "json"]));
    daemon.wait_for_log("\"watching\"", WAIT);
    let r = daemon.wait_for_record("cannot read folder", "path", "lost+found", WAIT);
    assert_eq!(r["error"], "Permission denied (os error 13)");
    let r = daemon.wait_for_record(
        "cannot watch folder; articles in it are not seen",
        "path",
        "lost+found",
        WAIT,
    );
    assert_eq!(r["level"], "WARN");
    // The rest of the folder is watched, including new subfolders: the second file in a
    // nested folder made after the start is seen by that folder's own watch.
    ws.write("sub/deeper/still/2025-07-31-deal.md", NEXT);
    let r = daemon.wait_for_record("article recorded", "path", "still/2025-07-31-deal.md", WAIT);
    assert_eq!(r["changes"], 1);
    ws.write(
        "sub/deeper/still/2025-08-20-cut.md",
        NEXT.replace("19%", "15%").replace("07-31", "08-20").as_str(),
    );
    let r = daemon.wait_for_record("article recorded", "path", "still/2025-08-20-cut.md", WAIT);
    assert_eq!(r["changes"], 1);
    run("chmod", &[&"700", &locked]);
    let (status, _) = daemon.stop();
    assert!(status.success());
}

fn write_small_articles(dir: &Path, n: usize, tag: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for i in 0..n {
        std::fs::write(
            dir.join(format!("{tag}-{i:05}.txt")),
            format!("Trade bulletin {tag} {i}: officials met again and said talks on tariffs would go on.\n"),
        )
        .expect("write");
    }
}

#[test]
fn a_burst_of_ten_thousand_files_is_recorded_in_full() {
    let n = 10_000;
    let c = Case::new("");
    let start = Instant::now();
    write_small_articles(&c.ws.articles, n, "burst");
    eventually(Duration::from_secs(120), "every file of the burst recorded", || {
        (c.ws.live_articles() == n + 1).then_some(())
    });
    println!(
        "{n} files recorded in {:?} ({} rescans after lost events)",
        start.elapsed(),
        c.daemon.records("events were lost; rescanning the folder").len()
    );
    let log = c.daemon.log();
    assert!(!log.contains("\"skipped\""), "no file of the burst was skipped");
    assert!(!log.contains("processing failed"));
    c.still_fine().stop();
}

#[test]
fn a_folder_renamed_under_the_watcher_keeps_its_files_under_the_new_name() {
    let mut c = Case::new("");
    let countries = [("Chinese", "CN", 30), ("Indian", "IN", 26), ("Japanese", "JP", 24)];
    for (i, (demonym, _, rate)) in countries.iter().enumerate() {
        c.ws.write(
            &format!("old/2025-05-0{}-{}.md", i + 1, demonym.to_lowercase()),
            &format!("---\ndate: 2025-05-0{}\n---\nThe United States set a {rate}% tariff on {demonym} goods.\n", i + 1),
        );
    }
    eventually(WAIT, "the folder recorded", || (c.ws.live_articles() == 4).then_some(()));
    c.facts = c.ws.facts();
    std::fs::rename(c.ws.articles.join("old"), c.ws.articles.join("new")).expect("mv old new");
    for (i, (demonym, _, _)) in countries.iter().enumerate() {
        let name = format!("2025-05-0{}-{}.md", i + 1, demonym.to_lowercase());
        c.line(
            "file deleted; its facts stay, the deletion is noted in history",
            &format!("old/{name}"),
        );
        let r = c.line("article recorded", &format!("new/{name}"));
        assert_eq!(r["claims"], 1, "the file under its new name has its claims: {r}");
    }
    // New files in the renamed folder are seen under the new name.
    c.ws.write(
        "new/2025-05-10-korea.md",
        "---\ndate: 2025-05-10\n---\nThe United States set a 25% tariff on Korean goods.\n",
    );
    c.line("article recorded", "new/2025-05-10-korea.md");
    c.facts = c.ws.facts();
    assert_eq!(c.facts.len(), 5);
    // A file renamed in place is a move too.
    std::fs::rename(
        c.ws.articles.join("new/2025-05-10-korea.md"),
        c.ws.articles.join("new/korea.md"),
    )
    .expect("mv a file");
    c.line(
        "file deleted; its facts stay, the deletion is noted in history",
        "new/2025-05-10-korea.md",
    );
    let r = c.line("article recorded", "new/korea.md");
    assert_eq!(r["claims"], 1, "{r}");
    // A folder with files already in it, moved in from elsewhere.
    let outside = c.ws.dir.path().join("elsewhere");
    write_small_articles(&outside, 3, "moved");
    std::fs::rename(&outside, c.ws.articles.join("moved-in")).expect("mv into the folder");
    for i in 0..3 {
        c.line("article recorded", &format!("moved-in/moved-{i:05}.txt"));
    }
    let db = c.ws.open_db();
    let stale: i64 = db
        .query_row(
            "SELECT count(*) FROM articles WHERE path LIKE '%/old/%' AND deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(stale, 0, "no live row under the old name");
    c.still_fine().stop();
}

#[test]
fn a_kernel_queue_overflow_rescans_and_records_every_file() {
    // 6,000 new files make 24,000 inotify events (create, open, modify, close) while the
    // daemon is stopped; the kernel keeps 16,384 (fs.inotify.max_queued_events).
    const N: usize = 6_000;
    let mut c = Case::new("");
    c.daemon.signal("STOP");
    write_small_articles(&c.ws.articles, N, "flood");
    c.daemon.signal("CONT");
    let resumed = Instant::now();
    let r = c.daemon.wait_for_record(
        "events were lost; rescanning the folder",
        "path",
        "articles",
        WAIT,
    );
    println!("the overflow was noticed {:?} after SIGCONT", resumed.elapsed());
    assert_eq!(r["level"], "WARN");
    assert_eq!(r["reason"], "the kernel event queue overflowed");
    let start = Instant::now();
    eventually(Duration::from_secs(90), "every file recorded after the rescan", || {
        (c.ws.live_articles() == N + 1).then_some(())
    });
    println!("{N} files recorded {:?} after the overflow was noticed", start.elapsed());
    assert!(!c.daemon.log().contains("\"skipped\""));
    c.still_fine().stop();
}

#[test]
fn the_watched_folder_deleted_and_recreated_is_watched_again_without_a_busy_loop() {
    let mut c = Case::new("");
    std::fs::remove_dir_all(&c.ws.articles).expect("rm -rf articles");
    let r = c.daemon.wait_for_record(
        "the watched folder was deleted or moved; waiting for it to come back",
        "path",
        "articles",
        WAIT,
    );
    assert_eq!(r["level"], "ERROR");
    let cpu = c.daemon.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = c.daemon.cpu_time() - cpu;
    assert!(used < Duration::from_millis(100), "waiting used {used:?} of CPU in 2 s");
    assert!(c.daemon.try_wait().is_none());
    std::fs::create_dir(&c.ws.articles).expect("mkdir articles");
    c.daemon.wait_for_record("watching the folder again; rescanning", "path", "articles", WAIT);
    c.line(
        "file deleted; its facts stay, the deletion is noted in history",
        "2025-04-08-tariff.md",
    );
    c.still_fine().stop();
}

#[test]
fn a_watched_folder_replaced_at_once_is_watched_again() {
    let mut c = Case::new("");
    // Deleted and recreated before the daemon looks: the old folder's watch is dead.
    let aside = c.ws.dir.path().join("aside");
    std::fs::rename(&c.ws.articles, &aside).expect("mv articles aside");
    std::fs::create_dir(&c.ws.articles).expect("mkdir articles");
    c.daemon.wait_for_record("watching the folder again; rescanning", "path", "articles", WAIT);
    c.line(
        "file deleted; its facts stay, the deletion is noted in history",
        "2025-04-08-tariff.md",
    );
    c.still_fine().stop();
}

#[test]
fn a_watched_folder_that_cannot_be_listed_deletes_nothing() {
    let Some(wrapper) = without_read_override() else {
        skip(
            "a_watched_folder_that_cannot_be_listed_deletes_nothing",
            "running as root without setpriv, so chmod 000 cannot deny a read",
        );
        return;
    };
    let ws = Workspace::new(None, None, "", "");
    let config = std::fs::read_to_string(&ws.config).expect("config");
    std::fs::write(
        &ws.config,
        config.replace("rescan_interval = \"0s\"", "rescan_interval = \"500ms\""),
    )
    .expect("config");
    ws.write("2025-04-08-tariff.md", BASE);
    let mut daemon = ws.spawn_command(ws.run_command(&wrapper, &["--log-format", "json"]));
    daemon.wait_for_log("\"watching\"", WAIT);
    run("chmod", &[&"000", &ws.articles]);
    let r = daemon.wait_for_record("cannot read folder", "path", "articles", WAIT);
    assert_eq!(r["error"], "Permission denied (os error 13)");
    std::thread::sleep(Duration::from_secs(1));
    run("chmod", &[&"755", &ws.articles]);
    assert!(
        daemon.records("file deleted; its facts stay, the deletion is noted in history").is_empty(),
        "a folder that cannot be listed is not a folder whose files were deleted"
    );
    assert_eq!(ws.live_articles(), 1);
    let (status, _) = daemon.stop();
    assert!(status.success());
}
