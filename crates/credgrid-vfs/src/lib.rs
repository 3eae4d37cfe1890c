//! A SQLite VFS shim that paces a checkpoint's writes into the database file.
//!
//! Why: a checkpoint copies committed pages from the write-ahead log back
//! into the database file — under a stream of repayments, a thousand or more
//! scattered 4 KiB pages — and then fsyncs the file. Written through the OS
//! cache, those pages reach the disk all at once when that fsync starts
//! writeback, and the disk queue fills with them. The store acknowledges a
//! repayment only after its own fsync of the WAL (the syncer thread), and
//! that fsync waits behind the whole burst: measured on the 2-core VM, a WAL
//! fdatasync next to such checkpoints took p99 7 ms instead of 1 ms (fio,
//! docs/benchmarks.md), and it set the p99 of the HTTP repayment.
//!
//! What: the VFS named [`VFS_NAME`] wraps the platform's default VFS. Files
//! other than a main database file are the default VFS's own, untouched.
//! A main database file is wrapped: every call goes to the default VFS's
//! file, and the pages it writes are grouped, [`PACE_PAGES`] to a group.
//! Once a group is full the shim asks the kernel to start writing it out
//! (`sync_file_range(SYNC_FILE_RANGE_WRITE)`) and then waits until the
//! previous group is written (`SYNC_FILE_RANGE_WAIT_BEFORE`), so at most two
//! groups are in the disk queue while SQLite goes on copying. `xSync`
//! first starts the last group and waits for both, then calls the default
//! VFS's `xSync` unchanged (which now finds little left to write).
//!
//! Durability does not depend on the shim: it changes neither what SQLite
//! writes nor when SQLite syncs; it only starts the writeback of pages
//! SQLite already wrote, earlier and in small steps. `sync_file_range` makes
//! nothing durable by itself and its errors are ignored here — the fsync
//! that follows reports any write error, as before. If the shim cannot find
//! the file's descriptor (see `descriptor`), or off Linux (no
//! `sync_file_range`), it forwards every call and paces nothing.
//!
//! Only the store's checkpointer connection opens files through this VFS:
//! it is the one connection that writes the database file under load.

use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The name under which the shim is registered (not as the default VFS).
pub const VFS_NAME: &str = "credgrid-paced";
const VFS_NAME_C: &CStr = c"credgrid-paced";

/// Pages in a group: the shim starts a group's writeback once it has this
/// many, and waits for the previous group's, so at most two groups of a
/// checkpoint's pages are in the disk queue. Measured on the 2-core VM
/// (HTTP repayments, docs/benchmarks.md): 16 in a group without overlap
/// could not keep up with the writer (the WAL grew without bound); 32 and
/// 64 in overlapping groups keep up, 64 with the lower p99.
pub const PACE_PAGES: u32 = 64;

/// Paced writebacks since the process started (for tests and diagnostics).
static PACED_WRITEBACKS: AtomicU64 = AtomicU64::new(0);

/// How many times the shim has written pages out and waited for them.
pub fn paced_writebacks() -> u64 {
    PACED_WRITEBACKS.load(Ordering::Relaxed)
}

/// Registers the shim (once per process) and returns its name, to pass to
/// `rusqlite::Connection::open_with_flags_and_vfs`.
pub fn register() -> Result<&'static str, String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED.get_or_init(register_once).clone().map(|()| VFS_NAME)
}

fn register_once() -> Result<(), String> {
    // SAFETY: sqlite3_initialize may be called any number of times from any
    // thread; sqlite3_vfs_find(NULL) returns the default VFS, which SQLite
    // never frees.
    let inner = unsafe {
        let rc = ffi::sqlite3_initialize();
        if rc != ffi::SQLITE_OK {
            return Err(format!("SQLite could not initialise (code {rc})"));
        }
        ffi::sqlite3_vfs_find(std::ptr::null())
    };
    if inner.is_null() {
        return Err("SQLite has no default VFS".into());
    }
    // SAFETY: `inner` is the live default VFS (checked non-null above).
    let inner_size = unsafe { (*inner).szOsFile };
    let size = INNER_OFFSET + usize::try_from(inner_size).map_err(|_| "negative szOsFile")?;
    let vfs = ffi::sqlite3_vfs {
        iVersion: 2,
        szOsFile: c_int::try_from(size).map_err(|_| "szOsFile too large")?,
        // SAFETY: as above.
        mxPathname: unsafe { (*inner).mxPathname },
        pNext: std::ptr::null_mut(),
        zName: VFS_NAME_C.as_ptr(),
        pAppData: inner.cast(),
        xOpen: Some(x_open),
        xDelete: Some(x_delete),
        xAccess: Some(x_access),
        xFullPathname: Some(x_full_pathname),
        xDlOpen: Some(x_dl_open),
        xDlError: Some(x_dl_error),
        xDlSym: Some(x_dl_sym),
        xDlClose: Some(x_dl_close),
        xRandomness: Some(x_randomness),
        xSleep: Some(x_sleep),
        xCurrentTime: Some(x_current_time),
        xGetLastError: Some(x_get_last_error),
        xCurrentTimeInt64: Some(x_current_time_int64),
        xSetSystemCall: None,
        xGetSystemCall: None,
        xNextSystemCall: None,
    };
    // SQLite keeps the pointer for the life of the process: leak it.
    let vfs: &'static mut ffi::sqlite3_vfs = Box::leak(Box::new(vfs));
    // SAFETY: `vfs` is fully initialised, lives forever and is registered
    // once (OnceLock); 0 = not the default VFS.
    let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 0) };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(format!(
            "SQLite refused to register the {VFS_NAME} VFS (code {rc})"
        ))
    }
}

