//! RDS events (`DescribeEvents`): what happened to an instance, cluster or blue/green
//! deployment, and when. A classifier marks the kinds that matter on call; a bounded store
//! keeps them deduplicated and in time order (the API repeats and reorders, and events
//! arrive late).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::model::{DbInstance, Inventory};

/// One event as `DescribeEvents` returns it, with where it was fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub region: String,
    /// `SourceIdentifier`: the instance, cluster or deployment id.
    pub source_id: String,
    /// `SourceType`: db-instance, db-cluster, blue-green-deployment, ...
    pub source_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
    /// `Date`.
    pub at: Timestamp,
    /// `EventCategories`: failover, failure, maintenance, notification, availability, ...
    #[serde(default)]
    pub categories: Vec<String>,
    pub message: String,
}

/// What an event means on call. Most events are `Other`: backups, configuration changes and
/// notifications stay listed but are not marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Failover,
    Restart,
    /// Maintenance or a patch being applied or finished (`maintenance` category).
    Maintenance,
    Upgrade,
    StorageFull,
    ReplicationError,
    Recovery,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::Failover,
        EventKind::Restart,
        EventKind::Maintenance,
        EventKind::Upgrade,
        EventKind::StorageFull,
        EventKind::ReplicationError,
        EventKind::Recovery,
        EventKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Failover => "failover",
            EventKind::Restart => "restart",
            EventKind::Maintenance => "maintenance",
            EventKind::Upgrade => "upgrade",
            EventKind::StorageFull => "storage-full",
            EventKind::ReplicationError => "replication-error",
            EventKind::Recovery => "recovery",
            EventKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.label() == s)
    }

    /// One character for chart markers: failover and restart stand out, the rest are dots.
    pub fn marker(self) -> char {
        match self {
            EventKind::Failover => 'F',
            EventKind::Restart => 'R',
            EventKind::Maintenance | EventKind::Upgrade => 'M',
            EventKind::StorageFull => 'S',
            EventKind::ReplicationError => 'E',
            EventKind::Recovery => 'V',
            EventKind::Other => '·',
        }
    }

    /// Kinds an on-call engineer wants marked on charts and in Fleet.
    pub fn notable(self) -> bool {
        self != EventKind::Other
    }
}

/// Phrases of real event messages (lower case), most specific first. Messages differ from the
/// user guide's descriptions ("Multi-AZ instance failover started." for RDS-EVENT-0013), so
/// both forms are listed where they differ.
const PHRASES: &[(&str, EventKind)] = &[
    // Replication: an error or a stop, before the generic "replica" wording.
    ("error has occurred in the read replication", EventKind::ReplicationError),
    ("replication on the read replica was terminated", EventKind::ReplicationError),
    ("replication for the read replica terminated", EventKind::ReplicationError),
    ("replication on the read replica was manually stopped", EventKind::ReplicationError),
    ("replication has stopped", EventKind::ReplicationError),
    ("read replica creation failed", EventKind::ReplicationError),
    ("has resumed replication", EventKind::Recovery),
    ("replication for the read replica resumed", EventKind::Recovery),
    // Storage.
    ("storage-full", EventKind::StorageFull),
    ("storage full", EventKind::StorageFull),
    ("allocated storage for the db instance has been consumed", EventKind::StorageFull),
    ("allocated storage has been exhausted", EventKind::StorageFull),
    ("free storage capacity for db instance", EventKind::StorageFull),
    ("consumed more than 90% of its allocated storage", EventKind::StorageFull),
    ("storage subsystem is running low on space", EventKind::StorageFull),
    // Failover (Multi-AZ instance, Aurora and Multi-AZ clusters, global databases).
    ("failover", EventKind::Failover),
    ("promotion of a standby", EventKind::Failover),
    // Upgrades before maintenance: "upgrade" messages are often maintenance-categorised.
    ("engine version has been upgraded", EventKind::Upgrade),
    ("database instance engine version upgrade", EventKind::Upgrade),
    ("upgrade in progress", EventKind::Upgrade),
    ("upgrading", EventKind::Upgrade),
    ("minor version upgrade", EventKind::Upgrade),
    ("has been upgraded", EventKind::Upgrade),
    // Restarts and shutdowns.
    ("db instance restarted", EventKind::Restart),
    ("the db instance restarted", EventKind::Restart),
    ("db cluster restarted", EventKind::Restart),
    ("rebooted", EventKind::Restart),
    ("rebooting", EventKind::Restart),
    ("db instance shutdown", EventKind::Restart),
    ("error has occurred while restarting", EventKind::Restart),
    // Maintenance applied or started.
    ("offline maintenance", EventKind::Maintenance),
    ("off-line patches", EventKind::Maintenance),
    ("was patched", EventKind::Maintenance),
    ("database instance patched", EventKind::Maintenance),
    ("applying off-line", EventKind::Maintenance),
    ("operating system update", EventKind::Maintenance),
    // Recovery.
    ("recovery of the db instance", EventKind::Recovery),
    ("recovery of the multi-az instance", EventKind::Recovery),
    ("recovered from a partial failover", EventKind::Recovery),
];

