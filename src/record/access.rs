//! Who may read a collector's directory: its owner only (0700, files 0600), or also a group
//! (`--group NAME`: 0750/0640, chowned to it) for read-only sharing. Modes are set explicitly
//! after creating, so the umask never widens or narrows them; an existing directory is set
//! to the mode asked for (tightened when wider), or refused when that is not ours to do.
//! Viewers that cannot read say so with the path and the group to ask for (`explain`).

use std::fs::{File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("--group {0}: no such group on this machine")]
    NoGroup(String),
    #[error("--group {name}: {source}")]
    GroupLookup { name: String, source: io::Error },
    #[error("{}: {what}: {source}", .path.display())]
    Io { path: std::path::PathBuf, what: String, source: io::Error },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Access {
    /// The group files are shared with (name, gid); none: the owner only.
    pub group: Option<(String, u32)>,
}

impl Access {
    pub fn private() -> Access {
        Access { group: None }
    }

    /// Shared read-only with the group `name` (looked up in the system's group database).
    pub fn shared(name: &str) -> Result<Access, AccessError> {
        let group = nix::unistd::Group::from_name(name)
            .map_err(|e| AccessError::GroupLookup { name: name.into(), source: e.into() })?
            .ok_or_else(|| AccessError::NoGroup(name.into()))?;
        Ok(Access { group: Some((group.name, group.gid.as_raw())) })
    }

    pub fn dir_mode(&self) -> u32 {
        if self.group.is_some() { 0o750 } else { 0o700 }
    }

    pub fn file_mode(&self) -> u32 {
        if self.group.is_some() { 0o640 } else { 0o600 }
    }

    fn gid(&self) -> Option<u32> {
        self.group.as_ref().map(|g| g.1)
    }

    /// Create `dir` (and its parents) with the directory mode, or bring an existing one to it.
    /// Returns what was changed on an existing directory, for the log.
    pub fn prepare_dir(&self, dir: &Path) -> Result<Option<String>, AccessError> {
        let io = |what: &str| {
            let what = what.to_string();
            move |source| AccessError::Io { path: dir.to_path_buf(), what, source }
        };
        let mode = self.dir_mode();
        let existed = dir.exists();
        if !existed {
            std::fs::DirBuilder::new().recursive(true).mode(mode).create(dir).map_err(io("create"))?;
        }
        let meta = std::fs::metadata(dir).map_err(io("stat"))?;
        if !meta.is_dir() {
            return Err(io("not a directory")(io::Error::from(io::ErrorKind::NotADirectory)));
        }
        let before = meta.mode() & 0o777;
        let mut changed = None;
        if before != mode {
            std::fs::set_permissions(dir, Permissions::from_mode(mode)).map_err(|e| {
                io(&format!(
                    "mode {before:04o} is {} than {mode:04o} and cannot be changed (not its owner?): \
                     chmod {mode:o} it or choose another directory",
                    if before & !mode != 0 { "wider" } else { "other" }
                ))(e)
            })?;
            if existed {
                changed = Some(format!("mode {before:04o} -> {mode:04o}"));
            }
        }
        if let Some(gid) = self.gid()
            && meta.gid() != gid
        {
            std::os::unix::fs::chown(dir, None, Some(gid)).map_err(io("chown to the --group"))?;
        }
        Ok(changed)
    }

    /// Create a new file (never truncating one) with the file mode and group.
    pub fn create_file(&self, path: &Path) -> io::Result<File> {
        let file = OpenOptions::new().write(true).create_new(true).mode(self.file_mode()).open(path)?;
        self.apply(path)?;
        Ok(file)
    }

    /// Give an existing file the file mode and group.
    pub fn apply(&self, path: &Path) -> io::Result<()> {
        std::fs::set_permissions(path, Permissions::from_mode(self.file_mode()))?;
        if let Some(gid) = self.gid() {
            std::os::unix::fs::chown(path, None, Some(gid))?;
        }
        Ok(())
    }
}

