//! Appends snapshots to a recording. Sources re-send a few minutes of overlap every poll;
//! only points not written before (or whose value CloudWatch revised) are written again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;

use super::format::{FORMAT, Header, Line, Run, VERSION};
use crate::domain::capability_status::CapabilityStatus;
use crate::domain::metrics::{Point, SeriesKey};
use crate::domain::model::Inventory;
use crate::domain::snapshot::{FleetSnapshot, SourceInfo};

/// A run is split when more than this many periods are missing in a row.
const MAX_GAP: i64 = 10;
/// Points remembered per series to spot a revised value in the overlap.
const REMEMBERED: usize = 16;

#[derive(Debug, thiserror::Error)]
#[error("recording {}", .path.display())]
pub struct RecordError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

enum Sink {
    Plain(BufWriter<File>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<File>>),
}

impl Sink {
    fn out(&mut self) -> &mut dyn Write {
        match self {
            Sink::Plain(w) => w,
            Sink::Zstd(w) => w,
        }
    }
}

pub struct Recorder {
    path: PathBuf,
    sink: Sink,
    keys: HashMap<SeriesKey, u32>,
    /// Per key number: the newest points written, oldest first.
    written: Vec<Vec<(i64, f64)>>,
    inventory: Option<Arc<Inventory>>,
    source: SourceInfo,
    caps: Vec<CapabilityStatus>,
    pub lines: u64,
    pub bytes: u64,
}

impl Recorder {
    /// Create (truncate) `path`; zstd-compressed when it ends in `.zst`.
    pub fn create(path: &Path, source: SourceInfo, now: Timestamp) -> Result<Recorder, RecordError> {
        let file = File::create(path).map_err(|source| RecordError { path: path.to_path_buf(), source })?;
        Recorder::create_from(file, path, source, now)
    }

    /// A recording into `file`, opened by the caller (with the modes it wants) at `path`.
    pub fn create_from(
        file: File,
        path: &Path,
        source: SourceInfo,
        now: Timestamp,
    ) -> Result<Recorder, RecordError> {
        let err = |source| RecordError { path: path.to_path_buf(), source };
        let file = BufWriter::new(file);
        let sink = if path.extension().is_some_and(|e| e == "zst") {
            Sink::Zstd(zstd::stream::write::Encoder::new(file, 3).map_err(err)?)
        } else {
            Sink::Plain(file)
        };
        let mut r = Recorder {
            path: path.to_path_buf(),
            sink,
            keys: HashMap::new(),
            written: Vec::new(),
            inventory: None,
            source: source.clone(),
            caps: Vec::new(),
            lines: 0,
            bytes: 0,
        };
        let header = Header { format: FORMAT.into(), version: VERSION, created_at: now, source };
        r.write_json(&header)?;
        Ok(r)
    }

    fn write_json<T: serde::Serialize>(&mut self, v: &T) -> Result<(), RecordError> {
        let err = |source| RecordError { path: self.path.clone(), source };
        let mut text = serde_json::to_string(v).map_err(|e| err(std::io::Error::other(e)))?;
        text.push('\n');
        let out = self.sink.out();
        out.write_all(text.as_bytes()).map_err(err)?;
        // Every poll reaches the disk: a crash loses at most the poll being written.
        out.flush().map_err(err)?;
        self.lines += 1;
        self.bytes += text.len() as u64;
        Ok(())
    }

    /// Append one snapshot.
    pub fn append(&mut self, s: &FleetSnapshot) -> Result<(), RecordError> {
        let line = self.line(s);
        self.write_json(&line)
    }

