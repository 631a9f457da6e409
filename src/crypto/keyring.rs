//! The keyring file: sealing keys (with ids, for rotation), the receipt pepper and the audit signing key.
use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::random_bytes;

pub const FILE_NAME: &str = "keyring.json";

#[derive(Serialize, Deserialize)]
struct KeyringFile {
    /// Id of the sealing key new text is sealed with.
    current: String,
    /// Every sealing key ever used, by id; old ones stay so old text can still be opened.
    sealing_keys: BTreeMap<String, String>,
    receipt_pepper: String,
    audit_signing_key_pkcs8: String,
}

pub struct Keyring {
    current: String,
    sealing: BTreeMap<String, LessSafeKey>,
    pepper: hmac::Key,
    signing: Ed25519KeyPair,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

/// Sealed text: the key id to open it with, and nonce ‖ ciphertext ‖ tag.
#[derive(Clone, Debug)]
pub struct Sealed {
    pub key_id: String,
    pub blob: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("sealed text could not be opened (unknown key id, wrong report, or altered data)")]
pub struct OpenError;

impl Keyring {
    /// Read `<dir>/keyring.json`, or create it (mode 0600, directory 0700) on first start.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Keyring> {
        let path = dir.join(FILE_NAME);
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading keyring {}", path.display()))?;
            let file: KeyringFile = serde_json::from_str(&text)
                .with_context(|| format!("keyring {} is not valid", path.display()))?;
            return Keyring::from_file(file).with_context(|| format!("keyring {}", path.display()));
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating data dir {}", dir.display()))?;
        restrict(dir, 0o700)?;
        let file = KeyringFile::generate()?;
        write_private(&path, &serde_json::to_vec_pretty(&file)?)?;
        tracing::info!(path = %path.display(), "created a new keyring");
        Keyring::from_file(file)
    }

    /// A fresh keyring held only in memory (tests, benchmarks).
    pub fn ephemeral() -> Keyring {
        Keyring::from_file(KeyringFile::generate().expect("key generation"))
            .expect("freshly generated keys are valid")
    }

    fn from_file(file: KeyringFile) -> anyhow::Result<Keyring> {
        let mut sealing = BTreeMap::new();
        for (id, key) in &file.sealing_keys {
            let bytes = B64
                .decode(key)
                .with_context(|| format!("sealing key {id}"))?;
            let key = UnboundKey::new(&AES_256_GCM, &bytes)
                .map_err(|_| anyhow::anyhow!("sealing key {id} is not a 256-bit key"))?;
            sealing.insert(id.clone(), LessSafeKey::new(key));
        }
        if !sealing.contains_key(&file.current) {
            bail!("current sealing key {} is not in the keyring", file.current);
        }
        let pepper = B64.decode(&file.receipt_pepper).context("receipt pepper")?;
        if pepper.len() < 32 {
            bail!("receipt pepper is shorter than 32 bytes");
        }
        let pkcs8 = B64
            .decode(&file.audit_signing_key_pkcs8)
            .context("audit signing key")?;
        let signing = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| anyhow::anyhow!("audit signing key is not a valid Ed25519 PKCS#8 key"))?;
        Ok(Keyring {
            current: file.current,
            sealing,
            pepper: hmac::Key::new(hmac::HMAC_SHA256, &pepper),
            signing,
        })
    }

    /// Seal `plain` for one field of one report. The report id and the field name are bound as
    /// associated data, so sealed text cannot be moved to another report or field unnoticed. The
    /// text is padded to a size bucket first (`pad`), so the stored length says only which bucket
    /// it fell in; the key id carries the format (`PADDED_V1`), which is bound as associated data too.
    pub fn seal(&self, report_id: &str, field: &str, plain: &str) -> Sealed {
        self.seal_bytes(report_id, field, plain.as_bytes())
    }

    /// `seal` for bytes that are not text (an attachment): the same padding and binding.
    pub fn seal_bytes(&self, report_id: &str, field: &str, plain: &[u8]) -> Sealed {
        let key = &self.sealing[&self.current];
        let nonce_bytes = random_bytes::<NONCE_LEN>();
        let mut buf = pad(plain);
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad(Format::Padded, report_id, field)),
            &mut buf,
        )
        .expect("AES-GCM sealing cannot fail for in-memory text");
        let mut blob = nonce_bytes.to_vec();
        blob.extend_from_slice(&buf);
        Sealed {
            key_id: format!("{PADDED_V1}{}", self.current),
            blob,
        }
    }

    /// Open what `seal` sealed, and text sealed before padding existed (a bare key id): both
    /// formats stay readable, so a database from before keeps working.
    pub fn open(
        &self,
        report_id: &str,
        field: &str,
        key_id: &str,
        blob: &[u8],
    ) -> Result<String, OpenError> {
        let plain = self.open_bytes(report_id, field, key_id, blob)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }

    /// `open` for what `seal_bytes` sealed.
    pub fn open_bytes(
        &self,
        report_id: &str,
        field: &str,
        key_id: &str,
        blob: &[u8],
    ) -> Result<Vec<u8>, OpenError> {
        let (format, key_id) = match key_id.strip_prefix(PADDED_V1) {
            Some(id) => (Format::Padded, id),
            None => (Format::Plain, key_id),
        };
        let key = self.sealing.get(key_id).ok_or(OpenError)?;
        if blob.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError)?;
        let mut buf = sealed.to_vec();
        let opened = key
            .open_in_place(nonce, Aad::from(aad(format, report_id, field)), &mut buf)
            .map_err(|_| OpenError)?;
        let plain = match format {
            Format::Padded => unpad(opened).ok_or(OpenError)?,
            Format::Plain => opened,
        };
        Ok(plain.to_vec())
    }

    /// HMAC-SHA256 of a canonical receipt under the pepper: what the database stores instead of it.
    pub fn receipt_mac(&self, canonical_receipt: &str) -> Vec<u8> {
        hmac::sign(&self.pepper, canonical_receipt.as_bytes())
            .as_ref()
            .to_vec()
    }

    /// HMAC-SHA256 under the pepper of `message`, labelled: for values other than receipts that every
    /// instance must be able to check (a sign-in's device proof). A canonical receipt never contains
    /// the `/` of the label, so the two uses cannot collide.
    pub fn labelled_mac(&self, label: &str, message: &str) -> Vec<u8> {
        let text = format!("zhiyan/{label}\0{message}");
        hmac::sign(&self.pepper, text.as_bytes()).as_ref().to_vec()
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signing.sign(message).as_ref().to_vec()
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.signing.public_key().as_ref().to_vec()
    }
}

