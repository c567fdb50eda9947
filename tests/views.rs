//! Every view rendered off-screen at 80x24 and 160x48 from the seeded demo fleet and
//! snapshotted (insta), plus cell-style checks that severities get their theme colours.

use dbfleet::app::action::ViewId;
use dbfleet::app::msg::Msg;
use dbfleet::app::state::Model;
use dbfleet::app::update::update;
use dbfleet::config::Config;
use dbfleet::headless::{demo_model, render_buffer, select_view};
use dbfleet::ui::export::buffer_to_text;
use dbfleet::ui::theme::{Slot, ThemeSet};
use jiff::Timestamp;
use ratatui::buffer::Buffer;

fn start() -> Timestamp {
    "2026-11-18T15:37:00Z".parse().unwrap()
}

fn model() -> Model {
    demo_model(42, 1, start(), &Config::default(), jiff::tz::TimeZone::UTC, vec!["default".into()])
}

fn draw(view: &str, select: Option<&str>, size: (u16, u16)) -> (Buffer, String) {
    let mut m = model();
    select_view(&mut m, view, select).unwrap();
    let themes = ThemeSet::builtin(false);
    let buf = render_buffer(&mut m, themes.get(0), size);
    let text = buffer_to_text(&buf);
    (buf, text)
}

macro_rules! snap_views {
    ($($name:ident: $view:expr, $select:expr;)*) => {$(
        #[test]
        fn $name() {
            for (w, h) in [(80, 24), (160, 48)] {
                let (_, text) = draw($view, $select, (w, h));
                insta::assert_snapshot!(format!("{}_{w}x{h}", stringify!($name)), text);
            }
        }
    )*};
}

snap_views! {
    fleet: "fleet", None;
    replication: "replication", None;
    kafka: "kafka", None;
    maintenance: "maintenance", None;
    findings: "findings", None;
    detail_replica: "detail", Some("orders-mysql-r3");
    detail_stopped: "detail", Some("inventory-mysql-r1");
    detail_consumer: "detail", Some("search-indexer");
    detail_serverless: "detail", Some("payments-aurora-sv2-1");
    detail_custom_limit: "detail", Some("orders-api-mysql");
    detail_stopped_instance: "detail", Some("sandbox-pg");
    detail_neptune_reader: "detail", Some("graph-neptune-2");
    detail_failover: "detail", Some("orders-mysql");
    events: "events", None;
    help: "help", None;
}

/// Position of the first cell where `text` starts on screen.
fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    let lines: Vec<String> = buffer_to_text(buf).lines().map(String::from).collect();
    for (y, line) in lines.iter().enumerate() {
        if let Some(byte) = line.find(text) {
            let x = unicode_width::UnicodeWidthStr::width(&line[..byte]);
            return Some((x as u16, y as u16));
        }
    }
    None
}

#[test]
fn critical_values_get_the_critical_colour() {
    let themes = ThemeSet::builtin(false);
    let theme = themes.get(0);
    let (buf, text) = draw("fleet", None, (160, 48));
    assert!(text.contains("STOPPED"));
    let (x, y) = find(&buf, "STOPPED").unwrap();
    let crit = theme.style(Slot::Crit);
    assert_eq!(buf[(x, y)].fg, crit.fg.unwrap(), "STOPPED is drawn in the crit colour");
    // The connection surge on eu-checkout-pg: 88% of max_connections is a warning (80..90);
    // its CPU cell has the colour of its own severity (94.6% shows as 95% but is below 95).
    let (_, ry) = find(&buf, "eu-checkout-pg ").unwrap();
    let line: String = (0..buf.area.width).map(|x| buf[(x, ry)].symbol().to_string()).collect();
    let col =
        |needle: &str| unicode_width::UnicodeWidthStr::width(&line[..line.find(needle).unwrap()]) as u16;
    assert!(line.contains("88%") && line.contains("95%"), "{line}");
    assert_eq!(buf[(col("88%"), ry)].fg, theme.style(Slot::Warn).fg.unwrap(), "{line}");
    let m = model();
    let row =
        m.fleet.rows.iter().find(|r| m.fleet.inventory.instances[r.index].id == "eu-checkout-pg").unwrap();
    assert_eq!(buf[(col("95%"), ry)].fg, theme.severity(row.cpu_severity).fg.unwrap(), "{line}");
    // A healthy replica's lag is drawn in the ok colour.
    let (_, oy) = find(&buf, "orders-mysql-r1 ").unwrap();
    let line: String = (0..buf.area.width).map(|x| buf[(x, oy)].symbol().to_string()).collect();
    let zero = line.find(" 0s ").unwrap() + 1;
    let zx = unicode_width::UnicodeWidthStr::width(&line[..zero]) as u16;
    assert_eq!(buf[(zx, oy)].fg, theme.style(Slot::Ok).fg.unwrap(), "{line}");
}

