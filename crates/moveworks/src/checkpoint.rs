//! Where an [`EventsFollower`](crate::EventsFollower) keeps its place in the events
//! feed: the [`CheckpointStore`] interface, a file store (the default) and an
//! in-memory one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Persists the checkpoint of an [`EventsFollower`](crate::EventsFollower): the id of
/// the newest event whose handling finished.
///
/// The follower calls [`load`](Self::load) once, before its first poll, and
/// [`save`](Self::save) after each event's handler returned (and once after the first
/// catch-up). Plug in your own (a database row per user, a key in Redis) to share
/// checkpoints between machines; [`FileCheckpoint`] is the default.
///
/// The value is an opaque string: an event id, or `""`, which means "following began
/// while the feed was empty: deliver every event from its start". Store it verbatim.
/// Keep one store per user: the feed (`GET /conversations/-/events`) is per user on
/// `rest/v1`, so each user has a checkpoint of their own.
pub trait CheckpointStore: Send {
    /// The saved checkpoint, or `None` when nothing was ever saved (a fresh follower).
    fn load(&mut self) -> Result<Option<String>>;
    /// Saves `checkpoint`. When this returns `Ok`, a later [`load`](Self::load) (after a
    /// crash or restart) must return it: an event saved here is never delivered again.
    fn save(&mut self, checkpoint: &str) -> Result<()>;
}

/// A checkpoint in one small text file (the event id and a newline), written
/// atomically: a temporary file beside it is written, flushed to disk and renamed
/// over it, so a crash leaves either the old or the new checkpoint, never a torn one.
/// A missing file means a fresh follower; its directory must exist. A file that
/// cannot be read or written is an `invalid_argument` error naming `checkpoint`, with
/// the path and the system's reason.
#[derive(Debug, Clone)]
pub struct FileCheckpoint {
    path: PathBuf,
}

impl FileCheckpoint {
    /// A store at `path` (nothing is read or written until the follower starts).
    pub fn new(path: impl Into<PathBuf>) -> FileCheckpoint {
        FileCheckpoint { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, doing: &str, e: io::Error) -> Error {
        Error::invalid_argument("checkpoint", format_args!("cannot {doing} {}: {e}", self.path.display()))
    }
}

impl CheckpointStore for FileCheckpoint {
    fn load(&mut self) -> Result<Option<String>> {
        match fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text.trim().to_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_error("read", e)),
        }
    }

    fn save(&mut self, checkpoint: &str) -> Result<()> {
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // Beside the target, so the rename stays on one file system (and is atomic).
        let temp = self.path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(checkpoint.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(self.io_error("write", e));
        }
        // The rename itself is durable once the directory is synced; best effort, as some
        // platforms (Windows) cannot open a directory for that.
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(dir) = fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

/// A checkpoint kept in memory only: for tests, and for followers that may start
/// afresh on every run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryCheckpoint {
    /// The saved value (`None` until the first save).
    pub checkpoint: Option<String>,
}

impl MemoryCheckpoint {
    /// A fresh store (the follower catches up, or replays, on start).
    pub fn new() -> MemoryCheckpoint {
        MemoryCheckpoint::default()
    }

    /// A store that already holds `checkpoint` (an event id: follow from after it).
    pub fn at(checkpoint: impl Into<String>) -> MemoryCheckpoint {
        MemoryCheckpoint { checkpoint: Some(checkpoint.into()) }
    }
}

impl CheckpointStore for MemoryCheckpoint {
    fn load(&mut self) -> Result<Option<String>> {
        Ok(self.checkpoint.clone())
    }

    fn save(&mut self, checkpoint: &str) -> Result<()> {
        self.checkpoint = Some(checkpoint.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_round_trips_and_replaces_atomically() {
        let dir = std::env::temp_dir().join(format!("mw-checkpoint-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("user.checkpoint");
        let _ = fs::remove_file(&path);
        let mut store = FileCheckpoint::new(&path);
        assert_eq!(store.load().unwrap(), None);
        store.save("").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some(""));
        store.save("evt_1").unwrap();
        store.save("evt_2").unwrap();
        assert_eq!(FileCheckpoint::new(&path).load().unwrap().as_deref(), Some("evt_2"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "evt_2\n");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();

        let mut missing_dir = FileCheckpoint::new(dir.join("absent").join("c"));
        let e = missing_dir.save("evt_1").unwrap_err();
        assert_eq!(e.argument(), Some("checkpoint"));
    }
}
