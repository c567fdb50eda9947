//! ASCII fallback for terminals that cannot show Unicode (`TERM=dumb`, a non-UTF-8 locale on
//! an old bastion, `--ascii`): the finished frame is folded to ASCII cell by cell, so every
//! view, border, sparkline and chart degrades the same way without a second set of widgets.

use ratatui::buffer::Buffer;

/// Whether the environment asks for ASCII: `TERM=dumb`, or a locale whose character set is
/// not UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set decides, as in C).
pub fn wanted(term: Option<&str>, lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> bool {
    if term == Some("dumb") {
        return true;
    }
    match [lc_all, lc_ctype, lang].into_iter().flatten().find(|v| !v.is_empty()) {
        // No locale at all: most terminals are UTF-8 today; assume so.
        None => false,
        Some(l) => {
            let l = l.to_ascii_lowercase();
            !(l.contains("utf-8") || l.contains("utf8"))
        }
    }
}

/// One character's ASCII stand-in.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match c {
        // Sparkline and bar heights keep their order: low to high.
        '▁' => '_',
        '▂' => '.',
        '▃' => '-',
        '▄' => '=',
        '▅' => '+',
        '▆' => '*',
        '▇' => '#',
        '█' => '@',
        '░' | '▒' => ':',
        '▓' => '#',
        // Box drawing: horizontals, verticals, and everything that joins them.
        '─' | '━' | '═' | '┄' | '┈' | '╌' => '-',
        '│' | '┃' | '║' | '┆' | '┊' | '╎' | '▏' => '|',
        '\u{2500}'..='\u{257F}' => '+',
        // Braille chart dots: a dot where any is set.
        '\u{2800}' => ' ',
        '\u{2801}'..='\u{28FF}' => '*',
        '●' | '•' | '◆' => '*',
        '◇' | '○' => 'o',
        '▲' | '↑' => '^',
        '▼' | '↓' => 'v',
        '·' => '.',
        '—' | '–' => '-',
        '…' => '~',
        '→' | '›' | '▶' => '>',
        '←' => '<',
        '⚑' => 'P',
        '▣' => '#',
        'ⓘ' => 'i',
        '×' | '✖' => 'x',
        '⏸' => '=',
        '↻' | '⟳' => '@',
        _ => '?',
    }
}

/// Fold every cell of `buf` to ASCII. Wide characters become one `?` (their trailing cells
/// are already blank).
pub fn fold(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if !sym.is_ascii() {
            let folded: String = sym.chars().map(fold_char).take(1).collect();
            cell.set_symbol(if folded.is_empty() { " " } else { &folded });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_and_term_decide() {
        assert!(wanted(Some("dumb"), None, None, Some("en_US.UTF-8")));
        assert!(!wanted(Some("xterm-256color"), None, None, Some("en_US.UTF-8")));
        assert!(wanted(Some("xterm"), None, None, Some("en_US.ISO-8859-1")));
        assert!(wanted(Some("xterm"), Some("C"), None, Some("en_US.UTF-8")), "LC_ALL wins");
        assert!(!wanted(Some("xterm"), Some(""), Some("C.utf8"), None), "an empty LC_ALL is unset");
        assert!(!wanted(Some("xterm"), None, None, None));
    }

    #[test]
    fn sparklines_keep_their_order() {
        let ramp: String = "▁▂▃▄▅▆▇█".chars().map(fold_char).collect();
        assert_eq!(ramp, "_.-=+*#@");
        assert_eq!("┌─┐│└┘├┤".chars().map(fold_char).collect::<String>(), "+-+|++++");
    }
}