impl KeyringFile {
    fn generate() -> anyhow::Result<KeyringFile> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| anyhow::anyhow!("could not generate the audit signing key"))?;
        let id = format!("k{}", hex::encode(random_bytes::<4>()));
        Ok(KeyringFile {
            sealing_keys: BTreeMap::from([(id.clone(), B64.encode(random_bytes::<32>()))]),
            current: id,
            receipt_pepper: B64.encode(random_bytes::<32>()),
            audit_signing_key_pkcs8: B64.encode(pkcs8.as_ref()),
        })
    }
}

/// The prefix of the key id of padded sealed text: `p1:<key id>`. A bare key id is the first format
/// (no padding). Key ids never contain `:`, so the two cannot be confused.
pub const PADDED_V1: &str = "p1:";

/// The smallest padded size; every bucket is a power of two from here.
pub const MIN_BUCKET: usize = 256;

/// Bytes of the length prefix in front of the padded text.
const LENGTH_PREFIX: usize = 4;

#[derive(Clone, Copy)]
enum Format {
    /// Before padding: the text as it was.
    Plain,
    /// `pad`: a length prefix, the text, zeros up to the bucket.
    Padded,
}

fn aad(format: Format, report_id: &str, field: &str) -> Vec<u8> {
    let version = match format {
        Format::Plain => "zhiyan/v1",
        Format::Padded => "zhiyan/v2",
    };
    format!("{version}\0{report_id}\0{field}").into_bytes()
}

/// The bucket `len` bytes of text are padded to: the smallest power of two, at least `MIN_BUCKET`,
/// that holds the text and its length prefix.
pub fn bucket(len: usize) -> usize {
    (len + LENGTH_PREFIX).next_power_of_two().max(MIN_BUCKET)
}

/// The text behind a 4-byte big-endian length, then zeros up to its bucket. The length says exactly
/// where the text ends, whatever bytes it ends with.
fn pad(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bucket(text.len()));
    let len = u32::try_from(text.len()).expect("sealed text is far below 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text);
    out.resize(bucket(text.len()), 0);
    out
}

