//! Checkpoints of the audit chain as C2SP signed notes.
//!
//! The text follows <https://c2sp.org/tlog-checkpoint> and <https://c2sp.org/signed-note>, so the
//! tools of that ecosystem can read and check it:
//!
//! ```text
//! zhiyan.local/audit-log
//! 28
//! 9T9fjbf9zaU9XQ+vr+t6HKd67owSVea0EytdVX/z958=
//!
//! — zhiyan.local/audit-log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nL…
//! ```
//!
//! The body is the origin line, the decimal size and the standard, padded base64 of the head hash,
//! each ending in a newline. Then a blank line and one signature line: an em dash, the key name, and
//! the base64 of the 4-byte key hash followed by the 64-byte Ed25519 signature of the body. The key
//! hash is the first four bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key).
//!
//! One difference from tlog-checkpoint: our log is a hash chain, not a Merkle tree. The third line is
//! the hash of event number `size` (which covers every event before it), not a Merkle tree root, and
//! for size 0 it is the chain's genesis value (32 zero bytes). Consistency between two checkpoints is
//! shown by recomputing the chain, not by a Merkle consistency proof.
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

/// The log's origin line, and the name of the key that signs its checkpoints. A schema-less name as
/// C2SP asks; it names this kind of log, not one deployment.
pub const ORIGIN: &str = "zhiyan.local/audit-log";

/// Signature type byte of Ed25519 keys in signed notes.
const ED25519_TYPE: u8 = 0x01;
const SIGNATURE_DASH: &str = "— ";

/// Why a note or checkpoint was not accepted. The `Display` text is one line for a person to read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("not a valid checkpoint note: {0}")]
    Malformed(String),
    #[error("checkpoint signature does not verify: no signature line is by this public key")]
    NoSignatureByKey,
    #[error("checkpoint signature does not verify: the Ed25519 signature does not match the text")]
    BadSignature,
    #[error("the public key is not a 32-byte Ed25519 key")]
    BadPublicKey,
}

/// What a verified checkpoint says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub origin: String,
    pub size: i64,
    pub head: Vec<u8>,
}

/// The signed-note key hash (key ID) of an Ed25519 key.
pub fn key_hash(name: &str, public_key: &[u8]) -> [u8; 4] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[ED25519_TYPE]);
    ctx.update(public_key);
    let digest = ctx.finish();
    let mut out = [0; 4];
    out.copy_from_slice(&digest.as_ref()[..4]);
    out
}

/// The checkpoint body: origin, size and head, each on its own line.
pub fn checkpoint_body(origin: &str, size: i64, head: &[u8]) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(head))
}

/// A signed note of `body` by the key `name`; `sign` returns the Ed25519 signature of its argument.
/// Returns the whole note and the raw signature.
pub fn sign_note(
    body: &str,
    name: &str,
    public_key: &[u8],
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> (String, Vec<u8>) {
    let signature = sign(body.as_bytes());
    let mut blob = key_hash(name, public_key).to_vec();
    blob.extend_from_slice(&signature);
    let note = format!("{body}\n{SIGNATURE_DASH}{name} {}\n", B64.encode(blob));
    (note, signature)
}

/// Check a signed note against one Ed25519 public key and return its body (the signed text).
/// Signature lines by other keys are ignored, as signed-note asks; at least one must be by this key
/// and every one by this key must verify.
pub fn verify_note<'a>(note: &'a str, public_key: &[u8]) -> Result<&'a str, NoteError> {
    use ring::signature::{UnparsedPublicKey, ED25519};
    let bad = |why: &str| NoteError::Malformed(why.to_string());
    if public_key.len() != 32 {
        return Err(NoteError::BadPublicKey);
    }
    if note.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(bad(
            "it contains a control character (only newlines are allowed)",
        ));
    }
    if !note.ends_with('\n') {
        return Err(bad("it does not end with a newline"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| bad("there is no blank line before the signatures"))?;
    let (body, signatures) = (&note[..split + 1], &note[split + 2..]);
    if signatures.is_empty() {
        return Err(bad("there is no signature line after the blank line"));
    }
    let mut verified = false;
    for line in signatures.lines() {
        let rest = line
            .strip_prefix(SIGNATURE_DASH)
            .ok_or_else(|| bad("a signature line does not start with \"— \""))?;
        let (name, blob) = rest
            .split_once(' ')
            .ok_or_else(|| bad("a signature line has no space between key name and signature"))?;
        if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
            return Err(bad("a signature line has an invalid key name"));
        }
        let blob = B64
            .decode(blob)
            .map_err(|_| bad("a signature is not valid base64"))?;
        if blob.len() < 5 {
            return Err(bad("a signature is too short"));
        }
        if blob[..4] != key_hash(name, public_key) {
            continue;
        }
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(body.as_bytes(), &blob[4..])
            .map_err(|_| NoteError::BadSignature)?;
        verified = true;
    }
    if verified {
        Ok(body)
    } else {
        Err(NoteError::NoSignatureByKey)
    }
}

