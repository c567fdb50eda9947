//! The product's judgement, as pure data and functions: no I/O, no clock reads (`now` is an
//! argument), no tokio, no AWS SDK, no ratatui. Everything here is testable at fixed instants.

pub mod accounts;
pub mod alarms;
pub mod capability;
pub mod capability_status;
pub mod capacity;
pub mod consumer_status;
pub mod event_findings;
pub mod events;
pub mod findings;
pub mod fleet;
pub mod format;
pub mod freshness;
pub mod kafka;
pub mod lag;
pub mod maintenance;
pub mod metrics;
pub mod model;
pub mod param_formula;
pub mod peak;
pub mod redact;
pub mod risk;
pub mod rule_id;
pub mod severity;
pub mod snapshot;
pub mod source_error;
pub mod status;
pub mod sym;
pub mod thresholds;
pub mod topology;
pub mod version;
pub mod zones;
