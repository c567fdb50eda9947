"""MSK (restJson1): pass through to moto and fix its cluster descriptions.

moto 5.2.5 gaps handled here:
  * `creationTime` has no time zone ("2026-11-22T01:09:41.670960"), which the Rust SDK's
    RFC 3339 parser rejects: rewritten to "2026-11-22T01:09:41.670Z".
  * clusters stay CREATING forever: reported ACTIVE (or the state the scenario asks for), and
    the placeholder `activeOperationArn` / `stateInfo` moto attaches are dropped.
  * answers carry `Content-Type: text/html`: set to application/json.
"""

from __future__ import annotations

import json
import re
import threading
import traceback
from datetime import datetime, timezone

import emu_moto
from emu_protocol import Reply, kafka_error

_ROUTES = None
_ROUTES_LOCK = threading.Lock()

DESCRIBE_OPERATIONS = {"ListClustersV2", "DescribeClusterV2", "ListClusters", "DescribeCluster"}


class KafkaData:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.state_by_arn: dict[str, str] = {}  # cluster ARN (it names the account) -> state


DATA = KafkaData()


def routes():
    """(method, compiled path regex, operation name, literal length) from botocore's model."""
    global _ROUTES
    with _ROUTES_LOCK:
        if _ROUTES is None:
            import botocore.session

            m = botocore.session.get_session().get_service_model("kafka")
            out = []
            for name in m.operation_names:
                http = m.operation_model(name).http
                uri = http["requestUri"].split("?")[0]
                literal = len(re.sub(r"\{[^}]+\}", "", uri))
                pattern = ""
                for part in re.split(r"(\{[^}]+\})", uri):
                    if part.startswith("{"):
                        pattern += "(.+)" if part.endswith("+}") else "([^/]+)"
                    else:
                        pattern += re.escape(part)
                out.append((http["method"], re.compile("^" + pattern + "/?$"), name, literal))
            out.sort(key=lambda r: -r[3])
            _ROUTES = out
        return _ROUTES


def operation_for(method: str, path: str) -> str | None:
    p = path.split("?")[0]
    for m, rx, name, _ in routes():
        if m == method and rx.match(p):
            return name
    return None


def rfc3339(value: str) -> str:
    """moto's naive ISO timestamps -> RFC 3339 UTC with milliseconds."""
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    d = d.astimezone(timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def _fix_cluster(info: dict) -> None:
    if isinstance(info.get("creationTime"), str):
        info["creationTime"] = rfc3339(info["creationTime"])
    arn = info.get("clusterArn")
    if "state" in info:
        wanted = DATA.state_by_arn.get(arn, "ACTIVE")
        if info["state"] == "CREATING" or arn in DATA.state_by_arn:
            info["state"] = wanted
        if info["state"] == "ACTIVE":
            info.pop("activeOperationArn", None)
            info.pop("stateInfo", None)
    # moto's placeholder for "no custom configuration"
    for holder in (info.get("provisioned") or {}, info):
        sw = holder.get("currentBrokerSoftwareInfo")
        if isinstance(sw, dict) and sw.get("configurationArn") == "string":
            sw.pop("configurationArn", None)
            sw.pop("configurationRevision", None)


def fix_document(doc) -> None:
    if isinstance(doc, dict):
        if "clusterArn" in doc and ("state" in doc or "creationTime" in doc):
            _fix_cluster(doc)
        for v in doc.values():
            fix_document(v)
    elif isinstance(doc, list):
        for v in doc:
            fix_document(v)


def handle(account: str, region: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
           operation: str | None, log) -> Reply:
    try:
        r = emu_moto.call(method, "kafka", region, path, query, headers, body, account=account)
    except emu_moto.NotImplementedByMoto:
        return kafka_error(400, "BadRequestException",
                           f"{operation or path} is not implemented by moto or the harness")
    except Exception as e:  # noqa: BLE001
        log(f"moto raised on Kafka {operation}: {traceback.format_exc()}")
        return kafka_error(500, "InternalServerErrorException", f"moto raised {type(e).__name__}: {e}")
    headers_out = dict(r.headers)
    headers_out["content-type"] = "application/json"
    if r.status >= 400:
        if "x-amzn-errortype" not in headers_out:
            try:
                doc = json.loads(r.body)
                code = doc.get("__type") or doc.get("code") or doc.get("Code")
            except ValueError:
                code = None
            headers_out["x-amzn-errortype"] = str(code or ("NotFoundException" if r.status == 404 else "BadRequestException"))
        return Reply(r.status, headers_out, r.body)
    if operation in DESCRIBE_OPERATIONS and r.body:
        try:
            doc = json.loads(r.body)
        except ValueError:
            return Reply(r.status, headers_out, r.body)
        fix_document(doc)
        return Reply(r.status, headers_out, json.dumps(doc).encode())
    return Reply(r.status, headers_out, r.body)

