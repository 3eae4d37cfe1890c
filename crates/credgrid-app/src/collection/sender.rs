//! Delivery of written collection messages: a pluggable sender. The default
//! appends each message as one line to a file (or standard error when no file
//! is named); an HTTP gateway sender lives with the other wire formats in
//! `credgrid-api` and implements the same trait.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// One message handed to a sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub locale: String,
    pub body: String,
}

/// What one delivery run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sender: String,
    pub sent: u64,
    pub failed: u64,
}

/// Delivers one message; an `Err` names why it failed (the message stays in
/// the outbox as `failed` and is tried again, up to five attempts).
pub trait MessageSender: Send + Sync {
    /// A short name for the audit trail (`file`, `http`).
    fn name(&self) -> &str;
    fn send(&self, message: &OutboxMessage) -> Result<(), String>;
}

/// The default sender: one tab-separated line per message, newlines escaped.
pub struct FileSender {
    path: Option<PathBuf>,
    lock: Mutex<()>,
}

impl FileSender {
    /// Appends to `path`, or writes to standard error when `None`.
    pub fn new(path: Option<PathBuf>) -> FileSender {
        FileSender {
            path,
            lock: Mutex::new(()),
        }
    }
}

impl MessageSender for FileSender {
    fn name(&self) -> &str {
        "file"
    }

    fn send(&self, m: &OutboxMessage) -> Result<(), String> {
        let line = format!(
            "{}\t{}\t{}\t{}\t{}\n",
            m.id,
            m.channel,
            m.recipient,
            m.locale,
            m.body
                .replace('\\', "\\\\")
                .replace('\n', "\\n")
                .replace('\t', " ")
        );
        let _guard = self.lock.lock().map_err(|_| "sender lock poisoned".to_string())?;
        match &self.path {
            Some(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| f.write_all(line.as_bytes()))
                .map_err(|e| format!("{}: {e}", path.display())),
            None => std::io::stderr()
                .write_all(line.as_bytes())
                .map_err(|e| e.to_string()),
        }
    }
}
