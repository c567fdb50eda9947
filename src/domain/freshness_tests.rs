use super::*;

fn t(s: &str) -> Timestamp {
    format!("2026-12-01T{s}Z").parse().unwrap()
}

fn clock(hot: Option<HotReason>, last: Option<&str>, stagger: u32) -> SeriesClock {
    SeriesClock { hot, last: last.map(t), stagger }
}

const DEFAULTS: CostSettings = CostSettings { cold_every: 5, budget_usd_per_hour: None };

#[test]
fn what_is_hot_by_resource_by_series_and_by_group() {
    let mut d = Demand::default();
    d.mark("arn:db:a", HotReason::OnScreen);
    d.mark("arn:db:a", HotReason::NotOk);
    d.mark("arn:db:a", HotReason::RecentEvent);
    d.mark_series("arn:db:b", MetricKind::ReplicaLag, HotReason::FastChanging);
    d.mark_series("arn:db:b", MetricKind::ReplicaLag, HotReason::OnScreen);
    d.mark_series("arn:db:a", MetricKind::Connections, HotReason::NearThreshold);
    d.mark_group("arn:kafka:c", "billing", HotReason::NotOk);
    let cases = [
        // (key, reason): the strongest reason given wins.
        (SeriesKey::resource("arn:db:a", MetricKind::Connections), Some(HotReason::NotOk)),
        (SeriesKey::resource("arn:db:a", MetricKind::CpuPercent), Some(HotReason::NotOk)),
        // One series hot, not its neighbours.
        (SeriesKey::resource("arn:db:b", MetricKind::ReplicaLag), Some(HotReason::FastChanging)),
        (SeriesKey::resource("arn:db:b", MetricKind::Connections), None),
        // Global-database lag by its kind; replica lag only when named (while it moves).
        (SeriesKey::resource("arn:db:c", MetricKind::ReplicaLag), None),
        (SeriesKey::resource("arn:cl:g", MetricKind::GlobalRpoLag), Some(HotReason::FastChanging)),
        (
            SeriesKey::consumer("arn:kafka:c", "billing", "t", MetricKind::MaxOffsetLag),
            Some(HotReason::NotOk),
        ),
        (SeriesKey::consumer("arn:kafka:c", "search", "t", MetricKind::MaxOffsetLag), None),
        // A group's demand is not its cluster's.
        (SeriesKey::resource("arn:kafka:c", MetricKind::CpuPercent), None),
    ];
    for (key, want) in cases {
        assert_eq!(d.reason(&key), want, "{key:?}");
    }
    assert_eq!(d.len(), 4);
    let mut more = d.clone();
    assert!(!more.newly_hot(&d));
    more.mark_group("arn:kafka:c", "search", HotReason::OnScreen);
    assert!(more.newly_hot(&d) && !d.newly_hot(&more));
    let mut conn = d.clone();
    conn.mark_series("arn:db:c", MetricKind::Connections, HotReason::NearThreshold);
    assert!(conn.newly_hot(&d), "a series of a resource not hot before");
    let mut covered = d.clone();
    covered.mark_series("arn:db:a", MetricKind::CpuPercent, HotReason::NotOk);
    assert!(!covered.newly_hot(&d), "already hot with its whole resource");
}

#[test]
fn when_a_series_is_due() {
    use HotReason::*;
    // Now is 12:10:30, period index p = 12*60+10 = 730; 730 % 5 == 0.
    let now = t("12:10:30");
    let cases: [(&str, SeriesClock, bool); 10] = [
        ("never asked: at once", clock(None, None, 3), true),
        ("hot, asked last minute", clock(Some(OnScreen), Some("12:09:30"), 0), true),
        ("hot, asked this minute: not again", clock(Some(NotOk), Some("12:10:05"), 0), false),
        ("cold in its slot", clock(None, Some("12:09:30"), 0), true),
        ("cold out of its slot", clock(None, Some("12:09:30"), 1), false),
        ("cold, slot 2 is at p % 5 == 3", clock(None, Some("12:07:30"), 2), false),
        ("cold missed its slot: due once cold_every passed", clock(None, Some("12:05:30"), 2), true),
        ("cold, four periods: not yet", clock(None, Some("12:06:30"), 2), false),
        ("cold in its slot, asked this minute", clock(None, Some("12:10:00"), 0), false),
        ("a clock ahead of now (skew): not due", clock(Some(OnScreen), Some("12:11:10"), 0), false),
    ];
    let series: Vec<SeriesClock> = cases.iter().map(|c| c.1).collect();
    let s = schedule(&series, now, 60, 60.0, &DEFAULTS, false);
    for ((name, _, want), got) in cases.iter().zip(&s.due) {
        assert_eq!(got, want, "{name}");
    }
    // `r` asks for everything now, even what was asked this minute.
    let forced = schedule(&series, now, 60, 60.0, &DEFAULTS, true);
    assert!(forced.due.iter().all(|d| *d));
}

