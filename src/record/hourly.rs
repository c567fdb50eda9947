//! A collector's directory: one recording per UTC hour of polls
//! (`dbfleet-2026-11-24T03.jsonl.zst`; a restart within the hour adds `-1`, `-2`, never
//! truncating), each a complete recording on its own in the `--record` format (header, then
//! a first line with the whole inventory, capabilities and series keys); files past the
//! retention are deleted, only those of this name pattern. Readers stitch consecutive files
//! (`files_between`), so a chart's hours of history span files.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use super::access::Access;
use super::writer::{RecordError, Recorder};
use crate::domain::snapshot::{FleetSnapshot, SourceInfo};

const PREFIX: &str = "dbfleet-";
const SUFFIX: &str = ".jsonl.zst";

/// One hour file of a collector's directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HourFile {
    /// The UTC hour its polls were taken in (its start).
    pub hour: Timestamp,
    /// 0, or the collector's restart within that hour.
    pub part: u32,
    pub path: PathBuf,
}

/// The start of the UTC hour `t` falls in.
pub fn hour_of(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(3600) * 3600).unwrap_or(t)
}

/// `dbfleet-2026-11-24T03.jsonl.zst`, `dbfleet-2026-11-24T03-1.jsonl.zst`.
pub fn file_name(hour: Timestamp, part: u32) -> String {
    let stamp = hour.strftime("%Y-%m-%dT%H");
    if part == 0 { format!("{PREFIX}{stamp}{SUFFIX}") } else { format!("{PREFIX}{stamp}-{part}{SUFFIX}") }
}

/// The hour and part of a name of the pattern; `None` for any other file.
pub fn parse_name(name: &str) -> Option<(Timestamp, u32)> {
    let stem = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (stamp, part) = match stem.get(13..) {
        Some("") => (stem, 0),
        Some(rest) => (&stem[..13], rest.strip_prefix('-')?.parse().ok()?),
        None => return None,
    };
    let civil: jiff::civil::DateTime = format!("{stamp}:00:00").parse().ok()?;
    let hour = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    (file_name(hour, part) == name).then_some((hour, part))
}

/// The directory's hour files, oldest first (other files are left out).
pub fn list(dir: &Path) -> std::io::Result<Vec<HourFile>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some((hour, part)) = name.to_str().and_then(parse_name)
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            out.push(HourFile { hour, part, path: entry.path() });
        }
    }
    out.sort();
    Ok(out)
}

/// The files whose hour overlaps `[from, to]`, oldest first.
pub fn files_between(files: &[HourFile], from: Timestamp, to: Timestamp) -> Vec<HourFile> {
    let (from, to) = (hour_of(from), hour_of(to));
    files.iter().filter(|f| f.hour >= from && f.hour <= to).cloned().collect()
}

/// Files past the retention at `now`: every poll they hold is older than `keep`.
pub fn expired(files: &[HourFile], now: Timestamp, keep: SignedDuration) -> Vec<HourFile> {
    let limit = now.saturating_sub(keep).unwrap_or(now);
    files
        .iter()
        .filter(|f| f.hour.saturating_add(SignedDuration::from_hours(1)).unwrap_or(f.hour) <= limit)
        .cloned()
        .collect()
}

/// Delete the hour files past the retention at `now`; returns those deleted.
pub fn sweep(dir: &Path, now: Timestamp, keep: SignedDuration) -> std::io::Result<Vec<PathBuf>> {
    let mut gone = Vec::new();
    for f in expired(&list(dir)?, now, keep) {
        std::fs::remove_file(&f.path)?;
        gone.push(f.path);
    }
    Ok(gone)
}

/// A recording rotated by hour: each snapshot goes to the file of its UTC hour, a new hour
/// opens a new file with a full first line.
pub struct HourlyRecorder {
    dir: PathBuf,
    access: Access,
    current: Option<(Timestamp, Recorder)>,
}

impl HourlyRecorder {
    pub fn new(dir: &Path, access: Access) -> HourlyRecorder {
        HourlyRecorder { dir: dir.to_path_buf(), access, current: None }
    }

