//! A poll's result applied to the model: a snapshot merged into the data (then re-derived),
//! a failure kept beside the last good data; and the notice line keys and effects set.

use std::sync::Arc;

use jiff::Timestamp;

use super::derive::derive_data;
use super::state::{Model, Notice};
use crate::domain::snapshot::FleetSnapshot;
use crate::domain::topology::replication_tree;
use crate::source::PollFailure;
use crate::source::poller::PollEvent;

pub(crate) fn apply_poll(m: &mut Model, ev: PollEvent, now: Timestamp) {
    match ev {
        PollEvent::Started => m.status.polling = true,
        PollEvent::Snapshot(s) => apply_snapshot(m, *s, now),
        PollEvent::Failed(f) => apply_failure(m, f, now),
    }
    m.runtime.dirty = true;
}

pub fn apply_snapshot(m: &mut Model, mut s: FleetSnapshot, now: Timestamp) {
    let f = &mut m.fleet;
    if s.reset {
        f.history.clear();
        f.events.clear();
        m.status.region_good_at.clear();
    }
    f.events.merge(std::mem::take(&mut s.events), s.taken_at);
    if !Arc::ptr_eq(&f.inventory, &s.inventory) && f.inventory == s.inventory {
        // Same content in a new allocation: keep the source's, so the next poll's check is a
        // pointer comparison instead of a deep one.
        f.inventory = s.inventory;
    } else if !Arc::ptr_eq(&f.inventory, &s.inventory) {
        f.inventory = s.inventory;
        f.tree = replication_tree(&f.inventory);
        f.statics = crate::domain::fleet::statics(&f.inventory);
        f.peaks = crate::domain::risk::learned_peaks(&f.inventory, &m.settings.rules);
        let inv = &f.inventory;
        let known: std::collections::HashSet<&str> = inv
            .instances
            .iter()
            .map(|d| d.arn.as_str())
            .chain(inv.clusters.iter().map(|c| c.arn.as_str()))
            .chain(inv.kafka_clusters.iter().map(|c| c.arn.as_str()))
            .collect();
        f.history.retain_resources(|r| known.contains(r));
    }
    f.history.merge(&s.metrics);
    // Gone before the rows are derived: a backfill chunk's points at 20,000 instances are tens
    // of MB, and holding them through the derivation raised the dashboard's peak.
    drop(std::mem::take(&mut s.metrics));
    let st = &mut m.status;
    st.polling = false;
    st.polls += 1;
    st.last_success = Some(s.taken_at);
    st.failing_since = None;
    st.error_total += s.errors.len() as u64;
    for r in &s.source.regions {
        if !s.errors.iter().any(|e| &e.region == r && e.stales_region()) {
            st.region_good_at.insert(r.clone(), s.taken_at);
        }
    }
    st.capabilities = s.capabilities;
    st.errors = s.errors;
    st.source = Some(s.source);
    st.api = s.api;
    derive_data(m, now);
}

pub fn apply_failure(m: &mut Model, f: PollFailure, now: Timestamp) {
    let st = &mut m.status;
    st.polling = false;
    st.polls += 1;
    st.failing_since.get_or_insert(now);
    st.error_total += f.errors.len().max(1) as u64;
    st.errors = f.errors;
    if !f.capabilities.is_empty() {
        st.capabilities = f.capabilities;
    }
}

pub fn notice(m: &mut Model, text: impl Into<String>) {
    m.runtime.notice = Some(Notice { text: text.into(), ticks: 4 });
}