/// A viewer's error reading a collector's `path`, said plainly: permission denied names the
/// group that may read it (the owner's only: ask for the collector's `--group`).
pub fn explain(path: &Path, e: &io::Error) -> String {
    if e.kind() != io::ErrorKind::PermissionDenied {
        return format!("{}: {e}", path.display());
    }
    let owner =
        std::fs::metadata(path).ok().or_else(|| path.parent().and_then(|p| std::fs::metadata(p).ok()));
    let hint = match owner {
        Some(m) if m.mode() & 0o040 != 0 => {
            let gid = nix::unistd::Gid::from_raw(m.gid());
            let name = nix::unistd::Group::from_gid(gid)
                .ok()
                .flatten()
                .map_or_else(|| format!("gid {}", m.gid()), |g| g.name);
            format!("it is shared with the group {name}: ask to be added to it (then log in again)")
        }
        _ => "it is readable by its owner only: ask for the collector to run with --group NAME \
              and to be added to that group"
            .to_string(),
    };
    format!("{}: permission denied; {hint}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dbfleet-access-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().mode() & 0o777
    }

    /// The current user's primary group, by name: what a test may chown to.
    fn my_group() -> String {
        let gid = nix::unistd::getgid();
        nix::unistd::Group::from_gid(gid).unwrap().expect("the primary group has a name").name
    }

    /// 0700/0600 under umask 000 (nothing wider), 0750/0640 and the group with `--group`,
    /// and an existing directory that is too wide is tightened.
    #[test]
    fn modes_hold_whatever_the_umask() {
        use nix::sys::stat::{Mode, umask};
        let old = umask(Mode::empty());
        let dir = tmp("private").join("nested");
        let private = Access::private();
        let result = private.prepare_dir(&dir).map(|_| private.create_file(&dir.join("f")));
        umask(old);
        result.unwrap().unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("f")), 0o600);
        assert!(private.create_file(&dir.join("f")).is_err(), "an existing file is never truncated");

        let shared = Access::shared(&my_group()).unwrap();
        let sdir = tmp("shared");
        let old = umask(Mode::from_bits_truncate(0o077));
        let result = shared.prepare_dir(&sdir).map(|_| shared.create_file(&sdir.join("f")));
        umask(old);
        result.unwrap().unwrap();
        assert_eq!(mode(&sdir), 0o750, "the umask 077 does not narrow the group's read");
        assert_eq!(mode(&sdir.join("f")), 0o640);
        let gid = nix::unistd::getgid().as_raw();
        assert_eq!(std::fs::metadata(sdir.join("f")).unwrap().gid(), gid);

        // A directory left world-readable is tightened, and says so.
        std::fs::set_permissions(&dir, Permissions::from_mode(0o755)).unwrap();
        let changed = private.prepare_dir(&dir).unwrap();
        assert_eq!(changed.as_deref(), Some("mode 0755 -> 0700"));
        assert_eq!(mode(&dir), 0o700);
        assert!(matches!(Access::shared("no-such-group-dbfleet"), Err(AccessError::NoGroup(_))));
        let _ = std::fs::remove_dir_all(tmp("private"));
        let _ = std::fs::remove_dir_all(sdir);
    }

    #[test]
    fn permission_denied_names_the_group_to_ask_for() {
        let dir = tmp("denied");
        Access::shared(&my_group()).unwrap().prepare_dir(&dir).unwrap();
        let e = io::Error::from(io::ErrorKind::PermissionDenied);
        let text = explain(&dir, &e);
        assert!(text.contains("permission denied"), "{text}");
        assert!(text.contains(&format!("the group {}", my_group())), "{text}");
        let private = tmp("denied-private");
        Access::private().prepare_dir(&private).unwrap();
        assert!(explain(&private, &e).contains("--group"), "{}", explain(&private, &e));
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::remove_dir_all(private);
    }
}
