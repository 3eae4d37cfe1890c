//! The store handle: one writer thread doing group commit, and a small pool
//! of read connections beside it (WAL lets readers run while it writes).
//!
//! Group commit: callers send write jobs over a bounded channel; the writer
//! drains up to `BATCH_JOBS_MAX` of them, runs each inside its own SAVEPOINT
//! of one `BEGIN IMMEDIATE … COMMIT` and commits once. The callers whose job
//! succeeded are answered only once the write-ahead log holding the batch is
//! on disk: the writer hands their answers to the syncer thread and goes on
//! with the next batch while the syncer fsyncs the WAL (one fsync may cover
//! several batches) and then answers them, in commit order. That is the
//! guarantee of `synchronous=FULL` — an acknowledged write survives a crash
//! of the process or of the machine — without the writer waiting for the
//! disk (the writer's connection runs with `synchronous=NORMAL`, which
//! syncs the WAL before every checkpoint and never writes unsynced frames
//! into the database file). Other connections may read a committed batch a
//! moment before it is acknowledged. If the disk refuses an fsync, the
//! batches waiting for it are answered with an error and the store accepts
//! no more writes (restart it: SQLite's recovery then decides what is
//! there; a retry with the same idempotency key tells the caller).
//!
//! A job that fails rolls back its savepoint alone; a failed COMMIT answers
//! every job of the batch with an error. So an acknowledged write is
//! durable, and a refused one left nothing behind.
//!
//! A savepoint opens at the job's first write, so a job refused before
//! writing costs none; a job that declares its writes final
//! (`WriteTx::final_writes`, the repayment hot path) runs without one, and
//! if it is refused after writing all the same, its whole batch fails.
//!
//! Checkpoints (copying the WAL back into the database file) run on a
//! separate checkpointer thread with its own connection, so the writer's
//! commits never wait for them; the writer checkpoints itself only when the
//! WAL outgrows `WAL_FRAMES_MAX` (the checkpointer could not keep up). A
//! checkpoint syncs the WAL before it copies frames back and the database
//! file after: moving checkpoints changes no durability. The checkpointer's
//! connection writes through the `credgrid-vfs` shim, which sends the copied
//! pages to the disk in small groups as they are written, so its fsync never
//! floods the disk queue in front of the syncer's.

use crate::error::{Refine, StoreError};
use crate::migrate::migrate;
use rusqlite::Connection;
use std::cell::Cell;
use std::fs::File;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most jobs one commit carries.
pub const BATCH_JOBS_MAX: usize = 512;
/// The most jobs waiting for the writer; senders block beyond it (backpressure).
pub const QUEUE_JOBS_MAX: usize = 8192;
/// Read connections in the pool.
pub const READERS: usize = 4;
/// How long a statement waits for a lock held by another process.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// WAL frames (pages) beyond which the writer checkpoints itself, which
/// lets the next transaction restart the WAL from its beginning. Under a
/// steady stream of commits the checkpointer rarely catches up exactly, so
/// this bounds the WAL (about 120 MiB). Each of those checkpoints stops
/// every commit for a moment (1–2 ms, it copies what the checkpointer has
/// not yet), so the bound is set for few of them: at 10,000 repayments a
/// second, 4,096 frames meant 50 a second; 30,000 means about 10. Long
/// WALs cost readers little, as the checkpointer keeps the part they must
/// search (the frames not yet copied back) short.
pub(crate) const WAL_FRAMES_MAX: i64 = 30_000;
/// The WAL file's size kept after a restart (bytes): above the longest the
/// WAL grows under `WAL_FRAMES_MAX`, so a busy server reuses its blocks
/// instead of giving them back and allocating them again at every restart.
pub(crate) const WAL_KEPT_BYTES: i64 = 256 * 1024 * 1024;
/// The writer's page cache (KiB). Small on purpose: every COMMIT walks the
/// cache's hash table, so a 128 MiB cache cost each repayment batch more
/// than the page reads it saved (measured: writer CPU per repayment 123 µs
/// with 128 MiB, 103 µs with 16 MiB), and the end of day over a million
/// loans runs as fast with it (13.7 s against 14.1 s; it rewrites each
/// loan once, so the OS page cache serves it as well).
pub(crate) const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// Prepared statements kept per connection (every statement of the hot
/// paths, with room to spare: the store has a few hundred in all).
pub(crate) const STATEMENT_CACHE_MAX: usize = 512;
/// The most checkpoints in a row the checkpointer runs to catch up with
/// the writer before it sleeps again.
pub(crate) const CATCH_UP_ROUNDS: u32 = 8;
/// How often the checkpointer looks for committed frames to copy back while
/// there are some. Often, so that each checkpoint copies little (its pages
/// leave for the disk in small paced groups, see `credgrid-vfs`) and the
/// writer's own checkpoints find little left to copy.
pub(crate) const CHECKPOINT_EVERY: Duration = Duration::from_millis(5);
/// How often it looks once a look found nothing new (an idle store).
pub(crate) const CHECKPOINT_IDLE: Duration = Duration::from_millis(50);

