//! The database schema as a list of migrations, applied in order and recorded in
//! `PRAGMA user_version`.
//!
//! A migration is never edited once released: a new schema version appends a new entry.
//! A database whose version is newer than this binary knows is refused rather than
//! guessed at, so an old binary started by mistake cannot damage a newer file.

/// The migrations; entry `i` takes the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // Version 1: articles, their claims, facts, history, alert events and the outbox.
    r#"
    CREATE TABLE articles (
        path          TEXT PRIMARY KEY,
        content_hash  TEXT NOT NULL,
        size          INTEGER NOT NULL,
        mtime_ns      INTEGER NOT NULL,
        title         TEXT,
        url           TEXT,
        published     TEXT NOT NULL,
        date_origin   TEXT NOT NULL,
        duplicate_of  TEXT,
        claim_count   INTEGER NOT NULL DEFAULT 0,
        processed_at  TEXT NOT NULL,
        deleted_at    TEXT
    );
    CREATE INDEX articles_by_hash ON articles(content_hash);

    CREATE TABLE claims (
        path  TEXT NOT NULL REFERENCES articles(path) ON DELETE CASCADE,
        key   TEXT NOT NULL,
        body  TEXT NOT NULL,
        PRIMARY KEY (path, key)
    );

    CREATE TABLE facts (
        key        TEXT PRIMARY KEY,
        metric     TEXT NOT NULL,
        subject    TEXT NOT NULL,
        period     TEXT,
        kind       TEXT NOT NULL,
        current    TEXT NOT NULL,
        previous   TEXT,
        confirmed  TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        lapse_day  TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX facts_by_lapse ON facts(lapse_day) WHERE lapse_day IS NOT NULL;

    CREATE TABLE history (
        id           INTEGER PRIMARY KEY,
        key          TEXT NOT NULL,
        change       TEXT NOT NULL,
        observation  TEXT NOT NULL,
        recorded_at  TEXT NOT NULL
    );
    CREATE INDEX history_by_key ON history(key, id);

    CREATE TABLE events (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        type        TEXT NOT NULL,
        key         TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );

    CREATE TABLE outbox (
        event_seq        INTEGER NOT NULL REFERENCES events(seq),
        webhook          TEXT NOT NULL,
        key              TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms  INTEGER NOT NULL,
        last_status      INTEGER,
        last_error       TEXT,
        updated_ms       INTEGER NOT NULL,
        PRIMARY KEY (event_seq, webhook)
    );
    CREATE INDEX outbox_due ON outbox(webhook, state, next_attempt_ms);
    CREATE INDEX outbox_pending_by_key ON outbox(webhook, key, event_seq) WHERE state = 'pending';

    CREATE TABLE meta (
        name   TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    "#,
    // Version 2: the pending rows of a webhook in event order, so `Outbox::due` walks them
    // in its `ORDER BY event_seq` and stops at its `LIMIT`. With only `outbox_due` it read
    // every due row of the backlog and sorted them on each call, and a worker calls it
    // after every batch of outcomes: a drain cost grew with the square of the backlog.
    r#"
    CREATE INDEX outbox_pending_by_seq ON outbox(webhook, event_seq) WHERE state = 'pending';
    "#,
    // Version 3: a fact's sources (the articles that stated its current value, a JSON
    // list) and an open conflict (the other source's observation); history says why each
    // decision was taken. Rows from older versions read as one source, no conflict, no why.
    r#"
    ALTER TABLE facts ADD COLUMN sources TEXT;
    ALTER TABLE facts ADD COLUMN conflict TEXT;
    ALTER TABLE history ADD COLUMN why TEXT;
    "#,
];

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    use super::MIGRATIONS;
    use crate::store::outbox::DUE;
    use crate::store::{Outbox, Store};

    /// A database file left by a binary that knew only schema version 1, with one article,
    /// one event and its pending outbox row.
    fn v1_database(path: &std::path::Path) {
        let conn = Connection::open(path).expect("create");
        conn.execute_batch(MIGRATIONS[0]).expect("schema v1");
        conn.execute_batch("PRAGMA user_version = 1").expect("version");
        conn.execute(
            "INSERT INTO articles (path, content_hash, size, mtime_ns, published, date_origin, processed_at)
             VALUES ('a.md', 'h1', 10, 1, '2025-04-08', 'metadata', '2025-04-08T00:00:00Z')",
            [],
        )
        .expect("article");
        conn.execute(
            "INSERT INTO events (seq, id, type, key, body, created_at)
             VALUES (1, 'evt_1', 'fact.new', 'tariff_rate:US:PK', '{}', '2025-04-08T00:00:00Z')",
            [],
        )
        .expect("event");
        conn.execute(
            "INSERT INTO outbox (event_seq, webhook, key, state, next_attempt_ms, updated_ms)
             VALUES (1, 'w', 'tariff_rate:US:PK', 'pending', 0, 0)",
            [],
        )
        .expect("outbox row");
    }

    #[test]
    fn opening_a_v1_database_migrates_it_to_the_latest_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("factwatch.db");
        v1_database(&path);

        let store = Store::open(&path).expect("open and migrate");
        assert!(!store.is_empty().expect("articles"));
        drop(store);
        let outbox = Outbox::open(&path).expect("outbox");
        let due = outbox.due("w", jiff::Timestamp::now(), 10).expect("due");
        assert_eq!(due.iter().map(|d| d.event_id.as_str()).collect::<Vec<_>>(), ["evt_1"]);
        drop(outbox);

        let conn = Connection::open(&path).expect("reopen");
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("v");
        assert_eq!(version, MIGRATIONS.len() as i64);
        assert_eq!(version, 3);
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
                params!["outbox_pending_by_seq"],
                |r| r.get(0),
            )
            .expect("index");
        assert_eq!(index, 1);
    }

    /// The plan, not the speed, is what a test can check on any machine: the due query must
    /// read pending rows in event order from the index, with no sort of the whole backlog.
    #[test]
    fn due_rows_are_read_in_order_from_the_pending_index() {
        let store = Store::open_in_memory().expect("open");
        let plan: Vec<String> = {
            let mut stmt =
                store.conn.prepare(&format!("EXPLAIN QUERY PLAN {DUE}")).expect("explain");
            stmt.query_map(params!["w", 0, 10], |r| r.get::<_, String>(3))
                .expect("plan")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        let plan = plan.join("\n");
        assert!(plan.contains("SEARCH o USING INDEX outbox_pending_by_seq"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
