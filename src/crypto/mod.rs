//! Key material and the primitives built on it. Keys live in a file outside the database so that a
//! database dump alone reveals no report text, no receipt and cannot forge the audit checkpoint.
pub mod chain;
pub mod checkpoint;
pub mod keyring;

pub use keyring::{Keyring, Sealed};

/// Fill a buffer from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut out = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut out)
        .expect("the operating system's random source failed");
    out
}

/// Uniform integer in 0..=max (inclusive), from the CSPRNG.
pub fn random_up_to(max: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    let span = max as u128 + 1;
    // Rejection sampling keeps the draw uniform.
    let zone = (u64::MAX as u128 + 1) / span * span;
    loop {
        let v = u64::from_le_bytes(random_bytes::<8>()) as u128;
        if v < zone {
            return (v % span) as u64;
        }
    }
}

/// SHA-256 of a session token, so that a database dump yields no usable session.
pub fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}
