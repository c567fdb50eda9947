//! `attach DIR`: a collector's directory as a source. The hours already there are read once;
//! then the newest file is followed as it grows (`record::follow`, checked every 250 ms: a
//! read of what was appended, no busy loop), and when the collector opens the next hour the
//! follower finishes the old file and moves on. Each poll answers "the fleet as of the
//! playhead" exactly as a replay does (it is one, over a recording that grows); a poll waits
//! until there is something new to show: a poll landed while the playhead follows the end,
//! or the playhead moved. Never a call to AWS: any number of viewers cost nothing more.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use super::clock::Playhead;
use super::replay::ReplaySource;
use super::{FleetSource, PollFailure, PollFuture};
use crate::domain::snapshot::{ErrorKind, FleetSnapshot, Service, SourceError, SourceInfo};
use crate::record::access::explain;
use crate::record::follow::FollowReader;
use crate::record::hourly::{self, HourFile};
use crate::record::reader::ReadError;

/// How often the followed file is checked for new bytes.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);

/// A collector's directory read so far: every poll of the loaded hours, and the newest file
/// open to follow.
pub struct Followed {
    pub snapshots: Vec<FleetSnapshot>,
    /// The recorded source (the collector's header).
    pub recorded: SourceInfo,
    pub newest: FollowReader,
    pub newest_file: HourFile,
}

/// A viewer's read error, said plainly (permission denied names the group to ask for).
pub fn read_error(e: &ReadError) -> String {
    match e {
        ReadError::Io { path, source } => explain(path, source),
        e => e.to_string(),
    }
}

/// The directory's hour files, or why they cannot be listed.
pub fn hour_files(dir: &Path) -> Result<Vec<HourFile>, String> {
    let files = hourly::list(dir).map_err(|e| explain(dir, &e))?;
    if files.is_empty() {
        return Err(format!(
            "{}: no dbfleet-*.jsonl.zst hour file: is a collector writing here? (dbfleet collect {})",
            dir.display(),
            dir.display()
        ));
    }
    Ok(files)
}

/// Read the hour files from `from` on (the last `hours` of the directory): the older ones
/// whole, the newest open for following.
pub fn open(dir: &Path, hours: i64) -> Result<Followed, String> {
    let files = hour_files(dir)?;
    let newest_file = files[files.len() - 1].clone();
    let from =
        newest_file.hour.saturating_sub(jiff::SignedDuration::from_hours(hours)).unwrap_or(newest_file.hour);
    let mut snapshots = Vec::new();
    let mut recorded = None;
    for f in hourly::files_between(&files, from, newest_file.hour) {
        if f == newest_file {
            break;
        }
        let rec = crate::record::read_file(&f.path).map_err(|e| read_error(&e))?;
        recorded.get_or_insert(rec.header.source.clone());
        snapshots.extend(rec.snapshots);
    }
    let mut newest = FollowReader::open(&newest_file.path).map_err(|e| read_error(&e))?;
    snapshots.extend(newest.read_new().map_err(|e| read_error(&e))?);
    let recorded = newest.header().map(|h| h.source.clone()).or(recorded).ok_or_else(|| {
        format!("{}: the collector has not written its header yet", newest_file.path.display())
    })?;
    snapshots.sort_by_key(|s| s.taken_at);
    Ok(Followed { snapshots, recorded, newest, newest_file })
}

pub struct FollowSource {
    dir: PathBuf,
    replay: ReplaySource,
    reader: FollowReader,
    file: HourFile,
    playhead: Arc<Mutex<Playhead>>,
    /// Polls older than this behind the newest file are forgotten when the next hour opens
    /// (a viewer left open for days stays the size of its window).
    keep: jiff::SignedDuration,
    /// Nothing was sent yet: the first poll answers at once.
    started: bool,
}

impl FollowSource {
    /// `followed` holds at least one poll; `playhead` is the session's clock; `hours` of older
    /// files are kept to scrub back into (and one more for the charts' history).
    pub fn new(
        dir: &Path,
        followed: Followed,
        info: SourceInfo,
        playhead: Arc<Mutex<Playhead>>,
        hours: i64,
    ) -> FollowSource {
        FollowSource {
            dir: dir.to_path_buf(),
            replay: ReplaySource::from_snapshots(followed.snapshots, info),
            reader: followed.newest,
            file: followed.newest_file,
            playhead,
            keep: jiff::SignedDuration::from_hours(hours + 1),
            started: false,
        }
    }

    pub fn replay(&self) -> &ReplaySource {
        &self.replay
    }

    /// The polls appended since the last check, moving on to the next hour file when the
    /// collector opened one (after reading the old one to its end).
    pub fn check(&mut self) -> Result<Vec<FleetSnapshot>, String> {
        let mut new = self.reader.read_new().map_err(|e| read_error(&e))?;
        if let Some(why) = self.reader.broken() {
            return Err(format!("{}: {why}", self.reader.path().display()));
        }
        if new.is_empty() {
            let files = hourly::list(&self.dir).map_err(|e| explain(&self.dir, &e))?;
            if let Some(next) = files.into_iter().find(|f| *f > self.file) {
                tracing::info!(file = %next.path.display(), "the collector moved on: following the next hour file");
                // The old file's last poll may have landed between the read above and the list.
                new = self.reader.read_new().map_err(|e| read_error(&e))?;
                let mut reader = FollowReader::open(&next.path).map_err(|e| read_error(&e))?;
                new.extend(reader.read_new().map_err(|e| read_error(&e))?);
                self.reader = reader;
                self.forget_before(next.hour.saturating_sub(self.keep).unwrap_or(next.hour));
                self.file = next;
            }
        }
        // A poll older than the newest shown (a clock step back) cannot be played in order.
        let last = self.replay.last();
        new.retain(|s| last.is_none_or(|l| s.taken_at > l));
        Ok(new)
    }

