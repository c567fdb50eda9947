//! Plays a recording back as a source: each poll answers "the fleet as of `now`", where `now`
//! is the playhead. Forward, it sends the recorded polls since the last answer; backwards
//! (a step back, a jump, `:goto`), it rebuilds the history up to `now` and marks the
//! snapshot as a reset, so every view works on a replay unchanged.

use std::path::Path;

use jiff::Timestamp;

use super::{FleetSource, PollFuture};
use crate::domain::snapshot::{FleetSnapshot, SourceInfo, SourceKind};
use crate::record::Recording;

pub struct ReplaySource {
    snapshots: Vec<FleetSnapshot>,
    info: SourceInfo,
    /// Index of the newest snapshot already sent.
    sent: Option<usize>,
}

impl ReplaySource {
    /// `None` when the recording holds no poll.
    pub fn new(rec: Recording, path: &Path) -> Option<ReplaySource> {
        if rec.snapshots.is_empty() {
            return None;
        }
        let name =
            path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
        let recorded = &rec.header.source;
        let info = SourceInfo {
            kind: SourceKind::Replay,
            label: format!("replay {name} ({})", recorded.label),
            regions: recorded.regions.clone(),
            accounts: recorded.accounts.clone(),
        };
        Some(ReplaySource { snapshots: rec.snapshots, info, sent: None })
    }

    /// Snapshots built another way (time travel), at least one.
    pub fn from_snapshots(snapshots: Vec<FleetSnapshot>, info: SourceInfo) -> ReplaySource {
        ReplaySource { snapshots, info, sent: None }
    }

    /// Each recorded poll's time and the events it brought.
    pub fn polls(&self) -> impl Iterator<Item = (Timestamp, &[crate::domain::events::DbEvent])> {
        self.snapshots.iter().map(|s| (s.taken_at, s.events.as_slice()))
    }

    /// When each recorded poll was taken: the timeline's marks.
    pub fn times(&self) -> Vec<Timestamp> {
        self.snapshots.iter().map(|s| s.taken_at).collect()
    }

    /// Polls that landed after the last one (a recording still growing: `attach`).
    pub fn extend(&mut self, more: Vec<FleetSnapshot>) {
        self.snapshots.extend(more);
    }

    /// Forget the polls taken before `t` (the newest stays): a recording that keeps growing
    /// holds a bounded window. Returns how many went.
    pub fn forget_before(&mut self, t: Timestamp) -> usize {
        let n =
            self.snapshots.partition_point(|s| s.taken_at < t).min(self.snapshots.len().saturating_sub(1));
        self.snapshots.drain(..n);
        self.sent = self.sent.and_then(|s| s.checked_sub(n));
        n
    }

    /// The newest poll's time.
    pub fn last(&self) -> Option<Timestamp> {
        self.snapshots.last().map(|s| s.taken_at)
    }

    /// Whether the playhead at `now` shows another poll than the last one sent.
    pub fn moved(&self, now: Timestamp) -> bool {
        let target = self.snapshots.partition_point(|s| s.taken_at <= now).saturating_sub(1);
        self.sent != Some(target)
    }

    /// The snapshot to send for the playhead at `now`.
    pub fn snapshot_at(&mut self, now: Timestamp) -> FleetSnapshot {
        let target = self.snapshots.partition_point(|s| s.taken_at <= now).saturating_sub(1);
        let (from, reset) = match self.sent {
            Some(sent) if target >= sent => (sent + 1, false),
            _ => (0, true),
        };
        self.sent = Some(target);
        let at = &self.snapshots[target];
        // What the polls between the last one sent and this one brought (all of them up to
        // this one after a jump back): events appear as the playhead passes their poll.
        let passed = &self.snapshots[from.min(target + 1)..=target];
        let metrics = passed.iter().flat_map(|s| s.metrics.iter().cloned()).collect();
        let events = passed.iter().flat_map(|s| s.events.iter().cloned()).collect();
        FleetSnapshot {
            taken_at: at.taken_at,
            source: self.info.clone(),
            inventory: at.inventory.clone(),
            metrics,
            errors: at.errors.clone(),
            api: at.api.clone(),
            reset,
            capabilities: at.capabilities.clone(),
            events,
        }
    }
}

impl FleetSource for ReplaySource {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        let s = self.snapshot_at(now);
        Box::pin(async move { Ok(s) })
    }
}