/// The kind of an event, from its message first (the categories are broad: a restart is
/// `availability`, an upgrade `maintenance`), then from its categories.
pub fn classify(categories: &[String], message: &str) -> EventKind {
    let m = message.to_ascii_lowercase();
    if let Some((_, k)) = PHRASES.iter().find(|(p, _)| m.contains(p)) {
        // "Recovered from a partial failover" names a failover but is its end.
        if *k == EventKind::Failover && m.contains("recovered from a partial failover") {
            return EventKind::Recovery;
        }
        // "not attempting a requested failover" is no failover at all.
        if *k == EventKind::Failover && m.contains("not attempting") {
            return EventKind::Other;
        }
        return *k;
    }
    let has = |c: &str| categories.iter().any(|x| x.eq_ignore_ascii_case(c));
    if has("failover") {
        EventKind::Failover
    } else if has("low storage") {
        EventKind::StorageFull
    } else if has("recovery") {
        EventKind::Recovery
    } else if has("maintenance") {
        EventKind::Maintenance
    } else {
        EventKind::Other
    }
}

/// Messages as `DescribeEvents` returns them, with their RDS event id (the API sends no id;
/// notifications do). Matched from the start of the message, case-insensitively.
const EVENT_IDS: &[(&str, &str)] = &[
    ("multi-az instance failover started", "RDS-EVENT-0013"),
    (
        "a multi-az failover that resulted in the promotion of a standby instance has started",
        "RDS-EVENT-0013",
    ),
    ("multi-az failover to standby complete", "RDS-EVENT-0015"),
    (
        "a multi-az failover that resulted in the promotion of a standby instance is complete",
        "RDS-EVENT-0015",
    ),
    ("multi-az instance failover completed", "RDS-EVENT-0049"),
    ("a multi-az failover has completed", "RDS-EVENT-0049"),
    ("db instance restarted", "RDS-EVENT-0006"),
    ("the db instance restarted", "RDS-EVENT-0006"),
    ("db instance shutdown", "RDS-EVENT-0004"),
    ("backing up db instance", "RDS-EVENT-0001"),
    ("backing up the db instance", "RDS-EVENT-0001"),
    ("finished db instance backup", "RDS-EVENT-0002"),
    ("db instance created", "RDS-EVENT-0005"),
    ("the db instance has been deleted", "RDS-EVENT-0003"),
    ("applying off-line patches to db instance", "RDS-EVENT-0026"),
    ("offline maintenance of the db instance is taking place", "RDS-EVENT-0026"),
    ("finished applying off-line patches to db instance", "RDS-EVENT-0027"),
    ("offline maintenance of the db instance is complete", "RDS-EVENT-0027"),
    ("database instance patched", "RDS-EVENT-0047"),
    ("the db instance was patched", "RDS-EVENT-0047"),
    ("an error has occurred in the read replication process", "RDS-EVENT-0045"),
    ("replication for the read replica resumed", "RDS-EVENT-0046"),
    ("the read replica has resumed replication", "RDS-EVENT-0046"),
    ("replication for the read replica terminated", "RDS-EVENT-0057"),
    ("replication on the read replica was terminated", "RDS-EVENT-0057"),
    ("replication on the read replica was manually stopped", "RDS-EVENT-0062"),
    ("the db instance has been stopped", "RDS-EVENT-0087"),
    ("db instance stopped", "RDS-EVENT-0087"),
    ("the db instance has been started", "RDS-EVENT-0088"),
    ("db instance started", "RDS-EVENT-0088"),
    (
        "the db instance is being started due to it exceeding the maximum allowed time being stopped",
        "RDS-EVENT-0154",
    ),
    ("the allocated storage for the db instance has been consumed", "RDS-EVENT-0007"),
    ("allocated storage has been exhausted", "RDS-EVENT-0007"),
    ("the db instance has consumed more than 90% of its allocated storage", "RDS-EVENT-0089"),
    ("recovery of the db instance has started", "RDS-EVENT-0020"),
    ("recovery of the db instance is complete", "RDS-EVENT-0021"),
    ("the instance has recovered from a partial failover", "RDS-EVENT-0065"),
    ("a failover for the db cluster has begun within the same availability zone", "RDS-EVENT-0072"),
    ("started same az failover to db instance", "RDS-EVENT-0072"),
    ("a failover for the db cluster has begun across availability zones", "RDS-EVENT-0073"),
    ("started cross az failover to db instance", "RDS-EVENT-0073"),
    ("a failover for the db cluster has finished", "RDS-EVENT-0071"),
    ("completed failover to db instance", "RDS-EVENT-0071"),
    ("a failover for the db cluster has failed", "RDS-EVENT-0069"),
    ("switchover started on blue/green deployment", "RDS-EVENT-0247"),
    ("switchover completed on blue/green deployment", "RDS-EVENT-0248"),
];

