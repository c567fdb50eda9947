//! Cost-aware polling: which series a poll asks CloudWatch for. GetMetricData bills every
//! metric requested, whatever the number of datapoints, so a series nobody looks at and
//! nothing is wrong with (*cold*) is asked for every `cold_every` periods, and one that is on
//! screen, near or past a threshold, changing fast (replica lag) or with a recent event
//! (*hot*) every period. A request always starts at the series' last request, so a cold series loses no
//! datapoint, only latency: a threshold crossing on it is seen at most `cold_every` periods
//! late (the budget can stretch that to `MAX_COLD_EVERY`, and says so).
//!
//! Pure: the demand (what the app needs fresh), each series' last request and `now` are
//! passed in; the live source keeps the clocks.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::metrics::{MetricKind, SeriesKey};

/// Cold series are fetched every this many periods unless the config says otherwise.
pub const DEFAULT_COLD_EVERY: u32 = 5;
/// The slowest a budget may make a cold series: one request an hour at one-minute periods.
pub const MAX_COLD_EVERY: u32 = 60;
/// CloudWatch bills GetMetricData per metric requested: about $0.01 per 1,000.
pub const USD_PER_METRIC: f64 = 0.01 / 1000.0;

/// Why a series is hot, weakest first: a budget demotes on-screen series before failing ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HotReason {
    /// A row on screen, or the Detail open on it.
    OnScreen,
    /// An RDS event (failover, restart, ...) within `recent_event_minutes`.
    RecentEvent,
    /// A reading within reach of its warning threshold (a writer's connections, storage).
    NearThreshold,
    /// Replica lag while it moves, and global-database lag: they move in seconds.
    FastChanging,
    /// Past a threshold, a finding on it, or a consumer group that is not OK.
    NotOk,
}

impl HotReason {
    pub fn label(self) -> &'static str {
        match self {
            HotReason::OnScreen => "on screen",
            HotReason::RecentEvent => "recent event",
            HotReason::NearThreshold => "near a threshold",
            HotReason::FastChanging => "lag",
            HotReason::NotOk => "not OK",
        }
    }
}

/// What the app needs fresh: whole resources (every series of an instance or cluster, by
/// ARN: on screen, a recent event), single series (past or near a threshold), and consumer
/// groups by their MSK cluster's ARN and name. Global-database lag series are hot by their
/// kind; every other series is cold unless named here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Demand {
    pub resources: HashMap<String, HotReason>,
    pub series: HashMap<String, Vec<(MetricKind, HotReason)>>,
    pub groups: HashMap<String, HashMap<String, HotReason>>,
}

fn raise(slot: &mut HotReason, reason: HotReason) {
    *slot = (*slot).max(reason);
}

impl Demand {
    /// Mark every series of `arn` hot for `reason`, keeping the strongest reason given.
    pub fn mark(&mut self, arn: &str, reason: HotReason) {
        match self.resources.get_mut(arn) {
            Some(r) => raise(r, reason),
            None => {
                self.resources.insert(arn.to_string(), reason);
            }
        }
    }