/// A read-only view inside one read transaction (a consistent snapshot).
/// The typed query methods live on this type (see the table modules).
pub struct ReadTx<'c> {
    pub(crate) conn: &'c Connection,
}

/// A write job's view: every query of `ReadTx` (it sees the job's own
/// writes) plus the typed write methods.
pub struct WriteTx<'c> {
    read: ReadTx<'c>,
    guard: Cell<Guard>,
}

/// How a job's writes are kept apart from the other jobs of its batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guard {
    /// Alone in its batch: a refusal rolls the whole transaction back.
    Solo,
    /// Nothing written yet: the job's savepoint opens before its first write.
    Pending,
    /// The job's savepoint is open.
    Open,
    /// The job declared its remaining work final before writing
    /// (`WriteTx::final_writes`): no savepoint.
    Waived,
    /// The savepoint could not be opened: the batch cannot be trusted.
    Failed,
}

impl<'c> Deref for WriteTx<'c> {
    type Target = ReadTx<'c>;
    fn deref(&self) -> &ReadTx<'c> {
        &self.read
    }
}

impl<'c> WriteTx<'c> {
    fn new(conn: &'c Connection, guard: Guard) -> WriteTx<'c> {
        WriteTx {
            read: ReadTx { conn },
            guard: Cell::new(guard),
        }
    }

    /// The connection for a write: every write method of the store goes
    /// through here, so the job's savepoint opens just before its first write.
    pub(crate) fn conn(&self) -> &Connection {
        if self.guard.get() == Guard::Pending {
            let opened = exec_cached(self.read.conn, "SAVEPOINT job");
            self.guard.set(if opened.is_ok() {
                Guard::Open
            } else {
                Guard::Failed
            });
        }
        self.read.conn
    }

    /// Declares, before the job's first write, that it has checked all it
    /// needed: what follows are writes (and reads) that only fail if the
    /// database does (I/O error, full disk, a bug). The job then runs
    /// without a savepoint of its own, which spares a copy of every page it
    /// changes. Should it return an error (or panic) after writing anyway,
    /// its whole batch is rolled back and every job of it answered with an
    /// error: nothing half-done is ever committed. No effect once the job
    /// has written (its savepoint is then already open).
    pub fn final_writes(&mut self) {
        if self.guard.get() == Guard::Pending {
            self.guard.set(Guard::Waived);
        }
    }
}

/// What a job reports to the writer after running: whether to keep its
/// savepoint, and how to answer its caller once the batch's fate is known.
struct Ran {
    ok: bool,
    answer: Box<dyn FnOnce(Option<StoreError>) + Send>,
}

/// A type-erased write job. Called with `Err` when it will not run (the
/// writer is gone or the batch could not start): it answers its caller.
type Job = Box<dyn FnOnce(Result<&mut WriteTx<'_>, StoreError>) -> Option<Ran> + Send>;

thread_local! {
    static ON_WRITER: Cell<bool> = const { Cell::new(false) };
    static ON_SYNCER: Cell<bool> = const { Cell::new(false) };
}

/// An open store. Cheap to clone; all clones share the writer and the pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    stats: Arc<Counters>,
    sender: Option<SyncSender<Job>>,
    writer: Option<JoinHandle<()>>,
    syncer: Option<JoinHandle<()>>,
    readers: ReaderPool,
    checkpoints: Arc<Checkpoints>,
    checkpointer: Option<JoinHandle<()>>,
}

/// What the writer and the checkpointer share.
#[derive(Default)]
struct Checkpoints {
    /// Frames in the WAL as last seen by a checkpoint.
    wal_frames: AtomicI64,
    /// The most frames a checkpoint has seen in the WAL.
    wal_frames_longest: AtomicI64,
    /// Set when the store closes: the checkpointer stops.
    closing: Mutex<bool>,
    wake: Condvar,
}

/// What the writer has done since the store was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Batches that committed (one fsync each).
    pub commits: u64,
    /// Jobs that committed.
    pub jobs_committed: u64,
    /// Jobs that returned an error or panicked (rolled back alone).
    pub jobs_refused: u64,
    /// Batches whose COMMIT (or transaction) failed.
    pub batches_failed: u64,
    /// fsyncs of the write-ahead log by the syncer (each covers one or more batches).
    pub syncs: u64,
    /// The slowest of those fsyncs (µs): every answer of its batches waited for it.
    pub sync_slowest_micros: u64,
    /// Those fsyncs that took longer than `SLOW_SYNC`.
    pub syncs_slow: u64,
    /// Checkpoints the writer ran itself because the WAL outgrew
    /// `WAL_FRAMES_MAX` (no commit runs meanwhile) …
    pub writer_checkpoints: u64,
    /// … and the time they took (µs).
    pub writer_checkpoint_micros: u64,
    /// The longest the WAL has been (frames, as seen by a checkpoint).
    pub wal_frames_longest: i64,
}

