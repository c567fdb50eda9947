//! Giving freed memory back to the system. A first poll or a backfill chunk of a 5,000-instance
//! fleet is tens of megabytes, allocated on a poller thread and freed on the UI thread once
//! applied; glibc keeps such freed pages in its per-thread arenas, so the dashboard's resident
//! size would stay at its peak for the whole session. `malloc_trim` returns them.

/// Points in a snapshot above which its memory is worth handing back once it is applied.
pub const LARGE_SNAPSHOT_POINTS: usize = 100_000;

/// One malloc arena for the whole process (glibc on Linux; a no-op elsewhere). glibc gives
/// each thread that allocates under contention an arena of its own and keeps their freed pages
/// apart: a poll parsed on a tokio worker and applied on the UI thread then leaves pages in
/// two or three arenas at once. Measured at 5,022 instances (`LIVE_SCALE_WRAP` in
/// benches/live_scale.rs): peak RSS 104.0 MB with the default, 83.6 MB with one arena. The
/// threads here are few and mostly idle, so the shared arena's lock costs nothing visible.
/// Call before any thread starts.
pub fn single_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // <malloc.h>: M_ARENA_MAX.
        const M_ARENA_MAX: i32 = -8;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt only sets a glibc tunable; called before other threads exist.
        unsafe {
            mallopt(M_ARENA_MAX, 1);
        }
    }
}

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