/// The RDS event id: written in the message (`RDS-EVENT-0049`), else matched from a known
/// message; None when neither.
pub fn event_id(message: &str) -> Option<String> {
    if let Some(i) = message.find("RDS-EVENT-") {
        let digits: String = message[i + 10..].chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.len() == 4 {
            return Some(format!("RDS-EVENT-{digits}"));
        }
    }
    let m = message.trim().to_ascii_lowercase();
    EVENT_IDS.iter().find(|(p, _)| m.starts_with(p)).map(|(_, id)| id.to_string())
}

impl DbEvent {
    pub fn kind(&self) -> EventKind {
        classify(&self.categories, &self.message)
    }

    pub fn event_id(&self) -> Option<String> {
        event_id(&self.message)
    }

    /// What identifies an event across repeated and reordered pages.
    fn key(&self) -> (Timestamp, &str, &str, &str, &str) {
        (
            self.at,
            self.region.as_str(),
            self.source_id.as_str(),
            self.source_type.as_str(),
            self.message.as_str(),
        )
    }
}

/// Whether an event is about this instance, as its Detail lists them: its own, its cluster's,
/// its replication source's (a source's failover is why its replicas lag), and a blue/green
/// deployment it is the blue or green of.
pub fn concerns(inv: &Inventory, d: &DbInstance, e: &DbEvent) -> bool {
    if e.region != d.region && e.source_type != "blue-green-deployment" {
        return false;
    }
    match e.source_type.as_str() {
        "db-cluster" => d.cluster_id.as_deref() == Some(e.source_id.as_str()),
        "blue-green-deployment" => inv.blue_green.iter().any(|b| {
            (b.id == e.source_id || b.name == e.source_id)
                && (b.source_arn == d.arn || b.target_arn.as_deref() == Some(d.arn.as_str()))
        }),
        _ => {
            e.source_id == d.id
                || d.replica_source
                    .as_deref()
                    .is_some_and(|s| s == e.source_id || s.rsplit(':').next() == Some(&e.source_id))
        }
    }
}

/// The events kept: time order, no duplicates, at most `max_events` and none older than
/// `max_age_secs` before the newest poll.
#[derive(Debug, Clone, PartialEq)]
pub struct EventStore {
    events: Vec<DbEvent>,
    max_events: usize,
    max_age_secs: i64,
}

/// RDS keeps 14 days of events; so does the store.
pub const EVENT_RETENTION_SECS: i64 = 14 * 24 * 3600;
/// Enough for a busy fleet's fortnight (a few per instance per day) without growing unbounded.
pub const MAX_EVENTS: usize = 20_000;

impl Default for EventStore {
    fn default() -> Self {
        EventStore::new(MAX_EVENTS, EVENT_RETENTION_SECS)
    }
}