/// A wrapped main database file. SQLite allocates `szOsFile` bytes for it;
/// the default VFS's own file follows this header at `INNER_OFFSET`.
#[repr(C)]
struct PacedFile {
    base: ffi::sqlite3_file,
    /// The descriptor the default VFS reads and writes, or -1: pace nothing.
    fd: c_int,
    /// Page writes since the last paced writeback.
    pending_pages: u32,
    /// The byte range those writes cover.
    pending_from: i64,
    pending_to: i64,
    /// The range of the previous group, being written out.
    writing_from: i64,
    writing_to: i64,
}

/// Where the default VFS's file starts inside ours (16-byte aligned).
const INNER_OFFSET: usize = std::mem::size_of::<PacedFile>().next_multiple_of(16);

/// The default VFS this shim wraps.
///
/// # Safety
/// `vfs` is the shim's registered VFS.
unsafe fn inner_vfs(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: the caller passes the shim's VFS, whose pAppData is the default VFS.
    unsafe { (*vfs).pAppData.cast() }
}

/// The default VFS's file inside a wrapped one.
///
/// # Safety
/// `file` points at a `PacedFile` allocation of the shim's `szOsFile`.
unsafe fn inner_file(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: the allocation is INNER_OFFSET + the default VFS's szOsFile long.
    unsafe { file.cast::<u8>().add(INNER_OFFSET).cast() }
}

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls xOpen with our VFS and a zeroed allocation of our
    // szOsFile; the default VFS's xOpen gets its own VFS and a region at
    // least its szOsFile long (at offset 0 or INNER_OFFSET).
    unsafe {
        let inner = inner_vfs(vfs);
        let Some(open) = (*inner).xOpen else {
            return ffi::SQLITE_CANTOPEN;
        };
        if flags & ffi::SQLITE_OPEN_MAIN_DB == 0 || name.is_null() {
            // WAL, journals, temporary files: the default VFS's file itself.
            return open(inner, name, file, flags, out_flags);
        }
        (*file).pMethods = std::ptr::null();
        let wrapped = inner_file(file);
        let rc = open(inner, name, wrapped, flags, out_flags);
        if rc != ffi::SQLITE_OK || (*wrapped).pMethods.is_null() {
            if !(*wrapped).pMethods.is_null()
                && let Some(close) = (*(*wrapped).pMethods).xClose
            {
                close(wrapped);
            }
            return if rc == ffi::SQLITE_OK {
                ffi::SQLITE_CANTOPEN
            } else {
                rc
            };
        }
        let paced = file.cast::<PacedFile>();
        paced.write(PacedFile {
            base: ffi::sqlite3_file {
                pMethods: &PACED_METHODS,
            },
            fd: descriptor(inner, wrapped, name),
            pending_pages: 0,
            pending_from: 0,
            pending_to: 0,
            writing_from: 0,
            writing_to: 0,
        });
        ffi::SQLITE_OK
    }
}

