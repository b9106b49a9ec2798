//! When to try again: status classification, the retry schedule with jitter, and
//! `Retry-After`.
//!
//! This file turns the result of one HTTP exchange into the [`Attempt`] the outbox records.
//! It does no I/O and reads no clock (`now` is an argument), so every rule here is tested as
//! a table. The rules follow Svix / Standard Webhooks practice: 2xx is delivered; 408, 409,
//! 425 and 429 are the 4xx worth retrying; any other 4xx means the receiver will never accept
//! this body, so the event goes straight to the dead letter state; everything else (3xx,
//! 5xx, timeouts, refused connections) is retried along the schedule until it runs out.

use std::time::Duration;

use jiff::Timestamp;

/// The longest `Retry-After` honoured. A receiver asking for more (or a broken header
/// claiming a year) is capped, so a row is never parked beyond any sane retry window.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How much of a response body is kept in `last_error`.
const EXCERPT_CHARS: usize = 300;

/// The outcome of one delivery attempt: what the worker reports back to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered {
        /// The HTTP status.
        status: u16,
    },
    /// A transient failure; try again at `at`.
    Retry {
        /// When to try next.
        at: Timestamp,
        /// The HTTP status, if a response came.
        status: Option<u16>,
        /// What went wrong, for `factwatch outbox`.
        error: String,
    },
    /// A permanent failure or retries exhausted: the row goes to the dead letter state.
    Dead {
        /// The HTTP status, if a response came.
        status: Option<u16>,
        /// What went wrong, with an excerpt of the response body.
        error: String,
    },
}

/// What one HTTP exchange produced, before any retry decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exchange {
    /// The receiver answered with a status.
    Answered {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, if any, as sent.
        retry_after: Option<String>,
        /// The start of the response body (at most a few KiB were read), lossily decoded.
        excerpt: String,
        /// Why a redirect was not followed, when the status is a 3xx.
        note: Option<String>,
    },
    /// No status: the connection failed or the request timed out.
    Failed {
        /// What went wrong, without the URL (webhook URLs often embed a token).
        error: String,
    },
}

/// How a status is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// 2xx.
    Delivered,
    /// Worth retrying.
    Transient,
    /// The receiver will not take this body: dead letter now.
    Permanent,
}

/// Classifies an HTTP status.
pub(crate) fn classify(status: u16) -> Class {
    match status {
        200..=299 => Class::Delivered,
        408 | 409 | 425 | 429 => Class::Transient,
        400..=499 => Class::Permanent,
        _ => Class::Transient,
    }
}

