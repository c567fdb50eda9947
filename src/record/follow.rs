//! Reads a recording a little at a time, like `tail -f`: each `read_new` takes the bytes
//! appended since the last one, decompresses them as they come (a zstd stream flushed every
//! poll can be read up to its last flush, mid-frame) and decodes the complete lines. A line
//! cut mid-way (the writer is between two writes) is kept and completed by the next read,
//! never reported as corrupt. `read_file` is this reader read once to the end.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use zstd::stream::raw::{Decoder, InBuffer, Operation, OutBuffer};

use super::reader::{LineDecoder, ReadError, Recording};
use crate::domain::snapshot::FleetSnapshot;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
const CHUNK: usize = 64 * 1024;

/// How the file's bytes become text: known once its first four bytes are there.
enum Form {
    Unknown(Vec<u8>),
    Plain,
    /// `open`: a frame is being decoded (the writer has not ended it).
    Zstd {
        decoder: Box<Decoder<'static>>,
        open: bool,
    },
}

/// A whole recording: the file read once to its end.
pub fn read_file(path: &Path) -> Result<Recording, ReadError> {
    let mut follow = FollowReader::open(path)?;
    let snapshots = follow.read_new()?;
    follow.finish(snapshots)
}

pub struct FollowReader {
    path: PathBuf,
    file: File,
    form: Form,
    /// Decoded text of a line not yet complete.
    pending: Vec<u8>,
    lines: LineDecoder,
    /// Why the compressed stream cannot be read further (corrupt), if it cannot.
    broken: Option<String>,
    /// Bytes of the file read so far.
    pub offset: u64,
}

