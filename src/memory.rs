//! Giving freed memory back to the system. A first poll or a backfill chunk of a 5,000-instance
//! fleet is tens of megabytes, allocated on a poller thread and freed on the UI thread once
//! applied; glibc keeps such freed pages in its per-thread arenas, so the dashboard's resident
//! size would stay at its peak for the whole session. `malloc_trim` returns them.

/// Points in a snapshot above which its memory is worth handing back once it is applied.
pub const LARGE_SNAPSHOT_POINTS: usize = 100_000;

/// Release free heap pages to the system (glibc on Linux; a no-op elsewhere).
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only walks glibc's own arenas; it takes no pointers of ours.
        unsafe {
            malloc_trim(0);
        }
    }
}