/// Check a signed checkpoint against one Ed25519 public key and return what it says.
pub fn verify_checkpoint(note: &str, public_key: &[u8]) -> Result<VerifiedCheckpoint, NoteError> {
    let body = verify_note(note, public_key)?;
    parse_body(body)
}

/// Origin, size and head of a checkpoint body; extension lines after the head are allowed and
/// ignored, as tlog-checkpoint asks.
fn parse_body(body: &str) -> Result<VerifiedCheckpoint, NoteError> {
    let bad = |why: &str| NoteError::Malformed(why.to_string());
    let mut lines = body.lines();
    let origin = lines.next().unwrap_or_default();
    if origin.is_empty() {
        return Err(bad("the origin line is empty"));
    }
    let size = lines.next().ok_or_else(|| bad("there is no size line"))?;
    let canonical = !size.is_empty()
        && size.bytes().all(|b| b.is_ascii_digit())
        && (size == "0" || !size.starts_with('0'));
    let size = canonical
        .then(|| size.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| bad("the size line is not a decimal number"))?;
    let head = lines.next().ok_or_else(|| bad("there is no head line"))?;
    let head = B64
        .decode(head)
        .ok()
        .filter(|h| h.len() == 32)
        .ok_or_else(|| bad("the head line is not the base64 of a 32-byte hash"))?;
    Ok(VerifiedCheckpoint {
        origin: origin.to_string(),
        size,
        head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn keypair() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    fn checkpoint(kp: &Ed25519KeyPair, size: i64, head: &[u8]) -> String {
        let body = checkpoint_body(ORIGIN, size, head);
        let public_key = kp.public_key().as_ref();
        sign_note(&body, ORIGIN, public_key, |m| kp.sign(m).as_ref().to_vec()).0
    }

    /// The example of golang.org/x/mod/sumdb/note (note.go, note_test.go): key
    /// `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`, signing key
    /// `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`.
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn matches_the_go_sumdb_note_reference() {
        let public = B64
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap();
        let seed = B64
            .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .unwrap();
        assert_eq!((public[0], seed[0]), (ED25519_TYPE, ED25519_TYPE));
        let (public, seed) = (&public[1..], &seed[1..]);
        assert_eq!(hex::encode(key_hash("PeterNeumann", public)), "c74f20a3");
        assert_eq!(verify_note(GO_NOTE, public), Ok(GO_TEXT));
        // Ed25519 is deterministic, so signing the same text must give the same note, byte for byte.
        let kp = Ed25519KeyPair::from_seed_and_public_key(seed, public).unwrap();
        let (note, _) = sign_note(GO_TEXT, "PeterNeumann", public, |m| {
            kp.sign(m).as_ref().to_vec()
        });
        assert_eq!(note, GO_NOTE);
        let altered = GO_NOTE.replace("cryptography", "cryptographY");
        assert_eq!(verify_note(&altered, public), Err(NoteError::BadSignature));
    }

    #[test]
    fn a_valid_checkpoint_verifies() {
        let kp = keypair();
        let head = [7u8; 32];
        let note = checkpoint(&kp, 28, &head);
        assert!(note.starts_with(&format!(
            "{ORIGIN}\n28\n{}\n\n— {ORIGIN} ",
            B64.encode(head)
        )));
        let v = verify_checkpoint(&note, kp.public_key().as_ref()).unwrap();
        assert_eq!(
            v,
            VerifiedCheckpoint {
                origin: ORIGIN.into(),
                size: 28,
                head: head.to_vec()
            }
        );
        let empty = checkpoint(&kp, 0, &crate::crypto::chain::GENESIS);
        let v = verify_checkpoint(&empty, kp.public_key().as_ref()).unwrap();
        assert_eq!(
            (v.size, v.head),
            (0, crate::crypto::chain::GENESIS.to_vec())
        );
    }

    #[test]
    fn any_changed_byte_fails() {
        let kp = keypair();
        let pk = kp.public_key().as_ref().to_vec();
        let note = checkpoint(&kp, 28, &[7u8; 32]);
        let lines: Vec<&str> = note.lines().collect();
        let with_line = |i: usize, new: &str| {
            let mut l = lines.clone();
            l[i] = new;
            l.join("\n") + "\n"
        };
        // Size 28 → 29.
        let size = with_line(1, "29");
        assert_eq!(verify_checkpoint(&size, &pk), Err(NoteError::BadSignature));
        // One bit of the head.
        let mut head = [7u8; 32];
        head[31] ^= 1;
        let head = with_line(2, &B64.encode(head));
        assert_eq!(verify_checkpoint(&head, &pk), Err(NoteError::BadSignature));
        // One bit of the signature (after the 4-byte key hash), and of the key hash.
        let (prefix, blob) = lines[4].rsplit_once(' ').unwrap();
        for at in [4, 40, 67] {
            let mut raw = B64.decode(blob).unwrap();
            raw[at] ^= 0x20;
            let line = format!("{prefix} {}", B64.encode(raw));
            assert_eq!(
                verify_checkpoint(&with_line(4, &line), &pk),
                Err(NoteError::BadSignature),
                "byte {at}"
            );
        }
        let mut raw = B64.decode(blob).unwrap();
        raw[0] ^= 1;
        let line = format!("{prefix} {}", B64.encode(raw));
        assert_eq!(
            verify_checkpoint(&with_line(4, &line), &pk),
            Err(NoteError::NoSignatureByKey)
        );
        // The key name is part of the key hash.
        let renamed = note.replace(&format!("— {ORIGIN} "), "— someone.else/log ");
        assert_eq!(
            verify_checkpoint(&renamed, &pk),
            Err(NoteError::NoSignatureByKey)
        );
        // The origin line is signed too.
        let origin = with_line(0, "zhiyan.local/other-log");
        assert_eq!(
            verify_checkpoint(&origin, &pk),
            Err(NoteError::BadSignature)
        );
    }

    #[test]
    fn another_key_fails() {
        let (signer, other) = (keypair(), keypair());
        let note = checkpoint(&signer, 3, &[1u8; 32]);
        assert_eq!(
            verify_checkpoint(&note, other.public_key().as_ref()),
            Err(NoteError::NoSignatureByKey)
        );
        // The same signature line claiming the other key's hash still does not verify.
        let forged = sign_note(
            &checkpoint_body(ORIGIN, 3, &[1u8; 32]),
            ORIGIN,
            other.public_key().as_ref(),
            |m| signer.sign(m).as_ref().to_vec(),
        )
        .0;
        assert_eq!(
            verify_checkpoint(&forged, other.public_key().as_ref()),
            Err(NoteError::BadSignature)
        );
        assert_eq!(
            verify_checkpoint(&note, &[0u8; 31]),
            Err(NoteError::BadPublicKey)
        );
    }

    #[test]
    fn another_signature_line_is_ignored() {
        let (signer, witness) = (keypair(), keypair());
        let body = checkpoint_body(ORIGIN, 5, &[2u8; 32]);
        let (note, _) = sign_note(&body, ORIGIN, signer.public_key().as_ref(), |m| {
            signer.sign(m).as_ref().to_vec()
        });
        let (cosigned, _) = sign_note(
            &body,
            "witness.example",
            witness.public_key().as_ref(),
            |m| witness.sign(m).as_ref().to_vec(),
        );
        let both = format!("{note}{}", cosigned.rsplit_once("\n\n").unwrap().1);
        let v = verify_checkpoint(&both, signer.public_key().as_ref()).unwrap();
        assert_eq!(v.size, 5);
        assert!(verify_checkpoint(&both, witness.public_key().as_ref()).is_ok());
    }

    #[test]
    fn garbage_gives_a_clear_error() {
        let kp = keypair();
        let pk = kp.public_key().as_ref().to_vec();
        let good = checkpoint(&kp, 28, &[7u8; 32]);
        let malformed = |text: &str| match verify_checkpoint(text, &pk) {
            Err(NoteError::Malformed(why)) => why,
            other => panic!("{text:?} gave {other:?}"),
        };
        assert!(malformed("").contains("newline"));
        assert!(malformed("hello\n").contains("blank line"));
        assert!(malformed("\n\n").contains("no signature line"));
        assert!(malformed("x\n\nfoo\n").contains("\"— \""));
        assert!(malformed(&good.replace('\n', "\r\n")).contains("control character"));
        assert!(malformed(&good[..good.len() - 1]).contains("newline"));
        assert!(malformed(&good.replace("— ", "- ")).contains("\"— \""));
        assert!(malformed(&format!("{good}\n")).contains("no signature line"));
        assert!(malformed("x\n\n— name\n").contains("no space"));
        assert!(malformed("x\n\n— a+b AAAA\n").contains("key name"));
        assert!(malformed("x\n\n— name !!!\n").contains("base64"));
        assert!(malformed("x\n\n— name AAAA\n").contains("too short"));
        // Bodies that are signed but are not checkpoints.
        let signed = |body: &str| sign_note(body, ORIGIN, &pk, |m| kp.sign(m).as_ref().to_vec()).0;
        assert!(malformed(&signed("origin\n")).contains("no size line"));
        assert!(malformed(&signed("\n5\nAAAA\n")).contains("origin"));
        for size in ["-1", "+5", "05", "", "1e3", "99999999999999999999"] {
            let body = format!("origin\n{size}\n{}\n", B64.encode([0u8; 32]));
            assert!(malformed(&signed(&body)).contains("size"), "{size:?}");
        }
        assert!(malformed(&signed("origin\n5\n")).contains("no head line"));
        assert!(malformed(&signed("origin\n5\nAAAA\n")).contains("32-byte"));
        assert!(malformed(&signed("origin\n5\nnot base64!\n")).contains("32-byte"));
        // Random bytes never panic.
        for n in 0..200 {
            let bytes = crate::crypto::random_bytes::<64>();
            let text = String::from_utf8_lossy(&bytes[..n % 64]);
            assert!(verify_checkpoint(&text, &pk).is_err());
        }
    }
}