    /// The file being written.
    pub fn path(&self) -> Option<&Path> {
        self.current.as_ref().map(|(_, r)| r.path())
    }

    /// Append `s` to its hour's file; returns the path of a file this opened (and the one it
    /// closed), for the log. After a failed write the next poll opens a new part.
    pub fn append(&mut self, s: &FleetSnapshot, now: Timestamp) -> Result<Option<Rotated>, RecordError> {
        let hour = hour_of(s.taken_at);
        let mut rotated = None;
        if self.current.as_ref().is_none_or(|(h, _)| *h != hour) {
            let closed = match self.current.take() {
                Some((_, r)) => {
                    let p = r.path().to_path_buf();
                    r.finish()?;
                    Some(p)
                }
                None => None,
            };
            let rec = self.open(hour, &s.source, now)?;
            rotated = Some(Rotated { opened: rec.path().to_path_buf(), closed });
            self.current = Some((hour, rec));
        }
        if let Some((_, rec)) = &mut self.current
            && let Err(e) = rec.append(s)
        {
            self.current = None;
            return Err(e);
        }
        Ok(rotated)
    }

    /// A new file for `hour`: the first part of that hour not already on disk.
    fn open(&self, hour: Timestamp, source: &SourceInfo, now: Timestamp) -> Result<Recorder, RecordError> {
        let mut part = 0;
        loop {
            let path = self.dir.join(file_name(hour, part));
            match self.access.create_file(&path) {
                Ok(file) => return Recorder::create_from(file, &path, source.clone(), now),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && part < 10_000 => part += 1,
                Err(source) => return Err(RecordError { path, source }),
            }
        }
    }

    /// Close the current file (its zstd stream gets its end mark).
    pub fn finish(self) -> Result<Option<PathBuf>, RecordError> {
        match self.current {
            Some((_, r)) => {
                let p = r.path().to_path_buf();
                r.finish()?;
                Ok(Some(p))
            }
            None => Ok(None),
        }
    }
}

