//! Reads a recording back into the snapshots it was made of. A truncated last line (a crash
//! while writing) is dropped with a notice; anything else malformed is an error naming the
//! line. `LineDecoder` turns lines into snapshots for both a whole file and one still growing
//! (`follow`, which `read_file` reads once to the end).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;

use super::format::{FORMAT, Header, Line, VERSION};
use crate::domain::capability_status::CapabilityStatus;
use crate::domain::metrics::{Point, SeriesKey, SeriesUpdate};
use crate::domain::model::Inventory;
use crate::domain::snapshot::{FleetSnapshot, SourceInfo};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("recording {}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not a dbfleet recording (line 1 is not a dbfleet-recording header)", .path.display())]
    Foreign { path: PathBuf },
    #[error("{}: recording version {version} is newer than this dbfleet reads ({VERSION})", .path.display())]
    Version { path: PathBuf, version: u32 },
    #[error("{}:{line}: {message}", .path.display())]
    Line { path: PathBuf, line: usize, message: String },
}

/// A recording read back: the header and one snapshot per poll, oldest first.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    pub snapshots: Vec<FleetSnapshot>,
    /// Set when the last line was cut off and dropped.
    pub truncated: Option<String>,
}

pub fn read(path: &Path, mut r: impl BufRead) -> Result<Recording, ReadError> {
    let mut lines = LineDecoder::new(path);
    let mut snapshots = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) if buf.last() == Some(&b'\n') => {
                if let Some(s) = lines.line(&buf, false)? {
                    snapshots.push(s);
                }
            }
            // No newline: the end of the input.
            Ok(_) => {
                if let Some(s) = lines.line(&buf, true)? {
                    snapshots.push(s);
                }
                break;
            }
            // A compressed stream cut mid-block: what was read before stands.
            Err(e) => {
                lines.cut(format!("the compressed stream ends early after line {} ({e})", lines.lines));
                break;
            }
        }
    }
    lines.finish(snapshots)
}

/// The lines of one recording decoded as they come, whole or a few at a time (a file still
/// being written): the header first, then one snapshot per line. Reading a whole file and
/// following a growing one go through this same code.
pub struct LineDecoder {
    path: PathBuf,
    header: Option<Header>,
    state: Option<Decoder>,
    /// Lines seen so far (the header is line 1).
    pub lines: usize,
    /// A line that failed to parse, held until we know it was the last (a cut-off write).
    held: Option<(usize, String)>,
    cut: Option<String>,
}

impl LineDecoder {
    pub fn new(path: &Path) -> LineDecoder {
        LineDecoder { path: path.to_path_buf(), header: None, state: None, lines: 0, held: None, cut: None }
    }

    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    fn at(&self, line: usize, message: String) -> ReadError {
        ReadError::Line { path: self.path.clone(), line, message }
    }

    /// One line, with its newline unless `last` (the input ends without one). A line that does
    /// not parse is an error unless nothing follows it: only the very last line may be cut off.
    pub fn line(&mut self, bytes: &[u8], last: bool) -> Result<Option<FleetSnapshot>, ReadError> {
        self.lines += 1;
        let n = self.lines;
        if let Some((line, message)) = self.held.take() {
            return Err(self.at(line, message));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| self.at(n, "not UTF-8 text".into()))?;
        let Some(state) = &mut self.state else {
            let header = match serde_json::from_str::<Header>(text.trim_end()) {
                Ok(h) if h.format == FORMAT => h,
                _ => return Err(ReadError::Foreign { path: self.path.clone() }),
            };
            if header.version > VERSION {
                return Err(ReadError::Version { path: self.path.clone(), version: header.version });
            }
            self.state = Some(Decoder::new(header.source.clone()));
            self.header = Some(header);
            return Ok(None);
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        match serde_json::from_str::<Line>(text.trim_end()) {
            Ok(line) => state.snapshot(line).map(Some).map_err(|m| self.at(n, m)),
            Err(e) if last || e.is_eof() => {
                // Cut off if nothing follows; `finish` or the next line decides.
                self.held = Some((n, format!("column {}: {}", e.column(), e)));
                self.cut = Some(format!("line {n} is cut off (the recording stopped while writing it)"));
                Ok(None)
            }
            Err(e) => Err(self.at(n, format!("column {}: {}", e.column(), e))),
        }
    }

    /// The input ended early (a compressed stream cut mid-block).
    pub fn cut(&mut self, why: String) {
        self.cut = Some(why);
    }

    /// The recording so far, once the input has ended.
    pub fn finish(self, snapshots: Vec<FleetSnapshot>) -> Result<Recording, ReadError> {
        let Some(header) = self.header else {
            return Err(ReadError::Foreign { path: self.path });
        };
        Ok(Recording { header, snapshots, truncated: self.cut })
    }
}

/// Rebuilds snapshots from lines: the current inventory and source, and the key table.
struct Decoder {
    inventory: Option<Arc<Inventory>>,
    source: SourceInfo,
    keys: HashMap<u32, SeriesKey>,
    caps: Vec<CapabilityStatus>,
}

impl Decoder {
    fn new(source: SourceInfo) -> Self {
        Decoder { inventory: None, source, keys: HashMap::new(), caps: Vec::new() }
    }

    fn snapshot(&mut self, line: Line) -> Result<FleetSnapshot, String> {
        if let Some(inv) = line.inv {
            self.inventory = Some(inv);
        }
        if let (Some(alarms), Some(inv)) = (line.al, &self.inventory) {
            self.inventory = Some(Arc::new(Inventory { alarms, ..(**inv).clone() }));
        }
        let inventory = self.inventory.clone().ok_or("field 'inv': the first poll carries no inventory")?;
        if let Some(src) = line.src {
            self.source = src;
        }
        if let Some(caps) = line.caps {
            self.caps = caps;
        }
        for (id, key) in line.keys {
            self.keys.insert(id, key);
        }
        let mut metrics: Vec<SeriesUpdate> = Vec::new();
        for run in line.m {
            let key = self
                .keys
                .get(&run.0)
                .ok_or_else(|| format!("field 'm': series {} was never declared", run.0))?;
            let period = i64::from(run.1.max(1));
            let points = run
                .3
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let value = (*v)?;
                    // Checked: a corrupt run must not overflow (found by fuzzing).
                    let at = period.checked_mul(i as i64).and_then(|d| run.2.checked_add(d))?;
                    Some(Point { at: Timestamp::from_second(at).ok()?, value })
                })
                .collect::<Vec<_>>();
            // Runs of one series in one line are consecutive: keep them in one update.
            match metrics.last_mut() {
                Some(u) if u.key == *key && u.period_secs == run.1 => u.points.extend(points),
                _ => metrics.push(SeriesUpdate { key: key.clone(), period_secs: run.1, points }),
            }
        }
        Ok(FleetSnapshot {
            taken_at: line.t,
            source: self.source.clone(),
            inventory,
            metrics,
            errors: line.e,
            api: line.api,
            reset: false,
            capabilities: self.caps.clone(),
            events: line.ev,
        })
    }
}
