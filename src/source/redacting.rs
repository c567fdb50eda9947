//! A source wrapper for `--redact`: every snapshot and failure the inner source returns is
//! redacted before it leaves, so screens, exports and recordings never see the originals.

use jiff::Timestamp;

use super::{FleetSource, PollFailure, PollFuture};
use crate::domain::redact::{RedactMode, Redactor};
use crate::domain::snapshot::SourceInfo;

/// Boxed inner source, so `Redacting<dyn FleetSource>` wraps a source chosen at run time.
pub struct Redacting<S: FleetSource + ?Sized> {
    inner: Box<S>,
    redactor: Redactor,
    /// `info()` takes `&self` and aliases need `&mut`: redacted when the inner source's info
    /// is first read, then refreshed from each snapshot.
    info: SourceInfo,
}

impl<S: FleetSource + ?Sized> Redacting<S> {
    pub fn new(inner: Box<S>, mode: RedactMode) -> Self {
        let mut redactor = Redactor::new(mode);
        let info = redactor.source_info(inner.info());
        Redacting { inner, redactor, info }
    }
}

impl<S: FleetSource + ?Sized> FleetSource for Redacting<S> {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn backfill_pending(&self) -> bool {
        self.inner.backfill_pending()
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        let Redacting { inner, redactor, info } = self;
        let poll = inner.poll(now);
        Box::pin(async move {
            match poll.await {
                Ok(s) => {
                    let s = redactor.snapshot(s);
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
}