#[test]
fn missing_values_are_shown_as_missing_not_zero() {
    let mut m = model();
    for c in "/apac-catalog".chars() {
        let k = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c));
        update(&mut m, Msg::Key(k), start());
    }
    // A running instance whose datapoints stopped coming: missing, never 0.
    let arn =
        m.fleet.inventory.instances.iter().find(|d| d.id == "apac-catalog-mysql-r2").unwrap().arn.clone();
    m.fleet.history.retain_resources(|r| r != arn);
    dbfleet::app::derive::derive_data(&mut m, start());
    let text = buffer_to_text(&render_buffer(&mut m, ThemeSet::builtin(false).get(0), (160, 48)));
    let line = text.lines().find(|l| l.contains("apac-catalog-mysql-r2")).expect("replica listed");
    assert!(line.matches('—').count() >= 3, "connections, lag and CPU missing: {line}");
    assert!(!line.contains(" 0s ") && !line.contains(" 0%"), "no datapoint must not read as 0: {line}");
    // One still being created publishes nothing by design: said so, not drawn as missing.
    let line = text.lines().find(|l| l.contains("apac-catalog-mysql-r3")).expect("creating replica listed");
    assert!(line.matches("creating").count() >= 2, "status and connections say creating: {line}");
    assert!(!line.contains('—') && !line.contains(" 0s "), "{line}");
}

#[test]
fn loading_state_and_too_small_and_empty_filter() {
    let themes = ThemeSet::builtin(false);
    let mut m = Model::new(start(), Default::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
    let text = buffer_to_text(&render_buffer(&mut m, themes.get(0), (80, 24)));
    assert!(text.contains("Loading the fleet"), "{text}");
    insta::assert_snapshot!("loading_80x24", text);

    let mut m = model();
    let text = buffer_to_text(&render_buffer(&mut m, themes.get(0), (59, 14)));
    assert!(text.contains("Terminal too small: 59x14"), "{text}");

    let mut m = model();
    update(&mut m, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('/'))), start());
    for c in "zzz-no-such".chars() {
        update(
            &mut m,
            Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c))),
            start(),
        );
    }
    assert_eq!(m.view, ViewId::Fleet);
    let text = buffer_to_text(&render_buffer(&mut m, themes.get(0), (80, 24)));
    assert!(text.contains("No DB instances match the filter \"zzz-no-such\""), "{text}");
}

#[test]
fn every_theme_renders_and_no_color_emits_no_colour() {
    let themes = ThemeSet::builtin(true);
    for i in 0..themes.len() {
        let mut m = model();
        let buf = render_buffer(&mut m, themes.get(i), (120, 40));
        for c in buf.content() {
            assert_eq!(c.fg, ratatui::style::Color::Reset);
            assert_eq!(c.bg, ratatui::style::Color::Reset);
        }
    }
}

