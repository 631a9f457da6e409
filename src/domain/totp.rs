//! Two-factor sign-in with time-based one-time codes (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
//! steps), the parameters every authenticator app uses by default. The rules are here: which codes
//! are accepted at a time (the current step and one either side, for clock drift) and that a step
//! whose code was accepted is never accepted again. Time comes from the caller.
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per step.
pub const STEP: i64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Steps either side of the current one that are still accepted (phone clocks drift).
pub const SKEW: i64 = 1;
/// Bytes of a new secret: 160 bits, RFC 4226's recommendation.
pub const SECRET_BYTES: usize = 20;
/// What authenticator apps show as the account's issuer.
pub const ISSUER: &str = "Zhiyan";

/// Why a code was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not six digits.
    Malformed,
    /// Six digits, but not the code of any step in the window.
    Wrong,
    /// The code of a step that was already used (or an earlier one): someone may have seen it.
    Replayed,
}

/// The step `t` falls in.
pub fn step_at(t: i64) -> i64 {
    t.div_euclid(STEP)
}

/// The code of `step` for `secret`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    // new_unchecked: a secret shorter than 128 bits is never generated here (SECRET_BYTES), and an
    // older one must still verify rather than fail.
    let totp = TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP as u64, secret.to_vec());
    totp.generate((step.max(0) * STEP) as u64)
}

/// Check `input` at time `now` against `secret`, given the last step already used. Accepted: the
/// step of the code, which the caller must record as used before letting anyone in.
pub fn accept(
    secret: &[u8],
    input: &str,
    now: i64,
    last_used: Option<i64>,
) -> Result<i64, Refused> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refused::Malformed);
    }
    let current = step_at(now);
    // Every step of the window is computed, so the time taken says nothing about which matched.
    let mut matched = None;
    for step in current - SKEW..=current + SKEW {
        if constant_time_eq::constant_time_eq(code_at(secret, step).as_bytes(), code.as_bytes()) {
            matched.get_or_insert(step);
        }
    }
    let step = matched.ok_or(Refused::Wrong)?;
    match last_used {
        Some(last) if step <= last => Err(Refused::Replayed),
        _ => Ok(step),
    }
}

/// The secret as authenticator apps take it when typed in: RFC 4648 base32 without padding.
pub fn encode_secret(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded always encodes"),
    }
}

/// The `otpauth://` URL the QR code carries (Google Authenticator's key URI format): the issuer and
/// the username label the entry in the app. Usernames are ASCII letters, digits and `-_.`, which need
/// no escaping.
pub fn otpauth_url(username: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{username}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        encode_secret(secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column, cut to six digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(secret, step_at(t)), code, "t = {t}");
        }
    }

    #[test]
    fn one_step_either_side_is_accepted_and_no_further() {
        let secret = [7u8; SECRET_BYTES];
        let now = 1_795_140_000;
        let s = step_at(now);
        for d in -1..=1 {
            assert_eq!(
                accept(&secret, &code_at(&secret, s + d), now, None),
                Ok(s + d)
            );
        }
        for d in [-2, 2] {
            assert_eq!(
                accept(&secret, &code_at(&secret, s + d), now, None),
                Err(Refused::Wrong)
            );
        }
    }

    #[test]
    fn a_used_step_and_earlier_ones_are_refused() {
        let secret = [9u8; SECRET_BYTES];
        let now = 1_795_140_000;
        let s = step_at(now);
        let code = code_at(&secret, s);
        assert_eq!(accept(&secret, &code, now, Some(s - 1)), Ok(s));
        assert_eq!(accept(&secret, &code, now, Some(s)), Err(Refused::Replayed));
        let earlier = code_at(&secret, s - 1);
        assert_eq!(
            accept(&secret, &earlier, now, Some(s)),
            Err(Refused::Replayed)
        );
    }

    #[test]
    fn malformed_codes_are_told_apart() {
        let secret = [1u8; SECRET_BYTES];
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(accept(&secret, bad, 0, None), Err(Refused::Malformed));
        }
        let now = 1_795_140_000;
        let spaced = code_at(&secret, step_at(now));
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(accept(&secret, &spaced, now, None), Ok(step_at(now)));
    }

    #[test]
    fn url_and_secret_encoding() {
        let secret = b"12345678901234567890";
        assert_eq!(encode_secret(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            otpauth_url("desk-1", secret),
            "otpauth://totp/Zhiyan:desk-1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Zhiyan&algorithm=SHA1&digits=6&period=30"
        );
    }
}
