//! Turning SDK errors into the domain's `SourceError`: what kind of failure it was
//! (throttled, timeout, credentials...), in which service, region and operation.

use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use jiff::Timestamp;

use crate::domain::snapshot::{ErrorKind, Service, SourceError};

/// Error codes AWS services use for throttling, across protocols.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "LimitExceededException",
];
const CREDENTIALS: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
];
const ACCESS: &[&str] = &["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"];

/// An operation this region or partition does not offer (an API newer than the region, a
/// feature not launched there).
const UNSUPPORTED: &[&str] = &[
    "InvalidAction",
    "UnknownOperationException",
    "UnsupportedOperation",
    "UnsupportedOperationException",
    "OperationNotSupportedException",
    "NotImplemented",
];

pub fn kind_of_code(code: &str, status: u16) -> ErrorKind {
    if THROTTLING.contains(&code) || status == 429 {
        ErrorKind::Throttled
    } else if CREDENTIALS.contains(&code) {
        ErrorKind::Credentials
    } else if ACCESS.contains(&code) || status == 403 {
        ErrorKind::AccessDenied
    } else if UNSUPPORTED.contains(&code) {
        ErrorKind::Unsupported
    } else if status >= 500 {
        ErrorKind::ServiceUnavailable
    } else {
        ErrorKind::Other
    }
}

/// Where an error happened.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub account: Option<&'a str>,
    pub region: &'a str,
    pub service: Service,
    pub operation: &'static str,
}

impl Origin<'_> {
    pub fn error(&self, kind: ErrorKind, message: String, at: Timestamp) -> SourceError {
        SourceError {
            account: self.account.map(String::from),
            region: self.region.to_string(),
            service: self.service,
            operation: Some(self.operation.to_string()),
            kind,
            message,
            at,
            capability: None,
        }
    }
}

/// Classify any SDK operation error.
pub fn from_sdk<E>(origin: &Origin<'_>, err: &SdkError<E>, at: Timestamp) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (kind, message) = match err {
        SdkError::TimeoutError(_) => (ErrorKind::Timeout, "timed out".to_string()),
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() {
                ErrorKind::Timeout
            } else if d.is_user() {
                ErrorKind::Credentials
            } else {
                ErrorKind::Network
            };
            // The root cause (connection refused, DNS, TLS) is deep in the source chain.
            let detail = format!("{}", aws_sdk_rds::error::DisplayErrorContext(err));
            tracing::debug!("dispatch failure: {detail}");
            let root = readable(&detail);
            (kind, format!("request failed: {root}"))
        }
        SdkError::ResponseError(r) => (
            ErrorKind::Malformed,
            format!("unreadable response (HTTP {}): {:?}", r.raw().status().as_u16(), r),
        ),
        SdkError::ServiceError(s) => {
            let status = s.raw().status().as_u16();
            let e = s.err();
            let code = e.code().unwrap_or("");
            let message = e.message().map_or_else(|| code.to_string(), |m| format!("{code}: {m}"));
            if status < 300 {
                // A 2xx the SDK could not read as a success: the body was garbage.
                (ErrorKind::Malformed, format!("HTTP {status} with a body that could not be parsed"))
            } else {
                (kind_of_code(code, status), format!("HTTP {status} {message}"))
            }
        }
        SdkError::ConstructionFailure(c) => (ErrorKind::Other, format!("request not built: {c:?}")),
        _ => (ErrorKind::Other, err.to_string()),
    };
    // Credential chain failures arrive as construction or dispatch failures; say so plainly.
    let chain = readable(&format!("{}", aws_sdk_rds::error::DisplayErrorContext(err)));
    let kind = if chain.contains("credentials") && kind != ErrorKind::Throttled {
        ErrorKind::Credentials
    } else {
        kind
    };
    let message = if kind == ErrorKind::Credentials && !message.contains("credential") {
        format!("{message}: {chain}")
    } else {
        message
    };
    origin.error(kind, one_line(&message), at)
}

/// DisplayErrorContext's text without the Debug dump it appends: "dispatch failure: io
/// error: ...: Connection refused (os error 111)".
fn readable(chain: &str) -> String {
    let cut =
        ["(DispatchFailure(", "(ServiceError(", "(ResponseError(", "(TimeoutError(", "(ConstructionFailure("]
            .iter()
            .filter_map(|m| chain.find(m))
            .min()
            .unwrap_or(chain.len());
    chain[..cut].trim().to_string()
}

fn one_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 300 { s.chars().take(300).collect::<String>() + "…" } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(kind_of_code("Throttling", 400), ErrorKind::Throttled);
        assert_eq!(kind_of_code("", 429), ErrorKind::Throttled);
        assert_eq!(kind_of_code("ExpiredToken", 403), ErrorKind::Credentials);
        assert_eq!(kind_of_code("AccessDenied", 403), ErrorKind::AccessDenied);
        assert_eq!(kind_of_code("InternalFailure", 500), ErrorKind::ServiceUnavailable);
        assert_eq!(kind_of_code("ValidationError", 400), ErrorKind::Other);
        assert_eq!(kind_of_code("InvalidAction", 400), ErrorKind::Unsupported);
        assert_eq!(kind_of_code("UnknownOperationException", 400), ErrorKind::Unsupported);
    }
}