#[test]
fn readings_older_than_the_stale_limit_are_drawn_stale() {
    let themes = ThemeSet::builtin(false);
    let theme = themes.get(0);
    let mut m = model();
    // Ten minutes with no poll: every reading is older than stale_after_seconds (300).
    let later = start().checked_add(jiff::SignedDuration::from_mins(10)).unwrap();
    update(&mut m, Msg::Tick, later);
    let buf = render_buffer(&mut m, theme, (160, 48));
    let (x, y) = find(&buf, "STOPPED").unwrap();
    assert_eq!(
        buf[(x, y)].fg,
        theme.style(Slot::Stale).fg.unwrap(),
        "an old STOPPED is not shown as current"
    );
    let text = buffer_to_text(&buf);
    assert!(text.contains("(10m00s ago)"), "the age of the data is on screen:\n{text}");
}

fn model_in(tz: &str) -> Model {
    let tz = jiff::tz::TimeZone::get(tz).unwrap();
    demo_model(42, 1, start(), &Config::default(), tz, vec!["default".into()])
}

/// Maintenance and Findings as an on-call engineer in New York sees them: local times, the
/// risky writer highlighted, the evidence popup with learned peak hours.
#[test]
fn maintenance_and_findings_in_local_time() {
    let themes = ThemeSet::builtin(false);
    let theme = themes.get(0);
    for (w, h) in [(80, 24), (160, 48)] {
        let mut m = model_in("America/New_York");
        select_view(&mut m, "maintenance", None).unwrap();
        let buf = render_buffer(&mut m, theme, (w, h));
        let text = buffer_to_text(&buf);
        insta::assert_snapshot!(format!("maintenance_ny_{w}x{h}"), text);
        assert!(text.contains("NEXT EST"), "{text}");
        assert!(text.contains("Wed 21:00 in 10h23m"), "eu-orders-mysql's window in local time: {text}");

        let mut m = model_in("America/New_York");
        select_view(&mut m, "findings", None).unwrap();
        let text = buffer_to_text(&render_buffer(&mut m, theme, (w, h)));
        insta::assert_snapshot!(format!("findings_ny_{w}x{h}"), text);
        // Enter on billing-pg's auto-upgrade-in-peak finding opens the evidence.
        let row = m.views[dbfleet::app::action::ViewId::Findings]
            .visible
            .iter()
            .position(|&i| {
                let f = &m.fleet.findings[i];
                f.resource_id == "billing-pg" && f.rule.as_str() == "auto-upgrade-in-peak"
            })
            .unwrap();
        for _ in 0..row {
            update(
                &mut m,
                Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Down)),
                start(),
            );
        }
        update(&mut m, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)), start());
        assert!(matches!(m.overlays.top(), Some(dbfleet::app::overlay::Overlay::Evidence { .. })));
        let text = buffer_to_text(&render_buffer(&mut m, theme, (w, h)));
        insta::assert_snapshot!(format!("findings_evidence_ny_{w}x{h}"), text);
        assert!(text.contains("auto-upgrade-in-peak"), "{text}");
        assert!(text.contains("Tue 13:00-13:30 EST"), "{text}");
        assert!(text.contains("learned from 14.0 days"), "{text}");
        assert!(text.contains("Remedy"), "{text}");
        // At 80x24 the evidence is longer than the screen: End scrolls to the remedy's end.
        update(&mut m, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::End)), start());
        let text = buffer_to_text(&render_buffer(&mut m, theme, (w, h)));
        assert!(text.contains("upgrade at a time you choose"), "{text}");
        assert!(
            matches!(m.overlays.top(), Some(dbfleet::app::overlay::Overlay::Evidence { scroll }) if *scroll > 0)
                && m.views[ViewId::Findings].cursor.selected == row,
            "scrolling kept the row"
        );
    }
    // The risky writer's window is drawn in the critical colour on the timeline, and its row
    // in the Fleet view carries the critical finding mark.
    let mut m = model_in("America/New_York");
    select_view(&mut m, "maintenance", None).unwrap();
    // Tall enough for the whole week's list (billing-pg's window is six days out).
    let buf = render_buffer(&mut m, theme, (160, 80));
    let (_, y) = find(&buf, "▲ billing-pg ").unwrap();
    let block = (0..buf.area.width).find(|&x| buf[(x, y)].symbol() == "█").expect("billing-pg's window");
    assert_eq!(buf[(block, y)].fg, theme.style(Slot::Crit).fg.unwrap());
    let mut m = model_in("America/New_York");
    select_view(&mut m, "fleet", None).unwrap();
    let buf = render_buffer(&mut m, theme, (160, 48));
    // " billing-pg ": not staging-billing-pg. The flag column sits just left of the space.
    let (x, y) = find(&buf, " billing-pg ").unwrap();
    assert_eq!(buf[(x - 1, y)].symbol(), "▲");
    assert_eq!(buf[(x - 1, y)].fg, theme.style(Slot::Crit).fg.unwrap());
}

