//! Loading themes: the builtin TOML files and the user's, parsed with errors that name the
//! file and line, resolved against their `parent` chain, and gathered in a `ThemeSet` that
//! `--theme` selects from by name or path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use super::{Slot, Theme};
use crate::errors::{line_col, toml_error};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    #[error("{0}")]
    Parse(String),
    #[error("{file}:{line}: {message}")]
    Field { file: String, line: usize, message: String },
    #[error("{file}: parent '{parent}' not found")]
    UnknownParent { file: String, parent: String },
    #[error("{file}: parent cycle: {chain}")]
    Cycle { file: String, chain: String },
    #[error("{file}: slots missing after inheritance: {missing}")]
    Missing { file: String, missing: String },
    #[error("theme '{name}' not found (available: {available})")]
    NotFound { name: String, available: String },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotDef {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    slots: BTreeMap<Spanned<String>, SlotDef>,
}

/// A theme file parsed but not yet resolved against its parent.
#[derive(Debug, Clone)]
struct RawTheme {
    name: String,
    file: String,
    parent: Option<String>,
    slots: [Option<Style>; 19],
}

fn colour(file: &str, text: &str, slot: &str, field: &str, v: &Spanned<String>) -> Result<Color, ThemeError> {
    Color::from_str(v.get_ref()).map_err(|_| ThemeError::Field {
        file: file.into(),
        line: line_col(text, v.span().start).0,
        message: format!(
            "slot '{slot}' {field}: invalid colour {:?} (a name, #rrggbb or 0-255)",
            v.get_ref()
        ),
    })
}

fn parse(file: &str, stem: &str, text: &str) -> Result<RawTheme, ThemeError> {
    let tf: ThemeFile =
        toml::from_str(text).map_err(|e| ThemeError::Parse(toml_error(Path::new(file), text, &e)))?;
    let mut slots: [Option<Style>; 19] = [None; 19];
    for (key, def) in &tf.slots {
        let name = key.get_ref();
        let slot = Slot::from_name(name).ok_or_else(|| ThemeError::Field {
            file: file.into(),
            line: line_col(text, key.span().start).0,
            message: format!(
                "unknown slot '{name}', expected one of {}",
                Slot::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
            ),
        })?;
        let mut style = Style::default();
        if let Some(fg) = &def.fg {
            style = style.fg(colour(file, text, name, "fg", fg)?);
        }
        if let Some(bg) = &def.bg {
            style = style.bg(colour(file, text, name, "bg", bg)?);
        }
        for (flag, m) in [
            (def.bold, Modifier::BOLD),
            (def.dim, Modifier::DIM),
            (def.italic, Modifier::ITALIC),
            (def.underline, Modifier::UNDERLINED),
            (def.reversed, Modifier::REVERSED),
        ] {
            style = match flag {
                Some(true) => style.add_modifier(m),
                Some(false) => style.remove_modifier(m),
                None => style,
            };
        }
        slots[slot.index()] = Some(style);
    }
    Ok(RawTheme {
        name: tf.name.unwrap_or_else(|| stem.to_string()),
        file: file.into(),
        parent: tf.parent,
        slots,
    })
}

/// Fill a theme's slots from its parent chain.
fn resolve(raw: &RawTheme, all: &[RawTheme]) -> Result<Theme, ThemeError> {
    let mut slots = raw.slots;
    let mut chain = vec![raw.name.clone()];
    let mut current = raw;
    while let Some(p) = &current.parent {
        if chain.contains(p) {
            chain.push(p.clone());
            return Err(ThemeError::Cycle { file: raw.file.clone(), chain: chain.join(" -> ") });
        }
        let parent = all
            .iter()
            .find(|t| &t.name == p)
            .ok_or_else(|| ThemeError::UnknownParent { file: current.file.clone(), parent: p.clone() })?;
        for (s, ps) in slots.iter_mut().zip(parent.slots.iter()) {
            if s.is_none() {
                *s = *ps;
            }
        }
        chain.push(p.clone());
        current = parent;
    }
    let missing: Vec<&str> =
        Slot::ALL.iter().zip(slots.iter()).filter(|(_, s)| s.is_none()).map(|(n, _)| n.name()).collect();
    if !missing.is_empty() {
        return Err(ThemeError::Missing { file: raw.file.clone(), missing: missing.join(", ") });
    }
    Ok(Theme { name: raw.name.clone(), styles: slots.map(|s| s.unwrap_or_default()), no_color: false })
}

