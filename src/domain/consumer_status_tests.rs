//! Table-driven status tests on synthetic lag series, one point a minute ending at `now`.

use super::*;

fn now() -> Timestamp {
    "2026-11-18T15:00:00Z".parse().unwrap()
}

/// Points for the given values, the last one at `now - end_ago` minutes, a minute apart;
/// `None` is a gap.
fn series(values: &[Option<f64>], end_ago: i64) -> Vec<Point> {
    let k = values.len() as i64;
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|value| Point { at: now() - SignedDuration::from_mins(end_ago + k - 1 - i as i64), value })
        })
        .collect()
}

fn all(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().copied().map(Some).collect()
}

struct Case {
    name: &'static str,
    offset: Vec<Option<f64>>,
    time: Vec<Option<f64>>,
    /// Minutes since the newest point.
    end_ago: i64,
    cluster_reports: bool,
    traffic: Traffic,
    want: LagStatus,
    /// A phrase the reason must contain.
    says: &'static str,
}

fn case(name: &'static str, offset: &[f64], want: LagStatus, says: &'static str) -> Case {
    Case {
        name,
        offset: all(offset),
        time: vec![],
        end_ago: 0,
        cluster_reports: true,
        traffic: Traffic::NotSeen,
        want,
        says,
    }
}

fn seen() -> Traffic {
    Traffic::Seen { group: "billing-search-sync".into(), rises: 6 }
}

fn cases() -> Vec<Case> {
    let rising: Vec<f64> = (0..15).map(|i| 1000.0 + 200.0 * f64::from(i)).collect();
    let falling: Vec<f64> = (0..15).map(|i| 9000.0 - 500.0 * f64::from(i)).collect();
    let sawtooth: Vec<f64> = (0..15).map(|i| f64::from(i % 10) * 500.0).collect();
    let noisy: Vec<f64> = (0..15).map(|i| [120.0, 340.0, 180.0, 260.0][i % 4]).collect();
    vec![
        case("rising across the window", &rising, LagStatus::Warn, "falling behind"),
        Case {
            time: all(&[250.0, 280.0, 310.0, 340.0]),
            ..case("rising past the time threshold", &rising, LagStatus::Err, "above the 5m00s threshold")
        },
        Case {
            time: all(&[250.0, 280.0, 290.0, 310.0]),
            ..case("one point over the threshold is not ERR yet", &rising, LagStatus::Warn, "falling behind")
        },
        Case {
            time: all(&[3600.0, 3400.0]),
            ..case("falling from far behind is recovering", &falling, LagStatus::Ok, "recovering")
        },
        Case {
            traffic: seen(),
            ..case(
                "flat and non-zero while the topic flows",
                &[12_430.0; 15],
                LagStatus::Stall,
                "no progress",
            )
        },
        Case {
            traffic: seen(),
            time: all(&[900.0, 960.0]),
            ..case(
                "a stall is a stall even past the time threshold",
                &[12_430.0; 15],
                LagStatus::Stall,
                "stuck",
            )
        },
        case("flat small lag on an idle topic", &[3.0; 15], LagStatus::Ok, "idle topic"),
        case("a flat backlog with no sign of traffic", &[5000.0; 15], LagStatus::Warn, "not draining"),
        Case {
            traffic: seen(),
            ..case(
                "jitter within the tolerance is flat",
                &[1000.0, 1005.0, 998.0, 1001.0, 1000.0, 1003.0],
                LagStatus::Stall,
                "stuck",
            )
        },
        Case {
            traffic: seen(),
            ..case("flat at zero is caught up, not stalled", &[0.0; 15], LagStatus::Ok, "caught up")
        },
        case("a batch consumer's sawtooth", &sawtooth, LagStatus::Ok, "caught up"),
        case("noisy but keeping up", &noisy, LagStatus::Ok, "keeping up"),
        case(
            "noise ending lower than it started is not a recovery",
            &[340.0, 120.0, 260.0, 180.0, 300.0, 150.0, 220.0, 130.0],
            LagStatus::Ok,
            "keeping up",
        ),
        Case {
            time: all(&[0.0, 200.0, 330.0, 420.0]),
            ..case(
                "caught up earlier but now past the time threshold",
                &[0.0, 400.0, 900.0, 1500.0, 2100.0],
                LagStatus::Err,
                "above the 5m00s threshold",
            )
        },
        Case {
            traffic: seen(),
            ..case(
                "a step down breaks a rise",
                &[100.0, 300.0, 500.0, 200.0, 400.0, 600.0, 800.0],
                LagStatus::Ok,
                "keeping up",
            )
        },
        Case {
            offset: vec![
                Some(1000.0),
                None,
                None,
                Some(1600.0),
                Some(1800.0),
                None,
                Some(2200.0),
                Some(2400.0),
            ],
            ..case("gaps are not drops", &[], LagStatus::Warn, "falling behind")
        },
        case("too few points", &[10.0, 20.0, 30.0], LagStatus::Unknown, "3 MaxOffsetLag points"),
        Case {
            end_ago: 23,
            ..case("vanished while the cluster reports", &rising, LagStatus::Stop, "vanished 23m00s ago")
        },
        Case {
            end_ago: 23,
            cluster_reports: false,
            ..case(
                "the whole cluster silent is a source problem",
                &rising,
                LagStatus::Unknown,
                "whole cluster",
            )
        },
        Case {
            end_ago: 9,
            ..case(
                "a few silent minutes are not a STOP",
                &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
                LagStatus::Warn,
                "falling behind",
            )
        },
        case("no points at all", &[], LagStatus::Unknown, "no datapoints"),
    ]
}

