//! A real SMTP server for the tests: aiosmtpd (Python) in its own process, writing every message it
//! accepts to a maildir the test reads. Installed into the target directory on first use when the
//! machine's Python lacks it (`.ci/run` installs it up front).
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// PYTHONPATH that makes `import aiosmtpd` work ("" when the system has it).
fn python_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let has = |path: &str| {
            Command::new("python3")
                .args(["-c", "import aiosmtpd"])
                .env("PYTHONPATH", path)
                .status()
                .is_ok_and(|s| s.success())
        };
        if has("") {
            return String::new();
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pydeps");
        let dir = dir.to_string_lossy().into_owned();
        if !has(&dir) {
            let ok = Command::new("python3")
                .args([
                    "-m", "pip", "install", "--quiet", "--target", &dir, AIOSMTPD,
                ])
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok && has(&dir),
                "the mail tests need aiosmtpd: pip install {AIOSMTPD} (pip could not install it)"
            );
        }
        dir
    })
}

/// A port nothing listens on right now (the SMTP server may be started on it later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The decoded body.
    pub body: String,
}

impl SmtpServer {
    /// Start a server on `port` and wait until it accepts connections.
    pub fn start_on(port: u16) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .env("PYTHONPATH", python_path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            child,
            port,
            maildir,
            _dir: dir,
        }
    }

    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in the order the files sort (arrival).
    pub fn messages(&self) -> Vec<Mail> {
        let new = self.maildir.join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        // Maildir names start "<seconds>.M<microseconds>P…": arrival order, read as numbers.
        files.sort_by_key(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let number = |s: &str| s.parse::<u64>().unwrap_or(0);
            let (secs, rest) = name.split_once(".M").unwrap_or((&name, ""));
            let micros: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (number(secs), number(&micros), name.clone())
        });
        files
            .iter()
            .map(|f| parse(&std::fs::read_to_string(f).unwrap()))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The headers the tests look at and the body, decoded (lettre sends UTF-8 text as base64 or
/// quoted-printable).
fn parse(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    // Unfold continued header lines.
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
    let body = match encoding.as_str() {
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.to_string(),
    };
    Mail {
        to: header("To"),
        subject: decode_words(&header("Subject")),
        body,
    }
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// RFC 2047 encoded words (`=?utf-8?b?...?=`), as lettre writes non-ASCII subjects.
fn decode_words(s: &str) -> String {
    use base64::Engine;
    s.split_whitespace()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            match lower
                .strip_prefix("=?utf-8?b?")
                .and_then(|r| r.strip_suffix("?="))
            {
                Some(_) => {
                    let payload = &w[10..w.len() - 2];
                    String::from_utf8(
                        base64::engine::general_purpose::STANDARD
                            .decode(payload)
                            .unwrap(),
                    )
                    .unwrap()
                }
                None => format!("{w} "),
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}