    /// Mark one series of `arn` hot.
    pub fn mark_series(&mut self, arn: &str, kind: MetricKind, reason: HotReason) {
        let list = match self.series.get_mut(arn) {
            Some(l) => l,
            None => self.series.entry(arn.to_string()).or_default(),
        };
        match list.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, r)) => raise(r, reason),
            None => list.push((kind, reason)),
        }
    }

    pub fn mark_group(&mut self, cluster_arn: &str, group: &str, reason: HotReason) {
        let groups = match self.groups.get_mut(cluster_arn) {
            Some(g) => g,
            None => self.groups.entry(cluster_arn.to_string()).or_default(),
        };
        match groups.get_mut(group) {
            Some(r) => raise(r, reason),
            None => {
                groups.insert(group.to_string(), reason);
            }
        }
    }

    /// Why the series `key` is hot, if it is.
    pub fn reason(&self, key: &SeriesKey) -> Option<HotReason> {
        match &key.group {
            Some(g) => self.groups.get(key.resource.as_str()).and_then(|m| m.get(g.as_str())).copied(),
            None => {
                let whole = self.resources.get(key.resource.as_str()).copied();
                let one = self
                    .series
                    .get(key.resource.as_str())
                    .and_then(|l| l.iter().find(|(k, _)| *k == key.kind))
                    .map(|(_, r)| *r);
                // Global-database lag is hot by its kind (one series per secondary cluster);
                // replica lag is hot while it moves (`app::demand`).
                let lag = matches!(key.kind, MetricKind::GlobalReplicationLag | MetricKind::GlobalRpoLag)
                    .then_some(HotReason::FastChanging);
                whole.max(one).max(lag)
            }
        }
    }

    /// Something hot here that was not in `before`: its series may be due at once.
    pub fn newly_hot(&self, before: &Demand) -> bool {
        self.resources.keys().any(|k| !before.resources.contains_key(k))
            || self.series.iter().any(|(arn, kinds)| {
                kinds.iter().any(|(k, _)| {
                    !before.resources.contains_key(arn)
                        && before.series.get(arn).is_none_or(|b| !b.iter().any(|(x, _)| x == k))
                })
            })
            || self
                .groups
                .iter()
                .any(|(c, gs)| before.groups.get(c).is_none_or(|b| gs.keys().any(|g| !b.contains_key(g))))
    }

    /// Resources, single series and groups named.
    pub fn len(&self) -> usize {
        self.resources.len()
            + self.series.values().map(Vec::len).sum::<usize>()
            + self.groups.values().map(HashMap::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `[cost]` in the config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostSettings {
    /// A cold series is fetched every this many periods (1: every series every period).
    pub cold_every: u32,
    /// Stay under this many dollars an hour by making series colder, coldest first.
    pub budget_usd_per_hour: Option<f64>,
}

impl Default for CostSettings {
    fn default() -> Self {
        CostSettings { cold_every: DEFAULT_COLD_EVERY, budget_usd_per_hour: None }
    }
}

/// One series as the schedule sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesClock {
    pub hot: Option<HotReason>,
    /// When the last request that carried it ended (None: never asked).
    pub last: Option<Timestamp>,
    /// Spreads cold series over the periods (a plan index will do): one fifth of them a
    /// poll, not all of them every fifth poll.
    pub stagger: u32,
}

/// One poll's plan: which series are due, and what the freshness costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub due: Vec<bool>,
    pub hot: usize,
    pub cold: usize,
    /// The cold interval in periods (the config's, or longer under a budget).
    pub cold_every: u32,
    /// The budget made the cold interval longer than the config's.
    pub stretched: bool,
    /// Hot series made cold to keep under the budget.
    pub demoted: usize,
    /// Metrics requested per hour at this freshness, and fetching everything every period.
    pub metrics_per_hour: f64,
    pub all_per_hour: f64,
    /// The budget cannot be kept even with every series at the slowest.
    pub over_budget: bool,
    pub budget_usd_per_hour: Option<f64>,
}

impl Schedule {
    pub fn cost_usd_per_hour(&self) -> f64 {
        self.metrics_per_hour * USD_PER_METRIC
    }

    pub fn all_usd_per_hour(&self) -> f64 {
        self.all_per_hour * USD_PER_METRIC
    }

    pub fn due_count(&self) -> usize {
        self.due.iter().filter(|d| **d).count()
    }

    /// What the budget did, for the status line and the snapshot: None when it did nothing.
    pub fn budget_note(&self) -> Option<String> {
        let budget = self.budget_usd_per_hour?;
        if self.over_budget {
            return Some(format!(
                "budget ${budget:.2}/h cannot be kept: ${:.2}/h with every series every {} min",
                self.cost_usd_per_hour(),
                self.cold_every
            ));
        }
        (self.demoted > 0 || self.stretched).then(|| {
            let mut s = format!("budget ${budget:.2}/h: cold series every {} min", self.cold_every);
            if self.demoted > 0 {
                s.push_str(&format!(", {} hot series made cold", self.demoted));
            }
            s
        })
    }
}