#[test]
fn statuses_on_synthetic_series() {
    let s = LagSettings::default();
    for c in cases() {
        let offset_all = series(&c.offset, c.end_ago);
        let time_all = series(&c.time, c.end_ago);
        let from = now() - s.window();
        let inside = |p: &Vec<Point>| p.iter().copied().filter(|p| p.at > from).collect::<Vec<_>>();
        let input = StatusInput {
            offset_lag: &inside(&offset_all),
            time_lag: &inside(&time_all),
            last_seen: offset_all.last().copied(),
            cluster_reports: c.cluster_reports,
            traffic: &c.traffic,
        };
        let v = evaluate(&input, &s, now());
        assert_eq!(v.status, c.want, "{}: {v:?}", c.name);
        assert!(v.reason.contains(c.says), "{}: reason {:?} lacks {:?}", c.name, v.reason, c.says);
    }
}

#[test]
fn evidence_names_the_numbers_that_decided() {
    let s = LagSettings::default();
    let pts = series(&all(&[12_430.0; 15]), 0);
    let t = seen();
    let v = evaluate(
        &StatusInput {
            offset_lag: &pts,
            time_lag: &[],
            last_seen: pts.last().copied(),
            cluster_reports: true,
            traffic: &t,
        },
        &s,
        now(),
    );
    assert_eq!(
        v.evidence,
        [
            "MaxOffsetLag over 15 min: 12,430 -> 12,430 (min 12,430, max 12,430, 15 points)",
            "the topic still receives data: billing-search-sync's lag rose 6 times in the window",
        ]
    );
}

#[test]
fn rises_count_only_real_steps_up() {
    let pts = series(&all(&[100.0, 101.0, 150.0, 150.0, 90.0, 200.0]), 0);
    assert_eq!(rises(&pts, 0.02), 2, "+1 is within the tolerance; +49 and +110 are rises");
}

#[test]
fn settings_are_validated() {
    assert_eq!(LagSettings::default().invalid(), None);
    let bad = LagSettings { min_points: 1, ..Default::default() };
    assert_eq!(bad.invalid().map(|(f, _)| f), Some("min_points"));
    let bad = LagSettings { err_time_lag_seconds: -1.0, ..Default::default() };
    assert_eq!(bad.invalid().map(|(f, _)| f), Some("err_time_lag_seconds"));
}