/// Presentation spacing: a blank line between rows, half as many rows, the selection still
/// visible when moving past the first screen, and the footer untouched.
#[test]
fn presentation_spacing() {
    let themes = ThemeSet::builtin(false);
    let mut m = model();
    m.display.spacious = true;
    let text = buffer_to_text(&render_buffer(&mut m, themes.get(0), (80, 24)));
    insta::assert_snapshot!("fleet_spacious_80x24", text);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[2].contains("inventory-mysql-r1") && lines[3].trim().is_empty() && !lines[4].trim().is_empty()
    );
    assert_eq!(m.body_rows(), 10, "20 body lines, one row in two");
    for _ in 0..12 {
        dbfleet::app::keys::apply_action(&mut m, dbfleet::app::action::Action::Down, &mut Vec::new());
    }
    let c = m.current().cursor;
    assert_eq!(c.selected, 12);
    assert!(c.selected >= c.offset && c.selected < c.offset + m.body_rows(), "{c:?}");
}

/// 60x15 stays usable: every view keeps its names, its key number and its status column,
/// and the status bar and the key hints stay on screen.
#[test]
fn every_view_is_usable_at_60x15() {
    for (view, must) in [
        ("fleet", &["inventory-mysql-r1", "STOPPED"][..]),
        ("replication", &["orders-mysql-r3", "STOPPED"][..]),
        ("kafka", &["search-indexer", "ERR", "STOP"][..]),
        ("maintenance", &["eu-orders-mysql", "INSTANCE"][..]),
        ("findings", &["CRIT", "billing-pg"][..]),
    ] {
        let (_, text) = draw(view, None, (60, 15));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 15, "{view}");
        for m in must {
            assert!(text.contains(m), "{view} at 60x15 shows {m}:\n{text}");
        }
        assert!(lines[13].contains("LIVE") && lines[14].contains("q quit"), "{view} chrome:\n{text}");
    }
}

