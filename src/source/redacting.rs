//! A source wrapper for `--redact`: every snapshot and failure the inner source returns is
//! redacted before it leaves, so screens, exports and recordings never see the originals.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::{FleetSource, PollFailure, PollFuture};
use crate::domain::freshness::Demand;
use crate::domain::model::Inventory;
use crate::domain::redact::{RedactMode, Redactor};
use crate::domain::snapshot::SourceInfo;

/// Boxed inner source, so `Redacting<dyn FleetSource>` wraps a source chosen at run time.
pub struct Redacting<S: FleetSource + ?Sized> {
    inner: Box<S>,
    redactor: Redactor,
    /// `info()` takes `&self` and aliases need `&mut`: redacted when the inner source's info
    /// is first read, then refreshed from each snapshot.
    info: SourceInfo,
    /// The app's demand names redacted resources: their originals, from the last inventory.
    originals: Originals,
}

/// Redacted ARN (and consumer group) to the original, rebuilt when the inventory changes.
#[derive(Default)]
struct Originals {
    inventory: Option<Arc<Inventory>>,
    arns: HashMap<String, String>,
    groups: HashMap<(String, String), String>,
}

impl Originals {
    fn learn(&mut self, before: &Arc<Inventory>, after: &Inventory) {
        if self.inventory.as_ref().is_some_and(|i| Arc::ptr_eq(i, before)) {
            return;
        }
        let mut arns = HashMap::new();
        let pairs = |a: &str, b: &str| (a.to_string(), b.to_string());
        arns.extend(before.instances.iter().zip(&after.instances).map(|(o, r)| pairs(&r.arn, &o.arn)));
        arns.extend(before.clusters.iter().zip(&after.clusters).map(|(o, r)| pairs(&r.arn, &o.arn)));
        arns.extend(
            before.kafka_clusters.iter().zip(&after.kafka_clusters).map(|(o, r)| pairs(&r.arn, &o.arn)),
        );
        for (o, r) in before.global_clusters.iter().zip(&after.global_clusters) {
            arns.extend(o.members.iter().zip(&r.members).map(|(o, r)| pairs(&r.cluster_arn, &o.cluster_arn)));
        }
        let groups = before
            .consumer_groups
            .iter()
            .zip(&after.consumer_groups)
            .map(|(o, r)| ((r.cluster_arn.to_string(), r.group.to_string()), o.group.to_string()))
            .collect();
        *self = Originals { inventory: Some(before.clone()), arns, groups };
    }

    /// The demand in the inner source's names; a resource it does not know is dropped.
    fn demand(&self, d: &Demand) -> Demand {
        let mut out = Demand::default();
        for (arn, reason) in &d.resources {
            if let Some(o) = self.arns.get(arn) {
                out.mark(o, *reason);
            }
        }
        for (cluster, groups) in &d.groups {
            let Some(c) = self.arns.get(cluster) else { continue };
            for (g, reason) in groups {
                if let Some(o) = self.groups.get(&(cluster.clone(), g.clone())) {
                    out.mark_group(c, o, *reason);
                }
            }
        }
        out
    }
}

impl<S: FleetSource + ?Sized> Redacting<S> {
    pub fn new(inner: Box<S>, mode: RedactMode) -> Self {
        let mut redactor = Redactor::new(mode);
        let info = redactor.source_info(inner.info());
        Redacting { inner, redactor, info, originals: Originals::default() }
    }
}

impl<S: FleetSource + ?Sized> FleetSource for Redacting<S> {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn backfill_pending(&self) -> bool {
        self.inner.backfill_pending()
    }

    fn set_demand(&mut self, demand: Arc<Demand>, now: Timestamp) -> bool {
        let inner = Arc::new(self.originals.demand(&demand));
        self.inner.set_demand(inner, now)
    }