    /// The line for `s`, updating what has been written.
    fn line(&mut self, s: &FleetSnapshot) -> Line {
        let mut inv_changed = self
            .inventory
            .as_ref()
            .is_none_or(|prev| !Arc::ptr_eq(prev, &s.inventory) && **prev != *s.inventory);
        // Only the alarms' states changed: write those alone.
        let mut alarms = None;
        if inv_changed
            && let Some(prev) = &self.inventory
            && prev.alarms != s.inventory.alarms
        {
            let mut same = (**prev).clone();
            same.alarms = s.inventory.alarms.clone();
            if same == *s.inventory {
                inv_changed = false;
                alarms = Some(s.inventory.alarms.clone());
            }
        }
        // Same content in a new allocation too: the next check is then a pointer test.
        self.inventory = Some(s.inventory.clone());
        let caps = (s.capabilities != self.caps).then(|| s.capabilities.clone());
        if let Some(c) = &caps {
            self.caps = c.clone();
        }
        let src = (s.source != self.source).then(|| s.source.clone());
        if let Some(src) = &src {
            self.source = src.clone();
        }
        let mut keys = Vec::new();
        let mut runs = Vec::new();
        for u in &s.metrics {
            let id = match self.keys.get(&u.key) {
                Some(&id) => id,
                None => {
                    let id = self.keys.len() as u32;
                    self.keys.insert(u.key.clone(), id);
                    self.written.push(Vec::new());
                    keys.push((id, u.key.clone()));
                    id
                }
            };
            let seen = &mut self.written[id as usize];
            let newest = seen.last().map(|p| p.0);
            let fresh: Vec<Point> = u
                .points
                .iter()
                .copied()
                .filter(|p| {
                    let t = p.at.as_second();
                    newest.is_none_or(|n| t > n) || seen.iter().any(|&(st, sv)| st == t && sv != p.value)
                })
                .collect();
            for p in &fresh {
                let t = p.at.as_second();
                match seen.iter().position(|&(st, _)| st == t) {
                    Some(i) => seen[i].1 = p.value,
                    None => seen.push((t, p.value)),
                }
            }
            seen.sort_by_key(|p| p.0);
            let excess = seen.len().saturating_sub(REMEMBERED);
            seen.drain(..excess);
            runs.extend(to_runs(id, u.period_secs, &fresh));
        }
        Line {
            t: s.taken_at,
            inv: inv_changed.then(|| s.inventory.clone()),
            src,
            keys,
            m: runs,
            e: s.errors.clone(),
            api: s.api.clone(),
            caps,
            ev: s.events.clone(),
            al: alarms,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Close the file; a zstd stream gets its end mark (without it the reader still reads
    /// every flushed poll).
    pub fn finish(self) -> Result<(), RecordError> {
        let path = self.path.clone();
        let err = |source| RecordError { path: path.clone(), source };
        match self.sink {
            Sink::Plain(mut w) => w.flush().map_err(err),
            Sink::Zstd(w) => w.finish().and_then(|mut f| f.flush()).map_err(err),
        }
    }
}

/// Points (oldest first) as runs `period` apart, gaps as `None`, split at long gaps or
/// points off the period grid.
pub fn to_runs(id: u32, period: u32, points: &[Point]) -> Vec<Run> {
    let p = i64::from(period.max(1));
    let mut runs: Vec<Run> = Vec::new();
    for pt in points {
        let t = pt.at.as_second();
        let extend = runs.last().and_then(|r| {
            let next = r.2 + p * r.3.len() as i64;
            let gap = (t - next) / p;
            ((t - r.2) % p == 0 && t >= next && gap <= MAX_GAP).then_some(gap)
        });
        match (extend, runs.last_mut()) {
            (Some(gap), Some(r)) => {
                r.3.extend(std::iter::repeat_n(None, gap as usize));
                r.3.push(Some(pt.value));
            }
            _ => runs.push(Run(id, period, t, vec![Some(pt.value)])),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(min: i64, v: f64) -> Point {
        Point { at: Timestamp::from_second(1_763_480_000 + min * 60).unwrap(), value: v }
    }

    #[test]
    fn runs_keep_gaps_and_split_off_grid() {
        let runs = to_runs(7, 60, &[pt(0, 1.0), pt(1, 2.0), pt(3, 4.0), pt(30, 5.0)]);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[0].3, vec![Some(1.0), Some(2.0), None, Some(4.0)]);
        assert_eq!(runs[1].2, 1_763_480_000 + 1800);
        let odd = to_runs(
            1,
            60,
            &[pt(0, 1.0), Point { at: Timestamp::from_second(1_763_480_090).unwrap(), value: 2.0 }],
        );
        assert_eq!(odd.len(), 2, "a point off the grid starts a run");
    }
}
