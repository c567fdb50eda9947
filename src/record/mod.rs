//! Recordings: every snapshot of a run, one self-contained JSON record per line after a
//! versioned header, flushed every poll so a crash or a dropped SSH session loses at most the
//! last poll. Compact by construction: the inventory is written only when it changed, series
//! keys once (then by number), and points as runs of values from a start time, only those not
//! written before. A `.zst` file is the same lines through a zstd stream flushed every poll.
//! A collector writes the same recordings into a directory, one per UTC hour (`hourly`, with
//! the directory's modes in `access`); `follow` reads a file still being written.
//!
//! ```text
//! {"format":"dbfleet-recording","version":1,"created_at":"…","source":{…}}
//! {"t":"2026-11-18T15:37:00Z","inv":{…},"keys":[[0,{…}]],"m":[[0,60,1763480220,[4.0,null,5.0]]]}
//! {"t":"2026-11-18T15:38:00Z","m":[[0,60,1763480400,[6.0]]],"e":[…]}
//! ```

pub mod access;
pub mod follow;
pub mod format;
pub mod hourly;
pub mod reader;
pub mod writer;

pub use follow::read_file;
pub use reader::Recording;
pub use writer::Recorder;