/// An fsync of the WAL slower than this is counted in `WriterStats::syncs_slow`.
pub(crate) const SLOW_SYNC: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    jobs_committed: AtomicU64,
    jobs_refused: AtomicU64,
    batches_failed: AtomicU64,
    syncs: AtomicU64,
    sync_slowest_micros: AtomicU64,
    syncs_slow: AtomicU64,
    writer_checkpoints: AtomicU64,
    writer_checkpoint_micros: AtomicU64,
    /// Set when the disk refused an fsync: no write is accepted any more.
    sync_failed: AtomicBool,
}

/// How a committed job is told the outcome once its batch is on disk.
type Answer = Box<dyn FnOnce(Option<StoreError>) + Send>;

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel ends the writer loop after its last batch.
        drop(self.sender.take());
        // A job holding the last clone drops it on the writer thread itself,
        // which cannot wait for its own end.
        if let Some(handle) = self.writer.take()
            && !ON_WRITER.with(Cell::get)
        {
            let _ = handle.join();
        }
        // The writer's end closes the syncer's channel: it answers the last
        // batches, then ends. Not awaited from the syncer itself (an answer
        // held the last clone) nor from the writer (a job did: the writer
        // has not ended yet, so neither can the syncer).
        if let Some(handle) = self.syncer.take()
            && !ON_SYNCER.with(Cell::get)
            && !ON_WRITER.with(Cell::get)
        {
            let _ = handle.join();
        }
        *self.checkpoints.closing.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.checkpoints.wake.notify_all();
        if let Some(handle) = self.checkpointer.take() {
            let _ = handle.join();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish()
    }
}

fn configure(conn: &Connection, cache_kib: i64) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).refine()?;
    // rusqlite keeps 16 prepared statements by default; a repayment alone
    // uses more, and a miss re-parses the SQL (a third of the writer's time).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_MAX);
    conn.pragma_update(None, "synchronous", "FULL").refine()?;
    conn.pragma_update(None, "foreign_keys", "ON").refine()?;
    conn.pragma_update(None, "temp_store", "MEMORY").refine()?;
    conn.pragma_update(None, "cache_size", -cache_kib).refine()?;
    Ok(())
}

