"""Wire-level answers shared by the service fronts: replies, request ids, and errors spelled the
way each protocol spells them (awsQuery XML for RDS, RPC v2 CBOR for CloudWatch, restJson1 for
MSK)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import cbor2

RDS_NS = "http://rds.amazonaws.com/doc/2014-10-31/"
# awsQuery services and the XML namespace of their answers
QUERY_NS = {
    "rds": RDS_NS,
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
CW_SERVICE_SHAPE = "GraniteServiceVersion20100801"
CW_ERROR_NAMESPACE = "com.amazonaws.cloudwatch"

# Service signing names as they appear in the SigV4 credential scope, and the aliases the
# control API accepts for them.
SERVICE_ALIASES = {
    "rds": "rds",
    "monitoring": "monitoring",
    "cloudwatch": "monitoring",
    "kafka": "kafka",
    "msk": "kafka",
    "sts": "sts",
    "iam": "iam",
    "organizations": "organizations",
}


def new_request_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: bool = False  # close the connection without answering
    # More fields for this call's operation-log entry (GetMetricData: its query count).
    log: dict = field(default_factory=dict)


def json_reply(status: int, obj, headers: dict[str, str] | None = None) -> Reply:
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return Reply(status, h, json.dumps(obj).encode())


# --- RDS (awsQuery) ------------------------------------------------------------------------


def rds_error(status: int, code: str, message: str, sender: bool = True, service: str = "rds") -> Reply:
    """An awsQuery error (RDS, and STS or IAM with `service`), in that service's namespace."""
    rid = new_request_id()
    kind = "Sender" if sender else "Receiver"
    ns = QUERY_NS.get(service, RDS_NS)
    body = (
        f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
    )
    return Reply(status, {"Content-Type": "text/xml", "x-amzn-RequestId": rid}, body.encode())


# --- Organizations (AWS JSON 1.1) --------------------------------------------------------------


def json11_reply(obj) -> Reply:
    return Reply(200, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": new_request_id()},
                 json.dumps(obj).encode())


def json11_error(status: int, code: str, message: str) -> Reply:
    """An AWS JSON 1.1 error: `__type` carries the code (the SDK also reads x-amzn-ErrorType)."""
    rid = new_request_id()
    return Reply(status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": rid,
                          "x-amzn-ErrorType": code},
                 json.dumps({"__type": code, "Message": message}).encode())


# --- CloudWatch (RPC v2 CBOR, awsQueryCompatible) -------------------------------------------


def cbor_headers(rid: str | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/cbor",
        "smithy-protocol": "rpc-v2-cbor",
        "x-amzn-RequestId": rid or new_request_id(),
    }


def cbor_reply(obj) -> Reply:
    return Reply(200, cbor_headers(), cbor2.dumps(obj))


def cbor_error(status: int, shape: str, message: str, query_code: str | None = None,
               sender: bool = True) -> Reply:
    """An RPC v2 CBOR error. `shape` becomes `__type` (namespaced); CloudWatch is
    awsQueryCompatible, so the query error code also travels in `x-amzn-query-error`, which the
    SDK prefers over `__type` when present."""
    type_id = shape if "#" in shape else f"{CW_ERROR_NAMESPACE}#{shape}"
    h = cbor_headers()
    if query_code:
        h["x-amzn-query-error"] = f"{query_code};{'Sender' if sender else 'Receiver'}"
    return Reply(status, h, cbor2.dumps({"__type": type_id, "message": message}))


# --- MSK (restJson1) -------------------------------------------------------------------------


def kafka_error(status: int, code: str, message: str) -> Reply:
    rid = new_request_id()
    return Reply(
        status,
        {"Content-Type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": rid},
        json.dumps({"message": message}).encode(),
    )


# --- Faults: the error each mode produces, per protocol --------------------------------------