/// A capability that could not be read is named in the status bar and listed, with its age,
/// in the errors view; the rest of the region stays current (not drawn stale).
#[test]
fn capability_gaps_are_named_and_the_rest_stays_current() {
    use dbfleet::domain::capability::Capability;
    use dbfleet::domain::capability_status::{CapState, CapabilityStatus};
    let mut m = model();
    let since = start().checked_sub(jiff::SignedDuration::from_mins(12)).unwrap();
    m.status.capabilities = vec![
        CapabilityStatus {
            account: Some("210987654321".into()),
            region: "us-east-1".into(),
            capability: Capability::PendingMaintenance,
            operation: "DescribePendingMaintenanceActions".into(),
            state: CapState::Denied,
            message: Some(
                "HTTP 403 AccessDenied: not authorized to perform rds:DescribePendingMaintenanceActions"
                    .into(),
            ),
            since,
            data_at: None,
        },
        CapabilityStatus {
            account: Some("210987654321".into()),
            region: "eu-west-1".into(),
            capability: Capability::BlueGreen,
            operation: "DescribeBlueGreenDeployments".into(),
            state: CapState::Stale,
            message: Some("HTTP 400 Throttling: Rate exceeded".into()),
            since,
            data_at: Some(since),
        },
    ];
    let themes = ThemeSet::builtin(false);
    let text = buffer_to_text(&render_buffer(&mut m, themes.get(0), (160, 48)));
    let status = text.lines().rev().nth(1).unwrap();
    // Missing data is named before data kept but old.
    assert!(
        status.contains("us-east-1 pending maintenance: access denied (+1 more, E lists them)"),
        "{status}"
    );
    assert!(!m.status.region_stale("us-east-1"), "the instances and metrics are current");
    update(&mut m, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('E'))), start());
    let text = buffer_to_text(&render_buffer(&mut m, themes.get(0), (160, 48)));
    assert!(text.contains("Data that could not be read"), "{text}");
    assert!(text.contains("us-east-1 pending maintenance access denied"), "{text}");
    assert!(
        text.contains("eu-west-1 blue/green deployments stale  for 12m00s, data kept from 12m00s ago"),
        "{text}"
    );
    insta::assert_snapshot!("capability_gaps_160x48", text);
}

/// Lag trends are scaled against a floor: a busy consumer's few seconds of wobble (the demo's
/// metrics-rollup, 0 to a few hundred messages at ~200 a second) draws low, a group falling
/// behind fills the cell, and a replica's sub-second lag stays at the bottom.
#[test]
fn trends_draw_jitter_low_and_a_real_rise_high() {
    let (_, text) = draw("kafka", None, (140, 40));
    let row =
        |name: &str| text.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}")).to_string();
    let high = |l: &str| l.chars().filter(|c| matches!(c, '▅' | '▆' | '▇' | '█')).count();
    assert_eq!(high(&row("metrics-rollup")), 0, "{}", row("metrics-rollup"));
    assert_eq!(high(&row("recommendations")), 0, "{}", row("recommendations"));
    assert!(high(&row("search-indexer")) >= 10, "{}", row("search-indexer"));
    let (_, text) = draw("replication", None, (140, 40));
    let r1 = text.lines().find(|l| l.contains("orders-mysql-r1")).unwrap();
    assert!(r1.contains("▁▁▁▁▁▁▁▁▁▁▁▁"), "{r1}");
    let spike = text.lines().find(|l| l.contains("orders-mysql-r3")).unwrap();
    assert!(spike.contains('█'), "{spike}");
}

/// Help is built from the tables that dispatch: every key label and every `:` command name
/// is on it, each group of keys once.
#[test]
fn every_key_and_command_is_in_help() {
    let (_, text) = draw("help", None, (160, 60));
    for b in dbfleet::app::keymap::KEYMAP {
        assert!(text.contains(b.label), "{} missing from help:\n{text}", b.label);
        assert!(text.contains(b.group.description()), "{:?}", b.group);
    }
    for c in dbfleet::app::keymap::commands() {
        for name in c.names {
            assert!(text.contains(&format!(":{name}")), ":{name} missing from help:\n{text}");
        }
        assert!(text.contains(&c.description), "{}", c.description);
    }
}

