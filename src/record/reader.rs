//! Reads a recording back into the snapshots it was made of. A truncated last line (a crash
//! while writing) is dropped with a notice; anything else malformed is an error naming the
//! line.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
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

pub fn read_file(path: &Path) -> Result<Recording, ReadError> {
    let io = |source| ReadError::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(io)?;
    drop(file);
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn Read> = if n == 4 && magic == [0x28, 0xB5, 0x2F, 0xFD] {
        Box::new(zstd::stream::read::Decoder::new(file).map_err(io)?)
    } else {
        Box::new(file)
    };
    read(path, BufReader::new(reader))
}

pub fn read(path: &Path, mut r: impl BufRead) -> Result<Recording, ReadError> {
    let at = |line: usize, message: String| ReadError::Line { path: path.to_path_buf(), line, message };
    let mut raw: Vec<(usize, String, bool)> = Vec::new();
    let mut n = 0;
    let mut cut = None;
    loop {
        let mut buf = Vec::new();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {
                n += 1;
                let complete = buf.last() == Some(&b'\n');
                match String::from_utf8(buf) {
                    Ok(s) => raw.push((n, s, complete)),
                    Err(_) => return Err(at(n, "not UTF-8 text".into())),
                }
            }
            // A compressed stream cut mid-block: what was read before stands.
            Err(e) => {
                cut = Some(format!("the compressed stream ends early after line {n} ({e})"));
                break;
            }
        }
    }
    let Some((_, first, _)) = raw.first() else {
        return Err(ReadError::Foreign { path: path.to_path_buf() });
    };
    let header: Header = match serde_json::from_str::<Header>(first.trim_end()) {
        Ok(h) if h.format == FORMAT => h,
        _ => return Err(ReadError::Foreign { path: path.to_path_buf() }),
    };
    if header.version > VERSION {
        return Err(ReadError::Version { path: path.to_path_buf(), version: header.version });
    }
    let last = raw.len();
    let mut state = Decoder::new(header.source.clone());
    let mut snapshots = Vec::with_capacity(last);
    for (i, (line_no, text, complete)) in raw.iter().enumerate().skip(1) {
        if text.trim().is_empty() {
            continue;
        }
        let parsed: Result<Line, _> = serde_json::from_str(text.trim_end());
        match parsed {
            Ok(line) => snapshots.push(state.snapshot(line).map_err(|m| at(*line_no, m))?),
            // Only the very last line may be cut off (a crash while writing it).
            Err(e) if i + 1 == last && (!complete || e.is_eof()) => {
                cut = Some(format!("line {line_no} is cut off (the recording stopped while writing it)"));
            }
            Err(e) => {
                return Err(at(*line_no, format!("column {}: {}", e.column(), e)));
            }
        }
    }
    Ok(Recording { header, snapshots, truncated: cut })
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
