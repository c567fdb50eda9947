//! Typed errors for user input (config, flags) with messages that name the file, line and field.

use std::path::{Path, PathBuf};

/// 1-based line and column of a byte offset in a text.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where a TOML error is, as `file:line:col`, and its message on one line.
pub fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> String {
    let loc = match err.span() {
        Some(span) => {
            let (l, c) = line_col(text, span.start);
            format!("{}:{l}:{c}", path.display())
        }
        None => path.display().to_string(),
    };
    format!("{loc}: {}", err.message().trim().replace('\n', " "))
}

/// 1-based line where a dotted field (`kafka.window_minutes`) is set in a TOML text: under
/// its `[table]` header, as a dotted key, or as the table header itself when the key is not
/// written (a value that fails validation is always written, or defaults are valid).
pub fn field_line(text: &str, dotted: &str) -> Option<usize> {
    let mut table = String::new();
    let mut header_line = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = h.trim().trim_start_matches('[').trim().to_string();
            if dotted.starts_with(&format!("{table}.")) && header_line.is_none() {
                header_line = Some(i + 1);
            }
            continue;
        }
        let Some((key, _)) = line.split_once('=') else { continue };
        let key: String = key.split('.').map(|k| k.trim().trim_matches('"')).collect::<Vec<_>>().join(".");
        let full = if table.is_empty() { key } else { format!("{table}.{key}") };
        if full == dotted || dotted.starts_with(&format!("{full}.")) {
            return Some(i + 1);
        }
    }
    header_line
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Parse(String),
    #[error("{path}: field '{field}': {message}")]
    Invalid { path: String, field: String, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 8), (2, 3));
    }

    #[test]
    fn finds_the_line_of_a_dotted_field() {
        let t = "refresh_seconds = 0\n\n[kafka]\nmin_points = 3\nwindow_minutes = 1\n[demo]\nspeed = 0\n";
        assert_eq!(field_line(t, "refresh_seconds"), Some(1));
        assert_eq!(field_line(t, "kafka.window_minutes"), Some(5));
        assert_eq!(field_line(t, "demo.speed"), Some(7));
        assert_eq!(field_line(t, "kafka.idle_lag_max"), Some(3), "unwritten: its table's header");
        assert_eq!(field_line("thresholds.cpu_percent = { warn = 1 }", "thresholds.cpu_percent"), Some(1));
        assert_eq!(field_line(t, "rules.x"), None);
    }
}
