//! The layer rules of ARCHITECTURE.md, checked on the source tree: every `crate::` path in
//! `src/` (test modules aside) points to a lower layer or within its own, and the modules
//! inside a layer form no circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. A module may import only from a lower rank.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("errors", 1),
    ("memory", 1),
    ("cli", 2),
    ("config", 2),
    ("record", 2),
    ("source", 3),
    ("app", 4),
    ("ui", 5),
    ("report", 6),
    ("dashboard", 7),
    ("headless", 7),
    ("doctor", 7),
    ("tui", 7),
    ("session", 8),
    ("collect", 8),
];

fn rank(top: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == top).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/app/keys.rs` -> ["app", "keys"]; `mod.rs` is its folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code before the file's `#[cfg(test)] mod` (tests may reach anywhere; they come last),
/// comments dropped.
fn production_code(text: &str) -> String {
    let mut end = text.len();
    for (i, _) in text.match_indices("#[cfg(test)]") {
        let next = text[i + "#[cfg(test)]".len()..].trim_start();
        // `mod tests { .. }` runs to the end; `mod tests;` (a file of its own) is skipped.
        if next.starts_with("mod ") && next.lines().next().is_some_and(|l| l.contains('{')) {
            end = i;
            break;
        }
    }
    text[..end].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn is_module_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
}

/// The module paths a `use` tree names: `a::b::{c, d::E}` -> a::b::c, a::b::d (types and
/// functions end a path: only lower-case segments that lead somewhere are kept, which may
/// keep a function name; it then names no module and is ignored by the checks).
fn expand(prefix: &[String], tree: &str, out: &mut BTreeSet<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut rest = tree.trim();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's items at top-level commas.
            let (mut depth, mut start) = (0, 0);
            let body = &group[..matching_brace(group)];
            for (i, c) in body.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&path, &body[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&path, &body[start..], out);
            return;
        }
        let seg: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !is_module_name(&seg) {
            break;
        }
        path.push(seg.clone());
        match rest[seg.len()..].strip_prefix("::") {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    if !path.is_empty() {
        out.insert(path);
    }
}

fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

/// Every module path this code names through `crate::`, and the sibling modules it names
/// through `super::` (for files one level down).
fn references(code: &str, module: &[String]) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        expand(&[], &code[i + "crate::".len()..], &mut out);
    }
    if module.len() == 2 {
        for (i, _) in code.match_indices("super::") {
            let mut names = BTreeSet::new();
            expand(&[], &code[i + "super::".len()..], &mut names);
            for n in names {
                out.insert(std::iter::once(module[0].clone()).chain(n.into_iter().take(1)).collect());
            }
        }
    }
    out
}

struct Graph {
    /// (top module) -> top modules it imports.
    tops: BTreeMap<String, BTreeSet<String>>,
    /// (top::second) -> top::second modules of the same top it imports.
    inner: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g = Graph { tops: BTreeMap::new(), inner: BTreeMap::new() };
    for f in files {
        let module = module_of(&src, &f);
        // Test files (`tests.rs`, `*_tests.rs`) may reach anywhere, like inline test modules.
        let is_tests = module.last().is_some_and(|m| m == "tests" || m.ends_with("_tests"));
        if module.is_empty() || module == ["lib"] || module == ["main"] || is_tests {
            continue;
        }
        let code = production_code(&std::fs::read_to_string(&f).unwrap());
        let here = module[..module.len().min(2)].join("::");
        for r in references(&code, &module) {
            if r[0] != module[0] {
                g.tops.entry(module[0].clone()).or_default().insert(r[0].clone());
            } else if r.len() >= 2 {
                let there = r[..2].join("::");
                if there != here && module.len() >= 2 {
                    g.inner.entry(here.clone()).or_default().insert(there);
                }
            }
        }
    }
    g
}

fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(m.clone());
                    found.push(c);
                }
                Some(_) => {}
                None => visit(m, edges, state, stack, found),
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
    }
    let (mut state, mut found) = (BTreeMap::new(), Vec::new());
    for n in edges.keys() {
        if !state.contains_key(n.as_str()) {
            visit(n, edges, &mut state, &mut Vec::new(), &mut found);
        }
    }
    found
}

#[test]
fn every_import_points_down_a_layer() {
    let g = graph();
    assert!(g.tops.contains_key("app") && g.tops.contains_key("ui"), "the scan found the tree: {:?}", g.tops);
    let mut wrong = Vec::new();
    for (from, tos) in &g.tops {
        let Some(rf) = rank(from) else {
            wrong.push(format!("{from}: not in LAYERS (add it, and to ARCHITECTURE.md)"));
            continue;
        };
        for to in tos {
            match rank(to) {
                Some(rt) if rt < rf => {}
                Some(_) => wrong.push(format!("{from} imports {to}: not a lower layer")),
                None => wrong.push(format!("{from} imports {to}: not in LAYERS")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn modules_inside_a_layer_form_no_circle() {
    let g = graph();
    assert!(!g.inner.is_empty(), "the scan saw modules inside layers");
    let found = cycles(&g.inner);
    let text: Vec<String> = found.iter().map(|c| c.join(" -> ")).collect();
    assert!(found.is_empty(), "circles:\n{}", text.join("\n"));
}

#[test]
fn the_scan_sees_groups_and_super_paths() {
    let module = vec!["app".to_string(), "keys".to_string()];
    let code = "use crate::{domain::model::X, ui::{chrome, views::Y}};\nuse super::{state::Model, keymap};";
    let r = references(code, &module);
    let want: BTreeSet<Vec<String>> = [
        vec!["domain", "model"],
        vec!["ui", "chrome"],
        vec!["ui", "views"],
        vec!["app", "state"],
        vec!["app", "keymap"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    assert_eq!(r, want);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&edges).len(), 1, "a circle is found");
}