/// The file descriptor of a file opened by SQLite's unix VFS, or -1.
///
/// SQLite has no call that returns it. Every unix VFS variant ("unix",
/// "unix-excl", …) opens a `unixFile`, which starts — as it has since 2008 —
/// with `pMethod`, `pVfs`, `pInode`, then `int h`, the descriptor. The shim
/// trusts that layout only when it checks out: the VFS is a unix one, the
/// file's `pVfs` is that VFS, and `h` is an open descriptor of the very file
/// (same device and inode as `name`). Otherwise the file is not paced.
///
/// # Safety
/// `inner` is the default VFS, `file` a file it opened, `name` its path.
unsafe fn descriptor(
    inner: *mut ffi::sqlite3_vfs,
    file: *mut ffi::sqlite3_file,
    name: *const c_char,
) -> c_int {
    #[repr(C)]
    struct UnixFileHead {
        methods: *const ffi::sqlite3_io_methods,
        vfs: *mut ffi::sqlite3_vfs,
        inode: *mut c_void,
        h: c_int,
    }
    // SAFETY: zName of a registered VFS is a NUL-terminated string; the
    // head is read only once the VFS is known to be a unix one whose files
    // are at least that long; fstat and stat only write into `st`.
    unsafe {
        if (*inner).zName.is_null() || !CStr::from_ptr((*inner).zName).to_bytes().starts_with(b"unix") {
            return -1;
        }
        if usize::try_from((*inner).szOsFile).unwrap_or(0) < std::mem::size_of::<UnixFileHead>() {
            return -1;
        }
        let head = file.cast::<UnixFileHead>().read();
        if head.vfs != inner || head.h < 0 {
            return -1;
        }
        let mut open: libc::stat = std::mem::zeroed();
        let mut named: libc::stat = std::mem::zeroed();
        if libc::fstat(head.h, &mut open) != 0 || libc::stat(name, &mut named) != 0 {
            return -1;
        }
        if open.st_dev == named.st_dev && open.st_ino == named.st_ino {
            head.h
        } else {
            -1
        }
    }
}

/// Starts the writeback of the pending pages, then waits for the previous
/// group's (so one group is written while the next is copied, and at most
/// two groups are in the disk queue). A hint: errors are left to the fsync.
fn write_out(paced: &mut PacedFile) {
    if paced.pending_pages == 0 {
        return;
    }
    if start_writeback(paced.fd, paced.pending_from, paced.pending_to) {
        PACED_WRITEBACKS.fetch_add(1, Ordering::Relaxed);
    }
    wait_writeback(paced.fd, paced.writing_from, paced.writing_to);
    paced.writing_from = paced.pending_from;
    paced.writing_to = paced.pending_to;
    paced.pending_pages = 0;
}

/// Waits for every page the shim started writing out.
fn wait_written(paced: &mut PacedFile) {
    write_out(paced);
    wait_writeback(paced.fd, paced.writing_from, paced.writing_to);
    paced.writing_from = 0;
    paced.writing_to = 0;
}

/// Asks the kernel to start writing out the file's dirty pages in
/// `from..to`; whether it was asked (Linux; elsewhere the shim paces
/// nothing).
fn start_writeback(fd: c_int, from: i64, to: i64) -> bool {
    #[cfg(target_os = "linux")]
    {
        if to <= from {
            return false;
        }
        // SAFETY: sync_file_range only reads its integer arguments; a stale
        // or wrong descriptor gives an error, which is ignored (a hint).
        unsafe {
            libc::sync_file_range(fd, from, to - from, libc::SYNC_FILE_RANGE_WRITE);
        }
        true
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, from, to);
        false
    }
}

/// Waits until the writeback already started in `from..to` is done.
fn wait_writeback(fd: c_int, from: i64, to: i64) {
    #[cfg(target_os = "linux")]
    if to > from {
        // SAFETY: as in start_writeback.
        unsafe {
            libc::sync_file_range(fd, from, to - from, libc::SYNC_FILE_RANGE_WAIT_BEFORE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, from, to);
}

/// Notes a page written at `offset`; writes the pending ones out every
/// `PACE_PAGES` pages (a checkpoint writes pages in ascending order, so the
/// range stays tight).
fn note_write(paced: &mut PacedFile, offset: i64, amount: c_int) {
    if paced.fd < 0 {
        return;
    }
    if paced.pending_pages > 0 && offset < paced.pending_from {
        write_out(paced);
    }
    let end = offset + i64::from(amount);
    if paced.pending_pages == 0 {
        paced.pending_from = offset;
        paced.pending_to = end;
    } else {
        paced.pending_to = paced.pending_to.max(end);
    }
    paced.pending_pages += 1;
    if paced.pending_pages >= PACE_PAGES {
        write_out(paced);
    }
}

static PACED_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(f_close),
    xRead: Some(f_read),
    xWrite: Some(f_write),
    xTruncate: Some(f_truncate),
    xSync: Some(f_sync),
    xFileSize: Some(f_file_size),
    xLock: Some(f_lock),
    xUnlock: Some(f_unlock),
    xCheckReservedLock: Some(f_check_reserved_lock),
    xFileControl: Some(f_file_control),
    xSectorSize: Some(f_sector_size),
    xDeviceCharacteristics: Some(f_device_characteristics),
    xShmMap: Some(f_shm_map),
    xShmLock: Some(f_shm_lock),
    xShmBarrier: Some(f_shm_barrier),
    xShmUnmap: Some(f_shm_unmap),
    xFetch: Some(f_fetch),
    xUnfetch: Some(f_unfetch),
};

/// Calls the default VFS file's method `$method` with `$args`, or returns
/// `$missing` when that file has no such method.
macro_rules! forward {
    ($file:expr, $method:ident, $missing:expr $(, $arg:expr)*) => {{
        // SAFETY: `$file` is a wrapped file (only such files have these
        // methods), so its inner file is open with non-null methods.
        unsafe {
            let inner = inner_file($file);
            match (*(*inner).pMethods).$method {
                Some(method) => method(inner $(, $arg)*),
                None => $missing,
            }
        }
    }};
}

unsafe extern "C" fn f_close(file: *mut ffi::sqlite3_file) -> c_int {
    forward!(file, xClose, ffi::SQLITE_OK)
}

unsafe extern "C" fn f_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    forward!(file, xRead, ffi::SQLITE_IOERR_READ, buf, amount, offset)
}

