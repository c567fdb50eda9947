//! `--record FILE`: a source that passes another's snapshots through and appends each to a
//! recording. A write failure (disk full, file removed) stops the recording, shows as an
//! error of the poll, and never stops the dashboard.

use jiff::Timestamp;

use super::{FleetSource, PollFuture};
use crate::domain::snapshot::{ErrorKind, Service, SourceError, SourceInfo};
use crate::record::Recorder;

pub struct RecordingSource {
    inner: Box<dyn FleetSource>,
    recorder: Option<Recorder>,
}

impl RecordingSource {
    pub fn new(inner: Box<dyn FleetSource>, recorder: Recorder) -> Self {
        RecordingSource { inner, recorder: Some(recorder) }
    }
}

impl Drop for RecordingSource {
    fn drop(&mut self) {
        if let Some(r) = self.recorder.take()
            && let Err(e) = r.finish()
        {
            tracing::warn!("closing the recording: {e}");
        }
    }
}

impl FleetSource for RecordingSource {
    fn info(&self) -> SourceInfo {
        self.inner.info()
    }

    fn backfill_pending(&self) -> bool {
        self.inner.backfill_pending()
    }

    fn set_demand(
        &mut self,
        demand: std::sync::Arc<crate::domain::freshness::Demand>,
        now: Timestamp,
    ) -> bool {
        self.inner.set_demand(demand, now)
    }

    fn refresh_all(&mut self) {
        self.inner.refresh_all();
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(async move {
            let mut s = self.inner.poll(now).await?;
            if let Some(rec) = &mut self.recorder
                && let Err(e) = rec.append(&s)
            {
                tracing::error!("recording stopped: {e}: {}", e.source);
                s.errors.push(SourceError {
                    account: None,
                    region: "-".into(),
                    service: Service::Replay,
                    operation: Some("record".into()),
                    kind: ErrorKind::Other,
                    message: format!("recording stopped: {e}: {}", e.source),
                    at: now,
                    capability: None,
                });
                self.recorder = None;
            }
            Ok(s)
        })
    }
}