impl Store {
    /// Opens the database at `path`, creating the file if absent, applying
    /// any missing migrations and seeding the default chart of accounts.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path).refine()?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .refine()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::InvalidData {
                table: "pragma",
                column: "journal_mode",
                reason: mode,
            });
        }
        configure(&conn, WRITER_CACHE_KIB)?;
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)
            .refine()?;
        migrate(&mut conn)?;
        // The checkpointer copies the WAL back; the writer only when it grew too long.
        conn.pragma_update(None, "wal_autocheckpoint", 0).refine()?;
        // The syncer, not the commit, makes each batch durable (see the module doc).
        conn.pragma_update(None, "synchronous", "NORMAL").refine()?;
        let readers = ReaderPool::open(&path, READERS)?;
        let checkpoints = Arc::new(Checkpoints::default());
        let checkpointer = start_checkpointer(&path, Arc::clone(&checkpoints))?;
        let (sender, receiver) = mpsc::sync_channel::<Job>(QUEUE_JOBS_MAX);
        let stats = Arc::new(Counters::default());
        let (to_syncer, committed) = mpsc::channel::<Vec<Answer>>();
        let syncer_counters = Arc::clone(&stats);
        let database = path.clone();
        let syncer = std::thread::Builder::new()
            .name("credgrid-syncer".into())
            .spawn(move || syncer_loop(&database, committed, &syncer_counters))
            .map_err(|e| StoreError::CommitFailed {
                reason: format!("cannot start the syncer: {e}"),
            })?;
        let counters = Arc::clone(&stats);
        let shared = Arc::clone(&checkpoints);
        let writer = std::thread::Builder::new()
            .name("credgrid-writer".into())
            .spawn(move || writer_loop(conn, receiver, &counters, &shared, &to_syncer))
            .map_err(|e| StoreError::CommitFailed {
                reason: format!("cannot start the writer: {e}"),
            })?;
        let inner = Inner {
            path,
            stats,
            sender: Some(sender),
            writer: Some(writer),
            syncer: Some(syncer),
            readers,
            checkpoints,
            checkpointer: Some(checkpointer),
        };
        Ok(Store {
            inner: Arc::new(inner),
        })
    }

    /// Counters of the writer (for benchmarks and tests).
    pub fn writer_stats(&self) -> WriterStats {
        let c = &self.inner.stats;
        WriterStats {
            commits: c.commits.load(Ordering::Relaxed),
            jobs_committed: c.jobs_committed.load(Ordering::Relaxed),
            jobs_refused: c.jobs_refused.load(Ordering::Relaxed),
            batches_failed: c.batches_failed.load(Ordering::Relaxed),
            syncs: c.syncs.load(Ordering::Relaxed),
            sync_slowest_micros: c.sync_slowest_micros.load(Ordering::Relaxed),
            syncs_slow: c.syncs_slow.load(Ordering::Relaxed),
            writer_checkpoints: c.writer_checkpoints.load(Ordering::Relaxed),
            writer_checkpoint_micros: c.writer_checkpoint_micros.load(Ordering::Relaxed),
            wal_frames_longest: self.inner.checkpoints.wal_frames_longest.load(Ordering::Relaxed),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `job` in the writer's current batch and blocks until the batch
    /// committed and is on disk. `Ok` means durable. An `Err` from the job rolls back the
    /// job's own writes only. Never call `write` from inside a job.
    pub fn write<T, E, F>(&self, job: F) -> Result<T, E>
    where
        F: FnOnce(&mut WriteTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        // From a job, or from an answer (which the syncer runs), the write
        // would wait for the thread that is running it.
        if ON_WRITER.with(Cell::get) || ON_SYNCER.with(Cell::get) {
            return Err(E::from(StoreError::NestedWrite));
        }
        let (tx, rx) = mpsc::sync_channel(1);
        self.write_then(job, move |result| {
            let _ = tx.send(result);
        });
        rx.recv().unwrap_or_else(|_| Err(E::from(StoreError::JobAborted)))
    }

    /// Like `write`, without blocking: `done` is called with the result once
    /// the batch committed and is on disk (on the syncer thread; a refusal,
    /// on the writer thread at once). Keep it short: send the result over a
    /// channel, e.g. a tokio oneshot. If the job panics, `done` is dropped
    /// without being called.
    pub fn write_then<T, E, F, D>(&self, job: F, done: D)
    where
        F: FnOnce(&mut WriteTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        D: FnOnce(Result<T, E>) + Send + 'static,
    {
        let job: Job = Box::new(move |tx| {
            let tx = match tx {
                Ok(tx) => tx,
                Err(error) => {
                    done(Err(E::from(error)));
                    return None;
                }
            };
            let result = job(tx);
            let ok = result.is_ok();
            let answer = Box::new(
                move |commit_error: Option<StoreError>| match (result, commit_error) {
                    (Ok(_), Some(error)) => done(Err(E::from(error))),
                    (result, _) => done(result),
                },
            );
            Some(Ran { ok, answer })
        });
        let Some(sender) = &self.inner.sender else {
            let _ = job(Err(StoreError::WriterGone));
            return;
        };
        match sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(job)) => {
                if let Err(mpsc::SendError(job)) = sender.send(job) {
                    let _ = job(Err(StoreError::WriterGone));
                }
            }
            Err(TrySendError::Disconnected(job)) => {
                let _ = job(Err(StoreError::WriterGone));
            }
        }
    }

    /// Runs `query` on a pooled read connection inside one read transaction
    /// (a consistent snapshot of committed data).
    pub fn read<T, E, F>(&self, query: F) -> Result<T, E>
    where
        F: FnOnce(&ReadTx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        Self::read_on(self.inner.readers.take(), query)
    }

    /// `read` if a read connection is free now, else `Err(query)` at once
    /// (for a thread that must not wait, such as an async worker).
    pub fn try_read<T, E, F>(&self, query: F) -> Result<Result<T, E>, F>
    where
        F: FnOnce(&ReadTx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        match self.inner.readers.try_take() {
            Some(lease) => Ok(Self::read_on(lease, query)),
            None => Err(query),
        }
    }

    fn read_on<T, E, F>(lease: Lease<'_>, query: F) -> Result<T, E>
    where
        F: FnOnce(&ReadTx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        let conn = lease.conn();
        // Cached: `execute_batch` would parse the statement on every read.
        conn.prepare_cached("BEGIN")
            .and_then(|mut begin| begin.execute([]))
            .refine()
            .map_err(E::from)?;
        let result = query(&ReadTx { conn });
        // A read transaction changed nothing; ending it cannot lose data.
        let _ = exec_cached(conn, "COMMIT");
        result
    }
}

fn writer_loop(
    conn: Connection,
    receiver: Receiver<Job>,
    counters: &Counters,
    checkpoints: &Checkpoints,
    syncer: &Sender<Vec<Answer>>,
) {
    ON_WRITER.with(|w| w.set(true));
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH_JOBS_MAX);
    while let Ok(first) = receiver.recv() {
        batch.push(first);
        while batch.len() < BATCH_JOBS_MAX {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if counters.sync_failed.load(Ordering::Acquire) {
            for job in batch.drain(..) {
                let _ = job(Err(StoreError::CommitFailed {
                    reason: SYNC_FAILED.into(),
                }));
            }
            continue;
        }
        run_batch(&conn, &mut batch, counters, syncer);
        assert!(batch.is_empty(), "every job of a batch is answered");
        assert!(conn.is_autocommit(), "no transaction outlives its batch");
        if checkpoints.wal_frames.load(Ordering::Relaxed) > WAL_FRAMES_MAX {
            // Nothing commits meanwhile, so this copies every frame and the
            // next batch starts the WAL over (unless a reader still uses it).
            let started = std::time::Instant::now();
            let frames = match checkpoint(&conn) {
                Ok((log, done)) => {
                    checkpoints.wal_frames_longest.fetch_max(log, Ordering::Relaxed);
                    log - done
                }
                Err(_) => 0,
            };
            checkpoints.wal_frames.store(frames, Ordering::Relaxed);
            counters.writer_checkpoints.fetch_add(1, Ordering::Relaxed);
            counters
                .writer_checkpoint_micros
                .fetch_add(micros(started.elapsed()), Ordering::Relaxed);
        }
    }
}

/// Why writes are refused after the disk refused an fsync.
const SYNC_FAILED: &str = "the disk did not confirm an earlier write; the store accepts no more \
    writes until it is restarted";

/// Answers committed batches once the write-ahead log holding them is on
/// disk: one fsync for every batch that committed since the last one, then
/// their answers in commit order. Ends when the writer has ended and every
/// batch is answered.
fn syncer_loop(database: &Path, committed: Receiver<Vec<Answer>>, counters: &Counters) {
    ON_SYNCER.with(|s| s.set(true));
    let mut wal = WalFile::new(database);
    while let Ok(first) = committed.recv() {
        let mut answers = first;
        while let Ok(more) = committed.try_recv() {
            answers.extend(more);
        }
        let synced = if counters.sync_failed.load(Ordering::Acquire) {
            Err(SYNC_FAILED.to_string())
        } else {
            let started = std::time::Instant::now();
            let synced = wal.sync();
            let took = started.elapsed();
            counters
                .sync_slowest_micros
                .fetch_max(micros(took), Ordering::Relaxed);
            if took > SLOW_SYNC {
                counters.syncs_slow.fetch_add(1, Ordering::Relaxed);
            }
            synced
        };
        match synced {
            Ok(()) => {
                counters.syncs.fetch_add(1, Ordering::Relaxed);
                for answer in answers {
                    answer(None);
                }
            }
            Err(reason) => {
                counters.sync_failed.store(true, Ordering::Release);
                for answer in answers {
                    answer(Some(StoreError::CommitFailed {
                        reason: reason.clone(),
                    }));
                }
            }
        }
    }
}

/// The database's write-ahead log, opened by the syncer for its fsyncs
/// (any descriptor of a file syncs what every writer wrote to it).
struct WalFile {
    database: PathBuf,
    path: PathBuf,
    file: Option<File>,
}

impl WalFile {
    fn new(database: &Path) -> WalFile {
        let mut path = database.as_os_str().to_owned();
        path.push("-wal");
        WalFile {
            database: database.to_path_buf(),
            path: PathBuf::from(path),
            file: None,
        }
    }

    /// Makes everything written to the WAL so far durable. Reopens the file
    /// if it was replaced since (another inode at the path); without a WAL
    /// at all, the committed pages are in the database file, which is synced.
    fn sync(&mut self) -> Result<(), String> {
        use std::os::unix::fs::MetadataExt;
        let current = std::fs::metadata(&self.path).ok().map(|m| (m.dev(), m.ino()));
        let open = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map(|m| (m.dev(), m.ino()));
        if current.is_none() {
            self.file = None;
            return File::open(&self.database)
                .and_then(|f| f.sync_all())
                .map_err(|e| format!("cannot sync {}: {e}", self.database.display()));
        }
        if open != current {
            self.file = Some(
                File::open(&self.path).map_err(|e| format!("cannot open {}: {e}", self.path.display()))?,
            );
        }
        match &self.file {
            Some(file) => file
                .sync_data()
                .map_err(|e| format!("cannot sync {}: {e}", self.path.display())),
            None => Err(format!("cannot open {}", self.path.display())),
        }
    }
}

/// A duration in whole microseconds (saturating).
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A passive checkpoint: `(frames in the WAL, frames copied back)`.
fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

/// Copies committed frames back, checkpointing again until a round finds
/// nothing committed since the previous one (at most `CATCH_UP_ROUNDS`
/// rounds). Each round copies what the writer committed during the previous
/// one, so the rounds shorten until one ends between two commits with
/// nothing left: the writer's next transaction then starts the WAL over,
/// and the writer does not have to checkpoint itself (which stops every
/// commit while it copies). Returns the WAL's state after the last round,
/// `(frames in the WAL, frames copied back)`, if a round ran.
fn catch_up(conn: &Connection, shared: &Checkpoints) -> Option<(i64, i64)> {
    let mut seen = None;
    for _ in 0..CATCH_UP_ROUNDS {
        // A failed checkpoint loses nothing: the frames stay in the WAL for the next one.
        let Ok((log, done)) = checkpoint(conn) else {
            return seen;
        };
        shared.wal_frames.store(log, Ordering::Relaxed);
        shared.wal_frames_longest.fetch_max(log, Ordering::Relaxed);
        // Caught up: nothing committed since the previous round.
        let caught_up = done >= log && seen.is_some_and(|(before, _)| before == log);
        seen = Some((log, done));
        if caught_up {
            break;
        }
    }
    seen
}

/// Starts the thread that copies committed WAL frames back into the
/// database file every `CHECKPOINT_EVERY` (every `CHECKPOINT_IDLE` while
/// nothing is committed), on its own connection. That
/// connection writes the database file through the `credgrid-vfs` shim,
/// which paces the copy so that it never floods the disk queue in front of
/// the syncer's WAL fsyncs (see that crate); where the shim cannot be
/// registered, it opens the file as every other connection does.
fn start_checkpointer(path: &Path, shared: Arc<Checkpoints>) -> Result<JoinHandle<()>, StoreError> {
    let conn = match credgrid_vfs::register() {
        Ok(vfs) => Connection::open_with_flags_and_vfs(path, rusqlite::OpenFlags::default(), vfs),
        Err(_) => Connection::open(path),
    }
    .refine()?;
    configure(&conn, 2 * 1024)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0).refine()?;
    std::thread::Builder::new()
        .name("credgrid-checkpoint".into())
        .spawn(move || {
            let mut closing = shared.closing.lock().unwrap_or_else(|p| p.into_inner());
            let mut last = None;
            let mut pause = CHECKPOINT_IDLE;
            while !*closing {
                closing = match shared.wake.wait_timeout(closing, pause) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
                if *closing {
                    break;
                }
                drop(closing);
                let now = catch_up(&conn, &shared);
                // Idle: the WAL is as the previous look left it, every frame copied back.
                let idle = now.is_some_and(|(log, done)| done >= log) && now == last;
                pause = if idle { CHECKPOINT_IDLE } else { CHECKPOINT_EVERY };
                last = now;
                closing = shared.closing.lock().unwrap_or_else(|p| p.into_inner());
            }
        })
        .map_err(|e| StoreError::CommitFailed {
            reason: format!("cannot start the checkpointer: {e}"),
        })
}