const BUILTINS: [(&str, &str); 5] = [
    ("default", include_str!("../../../themes/default.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    ("high-contrast", include_str!("../../../themes/high-contrast.toml")),
    ("colorblind", include_str!("../../../themes/colorblind.toml")),
    ("mono", include_str!("../../../themes/mono.toml")),
];

#[derive(Debug, Clone)]
pub struct ThemeSet {
    raw: Vec<RawTheme>,
    themes: Vec<Theme>,
    no_color: bool,
}

impl ThemeSet {
    fn from_raw(raw: Vec<RawTheme>, no_color: bool) -> Result<ThemeSet, ThemeError> {
        let mut themes = Vec::with_capacity(raw.len());
        for r in &raw {
            let mut t = resolve(r, &raw)?;
            if no_color {
                t.strip_colour();
            }
            themes.push(t);
        }
        Ok(ThemeSet { raw, themes, no_color })
    }

    fn builtin_raw() -> Vec<RawTheme> {
        BUILTINS
            .iter()
            .filter_map(|(name, text)| parse(&format!("themes/{name}.toml"), name, text).ok())
            .collect()
    }

    /// The embedded themes. They are tested to parse and resolve; a broken one is left out
    /// rather than crashing the program.
    pub fn builtin(no_color: bool) -> ThemeSet {
        let raw = ThemeSet::builtin_raw();
        ThemeSet::from_raw(raw.clone(), no_color).unwrap_or_else(|_| ThemeSet {
            themes: vec![Theme { name: "fallback".into(), styles: [Style::default(); 19], no_color }],
            raw,
            no_color,
        })
    }

    /// Builtins, then the user's `*.toml` files in `user_dir`: one named like a builtin
    /// replaces it, others are added (sorted by name).
    pub fn load(user_dir: Option<&Path>, no_color: bool) -> Result<ThemeSet, ThemeError> {
        let mut raw = ThemeSet::builtin_raw();
        if let Some(dir) = user_dir {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| ThemeError::Io { file: dir.display().to_string(), message: e.to_string() })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            let mut added = Vec::new();
            for path in files {
                let t = read_theme(&path)?;
                match raw.iter_mut().find(|r| r.name == t.name) {
                    Some(slot) => *slot = t,
                    None => added.push(t),
                }
            }
            added.sort_by(|a, b| a.name.cmp(&b.name));
            raw.extend(added);
        }
        ThemeSet::from_raw(raw, no_color)
    }

    pub fn names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.themes.iter().position(|t| t.name == name)
    }

    pub fn get(&self, index: usize) -> &Theme {
        &self.themes[index % self.themes.len()]
    }

    pub fn len(&self) -> usize {
        self.themes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }

    /// `--theme NAME|PATH`: a theme in the set, or a file added to it. Returns its index.
    pub fn select(&mut self, name_or_path: &str) -> Result<usize, ThemeError> {
        if let Some(i) = self.index_of(name_or_path) {
            return Ok(i);
        }
        let path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || path.is_file() {
            let t = read_theme(path)?;
            let mut raw = self.raw.clone();
            raw.retain(|r| r.name != t.name);
            raw.push(t.clone());
            let mut theme = resolve(&t, &raw)?;
            if self.no_color {
                theme.strip_colour();
            }
            self.raw = raw;
            self.themes.retain(|x| x.name != theme.name);
            self.themes.push(theme);
            return Ok(self.themes.len() - 1);
        }
        Err(ThemeError::NotFound { name: name_or_path.into(), available: self.names().join(", ") })
    }
}