    fn forget_before(&mut self, t: Timestamp) {
        let n = self.replay.forget_before(t);
        if n > 0 {
            self.playhead.lock().unwrap_or_else(|e| e.into_inner()).forget_before(t);
            tracing::info!(polls = n, before = %t, "forgot polls older than the window");
        }
    }

    fn failure(&self, message: String, now: Timestamp) -> PollFailure {
        PollFailure::new(vec![SourceError {
            account: None,
            region: "-".into(),
            service: Service::Replay,
            operation: Some("attach".into()),
            kind: ErrorKind::Other,
            message,
            at: now,
            capability: None,
        }])
    }

    fn playhead_now(&self) -> Timestamp {
        self.playhead.lock().unwrap_or_else(|e| e.into_inner()).now()
    }
}

impl FleetSource for FollowSource {
    fn info(&self) -> SourceInfo {
        self.replay.info()
    }

    fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
        Box::pin(async move {
            loop {
                match self.check() {
                    Ok(new) if !new.is_empty() => {
                        let times: Vec<Timestamp> = new.iter().map(|s| s.taken_at).collect();
                        self.replay.extend(new);
                        self.playhead.lock().unwrap_or_else(|e| e.into_inner()).extend(&times);
                    }
                    Ok(_) => {}
                    Err(message) => {
                        tracing::warn!("{message}");
                        return Err(self.failure(message, self.playhead_now()));
                    }
                }
                let now = self.playhead_now();
                if !self.started || self.replay.moved(now) {
                    self.started = true;
                    return Ok(self.replay.snapshot_at(now));
                }
                tokio::time::sleep(CHECK_EVERY).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::access::Access;
    use crate::record::hourly::HourlyRecorder;
    use crate::source::demo::DemoSource;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    async fn within(
        poll: PollFuture<'_>,
    ) -> Result<Result<FleetSnapshot, PollFailure>, tokio::time::error::Elapsed> {
        tokio::time::timeout(Duration::from_secs(3), poll).await
    }

    /// Polls landing in the followed file are answered as they come while the playhead plays
    /// at the end; the next hour's file is followed once the collector opens it, the window
    /// forgets what is older than it, and a paused playhead gets nothing new until it moves.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn follows_the_newest_file_across_hours() {
        let dir = std::env::temp_dir().join(format!("dbfleet-followsrc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Access::private().prepare_dir(&dir).unwrap();
        let mut demo = DemoSource::new(Default::default(), at("2026-11-24T02:58:00Z"));
        let mut rec = HourlyRecorder::new(&dir, Access::private());
        let mut write = |t: &str| {
            let t = at(t);
            rec.append(&demo.snapshot_at(t), t).unwrap();
        };
        write("2026-11-24T02:58:00Z");
        write("2026-11-24T02:59:00Z");
        let followed = open(&dir, 3).unwrap();
        assert_eq!(followed.snapshots.len(), 2);
        let (first, last) = (followed.snapshots[0].taken_at, followed.snapshots[1].taken_at);
        let mut p = Playhead::new(first, last, 10.0, true);
        p.seek(last);
        let playhead = Arc::new(Mutex::new(p));
        let info = followed.recorded.clone();
        let mut source = FollowSource::new(&dir, followed, info, playhead.clone(), 0);
        assert_eq!(
            within(source.poll(last)).await.unwrap().unwrap().taken_at,
            last,
            "the first answer at once"
        );

        write("2026-11-24T03:00:00Z");
        write("2026-11-24T03:01:00Z");
        let s = within(source.poll(last)).await.unwrap().unwrap();
        assert_eq!(s.taken_at, at("2026-11-24T03:01:00Z"), "the next hour's file, followed to its end");
        assert!(!s.reset);
        assert_eq!(
            playhead.lock().unwrap().grown(),
            &[at("2026-11-24T03:00:00Z"), at("2026-11-24T03:01:00Z")]
        );

        write("2026-11-24T04:00:00Z");
        within(source.poll(last)).await.unwrap().unwrap();
        assert_eq!(source.replay().times()[0], at("2026-11-24T03:00:00Z"), "a window of the last hour");

        playhead.lock().unwrap().set_playing(false);
        write("2026-11-24T04:01:00Z");
        let fut = source.poll(last);
        let waited = tokio::time::timeout(Duration::from_millis(700), fut).await;
        assert!(waited.is_err(), "paused: the new poll waits for the playhead to move");
        playhead.lock().unwrap().seek(at("2026-11-24T04:01:00Z"));
        assert_eq!(within(source.poll(last)).await.unwrap().unwrap().taken_at, at("2026-11-24T04:01:00Z"));
        drop(rec);
        let _ = std::fs::remove_dir_all(dir);
    }
}