fn run_batch(conn: &Connection, batch: &mut Vec<Job>, counters: &Counters, syncer: &Sender<Vec<Answer>>) {
    if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
        counters.batches_failed.fetch_add(1, Ordering::Relaxed);
        let reason = error.to_string();
        for job in batch.drain(..) {
            let _ = job(Err(StoreError::CommitFailed {
                reason: reason.clone(),
            }));
        }
        return;
    }
    let mut answers: Vec<Answer> = Vec::with_capacity(batch.len());
    let mut broken: Option<String> = None;
    // A job alone in its batch needs no savepoint: if it is refused, the
    // whole transaction is rolled back instead. This spares the big
    // end-of-day chunks a second copy of every page they change.
    let solo = batch.len() == 1;
    let mut discard = false;
    for job in batch.drain(..) {
        if let Some(reason) = &broken {
            let _ = job(Err(StoreError::CommitFailed {
                reason: reason.clone(),
            }));
            continue;
        }
        let (ran, status) = run_job(conn, job, solo);
        if let Err(reason) = status {
            // Answered with the batch's failure below, whatever the job said.
            answers.extend(ran.map(|r| r.answer));
            broken = Some(reason);
            continue;
        }
        match ran {
            Some(ran) if ran.ok => answers.push(ran.answer),
            // A refused job is answered now: nothing of it will be written.
            Some(ran) => {
                counters.jobs_refused.fetch_add(1, Ordering::Relaxed);
                discard = solo;
                (ran.answer)(None);
            }
            None => {
                counters.jobs_refused.fetch_add(1, Ordering::Relaxed);
                discard = solo;
            }
        }
    }
    if discard {
        // The only job was refused (already answered): nothing of it stays.
        let _ = conn.execute_batch("ROLLBACK");
        return;
    }
    let outcome = match broken {
        Some(reason) => Err(reason),
        None => conn.execute_batch("COMMIT").map_err(|e| e.to_string()),
    };
    if let Err(reason) = outcome {
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        counters.batches_failed.fetch_add(1, Ordering::Relaxed);
        for answer in answers {
            answer(Some(StoreError::CommitFailed {
                reason: reason.clone(),
            }));
        }
        return;
    }
    counters.commits.fetch_add(1, Ordering::Relaxed);
    counters
        .jobs_committed
        .fetch_add(answers.len() as u64, Ordering::Relaxed);
    // Answered by the syncer once the batch is on disk.
    if let Err(mpsc::SendError(answers)) = syncer.send(answers) {
        for answer in answers {
            answer(Some(StoreError::CommitFailed {
                reason: "the syncer has stopped".into(),
            }));
        }
    }
}

