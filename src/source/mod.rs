//! Where fleet data comes from, behind one small trait: the built-in demo, live AWS and a
//! recorded replay all return owned snapshots. Sources never touch UI state.

pub mod aws;
pub mod clock;
pub mod demo;
pub mod follow;
pub mod poller;
pub mod recording;
pub mod redacting;
pub mod replay;
pub mod time_travel;

use std::future::Future;
use std::pin::Pin;

use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::capability_status::CapabilityStatus;
use crate::domain::freshness::Demand;
use crate::domain::snapshot::{FleetSnapshot, SourceError, SourceInfo};

/// A poll's future: boxed so sources can be chosen at run time (`Box<dyn FleetSource>`).
pub type PollFuture<'a> = Pin<Box<dyn Future<Output = Result<FleetSnapshot, PollFailure>> + Send + 'a>>;

/// A poll that produced nothing usable: every account/region failed. A partial failure is a
/// snapshot whose `errors` is not empty.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("poll failed: {}", .errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct PollFailure {
    pub errors: Vec<SourceError>,
    /// How each capability is doing (a source that has them: live AWS).
    pub capabilities: Vec<CapabilityStatus>,
}

impl PollFailure {
    pub fn new(errors: Vec<SourceError>) -> PollFailure {
        PollFailure { errors, capabilities: Vec::new() }
    }
}

pub trait FleetSource: Send {
    fn info(&self) -> SourceInfo;
    /// Poll once as of `now`. Never called again while a poll is in flight.
    fn poll(&mut self, now: Timestamp) -> PollFuture<'_>;
    /// Older history is still to come in chunks (the first poll brought only the recent
    /// window): the poller polls again at once instead of waiting for the interval.
    fn backfill_pending(&self) -> bool {
        false
    }
    /// What the screen needs fresh: a live source asks for the series of these resources
    /// every period and the rest less often. True when a series just made hot is due now
    /// (the poller then polls at once: a view switch brings fresh values, not the next poll).
    fn set_demand(&mut self, _demand: Arc<Demand>, _now: Timestamp) -> bool {
        false
    }
    /// An explicit refresh (`r`): the next poll asks for every series, however cold, and
    /// lists the whole inventory again.
    fn refresh_all(&mut self) {}
}