/// What an append rotated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub opened: PathBuf,
    pub closed: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::demo::DemoSource;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dbfleet-hourly-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn names_round_trip_and_foreign_names_are_not_ours() {
        let h = at("2026-11-24T03:00:00Z");
        assert_eq!(file_name(h, 0), "dbfleet-2026-11-24T03.jsonl.zst");
        assert_eq!(parse_name("dbfleet-2026-11-24T03.jsonl.zst"), Some((h, 0)));
        assert_eq!(parse_name("dbfleet-2026-11-24T03-2.jsonl.zst"), Some((h, 2)));
        assert_eq!(hour_of(at("2026-11-24T03:59:59Z")), h);
        for foreign in [
            "dbfleet-2026-11-24T03.jsonl",
            "dbfleet-2026-11-24T3.jsonl.zst",
            "notes-2026-11-24T03.jsonl.zst",
            "dbfleet-2026-11-24T03-x.jsonl.zst",
            "dbfleet-2026-11-24T03-01.jsonl.zst",
            "dbfleet-2026-13-24T03.jsonl.zst",
        ] {
            assert_eq!(parse_name(foreign), None, "{foreign}");
        }
    }

    /// A poll in a new UTC hour opens a new file whose first line carries the whole inventory,
    /// and each file reads alone; a restart within an hour adds a part, never truncating.
    #[test]
    fn a_new_hour_opens_a_new_complete_file() {
        let dir = tmp("rotate");
        let start = at("2026-11-24T02:58:00Z");
        let mut demo = DemoSource::new(Default::default(), start);
        let mut rec = HourlyRecorder::new(&dir, Access::private());
        let mut opened = Vec::new();
        for m in 0..4 {
            let t = start + SignedDuration::from_mins(m);
            if let Some(r) = rec.append(&demo.snapshot_at(t), t).unwrap() {
                opened.push(r);
            }
        }
        rec.finish().unwrap();
        assert_eq!(opened.len(), 2, "{opened:?}");
        assert_eq!(opened[0].opened, dir.join("dbfleet-2026-11-24T02.jsonl.zst"));
        assert_eq!(opened[1].closed.as_deref(), Some(opened[0].opened.as_path()));
        let files = list(&dir).unwrap();
        assert_eq!(files.iter().map(|f| f.hour).collect::<Vec<_>>(), [at("2026-11-24T02:00:00Z"), h3()]);
        let second = crate::record::read_file(&files[1].path).unwrap();
        assert_eq!(second.snapshots.len(), 2);
        assert_eq!(second.snapshots[0].taken_at, at("2026-11-24T03:00:00Z"));
        assert!(
            !second.snapshots[0].inventory.instances.is_empty(),
            "the inventory in the new file's first line"
        );
        let text = zstd::decode_all(std::fs::File::open(&files[1].path).unwrap()).unwrap();
        let first_line = String::from_utf8(text).unwrap().lines().nth(1).unwrap().to_string();
        assert!(first_line.contains("\"inv\":") && first_line.contains("\"keys\":"), "full first line");
        assert!(truncate_free(&files[0].path));

        // The collector restarted in the 03 hour: a second part beside the first.
        let mut again = HourlyRecorder::new(&dir, Access::private());
        let t = at("2026-11-24T03:30:00Z");
        let r = again.append(&demo.snapshot_at(t), t).unwrap().unwrap();
        again.finish().unwrap();
        assert_eq!(r.opened, dir.join("dbfleet-2026-11-24T03-1.jsonl.zst"));
        assert_eq!(crate::record::read_file(&files[1].path).unwrap().snapshots.len(), 2, "untouched");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn h3() -> Timestamp {
        at("2026-11-24T03:00:00Z")
    }

    fn truncate_free(p: &Path) -> bool {
        crate::record::read_file(p).is_ok_and(|r| r.truncated.is_none())
    }

    /// Files whose every hour is older than `--keep` go; younger ones, the hour still inside
    /// the window and files of other names stay. The clock is an argument.
    #[test]
    fn retention_deletes_only_old_hour_files() {
        let dir = tmp("keep");
        for name in [
            "dbfleet-2026-11-10T02.jsonl.zst",
            "dbfleet-2026-11-10T03.jsonl.zst",
            "dbfleet-2026-11-10T03-1.jsonl.zst",
            "dbfleet-2026-11-10T04.jsonl.zst",
            "dbfleet-2026-11-24T03.jsonl.zst",
            "notes.txt",
            "dbfleet-2026-11-01T00.jsonl",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let now = at("2026-11-24T04:30:00Z");
        let gone = sweep(&dir, now, SignedDuration::from_hours(14 * 24)).unwrap();
        let mut gone: Vec<String> =
            gone.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        gone.sort();
        assert_eq!(
            gone,
            [
                "dbfleet-2026-11-10T02.jsonl.zst",
                "dbfleet-2026-11-10T03-1.jsonl.zst",
                "dbfleet-2026-11-10T03.jsonl.zst"
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "dbfleet-2026-11-01T00.jsonl",
                "dbfleet-2026-11-10T04.jsonl.zst",
                "dbfleet-2026-11-24T03.jsonl.zst",
                "notes.txt"
            ],
            "the 04 hour still holds polls within 14 days; other names are not ours"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn files_between_takes_the_hours_around() {
        let f = |h: &str, part| HourFile { hour: at(h), part, path: PathBuf::new() };
        let files = vec![
            f("2026-11-24T00:00:00Z", 0),
            f("2026-11-24T01:00:00Z", 0),
            f("2026-11-24T02:00:00Z", 0),
            f("2026-11-24T02:00:00Z", 1),
            f("2026-11-24T03:00:00Z", 0),
        ];
        let got = files_between(&files, at("2026-11-24T01:10:00Z"), at("2026-11-24T02:10:00Z"));
        assert_eq!(got, files[1..4].to_vec());
    }
}