/// Runs one job of a batch. Alone in its batch it runs directly in the
/// batch's transaction (the caller rolls the transaction back if the job is
/// refused); otherwise inside its own savepoint, opened at its first write
/// (see `WriteTx::conn`), unless it declared its writes final. The status
/// is `Err` when the batch's transaction can no longer be trusted (SQLite
/// rolled it back, a savepoint could not be managed, or a job without a
/// savepoint was refused after writing): then the whole batch must fail.
fn run_job(conn: &Connection, job: Job, solo: bool) -> (Option<Ran>, Result<(), String>) {
    let mut tx = WriteTx::new(conn, if solo { Guard::Solo } else { Guard::Pending });
    let changes = conn.total_changes();
    // A panicking job drops its answer: its caller sees `JobAborted`.
    let ran = catch_unwind(AssertUnwindSafe(|| job(Ok(&mut tx)))).unwrap_or(None);
    if conn.is_autocommit() {
        return (ran, Err("the transaction was rolled back by the database".into()));
    }
    let keep = ran.as_ref().is_some_and(|r| r.ok);
    let status = match tx.guard.get() {
        Guard::Solo => Ok(()),
        Guard::Open if keep => exec_cached(conn, "RELEASE job"),
        Guard::Open => exec_cached(conn, "ROLLBACK TO job").and_then(|()| exec_cached(conn, "RELEASE job")),
        Guard::Failed => Err("a job's savepoint could not be opened".into()),
        // Without a savepoint, a refused job must not have written anything.
        Guard::Pending | Guard::Waived if !keep && conn.total_changes() != changes => {
            Err("a job was refused after its final writes".into())
        }
        Guard::Pending | Guard::Waived => Ok(()),
    };
    (ran, status)
}