# mode -> (status, awsQuery code (RDS, STS, IAM), cloudwatch (__type shape, query code), kafka code,
#          message, sender); Organizations (JSON 1.1) codes are in ORGANIZATIONS_FAULTS
FAULT_ERRORS = {
    "throttle": (400, "Throttling", ("ThrottlingException", "Throttling"), "TooManyRequestsException",
                 "Rate exceeded", True),
    "error500": (500, "InternalFailure", ("InternalFailure", "InternalFailure"),
                 "InternalServerErrorException",
                 "The request processing has failed because of an unknown error.", False),
    "error503": (503, "ServiceUnavailable", ("ServiceUnavailable", "ServiceUnavailable"),
                 "ServiceUnavailableException", "Service is unavailable. Please try again later.",
                 False),
    "expired_credentials": (403, "ExpiredToken", ("ExpiredTokenException", "ExpiredToken"),
                            "ExpiredTokenException",
                            "The security token included in the request is expired", True),
    "access_denied": (403, "AccessDenied", ("AccessDeniedException", "AccessDenied"),
                      "AccessDeniedException",
                      "User: arn:aws:iam::{account}:user/harness is not authorized to perform "
                      "{action}", True),
    # an operation the region or partition does not offer
    "unsupported": (400, "InvalidAction", ("UnknownOperationException", "UnknownOperationException"),
                    "UnknownOperationException", "The action {operation} is not valid for this web service.",
                    True),
}


# mode -> (status, code) for Organizations (AWS JSON 1.1; its modelled errors are all HTTP 400)
ORGANIZATIONS_FAULTS = {
    "throttle": (400, "TooManyRequestsException"),
    "error500": (500, "ServiceException"),
    "error503": (503, "ServiceUnavailableException"),
    "expired_credentials": (400, "ExpiredTokenException"),
    "access_denied": (400, "AccessDeniedException"),
    "unsupported": (400, "UnknownOperationException"),
}


def fault_error(service: str, mode: str, operation: str = "", account: str = "123456789012",
                resource: str | None = None) -> Reply:
    """The error of a fault `mode` in `service`'s protocol. `account` is the caller's (named in
    an access_denied message), `resource` what it was denied (the role of an STS AssumeRole)."""
    status, rds_code, (cw_shape, cw_code), kafka_code, message, sender = FAULT_ERRORS[mode]
    action = "this operation"
    if operation and service in SERVICE_ALIASES:
        prefix = "cloudwatch" if service == "monitoring" else service  # the IAM action prefix
        action = f"{prefix}:{operation}" + (f" on resource: {resource}" if resource else "")
    message = message.format(operation=operation, account=account, action=action)
    if service == "organizations":
        status, code = ORGANIZATIONS_FAULTS[mode]
        if mode == "access_denied":
            message = "You don't have permissions to access this resource."
        return json11_error(status, code, message)
    if service == "kafka":
        # restJson1: the code travels in x-amzn-ErrorType; MSK throttles with 429.
        return kafka_error(429 if mode == "throttle" else status, kafka_code, message)
    if service == "monitoring":
        return cbor_error(status, cw_shape, message, cw_code, sender)
    return rds_error(status, rds_code, message, sender, service)


def internal_error(service: str, message: str) -> Reply:
    """A 500 in the service's own error format (for bugs in the front itself)."""
    if service == "kafka":
        return kafka_error(500, "InternalServerErrorException", message)
    if service == "monitoring":
        return cbor_error(500, "InternalFailure", message, "InternalFailure", sender=False)
    if service == "organizations":
        return json11_error(500, "ServiceException", message)
    return rds_error(500, "InternalFailure", message, sender=False, service=service)


def malformed(service: str) -> Reply:
    """200 with a body of the right content type that no parser accepts."""
    rid = new_request_id()
    if service == "monitoring":
        # A map header announcing 3 pairs, then a break byte and junk: never valid CBOR.
        return Reply(200, cbor_headers(rid), b"\xa3\x61\x41\xff\xfe\x00garbage")
    if service == "kafka":
        return Reply(200, {"Content-Type": "application/json", "x-amzn-RequestId": rid},
                     b'{"clusterInfoList": [{"clusterArn": tru}')
    if service == "organizations":
        return Reply(200, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": rid},
                     b'{"Accounts": [{"Id": "1111')
    return Reply(200, {"Content-Type": "text/xml", "x-amzn-RequestId": rid},
                 b"<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInst")
