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
];
