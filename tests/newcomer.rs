//! A newcomer's first session, as the README tells it: a fresh folder with the project's
//! config, seeds and example article; `factwatch run` with its output redirected; the
//! tour's drop; then `status`, `facts`, `history` and a `check-config` round trip. Every
//! output is read as a person would read it: no colour codes in a log that is not a
//! terminal, one summary line for the bootstrap, one line per delivered alert, facts that
//! say how old they are. A second test bootstraps 2,000 files and checks the log stays one
//! screen.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::daemon::{Workspace, binary, eventually};
use crate::support::service::free_port;

const WAIT: Duration = Duration::from_secs(30);

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// A command run in the project folder the way a newcomer types it: no `--config`, no
/// `FACTWATCH_*` or systemd variables, no `RUST_LOG`.
fn newcomer(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(binary());
    c.args(args).current_dir(dir).stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("FACTWATCH_")
            || ["RUST_LOG", "JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "NO_COLOR"]
                .contains(&k.as_str())
        {
            c.env_remove(k);
        }
    }
    c
}

fn output(dir: &Path, args: &[&str]) -> (String, String) {
    let out = newcomer(dir, args).output().expect("run factwatch");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "factwatch {args:?} failed: {stderr}");
    (stdout, stderr)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn wait_for(path: &Path, what: &str, check: impl Fn(&str) -> bool) -> String {
    eventually(WAIT, what, || {
        let text = read(path);
        check(&text).then_some(text)
    })
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Days from an article date to today (UTC, the config's zone), as `facts` counts them.
fn days_since(date: &str) -> i64 {
    let d: jiff::civil::Date = date.parse().expect("date");
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    i64::from(d.until(today).expect("span").get_days())
}

#[test]
fn a_newcomer_session_reads_right_from_run_to_history() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    copy_dir(&repo("config"), &dir.join("config"));
    copy_dir(&repo("seeds"), &dir.join("seeds"));
    // The shipped config's ports, moved so tests running at once do not collide.
    let (inbox, http) = (free_port(), free_port());
    let config = dir.join("config/factwatch.toml");
    let text = read(&config)
        .replace("127.0.0.1:8787", &format!("127.0.0.1:{inbox}"))
        .replace("127.0.0.1:9187", &format!("127.0.0.1:{http}"));
    std::fs::write(&config, text).expect("config");

    // The README: `factwatch run`, its log redirected to a file.
    let (out_path, err_path) = (dir.join("run.out"), dir.join("run.err"));
    let daemon = newcomer(dir, &["run"])
        .stdout(std::fs::File::create(&out_path).expect("out"))
        .stderr(std::fs::File::create(&err_path).expect("err"))
        .spawn()
        .expect("start the daemon");
    let mut daemon = Running(daemon);
    let log =
        wait_for(&err_path, "the daemon watching", |t| t.contains(" INFO watching path=seeds"));
    assert!(!log.contains('\u{1b}'), "colour codes in a redirected log:\n{log}");
    let summary: Vec<&str> = log.lines().filter(|l| l.contains("bootstrap done")).collect();
    assert_eq!(summary.len(), 1, "one summary line:\n{log}");
    assert!(
        summary[0].contains(" INFO bootstrap done: the folder is the baseline (no alerts posted; set bootstrap_alerts = true to post them) articles=5 "),
        "{log}"
    );
    for fact in [
        "key=tariff_rate:US:PK value=29% ",
        "key=tariff_rate:PK:US value=58% ",
        "key=baseline_tariff_rate:US value=10% ",
        "key=tariff_pause:US value=expired ",
    ] {
        assert!(
            log.lines().any(|l| l.contains(" INFO learned ") && l.contains(fact)),
            "{fact} in\n{log}"
        );
    }
    assert!(!log.contains("article recorded"), "no line per article in a bootstrap:\n{log}");
    assert_eq!(read(&out_path), "", "no alert for the baseline");

    // The tour's drop: two alerts arrive at the built-in inbox, each logged once delivered.
    std::fs::copy(repo("docs/examples/2025-07-31-deal.md"), dir.join("seeds/2025-07-31-deal.md"))
        .expect("drop the article");
    let inbox_lines = wait_for(&out_path, "two alerts in the inbox", |t| t.lines().count() >= 2);
    let mut alerts: Vec<&str> =
        inbox_lines.lines().map(|l| l.split_once("  ").map_or(l, |(_, rest)| rest)).collect();
    alerts.sort_unstable();
    assert_eq!(
        alerts,
        [
            "fact.changed  US tariff on PK: 29% -> 19%  (source: seeds/2025-07-31-deal.md)  evt_9f6bb6b76e007b906f1b1c5cc5",
            "fact.new  US tariff pause on PK: ended (new)  (source: seeds/2025-07-31-deal.md)  evt_e8cd6442a59f2285b361a9005b",
        ]
    );
    let log =
        wait_for(&err_path, "two delivery lines", |t| t.matches("alert delivered").count() >= 2);
    let delivered: Vec<&str> = log.lines().filter(|l| l.contains("alert delivered")).collect();
    assert_eq!(delivered.len(), 2, "one line per delivered alert:\n{log}");
    for line in &delivered {
        assert!(line.contains(" INFO alert delivered webhook=local-inbox event=evt_"), "{line}");
        assert!(line.contains(" attempt=1 status=200 latency_ms="), "{line}");
    }
    assert!(delivered.iter().any(|l| l.contains("key=tariff_rate:US:PK")), "{log}");
    assert!(delivered.iter().any(|l| l.contains("key=tariff_pause:US:PK")), "{log}");

    // `factwatch status`: the running daemon on one screen.
    let facts_json = output(dir, &["facts", "--json"]).0;
    let n_facts = facts_json.lines().count();
    let (status, _) = output(dir, &["status"]);
    let lines: Vec<&str> = status.lines().collect();
    assert!(lines[0].starts_with("factwatch 0.1.0 · watching · up "), "{status}");
    assert_eq!(lines[1], "folder     seeds");
    assert_eq!(lines[2], "database   data/factwatch.db");
    assert!(lines[3].starts_with(&format!("facts      {n_facts}: ")), "{status}");
    // Every status of the seeds has a deadline, so none is shown as unconfirmed.
    assert!(!lines[3].contains("unconfirmed"), "{status}");
    assert_eq!(lines[4], "articles   6 on record; since start 6 read, 0 skipped, 0 failed");
    assert!(lines[5].starts_with("changes    2 since start, "), "{status}");
    assert!(
        lines[6].starts_with("rates      ") && lines[6].ends_with(" (since start)"),
        "{status}"
    );
    let row = lines.iter().find(|l| l.starts_with("local-inbox ")).expect("a row per webhook");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..5], ["local-inbox", "0", "0", "0", "2"], "{status}");
    let last = lines.iter().find(|l| l.starts_with("last alert    ")).expect("last alert");
    assert!(
        last.contains("  fact.") && last.contains("(seeds/2025-07-31-deal.md)  evt_"),
        "{last}"
    );
    assert!(status.ends_with("last problem  none since start\n"), "{status}");
    // `status --watch` redraws: into a pipe, one screen after another.
    let mut watch = newcomer(dir, &["status", "--watch", "--interval", "0.2"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("status --watch");
    let mut screens = String::new();
    let mut pipe = watch.stdout.take().expect("stdout");
    let mut buf = [0u8; 4096];
    while screens.matches("factwatch 0.1.0 · watching").count() < 2 {
        let n = std::io::Read::read(&mut pipe, &mut buf).expect("read the screens");
        assert!(n > 0, "status --watch ended: {screens}");
        screens.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(screens.contains(" (over the last "), "rates over the interval: {screens}");
    assert!(!screens.contains('\u{1b}'), "no screen codes into a pipe");
    let (json, _) = output(dir, &["status", "--json"]);
    let report: serde_json::Value = serde_json::from_str(json.trim()).expect("status --json");
    assert_eq!(report["webhooks"][0]["delivered"], 2);
    assert_eq!(report["facts"]["unconfirmed"], 0);

    // `factwatch facts`: every fact says when it was last stated and by how many sources.
    let (facts, _) = output(dir, &["facts"]);
    let lines: Vec<&str> = facts.lines().collect();
    assert_eq!(lines.len(), n_facts + 1, "header and one line per fact:\n{facts}");
    assert!(lines[0].starts_with("KEY ") && lines[0].contains(" LAST STATED "), "{facts}");
    let rate = lines.iter().find(|l| l.starts_with("tariff_rate:US:PK ")).expect("the rate");
    assert!(rate.contains(" 19% "), "{rate}");
    assert!(
        rate.contains(&format!(" 2025-07-31 ({} days ago) by 1 source ", days_since("2025-07-31"))),
        "{rate}"
    );
    assert!(rate.trim_end().ends_with(" seeds/2025-07-31-deal.md"), "{rate}");
    let pause = lines.iter().find(|l| l.starts_with("tariff_pause:US ")).expect("the pause");
    assert!(pause.contains(" expired "), "{pause}");
    assert!(
        pause.contains(&format!(
            " 2025-06-02 ({} days ago) by 2 sources ",
            days_since("2025-06-02")
        )),
        "{pause}"
    );
    let (none, _) = output(dir, &["facts", "nothing*"]);
    assert_eq!(
        none,
        format!(
            "no facts match \"nothing*\" ({n_facts} facts held; `factwatch facts` lists them all)\n"
        )
    );

    // `factwatch history KEY`: the timeline, headed by how the fact stands.
    let (history, _) = output(dir, &["history", "tariff_rate:US:PK"]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "tariff_rate:US:PK: 19%, last stated 2025-07-31 ({} days ago) by 1 source",
            days_since("2025-07-31")
        )
    );
    assert_eq!(lines[1], "  sources: seeds/2025-07-31-deal.md", "{history}");
    assert!(lines[2].starts_with("2025-04-07  new              29% "), "{history}");
    let last = lines.last().expect("rows");
    assert!(
        last.starts_with("2025-07-31  changed          19% ")
            && last.contains("seeds/2025-07-31-deal.md"),
        "{history}"
    );

    // `check-config > eff.toml; check-config -c eff.toml`: the output loads again.
    let (effective, _) = output(dir, &["check-config"]);
    assert!(effective.contains("\n[[webhook]]\nname = \"local-inbox\"\n"), "{effective}");
    assert!(effective.contains("\n[http]\nlisten = "), "{effective}");
    assert!(!effective.contains("ZmFjdHdhdGNo"), "the demo secret is not printed");
    std::fs::write(dir.join("eff.toml"), &effective).expect("eff.toml");
    let (again, warnings) = output(dir, &["--config", "eff.toml", "check-config"]);
    let settings = |t: &str| {
        let lines = t.lines().filter(|l| !l.starts_with('#'));
        lines.skip_while(|l| l.is_empty()).map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(settings(&again), settings(&effective), "the same settings, secrets aside");
    assert!(warnings.contains("warning: webhook local-inbox has no secret"), "{warnings}");

    // SIGTERM: a clean stop.
    let pid = daemon.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = daemon.0.try_wait().expect("wait") {
            break s;
        }
        assert!(start.elapsed() < WAIT, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    assert!(read(&err_path).trim_end().ends_with(" INFO stopped"), "{}", read(&err_path));
}

#[test]
fn a_two_thousand_file_bootstrap_logs_one_summary_and_no_line_per_article() {
    const N: usize = 2000;
    let ws = Workspace::new(None, None, "", "");
    let countries = crate::support::COUNTRIES;
    let mut day = jiff::civil::date(2021, 1, 1);
    for i in 0..N {
        let c = countries[i % countries.len()];
        let imposer = if (i / countries.len()).is_multiple_of(2) {
            "The United States"
        } else {
            "The European Union"
        };
        let rate = 5 + (i / countries.len()) % 60;
        ws.write(
            &format!("{day}-{i:04}.md"),
            &format!("---\ndate: {day}\n---\n{imposer} set a {rate}% tariff on {c} goods, notice {i} said.\n"),
        );
        day = day.tomorrow().expect("date");
    }
    let mut cmd = ws.run_command(&[], &[]);
    cmd.env("RUST_LOG", "info");
    let mut daemon = ws.spawn_command(cmd);
    daemon.wait_for_log(" INFO watching ", Duration::from_secs(120));
    let log = daemon.log();
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert_eq!(ws.live_articles(), N);
    assert!(!log.contains('\u{1b}'), "colour codes in a redirected log");
    assert_eq!(log.lines().filter(|l| l.contains(" bootstrap done: ")).count(), 1, "{log}");
    assert!(!log.contains("article recorded"), "a line per article:\n{log}");
    // One screen: the start, the scan, progress every few seconds, the summary with its
    // sample of 20 facts and the count of the rest, and "watching".
    let before_watching: Vec<&str> =
        log.lines().take_while(|l| !l.contains(" INFO watching ")).collect();
    let progress = before_watching.iter().filter(|l| l.contains(" done=")).count();
    assert!(before_watching.len() <= 26 + progress, "{} lines:\n{log}", before_watching.len());
    assert_eq!(
        before_watching.iter().filter(|l| l.contains(" INFO learned ")).count(),
        20,
        "{log}"
    );
}