unsafe extern "C" fn f_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let rc = forward!(file, xWrite, ffi::SQLITE_IOERR_WRITE, buf, amount, offset);
    if rc == ffi::SQLITE_OK {
        // SAFETY: a wrapped file starts with its PacedFile header; SQLite
        // calls a file's methods from one thread at a time.
        note_write(unsafe { &mut *file.cast::<PacedFile>() }, offset, amount);
    }
    rc
}

unsafe extern "C" fn f_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    forward!(file, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size)
}

unsafe extern "C" fn f_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: as in f_write.
    wait_written(unsafe { &mut *file.cast::<PacedFile>() });
    forward!(file, xSync, ffi::SQLITE_IOERR_FSYNC, flags)
}

unsafe extern "C" fn f_file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    forward!(file, xFileSize, ffi::SQLITE_IOERR_FSTAT, size)
}

unsafe extern "C" fn f_lock(file: *mut ffi::sqlite3_file, lock: c_int) -> c_int {
    forward!(file, xLock, ffi::SQLITE_IOERR_LOCK, lock)
}

unsafe extern "C" fn f_unlock(file: *mut ffi::sqlite3_file, lock: c_int) -> c_int {
    forward!(file, xUnlock, ffi::SQLITE_IOERR_UNLOCK, lock)
}

unsafe extern "C" fn f_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    forward!(file, xCheckReservedLock, ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, out)
}

unsafe extern "C" fn f_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    forward!(file, xFileControl, ffi::SQLITE_NOTFOUND, op, arg)
}

unsafe extern "C" fn f_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    forward!(file, xSectorSize, 4096)
}

unsafe extern "C" fn f_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    forward!(file, xDeviceCharacteristics, 0)
}

unsafe extern "C" fn f_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    forward!(
        file,
        xShmMap,
        ffi::SQLITE_IOERR_SHMMAP,
        page,
        page_size,
        extend,
        out
    )
}

unsafe extern "C" fn f_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    forward!(file, xShmLock, ffi::SQLITE_IOERR_SHMLOCK, offset, n, flags)
}

unsafe extern "C" fn f_shm_barrier(file: *mut ffi::sqlite3_file) {
    forward!(file, xShmBarrier, ())
}

unsafe extern "C" fn f_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    forward!(file, xShmUnmap, ffi::SQLITE_OK, delete)
}

unsafe extern "C" fn f_fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // Without the method, SQLite reads instead of mapping when *out is null.
    forward!(
        file,
        xFetch,
        {
            *out = std::ptr::null_mut();
            ffi::SQLITE_OK
        },
        offset,
        amount,
        out
    )
}

unsafe extern "C" fn f_unfetch(file: *mut ffi::sqlite3_file, offset: i64, page: *mut c_void) -> c_int {
    forward!(file, xUnfetch, ffi::SQLITE_OK, offset, page)
}

// The VFS's other methods: the default VFS's, called with the default VFS.

unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: SQLite calls these with the shim's VFS; the default VFS gets its own.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner)
            .xDelete
            .map_or(ffi::SQLITE_IOERR_DELETE, |f| f(inner, name, sync_dir))
    }
}

unsafe extern "C" fn x_access(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    flags: c_int,
    out: *mut c_int,
) -> c_int {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner)
            .xAccess
            .map_or(ffi::SQLITE_IOERR_ACCESS, |f| f(inner, name, flags, out))
    }
}