/// The demo's failover of orders-mysql: the Events view lists it, and on every Detail chart
/// a tick in the failover colour sits at the minute it happened, with the legend naming it.
#[test]
fn the_failover_is_listed_and_marked_at_its_minute() {
    use dbfleet::domain::events::EventKind;
    let m = model();
    let failover = m
        .fleet
        .events
        .all()
        .iter()
        .rev()
        .find(|e| e.source_id == "orders-mysql" && e.kind() == EventKind::Failover)
        .expect("a failover in the demo's last three hours")
        .clone();
    let (_, text) = draw("events", None, (160, 48));
    assert!(text.contains(&failover.message), "{text}");
    assert!(text.contains("RDS-EVENT-00"), "{text}");

    let (buf, text) = draw("detail", Some("orders-mysql"), (160, 48));
    let theme = ThemeSet::builtin(false);
    let crit = theme.get(0).style(Slot::Crit).fg.unwrap();
    let hhmm = failover.at.strftime("%H:%M").to_string();
    let legend = text.lines().find(|l| l.contains(" events ")).expect("a legend under the charts");
    assert!(legend.contains("failover"), "{legend}");
    // The Connections chart: its series spans [t0, t1]; the graph starts right of the y axis.
    let series = m
        .fleet
        .history
        .series(
            &m.fleet.inventory.instances.iter().find(|d| d.id == "orders-mysql").unwrap().arn,
            dbfleet::domain::metrics::MetricKind::Connections,
        )
        .unwrap();
    let (t0, t1) = (series.points().next().unwrap().at, series.points().last().unwrap().at);
    let (tx, ty) = find(&buf, "Connections").unwrap();
    let row = ty + 1;
    let line: Vec<String> = (0..buf.area.width).map(|x| buf[(x, row)].symbol().to_string()).collect();
    // `│1,201│`: the chart's left border, then the y axis after the labels.
    let axis = (tx as usize - 2..line.len()).filter(|&x| line[x] == "│").nth(1).expect("the y axis") as u16;
    let (g0, g1) = (axis + 1, buf.area.width - 1);
    let frac = (failover.at.as_second() - t0.as_second()) as f64 / (t1.as_second() - t0.as_second()) as f64;
    let want = g0 + (f64::from(g1 - g0) * frac).round() as u16;
    let ticks: Vec<u16> =
        (g0..=g1).filter(|&x| buf[(x, row)].fg == crit && buf[(x, row)].symbol() != " ").collect();
    eprintln!("failover at {hhmm}: tick expected near column {want}, ticks at {ticks:?}");
    assert!(
        ticks.iter().any(|&x| x.abs_diff(want) <= 1),
        "a failover tick near column {want} ({hhmm}), found {ticks:?}:\n{text}"
    );
}

/// Accounts by name, in the colour config gives them: the Fleet's ACCOUNT column names each
/// row's account and colours a production tag's rows above the account's own colour.
#[test]
fn accounts_are_named_and_coloured() {
    let mut m = model();
    let prod = dbfleet::source::demo::scenario::PROD;
    m.settings.accounts.color(prod, (10, 20, 30));
    m.settings.accounts.tag_color("team=billing", (200, 0, 0));
    let theme = ThemeSet::builtin(false);
    let buf = render_buffer(&mut m, theme.get(0), (200, 48));
    let text = buffer_to_text(&buf);
    assert!(text.contains("ACCOUNT") && text.contains("demo-prod"), "{text}");
    let (x, y) = find(&buf, "orders-api-mysql").unwrap();
    let line: String = (x..buf.area.width).map(|c| buf[(c, y)].symbol().to_string()).collect();
    let ax = x + line.find("demo-prod").unwrap() as u16;
    assert_eq!(buf[(ax, y)].fg, ratatui::style::Color::Rgb(10, 20, 30), "the account's colour");
    let (bx, by) = find(&buf, "billing-pg ").unwrap();
    let line: String = (bx..buf.area.width).map(|c| buf[(c, by)].symbol().to_string()).collect();
    let ax = bx + line.find("demo-prod").unwrap() as u16;
    assert_eq!(buf[(ax, by)].fg, ratatui::style::Color::Rgb(200, 0, 0), "the tag's colour wins");
    // A colourless theme stays colourless.
    let mono = ThemeSet::builtin(true);
    let buf = render_buffer(&mut m, mono.get(0), (200, 48));
    assert!((0..buf.area.width).all(|c| !matches!(buf[(c, by)].fg, ratatui::style::Color::Rgb(..))));
}
