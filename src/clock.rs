//! The clock: what time it is for the facts, and "wake me at the next deadline".
//!
//! Normally this is the system clock. `factwatch run --now 2025-07-08T00:00:00Z` starts it at
//! an instant of the user's choosing and lets it run at the normal pace, so a demo or a test
//! can watch a pause expire. `replay` does not use it: it steps a virtual time itself. The
//! clock never writes state; delivery schedules retries on the real system time.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// The longest single sleep. Sleeping in bounded steps means a suspended machine or a
/// wall-clock jump is noticed within this long, without polling in between.
const MAX_SLEEP: Duration = Duration::from_secs(300);

/// A clock that runs at the system's pace from a chosen origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    offset: SignedDuration,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: Timestamp) -> Clock {
        Clock { offset: start.duration_since(Timestamp::now()) }
    }

    /// The current instant by this clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::now().checked_add(self.offset).unwrap_or(Timestamp::MAX)
    }

    /// Sleeps until this clock reads `at`, or for at most five minutes, whichever is first;
    /// callers loop and re-check what they are waiting for.
    pub async fn sleep_until(&self, at: Timestamp) {
        let wait = at.duration_since(self.now());
        let wait = Duration::try_from(wait).unwrap_or(Duration::ZERO).min(MAX_SLEEP);
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starting_at_reads_the_chosen_instant_and_runs_on() {
        let start: Timestamp = "2025-07-08T00:00:00Z".parse().expect("ts");
        let c = Clock::starting_at(start);
        let d = c.now().duration_since(start);
        assert!(d >= SignedDuration::ZERO && d < SignedDuration::from_secs(5), "{d:?}");
    }
}