fn period_index(t: Timestamp, period_secs: i64) -> i64 {
    t.as_second().div_euclid(period_secs.max(1))
}

/// The series due now. A series is never asked twice in one period (CloudWatch has nothing
/// new for it: a refresh under 60 s does not re-buy the same minute) unless `force` (an
/// explicit `r`). Hot series are due every period, cold ones in their staggered slot of every
/// `cold_every` (or once that many periods have passed, should a poll miss the slot), a series
/// never asked at once. A budget first stretches the cold interval, then makes the weakest hot
/// series cold.
pub fn schedule(
    series: &[SeriesClock],
    now: Timestamp,
    period_secs: u32,
    refresh_secs: f64,
    cfg: &CostSettings,
    force: bool,
) -> Schedule {
    let period = i64::from(period_secs.max(1));
    let polls_per_hour = 3600.0 / refresh_secs.max(period as f64);
    let all_per_hour = series.len() as f64 * 3600.0 / period as f64;
    let mut hot: Vec<Option<HotReason>> = series.iter().map(|s| s.hot).collect();
    let mut n_hot = hot.iter().filter(|h| h.is_some()).count();
    let mut k = cfg.cold_every.clamp(1, MAX_COLD_EVERY);
    let per_hour = |h: usize, k: u32| {
        let cold = (series.len() - h) as f64;
        (h as f64 + cold / f64::from(k)) * polls_per_hour
    };
    let mut demoted = 0;
    let mut over_budget = false;
    if let Some(budget) = cfg.budget_usd_per_hour {
        // A hair over: $0.12 / $0.00001 is 11,999.999… in floating point.
        let limit = budget.max(0.0) / USD_PER_METRIC * (1.0 + 1e-9);
        if per_hour(n_hot, k) > limit {
            // Coldest first: a longer cold interval, as long as it needs to be.
            let spare = limit - n_hot as f64 * polls_per_hour;
            let cold = (series.len() - n_hot) as f64;
            k = if spare > 0.0 {
                ((cold * polls_per_hour / spare).ceil() as u32).clamp(k, MAX_COLD_EVERY)
            } else {
                MAX_COLD_EVERY
            };
            // Then the weakest hot series, on-screen ones before failing ones.
            if per_hour(n_hot, k) > limit {
                let mut order: Vec<usize> = (0..series.len()).filter(|&i| hot[i].is_some()).collect();
                order.sort_by_key(|&i| (hot[i], series[i].stagger));
                for i in order {
                    if per_hour(n_hot, k) <= limit {
                        break;
                    }
                    hot[i] = None;
                    n_hot -= 1;
                    demoted += 1;
                }
                over_budget = per_hour(n_hot, k) > limit;
            }
        }
    }
    let p_now = period_index(now, period);
    let due = series
        .iter()
        .zip(&hot)
        .map(|(s, h)| {
            let Some(last) = s.last else { return true };
            if force {
                return true;
            }
            let p_last = period_index(last, period);
            if p_now <= p_last {
                return false;
            }
            h.is_some()
                || (p_now + i64::from(s.stagger)).rem_euclid(i64::from(k)) == 0
                || p_now - p_last >= i64::from(k)
        })
        .collect();
    Schedule {
        due,
        hot: n_hot,
        cold: series.len() - n_hot,
        cold_every: k,
        stretched: k > cfg.cold_every.clamp(1, MAX_COLD_EVERY),
        demoted,
        metrics_per_hour: per_hour(n_hot, k),
        all_per_hour,
        over_budget,
        budget_usd_per_hour: cfg.budget_usd_per_hour,
    }
}

#[cfg(test)]
#[path = "freshness_tests.rs"]
mod tests;