unsafe extern "C" fn x_full_pathname(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner)
            .xFullPathname
            .map_or(ffi::SQLITE_CANTOPEN, |f| f(inner, name, n, out))
    }
}

unsafe extern "C" fn x_dl_open(vfs: *mut ffi::sqlite3_vfs, name: *const c_char) -> *mut c_void {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner).xDlOpen.map_or(std::ptr::null_mut(), |f| f(inner, name))
    }
}

unsafe extern "C" fn x_dl_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        if let Some(f) = (*inner).xDlError {
            f(inner, n, out);
        }
    }
}

type DlSymbol = unsafe extern "C" fn(*mut ffi::sqlite3_vfs, *mut c_void, *const c_char);

unsafe extern "C" fn x_dl_sym(
    vfs: *mut ffi::sqlite3_vfs,
    handle: *mut c_void,
    symbol: *const c_char,
) -> Option<DlSymbol> {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner).xDlSym.and_then(|f| f(inner, handle, symbol))
    }
}

unsafe extern "C" fn x_dl_close(vfs: *mut ffi::sqlite3_vfs, handle: *mut c_void) {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        if let Some(f) = (*inner).xDlClose {
            f(inner, handle);
        }
    }
}

unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner).xRandomness.map_or(0, |f| f(inner, n, out))
    }
}

unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, microseconds: c_int) -> c_int {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner).xSleep.map_or(0, |f| f(inner, microseconds))
    }
}

unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner).xCurrentTime.map_or(ffi::SQLITE_ERROR, |f| f(inner, out))
    }
}

unsafe extern "C" fn x_get_last_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    // SAFETY: as in x_delete.
    unsafe {
        let inner = inner_vfs(vfs);
        (*inner).xGetLastError.map_or(0, |f| f(inner, n, out))
    }
}

unsafe extern "C" fn x_current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut i64) -> c_int {
    // SAFETY: as in x_delete; the default VFS is version 2 or later when it
    // has the method (checked by the Option).
    unsafe {
        let inner = inner_vfs(vfs);
        if (*inner).iVersion < 2 {
            return ffi::SQLITE_ERROR;
        }
        (*inner)
            .xCurrentTimeInt64
            .map_or(ffi::SQLITE_ERROR, |f| f(inner, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};

    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new(tag: &str) -> TempDb {
            let path = std::env::temp_dir().join(format!("credgrid-vfs-{tag}-{}.db", std::process::id()));
            let db = TempDb(path);
            db.remove();
            db
        }

        fn remove(&self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.0.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            self.remove();
        }
    }

    fn open_paced(path: &std::path::Path) -> Connection {
        let vfs = register().expect("the shim registers");
        Connection::open_with_flags_and_vfs(path, OpenFlags::default(), vfs).expect("opens through the shim")
    }

    #[test]
    fn registering_twice_gives_the_same_name() {
        assert_eq!(register(), Ok(VFS_NAME));
        assert_eq!(register(), Ok(VFS_NAME));
    }

    #[test]
    fn a_database_written_through_the_shim_reads_the_same_without_it() {
        let db = TempDb::new("roundtrip");
        {
            let conn = open_paced(&db.0);
            conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
                .unwrap();
            conn.execute_batch(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);
                 BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                 INSERT INTO t SELECT i, printf('%0200d', i) FROM n; COMMIT;",
            )
            .unwrap();
        }
        let plain = Connection::open(&db.0).unwrap();
        let (count, sum): (i64, i64) = plain
            .query_row("SELECT count(*), sum(id) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, sum), (5000, 5000 * 5001 / 2));
        let check: String = plain
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_checkpoint_through_the_shim_is_paced_and_copies_every_frame() {
        let db = TempDb::new("checkpoint");
        let writer = Connection::open(&db.0).unwrap();
        writer
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
            .unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);
                 BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO t SELECT i, printf('%0300d', i) FROM n; COMMIT;",
            )
            .unwrap();
        let checkpointer = open_paced(&db.0);
        let before = paced_writebacks();
        let (busy, log, done): (i64, i64, i64) = checkpointer
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(busy, 0);
        assert!(
            log > i64::from(PACE_PAGES) * 10,
            "the test needs a long WAL: {log} frames"
        );
        assert_eq!(done, log, "every frame copied back");
        let paced = paced_writebacks() - before;
        assert!(
            paced >= u64::try_from(log).unwrap() / u64::from(PACE_PAGES),
            "{paced} paced writebacks for {log} pages: the shim did not find the file's descriptor"
        );
        drop(writer);
        drop(checkpointer);
        // Read the database file alone: the WAL is gone once every connection closed.
        let reader = Connection::open(&db.0).unwrap();
        let count: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 20000);
    }
}