fn read_theme(path: &Path) -> Result<RawTheme, ThemeError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ThemeError::Io { file: file.clone(), message: e.to_string() })?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("theme");
    parse(&file, stem, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_fills_every_slot() {
        assert_eq!(ThemeSet::builtin_raw().len(), BUILTINS.len(), "a builtin failed to parse");
        for r in ThemeSet::builtin_raw() {
            resolve(&r, &ThemeSet::builtin_raw()).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        }
        let set = ThemeSet::load(None, false).unwrap();
        assert_eq!(set.names(), vec!["default", "light", "high-contrast", "colorblind", "mono"]);
    }

    #[test]
    fn child_inherits_unset_slots() {
        let set = ThemeSet::builtin(false);
        let cb = set.get(set.index_of("colorblind").unwrap());
        let def = set.get(0);
        assert_ne!(cb.style(Slot::Crit), def.style(Slot::Crit));
        assert_eq!(cb.style(Slot::Text), def.style(Slot::Text));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e =
            parse("x.toml", "x", "parent = \"default\"\n[slots]\ncrit = { colour = \"red\" }\n").unwrap_err();
        assert!(e.to_string().starts_with("x.toml:3:"), "{e}");
        assert!(e.to_string().contains("colour"), "{e}");
        let e = parse("x.toml", "x", "[slots]\n\nwarn = { fg = \"purplish\" }\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.toml:3: slot 'warn' fg: invalid colour \"purplish\" (a name, #rrggbb or 0-255)"
        );
        let e = parse("x.toml", "x", "[slots]\nwarning = { fg = \"red\" }\n").unwrap_err();
        assert!(e.to_string().starts_with("x.toml:2: unknown slot 'warning'"), "{e}");
        let r = parse("x.toml", "x", "parent = \"nope\"\n").unwrap();
        assert_eq!(
            resolve(&r, std::slice::from_ref(&r)).unwrap_err().to_string(),
            "x.toml: parent 'nope' not found"
        );
        let r = parse("x.toml", "x", "[slots]\ncrit = { fg = \"red\" }\n").unwrap();
        assert!(resolve(&r, &[]).unwrap_err().to_string().contains("slots missing after inheritance: text"));
        let a = parse("a.toml", "a", "parent = \"b\"\n").unwrap();
        let b = parse("b.toml", "b", "parent = \"a\"\n").unwrap();
        assert!(matches!(resolve(&a, &[a.clone(), b]), Err(ThemeError::Cycle { .. })));
    }

    #[test]
    fn no_color_strips_every_colour() {
        let set = ThemeSet::builtin(true);
        for i in 0..set.len() {
            for s in Slot::ALL {
                let st = set.get(i).style(s);
                assert!(st.fg.is_none() && st.bg.is_none(), "{} {}", set.get(i).name(), s.name());
            }
        }
        // Modifiers survive: selection is still visible.
        let hc = set.get(set.index_of("high-contrast").unwrap());
        assert!(hc.style(Slot::Selection).add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn user_dir_overrides_and_select_by_path() {
        let dir = std::env::temp_dir().join(format!("dbfleet-theme-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("default.toml"), BUILTINS[0].1.replace("#ff5f5f", "#ff0000")).unwrap();
        std::fs::write(dir.join("ocean.toml"), "parent = \"default\"\n[slots]\nok = { fg = \"blue\" }\n")
            .unwrap();
        let mut set = ThemeSet::load(Some(&dir), false).unwrap();
        assert_eq!(set.get(0).style(Slot::Crit).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(set.names().last(), Some(&"ocean"));
        let path = dir.join("night.toml");
        std::fs::write(&path, "parent = \"light\"\n[slots]\nwarn = { fg = \"208\" }\n").unwrap();
        let i = set.select(path.to_str().unwrap()).unwrap();
        assert_eq!(set.get(i).name(), "night");
        assert_eq!(set.get(i).style(Slot::Warn).fg, Some(Color::Indexed(208)));
        assert!(matches!(set.select("nope"), Err(ThemeError::NotFound { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
