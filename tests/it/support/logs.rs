//! Everything the service logs, at every level, for a test that checks what must never be logged.
//!
//! A process has one global subscriber and this binary runs every integration test, so capture is
//! on only while a `Capture` is held: the other tests neither pay for trace-level logging nor fill
//! the buffer. Tests that happen to run meanwhile add their own lines, so a search for what must
//! not appear reads more than its own test's output, never less.
use std::sync::{Arc, Mutex, OnceLock};
use tracing_subscriber::prelude::*;
use tracing_subscriber::{reload, EnvFilter, Registry};

struct Sink {
    buf: Arc<Mutex<Vec<u8>>>,
    filter: reload::Handle<EnvFilter, Registry>,
}

fn sink() -> &'static Sink {
    static SINK: OnceLock<Sink> = OnceLock::new();
    SINK.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let (filter, handle) = reload::Layer::new(EnvFilter::new("off"));
        tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    // Colour codes could split a needle and hide it from the search.
                    .with_ansi(false)
                    .with_writer(move || LogWriter(writer.clone())),
            )
            .init();
        Sink {
            buf,
            filter: handle,
        }
    })
}

/// Capturing, from `capture()` until dropped.
pub struct Capture(&'static Sink);

pub fn capture() -> Capture {
    let sink = sink();
    sink.filter.reload(EnvFilter::new("trace")).unwrap();
    Capture(sink)
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.buf.lock().unwrap()).into_owned()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.0.filter.reload(EnvFilter::new("off"));
    }
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