    fn refresh_all(&mut self) {
        self.inner.refresh_all();
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        let Redacting { inner, redactor, info, originals } = self;
        let poll = inner.poll(now);
        Box::pin(async move {
            match poll.await {
                Ok(s) => {
                    let before = s.inventory.clone();
                    let s = redactor.snapshot(s);
                    originals.learn(&before, &s.inventory);
                    *info = s.source.clone();
                    Ok(s)
                }
                Err(f) => Err(PollFailure {
                    errors: f.errors.into_iter().map(|e| redactor.error(e)).collect(),
                    capabilities: f.capabilities.into_iter().map(|c| redactor.capability(c)).collect(),
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::snapshot::{ErrorKind, Service, SourceError, SourceKind};
    use crate::source::demo::{DemoOptions, DemoSource};

    fn start() -> Timestamp {
        "2025-03-10T14:00:00Z".parse().unwrap()
    }

    struct Failing;

    impl FleetSource for Failing {
        fn info(&self) -> SourceInfo {
            SourceInfo {
                kind: SourceKind::Live,
                label: "profile prod".into(),
                regions: vec![],
                accounts: vec![],
            }
        }

        fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
            let e = SourceError {
                account: Some("123456789012".into()),
                region: "us-east-1".into(),
                service: Service::Sts,
                operation: None,
                kind: ErrorKind::AccessDenied,
                message: "not authorized on arn:aws:iam::123456789012:role/ops".into(),
                at: now,
                capability: None,
            };
            Box::pin(async move { Err(PollFailure::new(vec![e])) })
        }
    }

    #[test]
    fn redacting_a_boxed_demo_hides_accounts_in_info_and_snapshots() {
        let demo: Box<dyn FleetSource> = Box::new(DemoSource::new(DemoOptions::default(), start()));
        let mut src: Box<dyn FleetSource> = Box::new(Redacting::new(demo, RedactMode::Ids));
        assert!(src.info().accounts.iter().all(|a| a.starts_with("acct-")));
        let s = futures::executor::block_on(src.poll(start())).unwrap();
        assert!(s.inventory.instances.iter().all(|d| d.account.starts_with("acct-")));
        assert_eq!(src.info(), s.source);
        // Names kept in Ids mode.
        assert!(s.inventory.instances.iter().any(|d| d.id == "orders-mysql"));
    }

    #[test]
    fn redacting_a_failure_masks_its_messages() {
        let mut src = Redacting::new(Box::new(Failing), RedactMode::Names);
        let f = futures::executor::block_on(src.poll(start())).unwrap_err();
        assert_eq!(f.errors[0].account.as_deref(), Some("acct-001"));
        assert_eq!(f.errors[0].message, "not authorized on arn:aws:iam::acct-001:res-001");
    }

    #[test]
    fn an_unchanged_inventory_stays_the_same_arc() {
        let mut src =
            Redacting::new(Box::new(DemoSource::new(DemoOptions::default(), start())), RedactMode::Names);
        let a = futures::executor::block_on(src.poll(start())).unwrap();
        // Within the minute no alarm changes state: the demo's inventory is unchanged.
        let later = start().checked_add(jiff::SignedDuration::from_secs(30)).unwrap();
        let b = futures::executor::block_on(src.poll(later)).unwrap();
        assert!(std::sync::Arc::ptr_eq(&a.inventory, &b.inventory));
    }

    /// Records the demand it is given.
    struct Listening {
        demo: DemoSource,
        heard: std::sync::Arc<std::sync::Mutex<Option<Arc<Demand>>>>,
    }

    impl FleetSource for Listening {
        fn info(&self) -> SourceInfo {
            self.demo.info()
        }
        fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
            self.demo.poll(now)
        }
        fn set_demand(&mut self, demand: Arc<Demand>, _now: Timestamp) -> bool {
            *self.heard.lock().unwrap() = Some(demand);
            true
        }
    }

    #[test]
    fn the_screens_demand_reaches_the_source_in_real_names() {
        use crate::domain::freshness::HotReason;
        let heard = std::sync::Arc::new(std::sync::Mutex::new(None));
        let inner =
            Listening { demo: DemoSource::new(DemoOptions::default(), start()), heard: heard.clone() };
        let mut src = Redacting::new(Box::new(inner), RedactMode::Names);
        let s = futures::executor::block_on(src.poll(start())).unwrap();
        let (d, g) = (&s.inventory.instances[0], &s.inventory.consumer_groups[0]);
        let mut demand = Demand::default();
        demand.mark(&d.arn, HotReason::OnScreen);
        demand.mark_group(&g.cluster_arn, &g.group, HotReason::NotOk);
        demand.mark("arn:aws:rds:us-east-1:acct-009:db:unknown", HotReason::OnScreen);
        assert!(src.set_demand(Arc::new(demand), start()), "forwarded");
        let got = heard.lock().unwrap().clone().unwrap();
        let real = DemoSource::new(DemoOptions::default(), start()).snapshot_at(start()).inventory;
        let (rd, rg) = (&real.instances[0], &real.consumer_groups[0]);
        assert_eq!(got.resources.get(rd.arn.as_str()), Some(&HotReason::OnScreen), "{got:?}");
        assert_eq!(
            got.groups.get(rg.cluster_arn.as_str()).and_then(|m| m.get(rg.group.as_str())),
            Some(&HotReason::NotOk)
        );
        assert_eq!(got.len(), 2, "an unknown resource is dropped: {got:?}");
        assert_ne!(rd.arn, d.arn);
    }
}