impl FollowReader {
    pub fn open(path: &Path) -> Result<FollowReader, ReadError> {
        let file = File::open(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
        Ok(FollowReader {
            path: path.to_path_buf(),
            file,
            form: Form::Unknown(Vec::new()),
            pending: Vec::new(),
            lines: LineDecoder::new(path),
            broken: None,
            offset: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header, once its line has been read.
    pub fn header(&self) -> Option<&super::format::Header> {
        self.lines.header()
    }

    /// Why the compressed stream stopped being readable, if it did.
    pub fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// The snapshots of the lines completed since the last call (none: nothing new yet).
    pub fn read_new(&mut self) -> Result<Vec<FleetSnapshot>, ReadError> {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match self.file.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(ReadError::Io { path: self.path.clone(), source }),
            };
            if n == 0 {
                break;
            }
            self.offset += n as u64;
            self.ingest(&buf[..n]);
        }
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(i) = self.pending[start..].iter().position(|b| *b == b'\n') {
            let end = start + i + 1;
            if let Some(s) = self.lines.line(&self.pending[start..end], false)? {
                out.push(s);
            }
            start = end;
        }
        self.pending.drain(..start);
        Ok(out)
    }

    /// Raw bytes from the file into decoded text.
    fn ingest(&mut self, bytes: &[u8]) {
        if self.broken.is_some() {
            return;
        }
        if let Form::Unknown(head) = &mut self.form {
            head.extend_from_slice(bytes);
            if head.len() < ZSTD_MAGIC.len() {
                return;
            }
            let head = std::mem::take(head);
            self.form = if head[..4] == ZSTD_MAGIC {
                match Decoder::new() {
                    Ok(d) => Form::Zstd { decoder: Box::new(d), open: false },
                    Err(e) => {
                        self.broken = Some(format!("cannot decompress ({e})"));
                        return;
                    }
                }
            } else {
                Form::Plain
            };
            return self.ingest(&head);
        }
        match &mut self.form {
            Form::Unknown(_) => {}
            Form::Plain => self.pending.extend_from_slice(bytes),
            Form::Zstd { decoder, open } => {
                let mut input = InBuffer::around(bytes);
                let mut out = vec![0u8; CHUNK];
                loop {
                    let mut output = OutBuffer::around(out.as_mut_slice());
                    match decoder.run(&mut input, &mut output) {
                        // 0: a frame ended and everything in it is out.
                        Ok(hint) => *open = hint != 0,
                        Err(e) => {
                            self.broken = Some(format!(
                                "the compressed stream is corrupt after line {} ({e})",
                                self.lines.lines
                            ));
                            return;
                        }
                    }
                    let written = output.pos();
                    self.pending.extend_from_slice(&out[..written]);
                    if input.pos == input.src.len() && written < out.len() {
                        break;
                    }
                }
            }
        }
    }

    /// Read to the end and take what the file holds as a whole recording: a last line
    /// without its newline is cut off (dropped, with a notice), as is a compressed stream that
    /// ends mid-frame or turns corrupt.
    pub fn finish(mut self, mut snapshots: Vec<FleetSnapshot>) -> Result<Recording, ReadError> {
        if let Form::Unknown(head) = &mut self.form {
            let head = std::mem::take(head);
            self.pending.extend_from_slice(&head);
            self.form = Form::Plain;
        }
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty()
            && let Some(s) = self.lines.line(&rest, true)?
        {
            snapshots.push(s);
        }
        if let Some(why) = self.broken.take() {
            self.lines.cut(why);
        } else if matches!(self.form, Form::Zstd { open: true, .. }) && rest.is_empty() {
            self.lines.cut(format!(
                "the compressed stream ends early after line {} (the recording was still being written)",
                self.lines.lines
            ));
        }
        self.lines.finish(snapshots)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::domain::snapshot::{SourceInfo, SourceKind};
    use crate::record::Recorder;

    fn info() -> SourceInfo {
        SourceInfo { kind: SourceKind::Demo, label: "t".into(), regions: vec![], accounts: vec![] }
    }

    fn polls(n: usize) -> Vec<FleetSnapshot> {
        let start: jiff::Timestamp = "2026-11-24T03:00:00Z".parse().unwrap();
        let mut demo = crate::source::demo::DemoSource::new(Default::default(), start);
        (0..n).map(|i| demo.snapshot_at(start + jiff::SignedDuration::from_mins(i as i64))).collect()
    }

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dbfleet-follow-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// A plain recording written in pieces, one cut mid-line: the reader waits for the rest
    /// and then reads the line whole, never calling it corrupt.
    #[test]
    fn a_line_cut_mid_way_waits_for_the_rest() {
        let path = tmp("cut.jsonl");
        let snaps = polls(3);
        let mut r = Recorder::create(&path, info(), snaps[0].taken_at).unwrap();
        for s in &snaps {
            r.append(s).unwrap();
        }
        r.finish().unwrap();
        let whole = std::fs::read(&path).unwrap();
        let third_line = whole.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(2).unwrap().0 + 1;
        let cut = third_line + 40;
        std::fs::write(&path, &whole[..cut]).unwrap();
        let mut f = FollowReader::open(&path).unwrap();
        assert_eq!(f.read_new().unwrap().len(), 2, "header and two polls whole; the third is cut");
        assert_eq!(f.read_new().unwrap().len(), 0, "nothing new: still waiting");
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&whole[cut..]).unwrap();
        let rest = f.read_new().unwrap();
        assert_eq!(rest.len(), 1, "the cut line completed by the next read");
        assert_eq!(rest[0].taken_at, snaps[2].taken_at);
        assert_eq!(rest[0].inventory, snaps[2].inventory);
    }

    /// A zstd stream read while its writer is mid-frame (flushed every poll, never finished),
    /// then cut inside a block: every flushed poll reads, the cut one waits, and the rest of
    /// the bytes complete it.
    #[test]
    fn a_zstd_stream_cut_mid_frame_reads_up_to_the_cut_and_resumes() {
        let path = tmp("cut.jsonl.zst");
        let snaps = polls(4);
        let mut r = Recorder::create(&path, info(), snaps[0].taken_at).unwrap();
        r.append(&snaps[0]).unwrap();
        r.append(&snaps[1]).unwrap();
        let mut f = FollowReader::open(&path).unwrap();
        assert_eq!(f.read_new().unwrap().len(), 2, "both flushed polls read before the frame ends");
        let before = std::fs::metadata(&path).unwrap().len() as usize;
        r.append(&snaps[2]).unwrap();
        r.append(&snaps[3]).unwrap();
        r.finish().unwrap();
        let whole = std::fs::read(&path).unwrap();
        // Keep the new bytes aside and put back only part of the third poll's block.
        let cut = before + (whole.len() - before) / 4;
        std::fs::write(&path, &whole[..cut]).unwrap();
        let got = f.read_new().unwrap();
        assert!(got.len() < 2, "a block cut mid-way is not read whole: {}", got.len());
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&whole[cut..]).unwrap();
        let rest = f.read_new().unwrap();
        assert_eq!(got.len() + rest.len(), 2, "the two later polls, once the bytes are there");
        assert_eq!(rest.last().unwrap().taken_at, snaps[3].taken_at);
        assert!(f.broken().is_none());
        let rec = f.finish(Vec::new()).unwrap();
        assert!(rec.truncated.is_none(), "a finished stream is whole: {:?}", rec.truncated);
    }
}
