//! Talking to systemd: READY after the catch-up scan, STATUS lines, watchdog pings,
//! RELOADING and STOPPING. Every call is a no-op when not run by systemd (no
//! `NOTIFY_SOCKET`), so the daemon behaves the same on a terminal.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sd_notify::NotifyState;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The catch-up is done and the daemon is watching.
pub(crate) fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A one-line status for `systemctl status`.
pub(crate) fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// A configuration reload begins. systemd 253 and later expect the monotonic time of the
/// request with RELOADING=1 (and `Type=notify-reload` fails the reload without it); older
/// ones ignore the extra field.
pub(crate) fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// The daemon is shutting down.
pub(crate) fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// Watchdog pings (`WatchdogSec=`). The main loop pings on a timer; a long scan, which
/// keeps the loop busy, pings as it makes progress. So the pings stop, and systemd
/// restarts the daemon, only when it stops making progress, not when a rescan of a big
/// folder takes longer than the watchdog interval.
#[derive(Debug)]
pub(crate) struct Watchdog {
    every: Option<Duration>,
    last: Mutex<Instant>,
}

impl Watchdog {
    /// Half the interval systemd expects (`WATCHDOG_USEC`), if it expects any.
    pub(crate) fn from_env() -> Watchdog {
        let every = sd_notify::watchdog_enabled().map(|d| d / 2).filter(|d| !d.is_zero());
        Watchdog { every, last: Mutex::new(Instant::now()) }
    }

    /// How often the main loop should ping, if at all.
    pub(crate) fn every(&self) -> Option<Duration> {
        self.every
    }

    /// The daemon is alive: ping now.
    pub(crate) fn ping(&self) {
        if self.every.is_some() {
            send(&[NotifyState::Watchdog]);
            *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        }
    }

    /// Some work was done: ping if the last ping is an interval old. Cheap enough to call
    /// after every file a scan handles.
    pub(crate) fn progress(&self) {
        let Some(every) = self.every else { return };
        let due = self.last.lock().unwrap_or_else(PoisonError::into_inner).elapsed() >= every;
        if due {
            self.ping();
        }
    }
}
