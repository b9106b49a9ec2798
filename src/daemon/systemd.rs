//! Talking to systemd: READY after the catch-up scan, STATUS lines, watchdog pings,
//! RELOADING and STOPPING. Every call is a no-op when not run by systemd (no
//! `NOTIFY_SOCKET`), so the daemon behaves the same on a terminal.

use std::time::Duration;

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

/// The daemon is alive.
pub(crate) fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// How often to ping the watchdog: half the interval systemd expects, if it expects any.
pub(crate) fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2).filter(|d| !d.is_zero())
}