impl EventStore {
    pub fn new(max_events: usize, max_age_secs: i64) -> EventStore {
        EventStore { events: Vec::new(), max_events, max_age_secs }
    }

    pub fn clear(&mut self) {
        self.events.clear();
    }

    /// Add what a poll brought; repeats are dropped, order restored, the oldest trimmed.
    pub fn merge(&mut self, new: impl IntoIterator<Item = DbEvent>, now: Timestamp) {
        let mut seen: BTreeSet<(Timestamp, String, String, String, String)> = BTreeSet::new();
        let mut added = false;
        for e in new {
            let key = {
                let (a, b, c, d, f) = e.key();
                (a, b.to_string(), c.to_string(), d.to_string(), f.to_string())
            };
            // Repeats within the batch, and of events already kept (binary search by time).
            if !seen.insert(key) || self.contains(&e) {
                continue;
            }
            self.events.push(e);
            added = true;
        }
        if added {
            self.events.sort_by(|a, b| a.key().cmp(&b.key()));
        }
        let oldest = now.as_second() - self.max_age_secs;
        let stale = self.events.partition_point(|e| e.at.as_second() < oldest);
        let over = self.events.len().saturating_sub(self.max_events);
        let drop = stale.max(over);
        if drop > 0 {
            self.events.drain(..drop);
        }
    }

    fn contains(&self, e: &DbEvent) -> bool {
        let from = self.events.partition_point(|x| x.at < e.at);
        self.events[from..].iter().take_while(|x| x.at == e.at).any(|x| x.key() == e.key())
    }