/// Runs a statement without parameters through the statement cache (the
/// savepoint statements run twice per job: parsing them each time shows).
fn exec_cached(conn: &Connection, sql: &str) -> Result<(), String> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| e.to_string())?;
    stmt.execute([]).map(|_| ()).map_err(|e| e.to_string())
}

/// A fixed pool of read-only connections.
struct ReaderPool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

impl ReaderPool {
    fn open(path: &Path, count: usize) -> Result<ReaderPool, StoreError> {
        let mut idle = Vec::with_capacity(count);
        for _ in 0..count {
            let conn = Connection::open(path).refine()?;
            configure(&conn, 16 * 1024)?;
            conn.pragma_update(None, "query_only", "ON").refine()?;
            // No file mapping (`mmap_size`): in WAL mode a read transaction
            // that finds the WAL changed unmaps the whole mapping, so under a
            // stream of commits every read paid for an munmap and page
            // faults — 10 % more CPU on the HTTP workers than reading with
            // `pread` (docs/benchmarks.md, session 6).
            idle.push(conn);
        }
        Ok(ReaderPool {
            idle: Mutex::new(idle),
            returned: Condvar::new(),
        })
    }

    /// An idle connection, if there is one now.
    fn try_take(&self) -> Option<Lease<'_>> {
        let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()?;
        Some(Lease {
            pool: self,
            conn: Some(conn),
        })
    }

    fn take(&self) -> Lease<'_> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = idle.pop() {
                return Lease {
                    pool: self,
                    conn: Some(conn),
                };
            }
            idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A borrowed read connection, given back on drop (also when a query panics).
