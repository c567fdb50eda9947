//! This machine's clock against the service's: the `Date` header of the last RDS answer,
//! recorded by an interceptor, and the step that says how far off the clock is.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

use super::{Outcome, Step};

/// SigV4 signatures are refused when the clock is off by more than five minutes.
const SKEW_LIMIT: SignedDuration = SignedDuration::from_mins(5);

/// Records the `Date` header of the last answer, to compare with this machine's clock.
#[derive(Debug, Clone, Default)]
pub(super) struct ServerDate(pub(super) Arc<Mutex<Option<Timestamp>>>);

impl aws_sdk_rds::config::Intercept for ServerDate {
    fn name(&self) -> &'static str {
        "ServerDate"
    }

    fn read_after_transmit(
        &self,
        context: &aws_sdk_rds::config::interceptors::BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &aws_sdk_rds::config::RuntimeComponents,
        _cfg: &mut aws_sdk_rds::config::ConfigBag,
    ) -> Result<(), aws_sdk_rds::error::BoxError> {
        let date = context.response().headers().get("date").and_then(parse_http_date);
        if let Some(d) = date {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(d);
        }
        Ok(())
    }
}

/// An RFC 7231 date (`Tue, 01 Dec 2026 07:29:49 GMT`).
fn parse_http_date(s: &str) -> Option<Timestamp> {
    let t = jiff::fmt::rfc2822::parse(s).ok()?;
    Some(t.timestamp())
}

/// This machine's clock against the service's `Date` header.
pub(super) fn clock_step(server: Option<Timestamp>, local: Timestamp) -> Step {
    let Some(server) = server else {
        return Step {
            what: "clock".into(),
            outcome: Outcome::Warn,
            detail: "no answer carried a Date header to compare with".into(),
        };
    };
    let skew = local.duration_since(server);
    let secs = skew.as_secs();
    let words = match secs {
        s if s.abs() <= 2 => "in step with the service".to_string(),
        s if s > 0 => format!("{} ahead of the service", crate::domain::format::format_age(s)),
        s => format!("{} behind the service", crate::domain::format::format_age(-s)),
    };
    let outcome = if skew.abs() > SKEW_LIMIT {
        Outcome::Fail
    } else if secs.abs() > 30 {
        Outcome::Warn
    } else {
        Outcome::Ok
    };
    let detail = if outcome == Outcome::Fail {
        format!(
            "{words}: AWS refuses signatures more than 5 minutes off; fix NTP (chrony, systemd-timesyncd)"
        )
    } else {
        words
    };
    Step { what: "clock".into(), outcome, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_in_words() {
        let t: Timestamp = "2026-12-01T07:00:00Z".parse().unwrap();
        let off = |s: i64| t.checked_add(SignedDuration::from_secs(s)).unwrap();
        assert_eq!(clock_step(Some(t), off(1)).outcome, Outcome::Ok);
        let ahead = clock_step(Some(t), off(600));
        assert_eq!(ahead.outcome, Outcome::Fail);
        assert!(ahead.detail.starts_with("10m00s ahead of the service"), "{}", ahead.detail);
        let behind = clock_step(Some(t), off(-45));
        assert_eq!((behind.outcome, behind.detail.as_str()), (Outcome::Warn, "45s behind the service"));
        assert_eq!(clock_step(None, t).outcome, Outcome::Warn);
        assert_eq!(parse_http_date("Tue, 01 Dec 2026 07:00:00 GMT"), Some(t));
    }
}
