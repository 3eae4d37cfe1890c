//! What the CLI test files share: scratch files that remove themselves.

use std::path::{Path, PathBuf};

/// A database file in its own scratch directory: derefs to the file's
/// path; the directory is removed when the test ends (pass or fail).
pub(crate) struct ScratchDb(pub(crate) PathBuf);

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl std::ops::Deref for ScratchDb {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}