struct Lease<'p> {
    pool: &'p ReaderPool,
    conn: Option<Connection>,
}

impl Lease<'_> {
    fn conn(&self) -> &Connection {
        // Present from creation until drop.
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("a lease holds its connection until dropped"))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            self.pool
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            self.pool.returned.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R<T> = Result<T, StoreError>;

    /// A database file removed with its `-wal` and `-shm` files on creation
    /// and on drop (declared before the store, so the store closes first).
    struct TempDb(PathBuf);

    impl TempDb {
        fn new(path: PathBuf) -> TempDb {
            let db = TempDb(path);
            db.remove();
            db
        }

        fn remove(&self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            self.remove();
        }
    }

    /// `try_read` never waits: with every read connection leased it hands
    /// the query back unrun; with one free it runs it.
    #[test]
    fn try_read_runs_on_a_free_reader_and_never_waits_for_one() {
        let db = TempDb::new(
            std::env::temp_dir().join(format!("credgrid-store-try-read-{}.db", std::process::id())),
        );
        let store = Store::open(&db.0).unwrap();
        let one = |r: &ReadTx<'_>| -> R<i64> { r.conn.query_row("SELECT 1", [], |row| row.get(0)).refine() };
        assert_eq!(store.try_read(one).ok().map(Result::unwrap), Some(1));
        // Hold every reader but one, then the last: only then is try_read refused.
        fn hold(store: &Store, left: usize, at_last: &dyn Fn(&Store)) {
            if left == 0 {
                return at_last(store);
            }
            store
                .read(|_| -> R<()> {
                    hold(store, left - 1, at_last);
                    Ok(())
                })
                .unwrap();
        }
        hold(&store, READERS - 1, &|store| {
            assert!(store.try_read(one).is_ok(), "one reader is free")
        });
        hold(&store, READERS, &|store| {
            assert!(store.try_read(one).is_err(), "no reader is free")
        });
    }

    /// If the batch's transaction is lost mid-batch (here a job ends it
    /// behind the writer's back, as an I/O error would), no job of the batch
    /// is acknowledged — not even the ones that ran fine before it.
    #[test]
    fn a_lost_batch_answers_every_job_with_an_error() {
        let db = TempDb::new(
            std::env::temp_dir().join(format!("credgrid-store-lost-batch-{}.db", std::process::id())),
        );
        let store = Store::open(&db.0).unwrap();
        let (release, wait) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel::<()>();
        store.write_then(
            move |_tx: &mut WriteTx<'_>| -> R<()> {
                started.send(()).ok();
                wait.recv().ok();
                Ok(())
            },
            |_: R<()>| {},
        );
        running.recv().unwrap();
        let (answers, results) = mpsc::channel::<(u8, R<()>)>();
        for n in 0..3_u8 {
            let answers = answers.clone();
            store.write_then(
                move |tx: &mut WriteTx<'_>| -> R<()> {
                    tx.insert_org_node(None, "institution", &format!("N{n}"), "node")?;
                    if n == 1 {
                        tx.conn().execute_batch("ROLLBACK")?;
                    }
                    Ok(())
                },
                move |r| answers.send((n, r)).unwrap(),
            );
        }
        drop(answers);
        release.send(()).unwrap();
        let got: Vec<(u8, R<()>)> = results.iter().collect();
        assert_eq!(got.len(), 3);
        assert!(
            got.iter()
                .all(|(_, r)| matches!(r, Err(StoreError::CommitFailed { .. }))),
            "{got:?}"
        );
        assert_eq!(store.read(|r| r.org_nodes()).unwrap(), []);
        assert_eq!(store.writer_stats().batches_failed, 1);
        // The writer carries on with the next batch.
        store
            .write(|tx: &mut WriteTx<'_>| tx.insert_org_node(None, "institution", "N9", "node"))
            .unwrap();
        assert_eq!(store.read(|r| r.org_nodes()).unwrap().len(), 1);
    }
}
