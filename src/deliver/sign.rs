//! Standard Webhooks signatures: signing what we send and verifying what the inbox receives.
//!
//! The scheme is the one in the Standard Webhooks spec, so receivers can verify with the
//! existing libraries: the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, the
//! MAC is HMAC-SHA256 keyed with the base64-decoded part of a `whsec_...` secret, and the
//! `webhook-signature` header carries `v1,` plus the base64 MAC (several space-separated
//! signatures are allowed, for key rotation). Secrets are only ever exposed here, and nothing
//! in this file logs.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// How far a signed timestamp may be from our clock before the inbox refuses the message.
/// Five minutes is the Standard Webhooks recommendation: it bounds replays of a captured
/// request without tripping over ordinary clock drift.
pub(crate) const TOLERANCE_SECS: i64 = 5 * 60;

/// The key bytes of a secret: the base64 after `whsec_`. A secret that does not decode
/// (config validation refuses those, so only a programmatic caller can pass one) is used as
/// raw bytes, like the reference libraries do for un-prefixed secrets.
fn key_bytes(secret: &Secret) -> Vec<u8> {
    let s = secret.expose();
    let b64 = s.strip_prefix("whsec_").unwrap_or(s);
    STANDARD.decode(b64).unwrap_or_else(|_| s.as_bytes().to_vec())
}

fn mac(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Option<HmacSha256> {
    // HMAC takes keys of any length, so this never fails; the Option only keeps a panic out.
    let mut m = HmacSha256::new_from_slice(key).ok()?;
    m.update(msg_id.as_bytes());
    m.update(b".");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    Some(m)
}

/// The `webhook-signature` value for one message: `v1,` + base64 HMAC-SHA256 of
/// `msg_id.timestamp.body` keyed with the decoded secret.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = key_bytes(secret);
    match mac(&key, msg_id, timestamp, body) {
        Some(m) => format!("v1,{}", STANDARD.encode(m.finalize().into_bytes())),
        // Unreachable (see `mac`); an empty signature verifies nowhere, which is the safe way
        // to be wrong.
        None => "v1,".to_string(),
    }
}

/// Why a received message was refused. The text is sent back in the 401 body and printed by
/// the inbox, so it says what to fix and never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A required header is absent.
    #[error("missing {0} header")]
    Missing(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("webhook-timestamp is not a unix time in seconds")]
    BadTimestamp,
    /// The timestamp is more than five minutes away from our clock.
    #[error("webhook-timestamp is {0}s away from this machine's clock (more than 5 minutes)")]
    Stale(i64),
    /// No `v1` signature in the header matches the body.
    #[error("no signature matches (wrong secret, or the body was changed)")]
    Mismatch,
}

/// Verifies a received message the way Standard Webhooks libraries do.
///
/// `signature_header` may hold several space-separated `v1,<base64>` entries; one match is
/// enough. The comparison is constant-time (`Mac::verify_slice`).
pub(crate) fn verify(
    secret: &Secret,
    msg_id: Option<&str>,
    timestamp: Option<&str>,
    signature_header: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), VerifyError> {
    let msg_id = msg_id.ok_or(VerifyError::Missing("webhook-id"))?;
    let ts_text = timestamp.ok_or(VerifyError::Missing("webhook-timestamp"))?;
    let header = signature_header.ok_or(VerifyError::Missing("webhook-signature"))?;
    let ts: i64 = ts_text.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now_unix.saturating_sub(ts);
    if skew.abs() > TOLERANCE_SECS {
        return Err(VerifyError::Stale(skew));
    }
    let key = key_bytes(secret);
    for entry in header.split_whitespace() {
        let Some(b64) = entry.strip_prefix("v1,") else { continue };
        let Ok(given) = STANDARD.decode(b64) else { continue };
        let Some(m) = mac(&key, msg_id, ts, body) else { continue };
        if m.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err(VerifyError::Mismatch)
}

/// Checks that a secret has the Standard Webhooks shape: `whsec_` followed by non-empty
/// base64 of the key bytes. Receivers' libraries decode secrets that way, so anything else
/// would produce signatures that never verify; config validation and the inbox say so at
/// start instead. The error says what is wrong and never repeats the secret.
pub fn check_secret(secret: &str) -> Result<(), &'static str> {
    let Some(b64) = secret.strip_prefix("whsec_") else {
        return Err(
            "the secret must be \"whsec_\" followed by base64 (Standard Webhooks); `factwatch inbox` prints a fresh one",
        );
    };
    match STANDARD.decode(b64) {
        Ok(bytes) if !bytes.is_empty() => Ok(()),
        _ => Err("the part after \"whsec_\" is not valid non-empty base64"),
    }
}

/// A fresh `whsec_` secret with 24 random bytes, for `factwatch inbox` to print.
pub fn generate_secret() -> Secret {
    Secret::new(format!("whsec_{}", STANDARD.encode(random_bytes())))
}

fn random_bytes() -> [u8; 24] {
    use std::io::Read as _;
    let mut buf = [0u8; 24];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).is_ok() {
        return buf;
    }
    // Without /dev/urandom, std's per-process random hash keys (seeded by the OS) mixed with
    // the clock are still unpredictable enough for a secret typed into a config by hand.
    use std::hash::{BuildHasher, Hasher};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    for (i, chunk) in buf.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_usize(i);
        let bytes = h.finish().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn standard_webhooks_spec_vector() {
        assert_eq!(
            sign(&Secret::new(SECRET), ID, TS, BODY),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn verify_accepts_own_signature_among_several_and_refuses_tampering() {
        let s = Secret::new(SECRET);
        let sig = sign(&s, ID, TS, BODY);
        let header = format!("v1,bm90IGl0 {sig}");
        assert_eq!(verify(&s, Some(ID), Some("1614265330"), Some(&header), BODY, TS + 10), Ok(()));
        assert_eq!(
            verify(&s, Some(ID), Some("1614265330"), Some(&sig), b"{}", TS),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&s, Some("msg_other"), Some("1614265330"), Some(&sig), BODY, TS),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&s, Some(ID), Some("1614265330"), None, BODY, TS),
            Err(VerifyError::Missing("webhook-signature"))
        );
        assert_eq!(
            verify(&s, Some(ID), Some("soon"), Some(&sig), BODY, TS),
            Err(VerifyError::BadTimestamp)
        );
    }

    #[test]
    fn verify_refuses_timestamps_more_than_five_minutes_off() {
        let s = Secret::new(SECRET);
        let sig = sign(&s, ID, TS, BODY);
        let ts = Some("1614265330");
        assert!(verify(&s, Some(ID), ts, Some(&sig), BODY, TS + 300).is_ok());
        assert_eq!(
            verify(&s, Some(ID), ts, Some(&sig), BODY, TS + 301),
            Err(VerifyError::Stale(301))
        );
        assert_eq!(
            verify(&s, Some(ID), ts, Some(&sig), BODY, TS - 301),
            Err(VerifyError::Stale(-301))
        );
    }

    #[test]
    fn generated_secrets_are_valid_and_distinct() {
        let a = generate_secret();
        let b = generate_secret();
        assert!(check_secret(a.expose()).is_ok());
        assert!(check_secret("secret").is_err() && check_secret("whsec_").is_err());
        assert_ne!(a, b);
    }
}