/// Reads `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 IMF-fixdate), relative to
/// `now`. Returns `None` for anything unreadable, and caps huge values.
pub(crate) fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let v = value.trim();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(v).ok()?;
        let ms = at.as_millisecond().saturating_sub(now.as_millisecond());
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Spreads a wait by up to ±20%, so events that failed together do not all come back in the
/// same instant. The spread is derived from the event id and attempt number (FNV-1a), so it
/// needs no random source and a test can predict it.
pub(crate) fn jittered(wait: Duration, event_id: &str, attempt: u32) -> Duration {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in event_id.bytes().chain(attempt.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // A factor from 800 to 1200 per mille.
    let per_mille = 800 + u128::from(h % 401);
    let ms = wait.as_millis().saturating_mul(per_mille) / 1000;
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// The outcome to record for one exchange.
///
/// `attempts_before` is how many attempts the row had before this one; after attempt `n`
/// fails, the wait is `schedule[n - 1]`, and when the schedule has no such entry the row is
/// dead. The second value is the instant the whole webhook should be left alone until, when
/// the receiver sent `Retry-After` with a 429 or 503: a rate limit is about the endpoint,
/// not about one event.
pub(crate) fn decide(
    exchange: &Exchange,
    schedule: &[Duration],
    attempts_before: u32,
    event_id: &str,
    now: Timestamp,
) -> (Attempt, Option<Timestamp>) {
    let (status, error, retry_after) = match exchange {
        Exchange::Answered { status, retry_after, excerpt, note } => {
            let status = *status;
            let mut error = format!("HTTP {status}");
            if let Some(reason) = http_reason(status) {
                error.push(' ');
                error.push_str(reason);
            }
            if let Some(note) = note {
                error.push_str(" (");
                error.push_str(note);
                error.push(')');
            }
            let excerpt = excerpt_of(excerpt);
            if !excerpt.is_empty() {
                error.push_str(": ");
                error.push_str(&excerpt);
            }
            match classify(status) {
                Class::Delivered => return (Attempt::Delivered { status }, None),
                Class::Permanent => {
                    return (Attempt::Dead { status: Some(status), error }, None);
                }
                Class::Transient => {}
            }
            let ra = if matches!(status, 429 | 503) {
                retry_after.as_deref().and_then(|v| parse_retry_after(v, now))
            } else {
                None
            };
            (Some(status), error, ra)
        }
        Exchange::Failed { error } => (None, error.clone(), None),
    };
    let made = attempts_before.saturating_add(1);
    let Some(step) = schedule.get(attempts_before as usize) else {
        let plural = if made == 1 { "" } else { "s" };
        let error = format!("gave up after {made} attempt{plural}: {error}");
        return (Attempt::Dead { status, error }, None);
    };
    // Retry-After is honoured exactly (no jitter that could make it early); the schedule's
    // wait gets its jitter.
    let wait = match retry_after {
        Some(ra) if !ra.is_zero() => ra,
        _ => jittered(*step, event_id, made),
    };
    let at = now.checked_add(wait).unwrap_or(Timestamp::MAX);
    let hold = retry_after.filter(|ra| !ra.is_zero()).map(|_| at);
    (Attempt::Retry { at, status, error }, hold)
}

/// The first `EXCERPT_CHARS` characters of a body, on one line.
fn excerpt_of(body: &str) -> String {
    let mut out = String::new();
    let mut last_space = true;
    for (n, c) in body.chars().enumerate() {
        if n >= EXCERPT_CHARS {
            out.push('…');
            break;
        }
        // Keep the excerpt on one line so `factwatch outbox` stays a table.
        let c = if c.is_whitespace() || c.is_control() { ' ' } else { c };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    out.trim_end().to_string()
}

fn http_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        425 => "Too Early",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, retry_after: Option<&str>, body: &str) -> Exchange {
        Exchange::Answered {
            status,
            retry_after: retry_after.map(String::from),
            excerpt: body.into(),
            note: None,
        }
    }

    fn now() -> Timestamp {
        "2025-04-08T12:00:00Z".parse().expect("ts")
    }

    const SCHEDULE: [Duration; 2] = [Duration::from_secs(10), Duration::from_secs(60)];

    #[test]
    fn statuses_are_classified_like_svix() {
        let table = [
            (200, Class::Delivered),
            (204, Class::Delivered),
            (299, Class::Delivered),
            (301, Class::Transient),
            (400, Class::Permanent),
            (401, Class::Permanent),
            (404, Class::Permanent),
            (408, Class::Transient),
            (409, Class::Transient),
            (410, Class::Permanent),
            (413, Class::Permanent),
            (425, Class::Transient),
            (429, Class::Transient),
            (499, Class::Permanent),
            (500, Class::Transient),
            (503, Class::Transient),
            (599, Class::Transient),
        ];
        for (status, class) in table {
            assert_eq!(classify(status), class, "{status}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let n = now();
        assert_eq!(parse_retry_after("2", n), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 120 ", n), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Tue, 08 Apr 2025 12:01:30 GMT", n),
            Some(Duration::from_secs(90))
        );
        // A date in the past means "now".
        assert_eq!(parse_retry_after("Tue, 08 Apr 2025 11:00:00 GMT", n), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999999999", n), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", n), None);
        assert_eq!(parse_retry_after("-5", n), None);
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_is_deterministic() {
        let base = Duration::from_secs(100);
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..500 {
            let id = format!("evt_{i:026x}");
            let j = jittered(base, &id, 1);
            assert!(j >= Duration::from_secs(80) && j <= Duration::from_secs(120), "{j:?}");
            assert_eq!(j, jittered(base, &id, 1));
            seen.insert(j.as_millis());
        }
        assert!(seen.len() > 100, "jitter should spread: {}", seen.len());
    }

    #[test]
    fn a_2xx_is_delivered() {
        let (a, hold) = decide(&answered(204, None, ""), &SCHEDULE, 0, "evt_a", now());
        assert_eq!(a, Attempt::Delivered { status: 204 });
        assert_eq!(hold, None);
    }

    #[test]
    fn a_plain_4xx_is_dead_at_once_with_the_body_excerpt() {
        let (a, _) =
            decide(&answered(400, None, "bad\n  payload:\tno key"), &SCHEDULE, 0, "evt_a", now());
        assert_eq!(
            a,
            Attempt::Dead {
                status: Some(400),
                error: "HTTP 400 Bad Request: bad payload: no key".into()
            }
        );
    }

    #[test]
    fn a_5xx_follows_the_schedule_then_dies() {
        let n = now();
        let (a, hold) = decide(&answered(500, None, "oops"), &SCHEDULE, 0, "evt_a", n);
        let Attempt::Retry { at, status, error } = a else { panic!("retry expected") };
        let wait = at.duration_since(n);
        assert!(
            wait >= jiff::SignedDuration::from_secs(8)
                && wait <= jiff::SignedDuration::from_secs(12)
        );
        assert_eq!(status, Some(500));
        assert_eq!(error, "HTTP 500 Internal Server Error: oops");
        assert_eq!(hold, None);

        let (a, _) = decide(&answered(500, None, ""), &SCHEDULE, 1, "evt_a", n);
        assert!(matches!(a, Attempt::Retry { .. }));
        let (a, _) = decide(&answered(500, None, ""), &SCHEDULE, 2, "evt_a", n);
        assert_eq!(
            a,
            Attempt::Dead {
                status: Some(500),
                error: "gave up after 3 attempts: HTTP 500 Internal Server Error".into()
            }
        );
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_503_only() {
        let n = now();
        for status in [429, 503] {
            let (a, hold) = decide(&answered(status, Some("30"), ""), &SCHEDULE, 0, "evt_a", n);
            let Attempt::Retry { at, .. } = a else { panic!("retry expected") };
            assert_eq!(at.duration_since(n), jiff::SignedDuration::from_secs(30));
            assert_eq!(hold, Some(at));
        }
        let (a, hold) = decide(&answered(500, Some("30"), ""), &SCHEDULE, 0, "evt_a", n);
        let Attempt::Retry { at, .. } = a else { panic!("retry expected") };
        assert!(at.duration_since(n) <= jiff::SignedDuration::from_secs(12));
        assert_eq!(hold, None);
    }

    #[test]
    fn network_failures_retry_without_a_status() {
        let e = Exchange::Failed { error: "timed out after 10s".into() };
        let (a, _) = decide(&e, &SCHEDULE, 0, "evt_a", now());
        assert!(
            matches!(a, Attempt::Retry { status: None, ref error, .. } if error == "timed out after 10s")
        );
        let (a, _) = decide(&e, &[], 0, "evt_a", now());
        assert_eq!(
            a,
            Attempt::Dead {
                status: None,
                error: "gave up after 1 attempt: timed out after 10s".into()
            }
        );
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = "x".repeat(10_000);
        let (a, _) = decide(&answered(400, None, &long), &SCHEDULE, 0, "evt_a", now());
        let Attempt::Dead { error, .. } = a else { panic!("dead expected") };
        assert!(error.chars().count() < EXCERPT_CHARS + 40, "{}", error.len());
        assert!(error.ends_with('…'));
    }
}