/// The text `pad` wrapped; None unless the prefix fits and everything after the text is zero.
fn unpad(padded: &[u8]) -> Option<&[u8]> {
    let (prefix, rest) = padded.split_first_chunk::<LENGTH_PREFIX>()?;
    let len = usize::try_from(u32::from_be_bytes(*prefix)).ok()?;
    if len > rest.len() || rest[len..].iter().any(|b| *b != 0) {
        return None;
    }
    Some(&rest[..len])
}

fn write_private(path: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn restrict(dir: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    let _ = mode;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let k = Keyring::ephemeral();
        let s = k.seal("R-1", "body", "重复检查");
        assert!(!s.blob.windows(3).any(|w| w == "重".as_bytes()));
        assert_eq!(
            k.open("R-1", "body", &s.key_id, &s.blob).unwrap(),
            "重复检查"
        );
        assert!(k.open("R-2", "body", &s.key_id, &s.blob).is_err());
        assert!(k.open("R-1", "title", &s.key_id, &s.blob).is_err());
    }

    /// Sealed text as it was stored before padding: the key id alone, the text as it was.
    fn seal_unpadded(k: &Keyring, report_id: &str, field: &str, plain: &str) -> Sealed {
        let nonce_bytes = random_bytes::<NONCE_LEN>();
        let mut buf = plain.as_bytes().to_vec();
        k.sealing[&k.current]
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(aad(Format::Plain, report_id, field)),
                &mut buf,
            )
            .unwrap();
        let mut blob = nonce_bytes.to_vec();
        blob.extend_from_slice(&buf);
        Sealed {
            key_id: k.current.clone(),
            blob,
        }
    }

    #[test]
    fn sealed_lengths_fall_in_buckets_and_open_exactly() {
        let k = Keyring::ephemeral();
        let overhead = NONCE_LEN + 16;
        // Around each edge: the text plus its 4-byte prefix just fits, or just does not.
        for (len, expect) in [
            (0, 256),
            (1, 256),
            (252, 256),
            (253, 512),
            (508, 512),
            (509, 1024),
            (60_000, 65_536),
            (65_533, 131_072),
        ] {
            // Trailing zeros and spaces are text too, and must come back.
            let mut text = "检".repeat(len / 3);
            while text.len() + 2 < len {
                text.push('x');
            }
            text.push_str(&"\0 "[..len - text.len()]);
            assert_eq!(text.len(), len);
            let s = k.seal("R-1", "body", &text);
            assert_eq!(s.blob.len() - overhead, expect, "{len} bytes");
            assert!(s.key_id.starts_with(PADDED_V1));
            assert_eq!(k.open("R-1", "body", &s.key_id, &s.blob).unwrap(), text);
        }
        assert_eq!(bucket(252), 256);
        assert_eq!(bucket(253), 512);
    }

    #[test]
    fn text_sealed_before_padding_still_opens() {
        let k = Keyring::ephemeral();
        let old = seal_unpadded(&k, "R-1", "title", "旧的标题");
        assert_eq!(old.blob.len(), NONCE_LEN + "旧的标题".len() + 16);
        assert_eq!(
            k.open("R-1", "title", &old.key_id, &old.blob).unwrap(),
            "旧的标题"
        );
        // The format is bound: old text presented as padded (or the other way round) does not open.
        let as_padded = format!("{PADDED_V1}{}", old.key_id);
        assert!(k.open("R-1", "title", &as_padded, &old.blob).is_err());
        let new = k.seal("R-1", "title", "新的标题");
        let bare = new.key_id.trim_start_matches(PADDED_V1);
        assert!(k.open("R-1", "title", bare, &new.blob).is_err());
    }

    #[test]
    fn unpadding_refuses_what_padding_never_makes() {
        assert_eq!(unpad(&pad(b"abc")), Some(&b"abc"[..]));
        assert_eq!(unpad(&[0, 0, 0]), None);
        assert_eq!(unpad(&[0, 0, 0, 9, 1, 2]), None);
        let mut p = pad(b"abc");
        *p.last_mut().unwrap() = 1;
        assert_eq!(unpad(&p), None);
    }

    #[test]
    fn file_is_created_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let a = Keyring::load_or_create(&data).unwrap();
        let b = Keyring::load_or_create(&data).unwrap();
        assert_eq!(a.receipt_mac("X"), b.receipt_mac("X"));
        assert_eq!(a.public_key(), b.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