    /// Oldest first.
    pub fn all(&self) -> &[DbEvent] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events in `[from, to]`, oldest first.
    pub fn between(&self, from: Timestamp, to: Timestamp) -> &[DbEvent] {
        let a = self.events.partition_point(|e| e.at < from);
        let b = self.events.partition_point(|e| e.at <= to);
        &self.events[a..b.max(a)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: i64, id: &str, msg: &str) -> DbEvent {
        DbEvent {
            account: None,
            region: "us-east-1".into(),
            source_id: id.into(),
            source_type: "db-instance".into(),
            source_arn: None,
            at: Timestamp::from_second(1_800_000_000 + at).unwrap(),
            categories: vec![],
            message: msg.into(),
        }
    }

    /// Messages as DescribeEvents returns them (from postmortems and the RDS event list).
    #[test]
    fn classifies_real_event_messages() {
        let cases: &[(&[&str], &str, EventKind, Option<&str>)] = &[
            (
                &["failover"],
                "Multi-AZ instance failover started.",
                EventKind::Failover,
                Some("RDS-EVENT-0013"),
            ),
            (
                &["failover"],
                "Multi-AZ instance failover completed",
                EventKind::Failover,
                Some("RDS-EVENT-0049"),
            ),
            (
                &["failover"],
                "A Multi-AZ failover that resulted in the promotion of a standby instance is complete. It may take several minutes for the DNS to transfer to the new primary DB instance.",
                EventKind::Failover,
                Some("RDS-EVENT-0015"),
            ),
            (&["availability"], "DB instance restarted", EventKind::Restart, Some("RDS-EVENT-0006")),
            (&["availability"], "DB instance shutdown", EventKind::Restart, Some("RDS-EVENT-0004")),
            (&["availability"], "An error has occurred while restarting MySQL.", EventKind::Restart, None),
            (
                &["failover"],
                "Started cross AZ failover to DB instance: payments-aurora-2",
                EventKind::Failover,
                Some("RDS-EVENT-0073"),
            ),
            (
                &["failover"],
                "Completed failover to DB instance: payments-aurora-2",
                EventKind::Failover,
                Some("RDS-EVENT-0071"),
            ),
            (
                &["failover"],
                "Amazon RDS is not attempting a requested failover because a failover recently occurred on the DB instance.",
                EventKind::Other,
                None,
            ),
            (
                &["failover"],
                "The instance has recovered from a partial failover.",
                EventKind::Recovery,
                Some("RDS-EVENT-0065"),
            ),
            (
                &["maintenance"],
                "Applying off-line patches to DB instance",
                EventKind::Maintenance,
                Some("RDS-EVENT-0026"),
            ),
            (
                &["maintenance"],
                "Finished applying off-line patches to DB instance",
                EventKind::Maintenance,
                Some("RDS-EVENT-0027"),
            ),
            (&["maintenance"], "Database instance patched", EventKind::Maintenance, Some("RDS-EVENT-0047")),
            (
                &["maintenance"],
                "Database cluster engine version has been upgraded.",
                EventKind::Upgrade,
                None,
            ),
            (
                &["maintenance"],
                "DB instance is being upgraded: minor version upgrade in progress",
                EventKind::Upgrade,
                None,
            ),
            (
                &["availability"],
                "The DB instance has reached the storage-full threshold, and the database has been shut down. You can increase the allocated storage to address this issue.",
                EventKind::StorageFull,
                None,
            ),
            (
                &["low storage"],
                "The DB instance has consumed more than 90% of its allocated storage. You can monitor the storage space for a DB instance using the Free Storage Space metric.",
                EventKind::StorageFull,
                Some("RDS-EVENT-0089"),
            ),
            (
                &["read replica"],
                "An error has occurred in the read replication process. Replication has stopped.",
                EventKind::ReplicationError,
                Some("RDS-EVENT-0045"),
            ),
            (
                &["read replica"],
                "Replication for the Read Replica resumed.",
                EventKind::Recovery,
                Some("RDS-EVENT-0046"),
            ),
            (
                &["read replica"],
                "Replication on the read replica was terminated.",
                EventKind::ReplicationError,
                Some("RDS-EVENT-0057"),
            ),
            (
                &["recovery"],
                "Recovery of the DB instance has started. Recovery time will vary with the amount of data to be recovered.",
                EventKind::Recovery,
                Some("RDS-EVENT-0020"),
            ),
            (&["backup"], "Backing up DB instance", EventKind::Other, Some("RDS-EVENT-0001")),
            (&["backup"], "Finished DB Instance backup", EventKind::Other, Some("RDS-EVENT-0002")),
            (&["notification"], "DB instance stopped", EventKind::Other, Some("RDS-EVENT-0087")),
            (
                &["configuration change"],
                "Applying modification to database instance class",
                EventKind::Other,
                None,
            ),
            (
                &["failover"],
                "Something new about a failover: RDS-EVENT-0999",
                EventKind::Failover,
                Some("RDS-EVENT-0999"),
            ),
        ];
        for (cats, msg, kind, id) in cases {
            let cats: Vec<String> = cats.iter().map(|c| c.to_string()).collect();
            assert_eq!(classify(&cats, msg), *kind, "{msg}");
            assert_eq!(event_id(msg).as_deref(), *id, "{msg}");
        }
        // Categories decide when the message says nothing known.
        assert_eq!(classify(&["low storage".into()], "Storage is low."), EventKind::StorageFull);
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.label()), Some(k));
        }
    }

    #[test]
    fn the_store_dedups_orders_and_bounds() {
        let now = Timestamp::from_second(1_800_000_000 + 1000).unwrap();
        let mut s = EventStore::new(4, 600);
        // Out of order, with a repeat inside the batch.
        s.merge([ev(500, "a", "x"), ev(100, "a", "x"), ev(500, "a", "x"), ev(700, "b", "y")], now);
        assert_eq!(s.all().iter().map(|e| e.at.as_second() - 1_800_000_000).collect::<Vec<_>>(), [500, 700]);
        // The next page repeats what was kept and adds one.
        s.merge([ev(700, "b", "y"), ev(800, "b", "z"), ev(700, "b", "y2")], now);
        assert_eq!(s.len(), 4, "same time, different message is a different event");
        s.merge([ev(900, "c", "w")], now);
        assert_eq!(s.len(), 4, "bounded by count: the oldest go");
        assert_eq!(s.all()[0].at.as_second() - 1_800_000_000, 700);
        let later = Timestamp::from_second(1_800_000_000 + 1400).unwrap();
        s.merge([], later);
        assert!(s.all().iter().all(|e| e.at.as_second() - 1_800_000_000 >= 800), "bounded by age");
        let from = Timestamp::from_second(1_800_000_000 + 850).unwrap();
        assert_eq!(s.between(from, later).len(), 1);
    }
}
