//! `e`: the view on screen, as of the instant on screen, written to files: SVG in the theme's
//! colours and plain text (drawn by the UI), and its rows as Markdown tables.

use ratatui::buffer::Buffer;

use crate::ui::theme::Theme;

/// Draw the view at the model's size and write `<stem>.svg`, `.txt` and `.md` into `dir`.
pub fn write_view(
    m: &crate::app::state::Model,
    theme: &Theme,
    dir: &std::path::Path,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let area = ratatui::layout::Rect::new(0, 0, m.display.size.0, m.display.size.1);
    let mut buf = Buffer::empty(area);
    crate::ui::render(m, theme, area, &mut buf);
    let stem = export_stem(m);
    let files = [
        ("svg", crate::ui::export::buffer_to_svg(&buf, theme)),
        ("txt", crate::ui::export::buffer_to_text(&buf)),
        ("md", super::view_markdown::render(m)),
    ];
    let mut written = Vec::new();
    for (ext, text) in files {
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// `fleet-20261118T153700Z`, `detail-orders-mysql-20261118T153700Z`.
pub fn export_stem(m: &crate::app::state::Model) -> String {
    use crate::app::state::Detail;
    let at = crate::ui::chrome::export_instant(m).strftime("%Y%m%dT%H%M%SZ");
    let view = match m.detail() {
        Some(Detail::Instance(arn)) => format!("detail-{}", arn.rsplit(':').next().unwrap_or("instance")),
        Some(Detail::Consumer(id)) => format!("detail-{}", id.group),
        None => m.view.names()[0].to_string(),
    };
    let safe: String = view
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    format!("{safe}-{at}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_e_key_writes_three_reproducible_files_named_by_view_and_instant() {
        let at = "2026-11-18T15:37:00Z".parse().unwrap();
        let cfg = crate::config::Config::default();
        let mut m =
            crate::headless::demo_model(42, 1, at, &cfg, jiff::tz::TimeZone::UTC, vec!["default".into()]);
        crate::headless::select_view(&mut m, "kafka", None).unwrap();
        crate::app::update::update(&mut m, crate::app::msg::Msg::Resize(120, 40), at);
        let themes = crate::ui::theme::ThemeSet::builtin(false);
        let dir = std::env::temp_dir().join(format!("dbfleet-export-{}", std::process::id()));
        let first = write_view(&m, themes.get(0), &dir).unwrap();
        let names: Vec<String> =
            first.iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
        assert_eq!(
            names,
            ["kafka-20261118T153700Z.svg", "kafka-20261118T153700Z.txt", "kafka-20261118T153700Z.md"]
        );
        let read = |files: &[std::path::PathBuf]| {
            files.iter().map(|p| std::fs::read(p).unwrap()).collect::<Vec<_>>()
        };
        let before = read(&first);
        let again = write_view(&m, themes.get(0), &dir).unwrap();
        assert_eq!(read(&again), before, "same model, same bytes");
        let md = String::from_utf8(before[2].clone()).unwrap();
        assert!(
            md.contains("| · billing-cdc-sink / cdc.billing | 12,430 | 18,902 | 4h43m | STALL |"),
            "{md}"
        );
        let txt = String::from_utf8(before[1].clone()).unwrap();
        assert!(txt.contains("billing-cdc-sink") && txt.lines().count() == 40);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