#[test]
fn no_series_is_asked_faster_than_its_period() {
    // A refresh of 20 s for an hour: each hot series once a minute, each cold one every 5.
    let mut series = vec![clock(Some(HotReason::OnScreen), None, 0)];
    series.extend((0..10).map(|i| clock(None, None, i)));
    let mut asks = vec![Vec::new(); series.len()];
    let mut now = t("12:00:00");
    for _ in 0..180 {
        let s = schedule(&series, now, 60, 20.0, &DEFAULTS, false);
        for (i, due) in s.due.iter().enumerate() {
            if *due {
                asks[i].push(now);
                series[i].last = Some(now);
            }
        }
        now = now.checked_add(jiff::SignedDuration::from_secs(20)).unwrap();
    }
    let gaps =
        |v: &Vec<Timestamp>| -> Vec<i64> { v.windows(2).map(|w| (w[1] - w[0]).get_seconds()).collect() };
    assert_eq!(asks[0].len(), 60, "the hot series once a minute");
    assert!(gaps(&asks[0]).iter().all(|g| *g == 60), "{:?}", gaps(&asks[0]));
    for a in &asks[1..] {
        // First poll, then every five minutes in its slot: 12 or 13 in the hour, never closer.
        assert!((12..=13).contains(&a.len()), "{}", a.len());
        assert!(gaps(a).iter().skip(1).all(|g| *g == 300), "{:?}", gaps(a));
    }
    // Staggered: after the first poll, at most a fifth of the cold series (2 of 10) a poll.
    let per_minute = |m: usize| {
        asks[1..]
            .iter()
            .filter(|a| a.iter().any(|x| (*x - t("12:00:00")).get_seconds() / 60 == m as i64))
            .count()
    };
    assert!((1..60).all(|m| per_minute(m) <= 2), "{:?}", (1..60).map(per_minute).collect::<Vec<_>>());
}

#[test]
fn cost_now_and_everything_every_minute() {
    let series: Vec<SeriesClock> =
        (0..1000).map(|i| clock((i < 100).then_some(HotReason::OnScreen), None, i)).collect();
    let s = schedule(&series, t("12:00:00"), 60, 60.0, &DEFAULTS, false);
    assert_eq!((s.hot, s.cold), (100, 900));
    // (100 + 900 / 5) * 60 = 16,800 metrics an hour against 60,000.
    assert_eq!(s.metrics_per_hour, 16_800.0);
    assert_eq!(s.all_per_hour, 60_000.0);
    assert!((s.cost_usd_per_hour() - 0.168).abs() < 1e-9 && (s.all_usd_per_hour() - 0.6).abs() < 1e-9);
    assert_eq!(s.budget_note(), None);
    // A refresh of 20 s costs the same: no minute is bought twice.
    assert_eq!(schedule(&series, t("12:00:00"), 60, 20.0, &DEFAULTS, false).metrics_per_hour, 16_800.0);
    // cold_every 1: everything every minute.
    let every = CostSettings { cold_every: 1, ..DEFAULTS };
    assert_eq!(schedule(&series, t("12:00:00"), 60, 60.0, &every, false).metrics_per_hour, 60_000.0);
}

#[test]
fn a_budget_makes_cold_series_colder_first_then_the_weakest_hot_ones() {
    use HotReason::*;
    let mut series: Vec<SeriesClock> = (0..900).map(|i| clock(None, None, i)).collect();
    series.extend((0..50).map(|i| clock(Some(OnScreen), None, i)));
    series.extend((0..50).map(|i| clock(Some(NotOk), None, i)));
    let budget = |usd: f64| CostSettings { cold_every: 5, budget_usd_per_hour: Some(usd) };
    // $0.20/h is 20,000 metrics: 16,800 fits, nothing changes.
    let s = schedule(&series, t("12:00:00"), 60, 60.0, &budget(0.20), false);
    assert_eq!((s.cold_every, s.demoted, s.budget_note()), (5, 0, None));
    // $0.12/h is 12,000: the 100 hot cost 6,000, so 900 cold at 6,000 -> every 9 min.
    let s = schedule(&series, t("12:00:00"), 60, 60.0, &budget(0.12), false);
    assert_eq!((s.cold_every, s.demoted), (9, 0));
    assert!(s.cost_usd_per_hour() <= 0.12 + 1e-9, "{}", s.cost_usd_per_hour());
    assert_eq!(s.budget_note().as_deref(), Some("budget $0.12/h: cold series every 9 min"));
    // $0.05/h (5,000): cold at the slowest (900 at 900/h) and on-screen series made cold, the
    // failing ones kept hot.
    let s = schedule(&series, t("12:00:00"), 60, 60.0, &budget(0.05), false);
    assert_eq!(s.cold_every, MAX_COLD_EVERY);
    assert!(s.cost_usd_per_hour() <= 0.05 && s.demoted > 0 && s.demoted <= 50, "{s:?}");
    assert_eq!(s.hot, 100 - s.demoted);
    let kept_hot = |s: &Schedule| s.hot;
    assert!(kept_hot(&s) >= 50, "the NotOk series stay hot");
    assert!(s.budget_note().unwrap().contains("hot series made cold"), "{:?}", s.budget_note());
    // $0.001/h cannot be kept: said so, everything at the slowest.
    let s = schedule(&series, t("12:00:00"), 60, 60.0, &budget(0.001), false);
    assert!(s.over_budget && s.hot == 0 && s.cold_every == MAX_COLD_EVERY);
    assert!(s.budget_note().unwrap().contains("cannot be kept"), "{:?}", s.budget_note());
}

#[test]
fn a_cold_series_is_late_by_at_most_cold_every_periods() {
    // Every slot of five, polled every minute from any start: the gap between two requests
    // (so the delay of a crossing inside it) is at most five periods.
    for stagger in 0..5 {
        let mut series = [clock(None, None, stagger)];
        let mut now = t("12:00:07");
        let mut asked = Vec::new();
        for _ in 0..60 {
            let s = schedule(&series, now, 60, 60.0, &DEFAULTS, false);
            if s.due[0] {
                asked.push(now);
                series[0].last = Some(now);
            }
            now = now.checked_add(jiff::SignedDuration::from_secs(60)).unwrap();
        }
        let worst = asked.windows(2).map(|w| (w[1] - w[0]).get_seconds()).max().unwrap();
        assert!(worst <= 5 * 60, "stagger {stagger}: {worst} s");
    }
}
