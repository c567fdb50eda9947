#!/usr/bin/env python3
"""Self-test of the emulator harness, over real HTTP, the way the Rust tests use it.

    pip install -r tests/emulator/requirements.txt
    python3 tests/emulator/selftest.py [--keep-logs]

Starts harness.py as a subprocess (stdin a pipe, --port 0, --ready-file), seeds a small scenario,
checks RDS (boto3, the Neptune and DocumentDB clients, and raw XML checked against botocore's
model), parameter groups, RDS events (DescribeEvents), STS, the Date header and clock skew,
CloudWatch (hand-built RPC v2 CBOR, decoded strictly; alarms), MSK (raw restJson1), every fault mode once per protocol, the operation
log and the control API; then many accounts (an organization, STS AssumeRole into member accounts that
see only their own resources, account faults, Organizations ListAccounts, IAM ListAccountAliases, a
CloudWatch monitoring account's AccountId and IncludeLinkedAccounts); measures seeding 150 instances
and ~2,000 datapoints, and 4 accounts in one array seed, then stops the
harness (end of file on stdin, SIGTERM, SIGINT) and checks that no process is left. The last line is
"N passed, M failed"; the exit code is non-zero on any failure.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from urllib.parse import quote, urlencode  # noqa: E402

import cbor2  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "harness.py")
RDS_NS = "{http://rds.amazonaws.com/doc/2014-10-31/}"
CW_PATH = "/service/GraniteServiceVersion20100801/operation/"
T0 = 1763480220  # 2025-11-18T15:37:00Z

PASSED = 0
FAILED = 0


def check(name: str, cond: bool, detail: str = "") -> bool:
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"PASS {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}")
    return cond


def run_check(name: str, fn) -> None:
    """Run a group of checks; an exception counts as one failure."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        check(name, False, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")


# --- the harness process ----------------------------------------------------------------------


class Harness:
    def __init__(self, workdir: str, tag: str):
        self.ready = os.path.join(workdir, f"{tag}.port")
        self.log = os.path.join(workdir, f"{tag}.log")
        self.proc = subprocess.Popen(
            [sys.executable, HARNESS, "--port", "0", "--ready-file", self.ready, "--log-file", self.log],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None:
                raise RuntimeError(f"harness exited early: {self.proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("harness not ready after 60 s")
            time.sleep(0.05)
        with open(self.ready) as f:
            self.ready_text = f.read()
        self.port = int(self.ready_text)

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def control(self, method: str, path: str, doc=None):
        c = self.conn()
        body = json.dumps(doc).encode() if doc is not None else b""
        c.request(method, path, body=body, headers={"Content-Type": "application/json",
                                                    "Content-Length": str(len(body))})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data) if data else None

    def children(self) -> list[int]:
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.proc.pid:
                        out.append(int(d))
                except (OSError, IndexError, ValueError):
                    pass
        return out

    def left_behind(self) -> list[int]:
        """Processes whose command line names this harness's ready file."""
        found = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/cmdline", "rb") as f:
                        if self.ready.encode() in f.read():
                            found.append(int(d))
                except OSError:
                    pass
        return found


def auth(service: str, region: str, key: str = "AKIDSELFTEST") -> str:
    return (f"AWS4-HMAC-SHA256 Credential={key}/20261122/{region}/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0000")


def request(h: Harness, method: str, path: str, headers: dict, body: bytes = b""):
    c = h.conn()
    headers = dict(headers)
    headers["Content-Length"] = str(len(body))
    headers.setdefault("X-Amz-Date", "20261122T000000Z")
    t = time.monotonic()
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    elapsed = time.monotonic() - t
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data, elapsed


def rds_raw(h: Harness, params: dict, region: str = "us-east-1", key: str = "AKIDSELFTEST"):
    body = urlencode({"Version": "2014-10-31", **params}).encode()
    return request(h, "POST", "/", {"Authorization": auth("rds", region, key),
                                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body)


def cbor_call(h: Harness, op: str, params: dict, region: str = "us-east-1", key: str = "AKIDSELFTEST"):
    body = cbor2.dumps(params)
    return request(h, "POST", CW_PATH + op, {
        "Authorization": auth("monitoring", region, key),
        "Content-Type": "application/cbor",
        "Accept": "application/cbor",
        "smithy-protocol": "rpc-v2-cbor",
    }, body)


def kafka_raw(h: Harness, path: str, region: str = "us-east-1", key: str = "AKIDSELFTEST"):
    return request(h, "GET", path, {"Authorization": auth("kafka", region, key)})


def ts(epoch: float) -> cbor2.CBORTag:
    return cbor2.CBORTag(1, float(epoch))


# --- a strict CBOR reader: types as they are on the wire --------------------------------------


class Cbor:
    """Decodes CBOR into ("int"|"float"|"text"|"bytes"|"bool"|"null"|"array"|"map"|"tag", value)."""

    def __init__(self, data: bytes):
        self.d = data
        self.i = 0

    def _arg(self, info: int) -> int | None:
        if info < 24:
            return info
        n = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if n is None:
            if info == 31:
                return None
            raise ValueError(f"bad additional info {info}")
        v = int.from_bytes(self.d[self.i:self.i + n], "big")
        self.i += n
        return v

    def item(self):
        b = self.d[self.i]
        self.i += 1
        major, info = b >> 5, b & 31
        if major == 7:
            if info == 20:
                return ("bool", False)
            if info == 21:
                return ("bool", True)
            if info in (22, 23):
                return ("null", None)
            if info in (25, 26, 27):
                n = {25: 2, 26: 4, 27: 8}[info]
                raw = self.d[self.i:self.i + n]
                self.i += n
                return ("float", struct.unpack({2: ">e", 4: ">f", 8: ">d"}[n], raw)[0])
            if info == 31:
                return ("break", None)
            raise ValueError(f"unsupported simple value {info}")
        arg = self._arg(info)
        if major == 0:
            return ("int", arg)
        if major == 1:
            return ("int", -1 - arg)
        if major in (2, 3):
            if arg is None:
                parts = []
                while self.d[self.i] != 0xFF:
                    parts.append(self.item()[1])
                self.i += 1
                raw = b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)
            else:
                raw = self.d[self.i:self.i + arg]
                self.i += arg
            return ("bytes", raw) if major == 2 else ("text", raw.decode())
        if major == 4:
            out = []
            while arg is None or len(out) < arg:
                x = self.item()
                if x[0] == "break":
                    break
                out.append(x)
            return ("array", out)
        if major == 5:
            out = {}
            while arg is None or len(out) < arg:
                k = self.item()
                if k[0] == "break":
                    break
                if k[0] != "text":
                    raise ValueError("map key is not a text string")
                out[k[1]] = self.item()
            return ("map", out)
        if major == 6:
            return ("tag", (arg, self.item()))
        raise ValueError(f"major type {major}")

    @classmethod
    def parse(cls, data: bytes):
        p = cls(data)
        v = p.item()
        if p.i != len(data):
            raise ValueError("trailing bytes")
        return v


def is_timestamp(x) -> bool:
    return x[0] == "tag" and x[1][0] == 1 and x[1][1][0] in ("int", "float")


class WireTimestamp(float):
    """A CBOR tag 1 timestamp, as `plain` returns it."""


def plain(x):
    """A strictly decoded CBOR item (Cbor.parse) as plain Python, keeping wire types visible:
    CBOR floats are float, integers int, tag 1 timestamps WireTimestamp."""
    kind, v = x
    if kind == "map":
        return {k: plain(i) for k, i in v.items()}
    if kind == "array":
        return [plain(i) for i in v]
    if kind == "tag":
        if v[0] == 1 and v[1][0] in ("int", "float"):
            return WireTimestamp(v[1][1])
        raise ValueError(f"unexpected tag {v[0]}")
    return v


# --- awsQuery XML checked against botocore's RDS model --------------------------------------

_RDS_MODEL = None


def rds_model():
    global _RDS_MODEL
    if _RDS_MODEL is None:
        import botocore.session

        _RDS_MODEL = botocore.session.get_session().get_service_model("rds")
    return _RDS_MODEL


def _scalar_ok(type_name: str, text: str) -> bool:
    try:
        if type_name == "boolean":
            return text in ("true", "false")
        if type_name in ("integer", "long"):
            return re.fullmatch(r"-?\d+", text) is not None
        if type_name in ("double", "float"):
            float(text)
        if type_name == "timestamp":
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def shape_errors(el, shape, path: str = "") -> list[str]:
    """Where an XML answer leaves the model: element names that are not members (by their
    wire names), list items under the wrong name, scalars that do not parse as their type."""
    path = f"{path}/{el.tag.replace(RDS_NS, '')}"
    errs = []
    if shape.type_name == "structure":
        members = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        for c in el:
            tag = c.tag.replace(RDS_NS, "")
            if tag not in members:
                errs.append(f"{path}: {tag} is not a member of {shape.name}")
            else:
                errs += shape_errors(c, members[tag], path)
    elif shape.type_name == "list":
        item = shape.member.serialization.get("name", "member")
        for c in el:
            if c.tag.replace(RDS_NS, "") != item:
                errs.append(f"{path}: list item {c.tag.replace(RDS_NS, '')}, the model says {item}")
            else:
                errs += shape_errors(c, shape.member, path)
    elif len(el) or not _scalar_ok(shape.type_name, el.text or ""):
        errs.append(f"{path}: {el.text!r} is not a {shape.type_name}")
    return errs


def result_shape_errors(operation: str, body: bytes) -> list[str]:
    root = ET.fromstring(body)
    if root.tag != f"{RDS_NS}{operation}Response":
        return [f"root element {root.tag}"]
    res = root.find(f"{RDS_NS}{operation}Result")
    if res is None:
        return [f"no {operation}Result"]
    return shape_errors(res, rds_model().operation_model(operation).output_shape)


# --- the scenario -----------------------------------------------------------------------------

SCENARIO = {
    "parameter_groups": [
        {"name": "orders-mysql-params", "region": "us-east-1", "family": "mysql8.0", "kind": "db",
         "description": "Orders MySQL tuning",
         "parameters": {"max_connections": "640", "innodb_buffer_pool_size": "{DBInstanceClassMemory*3/4}"}},
        {"name": "users-aurora-cluster-params", "region": "us-east-1", "family": "aurora-mysql8.0", "kind": "cluster",
         "parameters": {"binlog_format": "ROW"}},
    ],
    "instances": [
        {"id": "orders-mysql", "region": "us-east-1", "engine": "mysql", "engine_version": "8.0.35",
         "class": "db.r6g.xlarge", "multi_az": True, "auto_minor_version_upgrade": False,
         "maintenance_window": "sun:07:00-sun:07:30", "replica_source": None, "cluster_id": None,
         "availability_zone": "us-east-1a", "tags": {"env": "production"},
         "parameter_group": "orders-mysql-params", "parameter_apply_status": "pending-reboot"},
        {"id": "orders-replica", "region": "us-east-1", "engine": "mysql", "class": "db.r6g.large",
         "replica_source": "orders-mysql", "availability_zone": "us-east-1c",
         "maintenance_window": "mon:03:00-mon:03:30", "tags": {"env": "production", "role": "replica"}},
        {"id": "eu-orders-mysql", "region": "eu-west-1", "class": "db.r6g.large",
         "replica_source": "arn:aws:rds:us-east-1:123456789012:db:orders-mysql"},
        {"id": "billing-pg", "region": "us-east-1", "engine": "postgres", "engine_version": "15.7",
         "class": "db.m6g.large", "multi_az": False, "auto_minor_version_upgrade": True,
         "maintenance_window": "tue:05:00-tue:05:30", "tags": {"env": "staging"},
         "pending_modified_values": {"EngineVersion": "15.8"}},
        {"id": "users-aurora-1", "region": "us-east-1", "cluster_id": "users-aurora", "class": "db.r6g.large"},
        {"id": "users-aurora-2", "region": "us-east-1", "cluster_id": "users-aurora", "class": "db.r6g.large",
         "availability_zone": "us-east-1b"},
        # Aurora Serverless v2, a Multi-AZ DB cluster, Neptune and DocumentDB (members: writer first)
        {"id": "reports-sv2-1", "cluster_id": "reports-sv2", "class": "db.serverless"},
        {"id": "reports-sv2-2", "cluster_id": "reports-sv2", "class": "db.serverless"},
        {"id": "ledger-maz-1", "cluster_id": "ledger-maz"},
        {"id": "ledger-maz-2", "cluster_id": "ledger-maz"},
        {"id": "ledger-maz-3", "cluster_id": "ledger-maz"},
        {"id": "graph-neptune-1", "cluster_id": "graph-neptune", "class": "db.r6g.large"},
        {"id": "graph-neptune-2", "cluster_id": "graph-neptune", "class": "db.r6g.large", "availability_zone": "us-east-1b"},
        {"id": "catalog-docdb-1", "cluster_id": "catalog-docdb", "class": "db.r6g.large"},
        # statuses (an overlay on moto's "available") and a creation time
        {"id": "st-stopped", "engine": "postgres", "engine_version": "15.7", "status": "stopped",
         "instance_create_time": "2024-03-01T10:15:00+02:00"},
        {"id": "st-creating", "status": "creating"},
        {"id": "st-deleting", "status": "deleting"},
        {"id": "st-modifying", "status": "modifying"},
        {"id": "st-storage-full", "status": "storage-full"},
    ],
    "clusters": [
        {"id": "users-aurora", "region": "us-east-1", "engine": "aurora-mysql",
         "engine_version": "8.0.mysql_aurora.3.05.2", "auto_minor_version_upgrade": True,
         "maintenance_window": "sat:04:00-sat:04:30", "tags": {"team": "identity"},
         "cluster_parameter_group": "users-aurora-cluster-params"},
        {"id": "users-aurora-west", "region": "us-west-2", "engine": "aurora-mysql",
         "engine_version": "8.0.mysql_aurora.3.05.2"},
        {"id": "reports-sv2", "engine": "aurora-postgresql", "engine_version": "15.4",
         "serverless_v2": {"min": 0.5, "max": 16}},
        {"id": "ledger-maz", "engine": "mysql", "engine_version": "8.0.35", "db_cluster_instance_class": "db.r6gd.large",
         "allocated_storage": 100, "storage_type": "io1", "iops": 3000},
        {"id": "graph-neptune", "engine": "neptune"},
        {"id": "catalog-docdb", "engine": "docdb"},
    ],
    "global_clusters": [
        {"id": "users-global", "engine": "aurora-mysql", "primary": "users-aurora", "secondaries": ["users-aurora-west"]},
    ],
    "pending_actions": [
        {"resource_id": "eu-orders-mysql", "region": "eu-west-1", "action": "db-upgrade",
         "description": "Upgrade to MySQL 8.0.40", "auto_applied_after": "2026-11-17T15:37:00Z",
         "forced_apply": "2026-11-22T21:37:00Z", "current_apply": None, "opt_in_status": "pending"},
        {"resource_id": "orders-mysql", "region": "us-east-1", "action": "system-update",
         "description": "New Operating System update is available", "current_apply": "2026-12-01T07:00:00Z",
         "opt_in_status": "next-maintenance"},
        {"resource_id": "users-aurora", "region": "us-east-1", "action": "system-update",
         "description": "Aurora patch"},
    ],
    "engine_versions": [
        {"region": "us-east-1", "engine": "postgres", "engine_version": "15.7", "auto_upgrade_target": "15.8"},
        {"region": "us-east-1", "engine": "mysql", "engine_version": "8.0.35", "auto_upgrade_target": "8.0.40",
         "upgrade_targets": [{"engine_version": "8.4.3"}]},
    ],
    "major_engine_versions": [
        {"engine": "postgres", "major_engine_version": "15", "lifecycles": [
            {"name": "open-source-rds-standard-support", "start": "2023-02-27T00:00:00Z", "end": "2027-02-28T23:59:59Z"}]},
    ],
    "blue_green": [
        {"name": "orders-to-8-4", "region": "us-east-1", "source_id": "orders-mysql", "target_engine_version": "8.4.3",
         "status_details": "Green environment in sync", "create_time": "2026-11-18T12:37:00Z"},
    ],
    "kafka_clusters": [
        {"name": "prod-events", "region": "us-east-1", "kafka_version": "3.6.0", "broker_count": 6, "serverless": False},
        {"name": "analytics", "region": "us-east-1", "serverless": True},
    ],
    "metrics": [
        {"region": "us-east-1", "namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
         "dimensions": {"DBInstanceIdentifier": "orders-mysql"},
         "points": [[T0, 1925.0], [T0 + 60, 1931.0], [T0 + 120, 1940.0]]},
        {"region": "us-east-1", "namespace": "AWS/RDS", "name": "ReplicaLag", "unit": "Seconds",
         "dimensions": {"DBInstanceIdentifier": "orders-replica"},
         "points": [[T0, 2.0], [T0 + 60, -1.0], [T0 + 120, -1.0]]},
        {"region": "us-east-1", "namespace": "AWS/Kafka", "name": "MaxOffsetLag", "unit": "Count",
         "dimensions": {"Cluster Name": "prod-events", "Consumer Group": "billing", "Topic": "orders"},
         "points": [[T0, 120.0], [T0 + 60, 80.0]]},
        {"region": "us-east-1", "namespace": "AWS/Kafka", "name": "SumOffsetLag", "unit": "Count",
         "dimensions": {"Cluster Name": "prod-events", "Consumer Group": "billing", "Topic": "orders"},
         "points": [[T0, 300.0]]},
        {"region": "us-east-1", "namespace": "AWS/Kafka", "name": "MaxOffsetLag", "unit": "Count",
         "dimensions": {"Cluster Name": "other-cluster", "Consumer Group": "x", "Topic": "y"},
         "points": [[T0, 1.0]]},
        {"region": "eu-west-1", "namespace": "AWS/RDS", "name": "ReplicaLag", "unit": "Seconds",
         "dimensions": {"DBInstanceIdentifier": "eu-orders-mysql"}, "points": [[T0, 42.0]]},
    ],
}


def gmd_query(qid: str, name: str, dims: dict, stat: str = "Maximum", period: int = 60, ns: str = "AWS/RDS", unit=None,
              account_id: str | None = None):
    ms = {"Metric": {"Namespace": ns, "MetricName": name,
                     "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]},
          "Period": period, "Stat": stat}
    if unit:
        ms["Unit"] = unit
    q = {"Id": qid, "MetricStat": ms}
    if account_id:
        q["AccountId"] = account_id
    return q


# --- checks -----------------------------------------------------------------------------------


def check_process_contract(h: Harness) -> None:
    check("ready file holds digits and a newline", re.fullmatch(r"\d+\n", h.ready_text) is not None, repr(h.ready_text))
    listening = False
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            ip_hex, port_hex = local.split(":")
            if int(port_hex, 16) == h.port and state == "0A":
                listening = ip_hex == "0100007F"
    check("listens on 127.0.0.1 only", listening)
    check("no child processes", h.children() == [], str(h.children()))
    st, doc = h.control("GET", "/_harness/health")
    check("health", st == 200 and doc.get("ok") is True, str(doc))


def check_seed(h: Harness) -> dict:
    st, out = h.control("POST", "/_harness/seed", SCENARIO)
    check("seed answers 200", st == 200, str(out))
    check("seed maps instance ids to ARNs",
          out["instances"].get("orders-mysql") == "arn:aws:rds:us-east-1:123456789012:db:orders-mysql"
          and out["instances"].get("eu-orders-mysql") == "arn:aws:rds:eu-west-1:123456789012:db:eu-orders-mysql",
          str(out.get("instances")))
    check("seed maps clusters and kafka clusters",
          out["clusters"].get("users-aurora", "").endswith(":cluster:users-aurora")
          and out["kafka_clusters"].get("prod-events", "").startswith("arn:aws:kafka:us-east-1:123456789012:cluster/"),
          json.dumps(out)[:400])
    st, err = h.control("POST", "/_harness/seed", {"instances": [{"id": "x", "replica_source": "nope"}]})
    check("seed rejects an unknown replica source with 400", st == 400 and "error" in err, str(err))
    return out


def check_rds_boto3(h: Harness, seeded: dict) -> None:
    import boto3

    kw = dict(aws_access_key_id="AKIDSELFTEST", aws_secret_access_key="x", endpoint_url=f"http://127.0.0.1:{h.port}")
    rds = boto3.client("rds", region_name="us-east-1", **kw)
    dbs = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    o = dbs.get("orders-mysql", {})
    check("boto3 DescribeDBInstances: primary fields",
          o.get("MultiAZ") is True and o.get("SecondaryAvailabilityZone") == "us-east-1b"
          and o.get("AutoMinorVersionUpgrade") is False and o.get("PreferredMaintenanceWindow") == "sun:07:00-sun:07:30"
          and o.get("EngineVersion") == "8.0.35" and o.get("DBInstanceClass") == "db.r6g.xlarge"
          and o.get("DBInstanceStatus") == "available" and o.get("AvailabilityZone") == "us-east-1a"
          and o.get("DBInstanceArn") == seeded["instances"]["orders-mysql"]
          and o.get("TagList") == [{"Key": "env", "Value": "production"}]
          and o.get("PendingModifiedValues") == {}, json.dumps(o, default=str)[:600])
    check("boto3 DescribeDBInstances: replica links",
          "orders-replica" in o.get("ReadReplicaDBInstanceIdentifiers", [])
          and seeded["instances"]["eu-orders-mysql"] in o.get("ReadReplicaDBInstanceIdentifiers", [])
          and dbs.get("orders-replica", {}).get("ReadReplicaSourceDBInstanceIdentifier") == "orders-mysql"
          and dbs.get("orders-replica", {}).get("MultiAZ") is False
          and dbs.get("orders-replica", {}).get("AvailabilityZone") == "us-east-1c"
          and dbs.get("orders-replica", {}).get("PreferredMaintenanceWindow") == "mon:03:00-mon:03:30",
          json.dumps(dbs.get("orders-replica"), default=str)[:600])
    check("boto3 DescribeDBInstances: pending modified values from the scenario",
          dbs.get("billing-pg", {}).get("PendingModifiedValues") == {"EngineVersion": "15.8"},
          str(dbs.get("billing-pg", {}).get("PendingModifiedValues")))
    a1 = dbs.get("users-aurora-1", {})
    check("boto3 DescribeDBInstances: Aurora member", a1.get("DBClusterIdentifier") == "users-aurora"
          and a1.get("EngineVersion") == "8.0.mysql_aurora.3.05.2" and "SecondaryAvailabilityZone" not in a1,
          json.dumps(a1, default=str)[:400])
    eu = boto3.client("rds", region_name="eu-west-1", **kw).describe_db_instances()["DBInstances"]
    check("boto3 DescribeDBInstances: cross-region replica in its own region",
          len(eu) == 1 and eu[0]["AvailabilityZone"] == "eu-west-1a"
          and eu[0]["ReadReplicaSourceDBInstanceIdentifier"] == seeded["instances"]["orders-mysql"],
          json.dumps(eu, default=str)[:400])
    page1 = rds.describe_db_instances(MaxRecords=20)
    check("boto3 DescribeDBInstances MaxRecords=20 answers", len(page1["DBInstances"]) >= 6)
    cl = {c["DBClusterIdentifier"]: c for c in rds.describe_db_clusters()["DBClusters"]}
    u = cl.get("users-aurora", {})
    members = {m["DBInstanceIdentifier"]: m for m in u.get("DBClusterMembers", [])}
    check("boto3 DescribeDBClusters: members, writer, Multi-AZ with readers",
          u.get("MultiAZ") is True and members.get("users-aurora-1", {}).get("IsClusterWriter") is True
          and members.get("users-aurora-2", {}).get("IsClusterWriter") is False
          and isinstance(members.get("users-aurora-2", {}).get("PromotionTier"), int)
          and u.get("PreferredMaintenanceWindow") == "sat:04:00-sat:04:30" and u.get("AutoMinorVersionUpgrade") is True
          and u.get("TagList") == [{"Key": "team", "Value": "identity"}], json.dumps(u, default=str)[:600])
    gc = rds.describe_global_clusters()["GlobalClusters"]
    gm = {m["DBClusterArn"]: m for m in gc[0]["GlobalClusterMembers"]} if gc else {}
    primary, secondary = seeded["clusters"]["users-aurora"], seeded["clusters"]["users-aurora-west"]
    check("boto3 DescribeGlobalClusters: primary writes, lists the secondary as reader",
          gm.get(primary, {}).get("IsWriter") is True and gm.get(primary, {}).get("Readers") == [secondary]
          and gm.get(secondary, {}).get("IsWriter") is False, json.dumps(gc, default=str)[:600])
    bg = rds.describe_blue_green_deployments()["BlueGreenDeployments"]
    check("boto3 DescribeBlueGreenDeployments", len(bg) == 1 and bg[0]["BlueGreenDeploymentName"] == "orders-to-8-4"
          and bg[0]["Source"] == seeded["instances"]["orders-mysql"] and bg[0]["Status"] == "AVAILABLE"
          and bg[0].get("StatusDetails") == "Green environment in sync"
          and bg[0].get("CreateTime") == datetime(2026, 11, 18, 12, 37, tzinfo=timezone.utc),
          json.dumps(bg, default=str)[:400])
    pma = boto3.client("rds", region_name="eu-west-1", **kw).describe_pending_maintenance_actions()
    det = pma["PendingMaintenanceActions"][0]["PendingMaintenanceActionDetails"][0] if pma["PendingMaintenanceActions"] else {}
    check("boto3 DescribePendingMaintenanceActions parses",
          det.get("Action") == "db-upgrade"
          and det.get("AutoAppliedAfterDate") == datetime(2026, 11, 17, 15, 37, tzinfo=timezone.utc)
          and "CurrentApplyDate" not in det, json.dumps(pma, default=str)[:400])
    ev = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="15.7")["DBEngineVersions"]
    check("boto3 DescribeDBEngineVersions parses", len(ev) == 1 and ev[0]["ValidUpgradeTarget"][0]["AutoUpgrade"] is True,
          json.dumps(ev, default=str)[:400])
    mev = rds.describe_db_major_engine_versions(Engine="postgres")["DBMajorEngineVersions"]
    check("boto3 DescribeDBMajorEngineVersions parses", len(mev) == 1 and mev[0]["SupportedEngineLifecycles"][0]
          ["LifecycleSupportEndDate"] == datetime(2027, 2, 28, 23, 59, 59, tzinfo=timezone.utc), json.dumps(mev, default=str)[:400])


def check_rds_xml(h: Harness, seeded: dict) -> None:
    st, hd, body, _ = rds_raw(h, {"Action": "DescribePendingMaintenanceActions"}, "eu-west-1")
    root = ET.fromstring(body)
    res = root.find(f"{RDS_NS}DescribePendingMaintenanceActionsResult")
    rpma = res.findall(f"{RDS_NS}PendingMaintenanceActions/{RDS_NS}ResourcePendingMaintenanceActions") if res is not None else []
    details = rpma[0].findall(f"{RDS_NS}PendingMaintenanceActionDetails/{RDS_NS}PendingMaintenanceAction") if rpma else []
    d = {c.tag.replace(RDS_NS, ""): c.text for c in details[0]} if details else {}
    check("XML DescribePendingMaintenanceActions: element names and values",
          st == 200 and root.tag == f"{RDS_NS}DescribePendingMaintenanceActionsResponse"
          and rpma[0].findtext(f"{RDS_NS}ResourceIdentifier") == seeded["instances"]["eu-orders-mysql"]
          and d == {"Action": "db-upgrade", "AutoAppliedAfterDate": "2026-11-17T15:37:00Z",
                    "ForcedApplyDate": "2026-11-22T21:37:00Z", "OptInStatus": "pending",
                    "Description": "Upgrade to MySQL 8.0.40"}
          and root.find(f"{RDS_NS}ResponseMetadata/{RDS_NS}RequestId") is not None, body.decode()[:800])
    # filters and ResourceIdentifier, in us-east-1 (an instance and a cluster have actions there)
    st, _, body, _ = rds_raw(h, {"Action": "DescribePendingMaintenanceActions",
                                 "Filters.Filter.1.Name": "db-instance-id",
                                 "Filters.Filter.1.Values.Value.1": "orders-mysql"})
    arns = [e.text for e in ET.fromstring(body).iter(f"{RDS_NS}ResourceIdentifier")]
    check("XML DescribePendingMaintenanceActions: db-instance-id filter", arns == [seeded["instances"]["orders-mysql"]], str(arns))
    st, _, body, _ = rds_raw(h, {"Action": "DescribePendingMaintenanceActions",
                                 "ResourceIdentifier": seeded["clusters"]["users-aurora"]})
    arns = [e.text for e in ET.fromstring(body).iter(f"{RDS_NS}ResourceIdentifier")]
    check("XML DescribePendingMaintenanceActions: ResourceIdentifier (cluster ARN)",
          arns == [seeded["clusters"]["users-aurora"]], str(arns))
    st, _, body, _ = rds_raw(h, {"Action": "DescribePendingMaintenanceActions", "MaxRecords": "5"})
    check("XML DescribePendingMaintenanceActions: MaxRecords below 20 is rejected",
          st == 400 and b"<Code>InvalidParameterValue</Code>" in body, body.decode()[:300])

    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBEngineVersions", "Engine": "mysql", "EngineVersion": "8.0.35"})
    root = ET.fromstring(body)
    evs = root.findall(f"{RDS_NS}DescribeDBEngineVersionsResult/{RDS_NS}DBEngineVersions/{RDS_NS}DBEngineVersion")
    targets = evs[0].findall(f"{RDS_NS}ValidUpgradeTarget/{RDS_NS}UpgradeTarget") if evs else []
    t = [{c.tag.replace(RDS_NS, ""): c.text for c in x} for x in targets]
    check("XML DescribeDBEngineVersions: element names, AutoUpgrade, IsMajorVersionUpgrade",
          st == 200 and len(evs) == 1 and evs[0].findtext(f"{RDS_NS}Engine") == "mysql"
          and evs[0].findtext(f"{RDS_NS}EngineVersion") == "8.0.35"
          and [(x["EngineVersion"], x["AutoUpgrade"], x["IsMajorVersionUpgrade"]) for x in t]
          == [("8.0.40", "true", "false"), ("8.4.3", "false", "true")]
          and all(x["Engine"] == "mysql" for x in t), body.decode()[:900])
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBEngineVersions", "Engine": "postgres"}, "eu-west-1")
    check("XML DescribeDBEngineVersions: other region is empty, not an error",
          st == 200 and b"<DBEngineVersions" in body and b"<DBEngineVersion>" not in body, body.decode()[:300])

    # paging: 25 pending actions on one instance, MaxRecords 20
    many = {"pending_actions": [{"resource_id": "billing-pg", "region": "us-east-1", "action": "system-update",
                                 "description": f"update {i}"} for i in range(25)]}
    h.control("POST", "/_harness/seed", many)
    st, _, body, _ = rds_raw(h, {"Action": "DescribePendingMaintenanceActions",
                                 "Filters.Filter.1.Name": "db-instance-id",
                                 "Filters.Filter.1.Values.Value.1": seeded["instances"]["billing-pg"]})
    # 25 actions on one resource are one ResourcePendingMaintenanceActions entry
    n = len(list(ET.fromstring(body).iter(f"{RDS_NS}PendingMaintenanceAction")))
    check("XML DescribePendingMaintenanceActions: actions of one resource grouped", n == 25, str(n))
    extra = {"pending_actions": [{"resource_id": "orders-replica", "region": "us-east-1", "action": "system-update"}]}
    h.control("POST", "/_harness/seed", extra)
    seen, marker, pages = [], None, 0
    for _ in range(5):
        p = {"Action": "DescribePendingMaintenanceActions", "MaxRecords": "20"}
        if marker:
            p["Marker"] = marker
        st, _, body, _ = rds_raw(h, p)
        root = ET.fromstring(body)
        seen += [e.text for e in root.iter(f"{RDS_NS}ResourceIdentifier")]
        pages += 1
        marker = root.findtext(f"{RDS_NS}DescribePendingMaintenanceActionsResult/{RDS_NS}Marker")
        if not marker:
            break
    check("XML DescribePendingMaintenanceActions: Marker paging covers every resource once",
          sorted(seen) == sorted(set(seen)) and len(seen) == 4, f"{pages} pages: {seen}")


def check_cloudwatch(h: Harness) -> None:
    q = [gmd_query("conn", "DatabaseConnections", {"DBInstanceIdentifier": "orders-mysql"}, "Average"),
         gmd_query("lag", "ReplicaLag", {"DBInstanceIdentifier": "orders-replica"}),
         gmd_query("none", "ReplicaLag", {"DBInstanceIdentifier": "no-such-instance"})]
    st, hd, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": q, "StartTime": ts(T0 - 600),
                                                     "EndTime": ts(T0 + 600)})
    check("CBOR GetMetricData: 200, application/cbor, smithy-protocol header",
          st == 200 and hd.get("content-type") == "application/cbor" and hd.get("smithy-protocol") == "rpc-v2-cbor",
          f"{st} {hd} {body[:200]!r}")
    wire = Cbor.parse(body)
    res = wire[1]["MetricDataResults"][1]
    first = res[0][1]
    check("CBOR GetMetricData: wire types (tag 1 timestamps, float values, text ids)",
          wire[0] == "map" and first["Id"] == ("text", "conn") and first["StatusCode"] == ("text", "Complete")
          and all(is_timestamp(x) for x in first["Timestamps"][1])
          and all(x[0] == "float" for x in first["Values"][1]) and "NextToken" not in wire[1],
          str(wire)[:600])
    doc = cbor2.loads(body)
    r = {x["Id"]: x for x in doc["MetricDataResults"]}
    t = lambda e: datetime.fromtimestamp(e, timezone.utc)  # noqa: E731
    check("CBOR GetMetricData: seeded values, newest first",
          r["conn"]["Values"] == [1940.0, 1931.0, 1925.0]
          and r["conn"]["Timestamps"] == [t(T0 + 120), t(T0 + 60), t(T0)], str(r.get("conn")))
    check("CBOR GetMetricData: -1 ReplicaLag survives", r["lag"]["Values"] == [-1.0, -1.0, 2.0], str(r.get("lag")))
    check("CBOR GetMetricData: unknown metric is Complete and empty",
          r["none"]["Values"] == [] and r["none"]["Timestamps"] == [] and r["none"]["StatusCode"] == "Complete", str(r.get("none")))

    st, _, body, _ = cbor_call(h, "GetMetricData", {
        "MetricDataQueries": [gmd_query("s", "DatabaseConnections", {"DBInstanceIdentifier": "orders-mysql"}, "Sum", 300)],
        "StartTime": ts(T0 - 17), "EndTime": ts(T0 + 600), "ScanBy": "TimestampAscending"})
    r = cbor2.loads(body)["MetricDataResults"][0]
    check("CBOR GetMetricData: Period 300 sums from the minute-aligned StartTime, ascending",
          r["Values"] == [1925.0 + 1931.0 + 1940.0] and r["Timestamps"] == [t(T0 - 60)], str(r))
    st, _, body, _ = cbor_call(h, "GetMetricData", {
        "MetricDataQueries": [gmd_query("u", "DatabaseConnections", {"DBInstanceIdentifier": "orders-mysql"}, unit="Percent")],
        "StartTime": ts(T0 - 600), "EndTime": ts(T0 + 600)})
    check("CBOR GetMetricData: a Unit that does not match returns nothing",
          cbor2.loads(body)["MetricDataResults"][0]["Values"] == [])
    kq = gmd_query("k", "MaxOffsetLag", {"Topic": "orders", "Cluster Name": "prod-events", "Consumer Group": "billing"},
                   ns="AWS/Kafka")
    st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": [kq], "StartTime": ts(T0), "EndTime": ts(T0 + 600)})
    check("CBOR GetMetricData: three Kafka dimensions in any order",
          cbor2.loads(body)["MetricDataResults"][0]["Values"] == [80.0, 120.0], body[:300])
    st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": [gmd_query(
        "eu", "ReplicaLag", {"DBInstanceIdentifier": "eu-orders-mysql"})], "StartTime": ts(T0), "EndTime": ts(T0 + 60)},
        region="eu-west-1")
    check("CBOR GetMetricData: region from the credential scope", cbor2.loads(body)["MetricDataResults"][0]["Values"] == [42.0])

    # NextToken pagination forced by the page-size setting
    st, doc = h.control("POST", "/_harness/settings", {"get_metric_data_page_size": 1})
    check("settings: get_metric_data_page_size", st == 200 and doc["get_metric_data_page_size"] == 1, str(doc))
    ids, token, pages = [], None, 0
    while pages < 10:
        params = {"MetricDataQueries": q, "StartTime": ts(T0 - 600), "EndTime": ts(T0 + 600)}
        if token:
            params["NextToken"] = token
        st, _, body, _ = cbor_call(h, "GetMetricData", params)
        doc = cbor2.loads(body)
        ids += [x["Id"] for x in doc["MetricDataResults"]]
        pages += 1
        token = doc.get("NextToken")
        if not token:
            break
    check("CBOR GetMetricData: NextToken every result when page size is 1", ids == ["conn", "lag", "none"] and pages == 3,
          f"{pages} pages {ids}")
    h.control("DELETE", "/_harness/settings")
    # metrics_repeat_seconds: the three seeded minutes repeat, 300 s back and on towards now
    st, doc = h.control("POST", "/_harness/settings", {"metrics_repeat_seconds": 300})
    check("settings: metrics_repeat_seconds", st == 200 and doc["metrics_repeat_seconds"] == 300, str(doc))
    rq = [gmd_query("r", "DatabaseConnections", {"DBInstanceIdentifier": "orders-mysql"}, "Average")]
    st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": rq, "StartTime": ts(T0 - 600),
                                                    "EndTime": ts(T0 + 300), "ScanBy": "TimestampAscending"})
    r = cbor2.loads(body)["MetricDataResults"][0]
    check("CBOR GetMetricData: metrics_repeat_seconds cycles the seeded minutes, only as far back as asked",
          r["Values"] == [1931.0, 1940.0, 1925.0, 1931.0, 1940.0, 1925.0, 1931.0, 1940.0, 1925.0, 1931.0]
          and r["Timestamps"] == [t(T0 + 60 * m) for m in range(-5, 5)], str(r))
    h.control("DELETE", "/_harness/settings")
    # the datapoint budget: MaxDatapoints 2 splits a 3-point result across pages (PartialData)
    parts, token = [], None
    for _ in range(10):
        params = {"MetricDataQueries": q[:1], "StartTime": ts(T0 - 600), "EndTime": ts(T0 + 600), "MaxDatapoints": 2}
        if token:
            params["NextToken"] = token
        st, _, body, _ = cbor_call(h, "GetMetricData", params)
        doc = cbor2.loads(body)
        parts += [(x["StatusCode"], x["Values"]) for x in doc["MetricDataResults"]]
        token = doc.get("NextToken")
        if not token:
            break
    check("CBOR GetMetricData: datapoint budget pages with PartialData",
          parts == [("PartialData", [1940.0, 1931.0]), ("Complete", [1925.0])], str(parts))
    st, hd, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": q, "StartTime": ts(T0), "EndTime": ts(T0 + 60),
                                                     "NextToken": "bogus"})
    err = cbor2.loads(body) if body else {}
    check("CBOR GetMetricData: bad NextToken is an RPC v2 CBOR error",
          st == 400 and err.get("__type", "").endswith("#InvalidNextToken") and "message" in err
          and hd.get("x-amzn-query-error") == "InvalidNextToken;Sender", f"{st} {hd} {err}")
    st, hd, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": q})
    err = cbor2.loads(body) if body else {}
    check("CBOR GetMetricData: missing StartTime is a 400 error", st == 400 and "__type" in err, f"{st} {err}")

    # ListMetrics
    st, hd, body, _ = cbor_call(h, "ListMetrics", {"Namespace": "AWS/Kafka",
                                                   "Dimensions": [{"Name": "Cluster Name", "Value": "prod-events"}]})
    wire = Cbor.parse(body)
    doc = cbor2.loads(body)
    names = sorted(m["MetricName"] for m in doc["Metrics"])
    dims = doc["Metrics"][0]["Dimensions"] if doc["Metrics"] else []
    check("CBOR ListMetrics: AWS/Kafka by Cluster Name",
          st == 200 and names == ["MaxOffsetLag", "SumOffsetLag"] and wire[0] == "map"
          and {d["Name"]: d["Value"] for d in dims} == {"Cluster Name": "prod-events", "Consumer Group": "billing", "Topic": "orders"},
          str(doc)[:500])
    st, _, body, _ = cbor_call(h, "ListMetrics", {"Namespace": "AWS/RDS", "MetricName": "ReplicaLag"})
    check("CBOR ListMetrics: MetricName filter", sorted(d["Dimensions"][0]["Value"] for d in cbor2.loads(body)["Metrics"])
          == ["orders-replica"], body[:300])
    h.control("POST", "/_harness/settings", {"duplicate_list_metrics": True})
    st, _, body, _ = cbor_call(h, "ListMetrics", {"Namespace": "AWS/Kafka",
                                                  "Dimensions": [{"Name": "Cluster Name", "Value": "prod-events"}]})
    check("CBOR ListMetrics: duplicate_list_metrics repeats entries", len(cbor2.loads(body)["Metrics"]) == 4)
    h.control("POST", "/_harness/settings", {"duplicate_list_metrics": False, "list_metrics_page_size": 1})
    seen, token = [], None
    for _ in range(10):
        params = {"Namespace": "AWS/Kafka"}
        if token:
            params["NextToken"] = token
        st, _, body, _ = cbor_call(h, "ListMetrics", params)
        doc = cbor2.loads(body)
        seen += [m["MetricName"] for m in doc["Metrics"]]
        token = doc.get("NextToken")
        if not token:
            break
    check("CBOR ListMetrics: NextToken paging", len(seen) == 3, str(seen))
    h.control("DELETE", "/_harness/settings")

    # PutMetricData through the CBOR front lands in moto and is read back
    st, _, body, _ = cbor_call(h, "PutMetricData", {"Namespace": "Harness/Test", "MetricData": [
        {"MetricName": "Probe", "Value": 7.5, "Unit": "Count", "Timestamp": ts(T0),
         "Dimensions": [{"Name": "Host", "Value": "a"}]}]})
    check("CBOR PutMetricData: 200 with a CBOR map", st == 200 and cbor2.loads(body) == {}, f"{st} {body!r}")
    st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": [gmd_query("p", "Probe", {"Host": "a"}, "Sum", ns="Harness/Test")],
                                                    "StartTime": ts(T0), "EndTime": ts(T0 + 60)})
    check("CBOR PutMetricData then GetMetricData", cbor2.loads(body)["MetricDataResults"][0]["Values"] == [7.5], body[:300])
    st, hd, body, _ = cbor_call(h, "DescribeAlarms", {})
    check("CBOR DescribeAlarms answers a CBOR map", st == 200 and isinstance(cbor2.loads(body), dict), f"{st} {body[:200]!r}")
    st, hd, body, _ = cbor_call(h, "NoSuchOperation", {})
    check("CBOR unknown operation is a 404 CBOR error", st == 404 and "__type" in cbor2.loads(body), f"{st} {body!r}")


def check_kafka(h: Harness, seeded: dict) -> None:
    st, hd, body, _ = kafka_raw(h, "/api/v2/clusters")
    doc = json.loads(body)
    info = {c["clusterName"]: c for c in doc.get("clusterInfoList", [])}
    p = info.get("prod-events", {})
    check("ListClustersV2: zoned CreationTime, ACTIVE, provisioned fields",
          st == 200 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", p.get("creationTime", "")) is not None
          and p.get("state") == "ACTIVE" and p.get("clusterType") == "PROVISIONED"
          and p.get("clusterArn") == seeded["kafka_clusters"]["prod-events"]
          and p.get("provisioned", {}).get("currentBrokerSoftwareInfo", {}).get("kafkaVersion") == "3.6.0"
          and p.get("provisioned", {}).get("numberOfBrokerNodes") == 6
          and p.get("provisioned", {}).get("enhancedMonitoring") == "DEFAULT"
          and "activeOperationArn" not in p and hd.get("content-type") == "application/json", json.dumps(p)[:700])
    s = info.get("analytics", {})
    check("ListClustersV2: serverless cluster", s.get("clusterType") == "SERVERLESS" and s.get("state") == "ACTIVE"
          and s.get("creationTime", "").endswith("Z"), json.dumps(s)[:400])
    arn = seeded["kafka_clusters"]["prod-events"]
    st, _, body, _ = kafka_raw(h, "/api/v2/clusters/" + quote(arn, safe=""))
    d = json.loads(body).get("clusterInfo", {})
    check("DescribeClusterV2: zoned CreationTime and ACTIVE", st == 200 and d.get("state") == "ACTIVE"
          and d.get("creationTime", "").endswith("Z"), body[:300])
    import boto3

    k = boto3.client("kafka", region_name="us-east-1", aws_access_key_id="AKIDSELFTEST", aws_secret_access_key="x",
                     endpoint_url=f"http://127.0.0.1:{h.port}")
    lst = k.list_clusters_v2()["ClusterInfoList"]
    check("boto3 ListClustersV2 parses", sorted(c["ClusterName"] for c in lst) == ["analytics", "prod-events"]
          and all(c["CreationTime"].tzinfo is not None for c in lst))
    st, _, body, _ = kafka_raw(h, "/api/v2/clusters", "eu-west-1")
    check("ListClustersV2: other region is empty", st == 200 and json.loads(body)["clusterInfoList"] == [], body[:200])


def boto3_client(h: Harness, service: str, region: str = "us-east-1"):
    import boto3

    return boto3.client(service, region_name=region, aws_access_key_id="AKIDSELFTEST", aws_secret_access_key="x",
                        endpoint_url=f"http://127.0.0.1:{h.port}")


def rds_error_of(body: bytes) -> tuple[str | None, str | None, str | None]:
    """(Type, Code, Message) of an RDS XML error, Nones if the body is not one."""
    root = ET.fromstring(body)
    if root.tag != f"{RDS_NS}ErrorResponse":
        return None, None, None
    return tuple(root.findtext(f"{RDS_NS}Error/{RDS_NS}{k}") for k in ("Type", "Code", "Message"))


# --- RDS events (DescribeEvents, served by the front) and CloudWatch alarms -------------------


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def events_of(body: bytes) -> tuple[list[dict], str | None]:
    """(events as {element: text, "EventCategories": [...]}, Marker) of a DescribeEvents answer."""
    res = ET.fromstring(body).find(f"{RDS_NS}DescribeEventsResult")
    out = []
    for ev in res.findall(f"{RDS_NS}Events/{RDS_NS}Event"):
        d = {c.tag.replace(RDS_NS, ""): c.text for c in ev if c.tag != f"{RDS_NS}EventCategories"}
        d["EventCategories"] = [c.text for c in ev.findall(f"{RDS_NS}EventCategories/{RDS_NS}EventCategory")]
        out.append(d)
    return out, res.findtext(f"{RDS_NS}Marker")


def event_pages(h: Harness, params: dict, region: str, limit: int = 20) -> list[list[dict]]:
    pages, marker = [], None
    while len(pages) < limit:
        p = dict(params)
        if marker:
            p["Marker"] = marker
        st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", **p}, region)
        if st != 200:
            raise AssertionError(f"DescribeEvents answered {st}: {body[:300]!r}")
        evs, marker = events_of(body)
        pages.append(evs)
        if not marker:
            break
    return pages


def check_rds_events(h: Harness) -> None:
    now = time.time()
    ago = lambda minutes: rfc3339(now - 60 * minutes)  # noqa: E731
    events = [
        {"source_id": "orders-mysql", "source_type": "db-instance", "at": ago(30), "categories": ["failover"],
         "message": "Multi-AZ instance failover started."},
        {"source_id": "orders-mysql", "at": ago(29), "categories": ["failover"],
         "message": "Multi-AZ instance failover completed."},
        {"region": "us-east-1", "source_id": "users-aurora", "source_type": "db-cluster", "at": ago(20),
         "categories": ["failover"], "message": "Started cross AZ failover to DB instance: users-aurora-2"},
        {"source_id": "orders-to-8-4", "source_type": "blue-green-deployment", "at": ago(10),
         "categories": ["notification"], "message": "Switchover started on blue/green deployment."},
        {"source_id": "orders-mysql-final", "source_type": "db-snapshot", "at": ago(5), "categories": ["creation"],
         "message": "Creating manual snapshot",
         "source_arn": "arn:aws:rds:us-east-1:123456789012:snapshot:orders-mysql-final"},
        {"source_id": "orders-mysql", "at": ago(180), "categories": ["maintenance"],
         "message": "Applying off-line patches to DB instance"},
        {"source_id": "orders-mysql", "at": ago(13 * 1440), "categories": ["backup"], "message": "Backing up DB instance"},
        {"source_id": "orders-mysql", "at": ago(15 * 1440), "categories": ["backup"], "message": "older than 14 days"},
        {"source_id": "orders-mysql", "at": rfc3339(now + 3600), "categories": ["notification"], "message": "not yet"},
        {"region": "eu-west-1", "source_id": "eu-orders-mysql", "at": ago(5), "categories": ["read replica"],
         "message": "Replication for the Read Replica resumed."},
    ]
    paging = [{"region": "ap-southeast-2", "source_id": f"page-db-{i % 3}", "at": ago(50 - i),
               "categories": ["notification"], "message": f"event {i:02d}"} for i in range(45)]
    st, out = h.control("POST", "/_harness/seed", {"events": events + paging})
    check("events: seed answers the number of events", st == 200 and out.get("events") == 55, str(out)[:300])
    st, err = h.control("POST", "/_harness/seed", {"events": [{"source_id": "x", "at": "yesterday", "message": "m"}]})
    check("events: seed rejects a bad timestamp", st == 400 and "at" in err.get("error", ""), str(err))
    st, err = h.control("POST", "/_harness/seed", {"events": [{"source_id": "x", "source_type": "db-thing",
                                                               "at": ago(1), "message": "m"}]})
    check("events: seed rejects an unknown source_type", st == 400, str(err))

    rds = boto3_client(h, "rds")
    got = rds.describe_events()["Events"]
    check("boto3 DescribeEvents: the last 60 minutes by default, oldest first",
          [e["Message"] for e in got] == [events[i]["message"] for i in (0, 1, 2, 3, 4)]
          and got[0]["Date"] == datetime.fromisoformat(events[0]["at"].replace("Z", "+00:00"))
          and got[0]["EventCategories"] == ["failover"] and got[0]["SourceType"] == "db-instance",
          json.dumps(got, default=str)[:800])
    arns = {e["SourceIdentifier"]: e["SourceArn"] for e in got}
    check("DescribeEvents: SourceArn built from type and id, or the scenario's",
          arns == {"orders-mysql": "arn:aws:rds:us-east-1:123456789012:db:orders-mysql",
                   "users-aurora": "arn:aws:rds:us-east-1:123456789012:cluster:users-aurora",
                   "orders-to-8-4": "arn:aws:rds:us-east-1:123456789012:deployment:orders-to-8-4",
                   "orders-mysql-final": "arn:aws:rds:us-east-1:123456789012:snapshot:orders-mysql-final"}, str(arns))

    st, hd, body, _ = rds_raw(h, {"Action": "DescribeEvents"})
    root = ET.fromstring(body)
    dates = [e.text for e in root.iter(f"{RDS_NS}Date")]
    check("XML DescribeEvents: element names match the model, Date with milliseconds, RequestId",
          st == 200 and root.tag == f"{RDS_NS}DescribeEventsResponse" and not result_shape_errors("DescribeEvents", body)
          and len(dates) == 5 and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d) for d in dates)
          and root.find(f"{RDS_NS}DescribeEventsResult/{RDS_NS}Events/{RDS_NS}Event/{RDS_NS}EventCategories/"
                        f"{RDS_NS}EventCategory") is not None
          and root.findtext(f"{RDS_NS}ResponseMetadata/{RDS_NS}RequestId")
          and root.find(f"{RDS_NS}DescribeEventsResult/{RDS_NS}Marker") is None,
          f"{result_shape_errors('DescribeEvents', body)} {body.decode()[:700]}")

    got = rds.describe_events(SourceType="db-cluster")["Events"]
    check("DescribeEvents: SourceType filter", [e["SourceIdentifier"] for e in got] == ["users-aurora"], str(got))
    got = rds.describe_events(SourceType="db-instance", SourceIdentifier="orders-mysql")["Events"]
    check("DescribeEvents: SourceType + SourceIdentifier",
          [e["Message"] for e in got] == [events[0]["message"], events[1]["message"]], str(got))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "SourceIdentifier": "orders-mysql"})
    check("DescribeEvents: SourceIdentifier without SourceType is 400 InvalidParameterCombination",
          st == 400 and rds_error_of(body)[:2] == ("Sender", "InvalidParameterCombination"), body.decode()[:300])
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "SourceType": "db-thing"})
    check("DescribeEvents: an unknown SourceType is 400 InvalidParameterValue",
          st == 400 and rds_error_of(body)[1] == "InvalidParameterValue", body.decode()[:300])

    got = rds.describe_events(StartTime=datetime.fromtimestamp(now - 4 * 3600, timezone.utc),
                              EndTime=datetime.fromtimestamp(now - 2 * 3600, timezone.utc))["Events"]
    check("DescribeEvents: StartTime/EndTime window", [e["Message"] for e in got] == [events[5]["message"]], str(got))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "StartTime": rfc3339(now - 4 * 3600)[:-4] + "Z",
                                 "EndTime": rfc3339(now - 2 * 3600)})
    check("DescribeEvents: StartTime without seconds (2009-07-08T18:00Z) is ISO 8601 too",
          st == 200 and [e["Message"] for e in events_of(body)[0]] == [events[5]["message"]], body.decode()[:300])
    got = rds.describe_events(Duration=240)["Events"]
    check("DescribeEvents: Duration in minutes", len(got) == 6 and got[0]["Message"] == events[5]["message"],
          str([e["Message"] for e in got]))
    got = rds.describe_events(Duration=240, EventCategories=["maintenance", "notification"])["Events"]
    check("DescribeEvents: EventCategories (any of them)",
          [e["Message"] for e in got] == [events[5]["message"], events[3]["message"]], str(got))
    got = rds.describe_events(StartTime=datetime.fromtimestamp(now - 20 * 86400, timezone.utc))["Events"]
    msgs = [e["Message"] for e in got]
    check("DescribeEvents: StartTime 20 days ago is clamped to 14 days (13-day-old event in, 15-day-old out)",
          events[6]["message"] in msgs and events[7]["message"] not in msgs and len(msgs) == 7, str(msgs))
    got = rds.describe_events(Duration=30 * 1440)["Events"]
    check("DescribeEvents: a 30-day Duration reaches back 14 days only",
          [e["Message"] for e in got] == msgs, str([e["Message"] for e in got]))
    got = rds.describe_events(EndTime=datetime.fromtimestamp(now + 7200, timezone.utc), Duration=240)["Events"]
    check("DescribeEvents: an event dated in the future is not returned",
          "not yet" not in [e["Message"] for e in got], str([e["Message"] for e in got]))
    got = boto3_client(h, "rds", "eu-west-1").describe_events()["Events"]
    check("DescribeEvents: events are regional", [e["SourceIdentifier"] for e in got] == ["eu-orders-mysql"]
          and got[0]["EventCategories"] == ["read replica"], str(got))

    for bad in ("19", "101"):
        st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "MaxRecords": bad})
        check(f"DescribeEvents: MaxRecords {bad} is 400 InvalidParameterValue",
              st == 400 and rds_error_of(body)[1] == "InvalidParameterValue", body.decode()[:300])
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "Marker": "not-a-marker"})
    check("DescribeEvents: a bad Marker is 400 InvalidParameterValue",
          st == 400 and rds_error_of(body)[1] == "InvalidParameterValue", body.decode()[:300])

    want = [f"event {i:02d}" for i in range(45)]
    pages = event_pages(h, {"MaxRecords": "20"}, "ap-southeast-2")
    check("DescribeEvents: MaxRecords 20 pages 45 events as 20 + 20 + 5 with Marker, oldest first",
          [len(p) for p in pages] == [20, 20, 5] and [e["Message"] for p in pages for e in p] == want,
          str([[e["Message"] for e in p] for p in pages]))
    paged = [e["Message"] for p in boto3_client(h, "rds", "ap-southeast-2").get_paginator("describe_events").paginate(
        PaginationConfig={"PageSize": 20}) for e in p["Events"]]
    check("boto3 DescribeEvents paginator follows the Marker", paged == want, str(paged))
    pages = event_pages(h, {"MaxRecords": "20", "SourceType": "db-instance", "SourceIdentifier": "page-db-1"},
                        "ap-southeast-2")
    check("DescribeEvents: a filtered page", [len(p) for p in pages] == [15], str([len(p) for p in pages]))

    st, doc = h.control("POST", "/_harness/settings", {"describe_events_repeat": True})
    check("settings: describe_events_repeat", st == 200 and doc.get("describe_events_repeat") is True, str(doc))
    pages = event_pages(h, {"MaxRecords": "20"}, "ap-southeast-2")
    flat = [e["Message"] for p in pages for e in p]
    check("describe_events_repeat: each later page starts with the previous page's last event",
          [len(p) for p in pages] == [20, 20, 7] and pages[1][0] == pages[0][-1] and pages[2][0] == pages[1][-1]
          and sorted(set(flat)) == want and len(flat) == 47, str([[e["Message"] for e in p] for p in pages]))
    h.control("POST", "/_harness/settings", {"describe_events_repeat": None, "describe_events_shuffle": True})
    pages = event_pages(h, {"MaxRecords": "20"}, "ap-southeast-2")
    first = [e["Message"] for e in pages[0]]
    check("describe_events_shuffle: the same events, not oldest first within a page",
          sorted(e["Message"] for p in pages for e in p) == want and first != sorted(first)
          and sorted(first) == want[:20] and first == want[:20][::-1], str(first))
    st, doc = h.control("POST", "/_harness/settings", {"describe_events_shuffle": "yes"})
    check("settings: describe_events_shuffle must be a boolean", st == 400, str(doc))
    h.control("DELETE", "/_harness/settings")
    st, doc = h.control("GET", "/_harness/settings")
    check("settings: events settings default to false", doc.get("describe_events_repeat") is False
          and doc.get("describe_events_shuffle") is False, str(doc))

    # faults and the operation log see DescribeEvents like any other operation
    h.control("DELETE", "/_harness/log")
    fst, _ = h.control("POST", "/_harness/faults", {"service": "rds", "operation": "DescribeEvents", "mode": "access_denied"})
    other = rds_raw(h, {"Action": "DescribeDBClusters"})[0]
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents"})
    check("fault access_denied on DescribeEvents: 403 AccessDenied (Sender), other operations untouched",
          fst == 200 and other == 200 and st == 403 and rds_error_of(body)[:2] == ("Sender", "AccessDenied"),
          f"{other} {st} {body[:300]!r}")
    h.control("POST", "/_harness/faults", {"operation": "DescribeEvents", "mode": "access_denied"})
    try:
        rds.describe_events()
        check("boto3 DescribeEvents under access_denied raises AccessDenied", False, "no error")
    except Exception as e:  # noqa: BLE001
        code = getattr(e, "response", {}).get("Error", {}).get("Code")
        check("boto3 DescribeEvents under access_denied raises AccessDenied", code == "AccessDenied", repr(e))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents"})
    check("DescribeEvents: normal again once the faults are consumed", st == 200 and len(events_of(body)[0]) == 5)
    h.control("POST", "/_harness/faults", {"operation": "DescribeEvents", "mode": "stuck_paging"})
    st, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "MaxRecords": "20"}, "ap-southeast-2")
    evs, marker = events_of(body)
    check("fault stuck_paging on DescribeEvents", st == 200 and marker == "stuck-marker" and len(evs) == 20,
          body.decode()[:300])
    st, log = h.control("GET", "/_harness/log")
    ops = [(e["operation"], e["status"]) for e in log if e["service"] == "rds"]
    check("operation log: DescribeEvents with its status", ("DescribeEvents", 403) in ops and ("DescribeEvents", 200) in ops
          and all(op != "DescribeEvents" or s in (200, 403) for op, s in ops), str(ops))


ALARMS = [
    {"region": "us-east-1", "name": "orders-mysql-cpu-high", "namespace": "AWS/RDS", "metric": "CPUUtilization",
     "dimensions": {"DBInstanceIdentifier": "orders-mysql"}, "state": "ALARM",
     "reason": "Threshold Crossed: 3 datapoints [91.2, 88.0, 95.5] were greater than the threshold (80.0).",
     "threshold": 80, "comparison": "GreaterThanThreshold", "state_updated_at": "2026-11-20T03:12:04Z"},
    {"name": "orders-mysql-storage-low", "namespace": "AWS/RDS", "metric": "FreeStorageSpace",
     "dimensions": {"DBInstanceIdentifier": "orders-mysql"}, "state": "OK",
     "reason": "Threshold Crossed: 1 datapoint [5.1E10] was not less than the threshold (1.0E10).",
     "threshold": 1e10, "comparison": "LessThanThreshold"},
    {"name": "billing-pg-connections", "namespace": "AWS/RDS", "metric": "DatabaseConnections",
     "dimensions": {"DBInstanceIdentifier": "billing-pg"}, "state": "INSUFFICIENT_DATA"},
    {"region": "eu-west-1", "name": "eu-orders-lag", "namespace": "AWS/RDS", "metric": "ReplicaLag",
     "dimensions": {"DBInstanceIdentifier": "eu-orders-mysql"}, "state": "ALARM", "reason": "lagging", "threshold": 30},
]


def alarm_pages(h: Harness, params: dict, limit: int = 20) -> list[dict]:
    pages, token = [], None
    while len(pages) < limit:
        p = dict(params)
        if token:
            p["NextToken"] = token
        st, _, body, _ = cbor_call(h, "DescribeAlarms", p)
        if st != 200:
            raise AssertionError(f"DescribeAlarms answered {st}: {body[:300]!r}")
        doc = cbor2.loads(body)
        pages.append(doc)
        token = doc.get("NextToken")
        if not token:
            break
    return pages


def check_cloudwatch_alarms(h: Harness) -> None:
    st, out = h.control("POST", "/_harness/seed", {"alarms": ALARMS})
    check("alarms: seed answers alarm ARNs", st == 200 and out.get("alarms", {}).get("orders-mysql-cpu-high")
          == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-mysql-cpu-high" and len(out["alarms"]) == 4, str(out)[:400])
    st, err = h.control("POST", "/_harness/seed", {"alarms": [{"name": "x", "namespace": "AWS/RDS", "metric": "M",
                                                               "state": "ON_FIRE"}]})
    check("alarms: seed rejects an unknown state", st == 400, str(err))

    cw = boto3_client(h, "cloudwatch")
    r = cw.describe_alarms()
    alarms = {a["AlarmName"]: a for a in r["MetricAlarms"]}
    hi = alarms.get("orders-mysql-cpu-high", {})
    check("boto3 DescribeAlarms: the seeded alarms, sorted by name",
          [a["AlarmName"] for a in r["MetricAlarms"]] == ["billing-pg-connections", "orders-mysql-cpu-high",
                                                         "orders-mysql-storage-low"]
          and r.get("CompositeAlarms") == [] and "NextToken" not in r, json.dumps(r, default=str)[:600])
    check("boto3 DescribeAlarms: state, reason, metric, dimensions, threshold of an ALARM",
          hi.get("StateValue") == "ALARM" and hi.get("StateReason") == ALARMS[0]["reason"]
          and hi.get("Namespace") == "AWS/RDS" and hi.get("MetricName") == "CPUUtilization"
          and hi.get("Dimensions") == [{"Name": "DBInstanceIdentifier", "Value": "orders-mysql"}]
          and hi.get("Threshold") == 80.0 and hi.get("ComparisonOperator") == "GreaterThanThreshold"
          and hi.get("Statistic") == "Average" and hi.get("Period") == 60 and hi.get("EvaluationPeriods") == 1
          and hi.get("AlarmArn") == out["alarms"]["orders-mysql-cpu-high"]
          and hi.get("StateUpdatedTimestamp") == datetime(2026, 11, 20, 3, 12, 4, tzinfo=timezone.utc),
          json.dumps(hi, default=str)[:800])
    lo, ins = alarms.get("orders-mysql-storage-low", {}), alarms.get("billing-pg-connections", {})
    check("boto3 DescribeAlarms: OK and INSUFFICIENT_DATA states and reasons",
          lo.get("StateValue") == "OK" and lo.get("StateReason") == ALARMS[1]["reason"]
          and lo.get("ComparisonOperator") == "LessThanThreshold" and lo.get("Threshold") == 1e10
          and ins.get("StateValue") == "INSUFFICIENT_DATA" and ins.get("StateReason") == "Unchecked: Initial alarm creation",
          json.dumps([lo, ins], default=str)[:800])

    st, hd, body, _ = cbor_call(h, "DescribeAlarms", {"AlarmTypes": ["MetricAlarm"]})
    wire = Cbor.parse(body)
    members = set(cloudwatch_model().shape_for("MetricAlarm").members)
    mas = wire[1]["MetricAlarms"][1] if wire[0] == "map" else []
    first = mas[0][1] if mas else {}
    check("CBOR DescribeAlarms (AlarmTypes MetricAlarm): 200, RPC v2 CBOR, three metric alarms, no composite",
          st == 200 and hd.get("content-type") == "application/cbor" and hd.get("smithy-protocol") == "rpc-v2-cbor"
          and len(mas) == 3 and wire[1].get("CompositeAlarms", ("array", []))[1] == [], str(wire)[:600])
    check("CBOR DescribeAlarms: wire types (tag 1 timestamps, float Threshold, int Period, text state)",
          all(is_timestamp(a[1][k]) for a in mas for k in ("StateUpdatedTimestamp", "StateTransitionedTimestamp",
                                                             "AlarmConfigurationUpdatedTimestamp"))
          and all(a[1]["Threshold"][0] == "float" and a[1]["Period"][0] == "int"
                  and a[1]["EvaluationPeriods"][0] == "int" and a[1]["StateValue"][0] == "text"
                  and a[1]["StateReason"][0] == "text" and a[1]["ActionsEnabled"][0] == "bool" for a in mas)
          and first.get("Dimensions", ("array", []))[0] == "array", str(first)[:800])
    check("CBOR DescribeAlarms: only members of the model's MetricAlarm, no empty Metrics",
          all(set(a[1]) <= members and "Metrics" not in a[1] for a in mas), str([sorted(set(a[1]) - members) for a in mas]))
    doc = cbor2.loads(body)
    hi = next((a for a in doc["MetricAlarms"] if a["AlarmName"] == "orders-mysql-cpu-high"), {})
    check("CBOR DescribeAlarms: StateUpdatedTimestamp from the scenario, dimensions",
          hi.get("StateUpdatedTimestamp") == datetime(2026, 11, 20, 3, 12, 4, tzinfo=timezone.utc)
          and hi.get("Dimensions") == [{"Name": "DBInstanceIdentifier", "Value": "orders-mysql"}], str(hi)[:500])
    st, _, body, _ = cbor_call(h, "DescribeAlarms", {"AlarmTypes": ["CompositeAlarm"]})
    doc = cbor2.loads(body)
    check("CBOR DescribeAlarms (AlarmTypes CompositeAlarm): no metric alarms",
          st == 200 and doc.get("MetricAlarms") == [] and doc.get("CompositeAlarms") == [], str(doc)[:300])
    st, _, body, _ = cbor_call(h, "DescribeAlarms", {"StateValue": "ALARM"})
    check("CBOR DescribeAlarms: StateValue filter",
          [a["AlarmName"] for a in cbor2.loads(body)["MetricAlarms"]] == ["orders-mysql-cpu-high"], body[:300])
    st, _, body, _ = cbor_call(h, "DescribeAlarms", {"AlarmNamePrefix": "orders-mysql", "StateValue": "OK"})
    check("CBOR DescribeAlarms: AlarmNamePrefix and StateValue together",
          [a["AlarmName"] for a in cbor2.loads(body)["MetricAlarms"]] == ["orders-mysql-storage-low"], body[:300])
    st, _, body, _ = cbor_call(h, "DescribeAlarms", {"AlarmNames": ["billing-pg-connections", "nope"]})
    check("CBOR DescribeAlarms: AlarmNames",
          [a["AlarmName"] for a in cbor2.loads(body)["MetricAlarms"]] == ["billing-pg-connections"], body[:300])
    st, _, body, _ = cbor_call(h, "DescribeAlarms", {}, region="eu-west-1")
    check("CBOR DescribeAlarms: alarms are regional",
          [(a["AlarmName"], a["StateReason"]) for a in cbor2.loads(body)["MetricAlarms"]] == [("eu-orders-lag", "lagging")],
          body[:300])

    pages = alarm_pages(h, {"MaxRecords": 2})
    check("CBOR DescribeAlarms: MaxRecords 2 pages with NextToken",
          [[a["AlarmName"] for a in p["MetricAlarms"]] for p in pages]
          == [["billing-pg-connections", "orders-mysql-cpu-high"], ["orders-mysql-storage-low"]], str(pages)[:400])
    st, doc = h.control("POST", "/_harness/settings", {"describe_alarms_page_size": 1})
    check("settings: describe_alarms_page_size", st == 200 and doc.get("describe_alarms_page_size") == 1, str(doc))
    pages = alarm_pages(h, {"AlarmTypes": ["MetricAlarm"]})
    check("describe_alarms_page_size 1: one alarm a page over CBOR",
          [len(p["MetricAlarms"]) for p in pages] == [1, 1, 1] and all("NextToken" in p for p in pages[:2]), str(pages)[:400])
    names = [a["AlarmName"] for p in cw.get_paginator("describe_alarms").paginate() for a in p["MetricAlarms"]]
    check("describe_alarms_page_size 1: boto3's paginator follows NextToken",
          names == ["billing-pg-connections", "orders-mysql-cpu-high", "orders-mysql-storage-low"], str(names))
    st, doc = h.control("POST", "/_harness/settings", {"describe_alarms_page_size": 0})
    check("settings: describe_alarms_page_size must be positive", st == 400, str(doc))
    h.control("DELETE", "/_harness/settings")
    for bad in (0, 101):
        st, hd, body, _ = cbor_call(h, "DescribeAlarms", {"MaxRecords": bad})
        check(f"CBOR DescribeAlarms: MaxRecords {bad} is a 400 ValidationError",
              st == 400 and hd.get("x-amzn-query-error") == "ValidationError;Sender"
              and cbor2.loads(body).get("__type", "").endswith("#ValidationError"), f"{st} {hd} {body[:200]!r}")
    st, hd, body, _ = cbor_call(h, "DescribeAlarms", {"NextToken": "bogus"})
    check("CBOR DescribeAlarms: bad NextToken is InvalidNextToken",
          st == 400 and hd.get("x-amzn-query-error") == "InvalidNextToken;Sender", f"{st} {hd}")
    st, hd, body, _ = cbor_call(h, "DescribeAlarms", {"AlarmTypes": ["Nonsense"]})
    check("CBOR DescribeAlarms: an unknown AlarmType is a 400 ValidationError",
          st == 400 and hd.get("x-amzn-query-error") == "ValidationError;Sender", f"{st} {body[:200]!r}")
    # an alarm a client makes through the CBOR front shows up too
    st, _, body, _ = cbor_call(h, "PutMetricAlarm", {
        "AlarmName": "client-made", "Namespace": "AWS/RDS", "MetricName": "CPUUtilization", "Statistic": "Maximum",
        "Period": 300, "EvaluationPeriods": 2, "Threshold": 95.5, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "billing-pg"}]})
    st2, _, body2, _ = cbor_call(h, "DescribeAlarms", {"AlarmNames": ["client-made"]})
    made = (cbor2.loads(body2).get("MetricAlarms") or [{}])[0]
    check("CBOR PutMetricAlarm then DescribeAlarms", st == 200 and st2 == 200 and made.get("Threshold") == 95.5
          and made.get("Period") == 300 and made.get("Statistic") == "Maximum", f"{st} {body!r} {made}")
    cbor_call(h, "DeleteAlarms", {"AlarmNames": ["client-made"]})


_CW_MODEL = None


def cloudwatch_model():
    global _CW_MODEL
    if _CW_MODEL is None:
        import botocore.session

        _CW_MODEL = botocore.session.get_session().get_service_model("cloudwatch")
    return _CW_MODEL


def check_shape_checker() -> None:
    bad = (f'<DescribeDBClustersResponse xmlns="{RDS_NS[1:-1]}"><DescribeDBClustersResult><DBClusters><DBCluster>'
           "<MultiAZ>yes</MultiAZ><NoSuchMember/></DBCluster><Cluster/></DBClusters></DescribeDBClustersResult>"
           "</DescribeDBClustersResponse>").encode()
    errs = result_shape_errors("DescribeDBClusters", bad)
    check("XML shape checker flags a bad boolean, an unknown member and a wrong list item", len(errs) == 3, str(errs))


def check_parameter_groups(h: Harness, seeded: dict) -> None:
    rds = boto3_client(h, "rds")
    check("seed answers parameter group ARNs",
          seeded.get("parameter_groups", {}).get("orders-mysql-params") == "arn:aws:rds:us-east-1:123456789012:pg:orders-mysql-params"
          and seeded["parameter_groups"].get("users-aurora-cluster-params", "").endswith(":cluster-pg:users-aurora-cluster-params"),
          str(seeded.get("parameter_groups")))
    params = rds.describe_db_parameters(DBParameterGroupName="orders-mysql-params")["Parameters"]
    by = {p["ParameterName"]: p for p in params}
    mc = by.get("max_connections", {})
    check("DescribeDBParameters: a scenario value is Source user, with the engine's metadata",
          mc.get("ParameterValue") == "640" and mc.get("Source") == "user" and mc.get("ApplyType") == "dynamic"
          and mc.get("DataType") == "integer" and mc.get("IsModifiable") is True and mc.get("ApplyMethod") == "immediate"
          and mc.get("AllowedValues") and mc.get("Description")
          and by.get("innodb_buffer_pool_size", {}).get("ParameterValue") == "{DBInstanceClassMemory*3/4}"
          and by["innodb_buffer_pool_size"].get("ApplyMethod") == "pending-reboot", json.dumps(mc))
    check("DescribeDBParameters: a custom group also lists the engine defaults it does not override, sorted",
          by.get("wait_timeout", {}).get("Source") == "engine-default" and len(params) > 2
          and [p["ParameterName"] for p in params] == sorted(p["ParameterName"] for p in params), str(sorted(by)))
    user = rds.describe_db_parameters(DBParameterGroupName="orders-mysql-params", Source="user")["Parameters"]
    check("DescribeDBParameters Source=user: only the overrides",
          sorted(p["ParameterName"] for p in user) == ["innodb_buffer_pool_size", "max_connections"], str(user))
    system = rds.describe_db_parameters(DBParameterGroupName="default.mysql8.0", Source="system")["Parameters"]
    check("DescribeDBParameters Source=system", [p["ParameterName"] for p in system] == ["innodb_buffer_pool_size"]
          and system[0]["ParameterValue"] == "{DBInstanceClassMemory*3/4}", str(system))
    eng = rds.describe_db_parameters(DBParameterGroupName="orders-mysql-params", Source="engine-default")["Parameters"]
    check("DescribeDBParameters Source=engine-default: no user values",
          eng and all(p["Source"] == "engine-default" for p in eng) and "max_connections" not in {p["ParameterName"] for p in eng},
          str(eng)[:300])
    defaults = {
        "default.mysql8.0": "{DBInstanceClassMemory/12582880}",
        "default.mariadb10.6": "{DBInstanceClassMemory/12582880}",
        "default.postgres15": "LEAST({DBInstanceClassMemory/9531392},5000)",
        "default.aurora-postgresql15": "LEAST({DBInstanceClassMemory/9531392},5000)",
        "default.aurora-mysql8.0": "GREATEST({log(DBInstanceClassMemory/805306368)*45},"
                                   "{log(DBInstanceClassMemory/8187281408)*1000})",
    }
    got = {}
    for name in defaults:
        ps = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName=name)["Parameters"]}
        got[name] = (ps.get("max_connections", {}).get("ParameterValue"), ps.get("max_connections", {}).get("Source"))
    check("DescribeDBParameters: default groups list max_connections with the engine's formula",
          got == {k: (v, "engine-default") for k, v in defaults.items()}, json.dumps(got))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBParameters", "DBParameterGroupName": "no-such-group"})
    kind, code, _ = rds_error_of(body)
    check("DescribeDBParameters: unknown group is 404 DBParameterGroupNotFound (RDS XML error)",
          st == 404 and code == "DBParameterGroupNotFound" and kind == "Sender", f"{st} {body[:300]!r}")
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBParameters", "DBParameterGroupName": "default.nosuchengine1.0"})
    check("DescribeDBParameters: a default group of an unknown family is not found", st == 404, f"{st}")
    codes = [rds_raw(h, {"Action": "DescribeDBParameters", "DBParameterGroupName": "default.mysql8.0", "MaxRecords": n})[0]
             for n in ("19", "101", "20", "100")]
    check("DescribeDBParameters: MaxRecords outside 20..100 is 400", codes == [400, 400, 200, 200], str(codes))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBParameters", "DBParameterGroupName": "default.mysql8.0",
                                 "Source": "nonsense"})
    check("DescribeDBParameters: a bad Source is 400 InvalidParameterValue",
          st == 400 and rds_error_of(body)[1] == "InvalidParameterValue", body[:200])

    # paging: 25 values set (two ModifyDBParameterGroup calls in the seeder), detail form
    many = {f"custom_{i:02d}": str(i) for i in range(25)}
    many["max_connections"] = {"value": "500", "apply_method": "pending-reboot"}
    st, out = h.control("POST", "/_harness/seed", {"parameter_groups": [
        {"name": "many-params", "family": "postgres15", "parameters": many}]})
    check("seed a parameter group with 26 values", st == 200, str(out)[:300])
    names, marker, pages = [], None, 0
    for _ in range(6):
        p = {"Action": "DescribeDBParameters", "DBParameterGroupName": "many-params", "MaxRecords": "20"}
        if marker:
            p["Marker"] = marker
        st, _, body, _ = rds_raw(h, p)
        errs = result_shape_errors("DescribeDBParameters", body)
        root = ET.fromstring(body)
        names += [e.text for e in root.iter(f"{RDS_NS}ParameterName")]
        pages += 1
        marker = root.findtext(f"{RDS_NS}DescribeDBParametersResult/{RDS_NS}Marker")
        if not marker or errs:
            break
    check("XML DescribeDBParameters: element names and types as botocore's model", not errs, str(errs[:5]))
    check("XML DescribeDBParameters: Marker paging, 20 a page, every parameter once",
          pages == 2 and len(names) == len(set(names)) == 26 + 3, f"{pages} pages, {len(names)} names")
    mc = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName="many-params",
                                                                    Source="user")["Parameters"]}.get("max_connections", {})
    check("DescribeDBParameters: a scenario ApplyMethod is kept", mc.get("ParameterValue") == "500"
          and mc.get("ApplyMethod") == "pending-reboot" and mc.get("ApplyType") == "static", json.dumps(mc))
    rds.modify_db_parameter_group(DBParameterGroupName="many-params", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "65536", "ApplyMethod": "immediate"}])
    wm = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName="many-params")["Parameters"]}
    check("ModifyDBParameterGroup over the harness shows in DescribeDBParameters",
          wm.get("work_mem", {}).get("Source") == "user" and wm["work_mem"].get("ParameterValue") == "65536", str(wm.get("work_mem")))

    # cluster parameter groups
    cps = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="users-aurora-cluster-params")["Parameters"]
    cby = {p["ParameterName"]: p for p in cps}
    check("DescribeDBClusterParameters: scenario value and engine defaults",
          cby.get("binlog_format", {}).get("ParameterValue") == "ROW" and cby["binlog_format"].get("Source") == "user"
          and cby["binlog_format"].get("ApplyMethod") == "pending-reboot"
          and any(p["Source"] == "engine-default" for p in cps), json.dumps(cps)[:400])
    cuser = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="users-aurora-cluster-params", Source="user")
    check("DescribeDBClusterParameters Source=user", [p["ParameterName"] for p in cuser["Parameters"]] == ["binlog_format"],
          str(cuser["Parameters"]))
    cdef = {}
    for name in ("default.aurora-postgresql15", "default.mysql8.0", "default.postgres15"):
        ps = {p["ParameterName"]: p for p in rds.describe_db_cluster_parameters(DBClusterParameterGroupName=name)["Parameters"]}
        cdef[name] = ps.get("max_connections", {}).get("ParameterValue")
    check("DescribeDBClusterParameters: default cluster groups (Aurora PostgreSQL, Multi-AZ DB clusters)",
          cdef == {"default.aurora-postgresql15": defaults["default.postgres15"], "default.mysql8.0": defaults["default.mysql8.0"],
                   "default.postgres15": defaults["default.postgres15"]}, json.dumps(cdef))
    docdb = {p["ParameterName"] for p in rds.describe_db_cluster_parameters(
        DBClusterParameterGroupName="default.docdb5.0")["Parameters"]}
    nep = {p["ParameterName"] for p in rds.describe_db_cluster_parameters(
        DBClusterParameterGroupName="default.neptune1.3")["Parameters"]}
    check("DescribeDBClusterParameters: DocumentDB and Neptune defaults", "tls" in docdb and "neptune_query_timeout" in nep,
          f"{docdb} {nep}")
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBClusterParameters", "DBClusterParameterGroupName": "orders-mysql-params"})
    check("DescribeDBClusterParameters: a DB (not cluster) group is 404 DBParameterGroupNotFound",
          st == 404 and rds_error_of(body)[1] == "DBParameterGroupNotFound", f"{st} {body[:300]!r}")
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBClusterParameters", "DBClusterParameterGroupName": "default.aurora-mysql8.0",
                                 "MaxRecords": "20"})
    check("XML DescribeDBClusterParameters: element names and types as botocore's model",
          st == 200 and not result_shape_errors("DescribeDBClusterParameters", body), str(result_shape_errors(
              "DescribeDBClusterParameters", body))[:400])

    # the groups in DescribeDBInstances / DescribeDBClusters
    dbs = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    groups = {i: dbs.get(i, {}).get("DBParameterGroups") for i in ("orders-mysql", "billing-pg", "users-aurora-1",
                                                                  "reports-sv2-1", "graph-neptune-1", "catalog-docdb-1")}
    g = lambda n, st="in-sync": [{"DBParameterGroupName": n, "ParameterApplyStatus": st}]  # noqa: E731
    check("DescribeDBInstances: DBParameterGroups, scenario group and apply status, default groups named by family",
          groups == {"orders-mysql": g("orders-mysql-params", "pending-reboot"), "billing-pg": g("default.postgres15"),
                     "users-aurora-1": g("default.aurora-mysql8.0"), "reports-sv2-1": g("default.aurora-postgresql15"),
                     "graph-neptune-1": g("default.neptune1.3"), "catalog-docdb-1": g("default.docdb5.0")},
          json.dumps(groups))
    cls = {c["DBClusterIdentifier"]: c.get("DBClusterParameterGroup") for c in rds.describe_db_clusters()["DBClusters"]}
    west = boto3_client(h, "rds", "us-west-2").describe_db_clusters()["DBClusters"]
    check("DescribeDBClusters: DBClusterParameterGroup, the scenario's or the family's default",
          cls.get("users-aurora") == "users-aurora-cluster-params" and cls.get("reports-sv2") == "default.aurora-postgresql15"
          and cls.get("ledger-maz") == "default.mysql8.0" and cls.get("graph-neptune") == "default.neptune1.3"
          and cls.get("catalog-docdb") == "default.docdb5.0" and west[0].get("DBClusterParameterGroup") == "default.aurora-mysql8.0",
          json.dumps(cls))
    st, err = h.control("POST", "/_harness/seed", {"clusters": [{"id": "bad-cpg", "cluster_parameter_group": "no-such-cpg"}]})
    st2, err2 = h.control("POST", "/_harness/seed", {"parameter_groups": [{"name": "x", "family": "mysql8.0", "kind": "instance"}]})
    check("seed rejects an unknown cluster parameter group and a bad kind", st == 400 and st2 == 400, f"{err} {err2}")


def check_engines(h: Harness) -> None:
    rds = boto3_client(h, "rds")
    cl = {c["DBClusterIdentifier"]: c for c in rds.describe_db_clusters()["DBClusters"]}
    dbs = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}

    sv2 = cl.get("reports-sv2", {})
    check("Serverless v2: ServerlessV2ScalingConfiguration, db.serverless members",
          sv2.get("ServerlessV2ScalingConfiguration") == {"MinCapacity": 0.5, "MaxCapacity": 16.0}
          and sv2.get("EngineMode") == "provisioned" and sv2.get("MultiAZ") is True
          and dbs.get("reports-sv2-1", {}).get("DBInstanceClass") == "db.serverless"
          and dbs.get("reports-sv2-2", {}).get("DBInstanceClass") == "db.serverless", json.dumps(sv2, default=str)[:600])
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBClusters", "DBClusterIdentifier": "reports-sv2"})
    root = ET.fromstring(body)
    conf = root.find(f".//{RDS_NS}ServerlessV2ScalingConfiguration")
    vals = {c.tag.replace(RDS_NS, ""): c.text for c in conf} if conf is not None else {}
    check("XML Serverless v2: MinCapacity and MaxCapacity are doubles",
          set(vals) == {"MinCapacity", "MaxCapacity"} and float(vals["MinCapacity"]) == 0.5 and float(vals["MaxCapacity"]) == 16.0,
          str(vals))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBClusters"})
    errs = result_shape_errors("DescribeDBClusters", body)
    check("XML DescribeDBClusters (every kind of cluster): as botocore's model", st == 200 and not errs, str(errs[:5]))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBInstances"})
    errs = result_shape_errors("DescribeDBInstances", body)
    check("XML DescribeDBInstances (every kind of instance): as botocore's model", st == 200 and not errs, str(errs[:5]))

    maz = cl.get("ledger-maz", {})
    members = [(m["DBInstanceIdentifier"], m["IsClusterWriter"]) for m in maz.get("DBClusterMembers", [])]
    check("Multi-AZ DB cluster: DBClusterInstanceClass, MultiAZ, io1 storage, engine, writer first",
          maz.get("DBClusterInstanceClass") == "db.r6gd.large" and maz.get("MultiAZ") is True and maz.get("Engine") == "mysql"
          and maz.get("EngineVersion") == "8.0.35" and maz.get("StorageType") == "io1" and maz.get("Iops") == 3000
          and maz.get("AllocatedStorage") == 100
          and members == [("ledger-maz-1", True), ("ledger-maz-2", False), ("ledger-maz-3", False)],
          json.dumps(maz, default=str)[:700])
    ms = [dbs.get(f"ledger-maz-{n}", {}) for n in (1, 2, 3)]
    check("Multi-AZ DB cluster members: cluster id, engine, class, three distinct AZs, MultiAZ false, io1",
          all(m.get("DBClusterIdentifier") == "ledger-maz" and m.get("Engine") == "mysql"
              and m.get("DBInstanceClass") == "db.r6gd.large" and m.get("MultiAZ") is False
              and m.get("StorageType") == "io1" and m.get("Iops") == 3000 and "SecondaryAvailabilityZone" not in m
              for m in ms)
          and sorted(m.get("AvailabilityZone") for m in ms) == ["us-east-1a", "us-east-1b", "us-east-1c"],
          json.dumps([{k: m.get(k) for k in ("DBClusterIdentifier", "Engine", "DBInstanceClass", "AvailabilityZone",
                                             "MultiAZ", "StorageType", "Iops")} for m in ms]))

    for service, cid, engine, version, port in (("neptune", "graph-neptune", "neptune", "1.3.2.1", 8182),
                                                ("docdb", "catalog-docdb", "docdb", "5.0.0", 27017)):
        c = cl.get(cid, {})
        member_ids = [m["DBInstanceIdentifier"] for m in c.get("DBClusterMembers", []) if m["IsClusterWriter"]]
        check(f"{engine}: DescribeDBClusters (RDS endpoint) lists it with engine, default version, port",
              c.get("Engine") == engine and c.get("EngineVersion") == version and c.get("Port") == port
              and member_ids == [f"{cid}-1"] and ("MasterUsername" not in c) == (engine == "neptune"),
              json.dumps(c, default=str)[:500])
        d = dbs.get(f"{cid}-1", {})
        check(f"{engine}: DescribeDBInstances lists its members", d.get("Engine") == engine and d.get("EngineVersion") == version
              and d.get("DBInstanceClass") == "db.r6g.large" and d.get("DBClusterIdentifier") == cid, json.dumps(d, default=str)[:400])
        sdk = boto3_client(h, service)
        sc = sdk.describe_db_clusters(Filters=[{"Name": "engine", "Values": [engine]}])["DBClusters"]
        si = sdk.describe_db_instances(Filters=[{"Name": "engine", "Values": [engine]}])["DBInstances"]
        check(f"{engine}: the {service} SDK client (same endpoint, signing name rds) sees cluster and members",
              [x["DBClusterIdentifier"] for x in sc] == [cid] and {x["DBInstanceIdentifier"] for x in si}
              == {x["DBInstanceIdentifier"] for x in dbs.values() if x.get("Engine") == engine},
              f"{[x['DBClusterIdentifier'] for x in sc]} {[x['DBInstanceIdentifier'] for x in si]}")
    storage = {c: cl.get(c, {}).get("StorageType") for c in ("users-aurora", "graph-neptune", "catalog-docdb")}
    check("DescribeDBClusters: StorageType defaults (aurora; standard for Neptune and DocumentDB)",
          storage == {"users-aurora": "aurora", "graph-neptune": "standard", "catalog-docdb": "standard"}, str(storage))
    # a second Neptune member in another AZ makes the cluster Multi-AZ, as for Aurora
    check("neptune: writer and reader", cl.get("graph-neptune", {}).get("MultiAZ") is True
          and dbs.get("graph-neptune-2", {}).get("AvailabilityZone") == "us-east-1b")


def check_statuses(h: Harness) -> None:
    dbs = {d["DBInstanceIdentifier"]: d for d in boto3_client(h, "rds").describe_db_instances()["DBInstances"]}
    want = {f"st-{s}": s for s in ("stopped", "creating", "deleting", "modifying", "storage-full")}
    got = {k: dbs.get(k, {}).get("DBInstanceStatus") for k in want}
    check("DescribeDBInstances: DBInstanceStatus stopped, creating, deleting, modifying, storage-full", got == want, str(got))
    check("DescribeDBInstances: instance_create_time overrides InstanceCreateTime (converted to UTC)",
          dbs.get("st-stopped", {}).get("InstanceCreateTime") == datetime(2024, 3, 1, 8, 15, tzinfo=timezone.utc),
          str(dbs.get("st-stopped", {}).get("InstanceCreateTime")))
    st, _, body, _ = rds_raw(h, {"Action": "DescribeDBInstances", "DBInstanceIdentifier": "st-stopped"})
    check("XML InstanceCreateTime is ISO 8601 UTC", b"<InstanceCreateTime>2024-03-01T08:15:00Z</InstanceCreateTime>" in body,
          body[:200])


def check_kept_answers(h: Harness, seeded: dict) -> None:
    """RDS reads are answered again from what was kept until something changes: each answer
    still has a request id of its own, and a mutating call or a seed shows at once."""
    one = {"Action": "DescribeDBInstances", "DBInstanceIdentifier": "orders-mysql"}
    ids, bodies = [], []
    for _ in range(2):
        st, _, body, _ = rds_raw(h, one)
        m = re.search(rb"<RequestId>([^<]*)</RequestId>", body)
        ids.append(m.group(1) if m else None)
        bodies.append(body.replace(m.group(1), b"") if m else body)
    check("a read asked twice: the same answer, a request id of its own each time",
          st == 200 and None not in ids and ids[0] != ids[1] and bodies[0] == bodies[1], f"{ids} {bodies[0][:200]!r}")
    arn = seeded["instances"]["orders-mysql"]

    def tags() -> list[dict]:
        dbs = boto3_client(h, "rds").describe_db_instances(DBInstanceIdentifier="orders-mysql")["DBInstances"]
        return dbs[0].get("TagList", [])

    rds = boto3_client(h, "rds")
    before = tags()
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "kept", "Value": "1"}])
    added = tags()
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["kept"])
    removed = tags()
    check("a mutating RDS call shows in the next read (AddTagsToResource, RemoveTagsFromResource)",
          {"Key": "kept", "Value": "1"} in added and removed == before, f"{before} {added} {removed}")
    region = "sa-east-1"
    listed = lambda: [d["DBInstanceIdentifier"] for d in  # noqa: E731
                      boto3_client(h, "rds", region).describe_db_instances()["DBInstances"]]
    empty = listed()
    st, out = h.control("POST", "/_harness/seed", {"instances": [
        {"id": "kept-new", "engine": "postgres", "engine_version": "15.7", "region": region}]})
    check("a seed shows in the next read of a region read before it", st == 200 and empty == [] and listed() == ["kept-new"],
          f"{empty} {st} {out}")


def check_kept_generation() -> None:
    """In process: a read that began before a change (a mutating call or a seed on another
    thread) does not keep what moto rendered for it."""
    import emu_rds
    from emu_protocol import Reply

    key = ("000000000000", "xx-test-1", (("Action", "DescribeDBInstances"),))
    body = b"<RequestId>r-1</RequestId>"
    began = emu_rds._generation()
    emu_rds.forget_answers()  # what a mutating call does while the read renders
    emu_rds._keep(key, Reply(200, {}, body), began)
    stale = emu_rds._kept(key)
    emu_rds._keep(key, Reply(200, {}, body), emu_rds._generation())
    fresh = emu_rds._kept(key)
    emu_rds.forget_answers()
    check("a read that began before a change is not kept; one after it is",
          stale is None and fresh is not None and b"r-1" not in fresh.body, f"{stale} {fresh}")


def check_sts(h: Harness) -> None:
    ident = boto3_client(h, "sts").get_caller_identity()
    check("boto3 STS GetCallerIdentity over the harness: account 123456789012",
          ident.get("Account") == "123456789012" and ident.get("Arn", "").startswith("arn:aws:sts::123456789012:"), str(ident))
    h.control("DELETE", "/_harness/log")
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    st, hd, data, _ = request(h, "POST", "/", {"Authorization": auth("sts", "us-east-1"),
                                               "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body)
    root = ET.fromstring(data)
    ns = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    check("raw STS GetCallerIdentity (form POST, sts scope): XML with the account",
          st == 200 and root.findtext(f"{ns}GetCallerIdentityResult/{ns}Account") == "123456789012", f"{st} {data[:300]!r}")
    st, log = h.control("GET", "/_harness/log")
    check("operation log: sts GetCallerIdentity", log == [{"service": "sts", "operation": "GetCallerIdentity",
                                                           "region": "us-east-1", "status": 200,
                                                           "account": "123456789012"}], str(log))


_RFC7231 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                      r"\d\d:\d\d:\d\d GMT")


def date_offset(hd: dict) -> float | None:
    """Seconds between the answer's Date header and this clock (None: no RFC 7231 Date)."""
    from email.utils import parsedate_to_datetime

    d = hd.get("date", "")
    if not _RFC7231.fullmatch(d):
        return None
    return parsedate_to_datetime(d).timestamp() - time.time()


def check_date_header(h: Harness) -> None:
    calls = {
        "rds": lambda: rds_raw(h, {"Action": "DescribeDBClusters"}),
        "monitoring": lambda: cbor_call(h, "ListMetrics", {"Namespace": "AWS/RDS"}),
        "kafka": lambda: kafka_raw(h, "/api/v2/clusters"),
        "sts": lambda: request(h, "POST", "/", {"Authorization": auth("sts", "us-east-1"),
                                                "Content-Type": "application/x-www-form-urlencoded"},
                               b"Action=GetCallerIdentity&Version=2011-06-15"),
    }
    offsets = {k: date_offset(call()[1]) for k, call in calls.items()}
    check("every AWS answer has an RFC 7231 Date within 2 s of now",
          all(o is not None and abs(o) < 2 for o in offsets.values()), str(offsets))
    h.control("POST", "/_harness/faults", {"service": "rds", "mode": "throttle"})
    st, hd, _, _ = calls["rds"]()
    check("a fault answer has a Date too", st == 400 and date_offset(hd) is not None, str(hd))
    st, doc = h.control("POST", "/_harness/settings", {"clock_skew_seconds": -3600})
    check("settings: clock_skew_seconds", st == 200 and doc.get("clock_skew_seconds") == -3600, str(doc))
    offsets = {k: date_offset(call()[1]) for k, call in calls.items()}
    check("clock_skew_seconds -3600 moves the Date of every AWS answer an hour back",
          all(o is not None and abs(o + 3600) < 2 for o in offsets.values()), str(offsets))
    c = h.conn()
    c.request("GET", "/_harness/health")
    r = c.getresponse()
    r.read()
    control = date_offset({k.lower(): v for k, v in r.getheaders()})
    c.close()
    check("control answers keep the true Date", control is not None and abs(control) < 2, str(control))
    h.control("POST", "/_harness/settings", {"clock_skew_seconds": 90.5})
    o = date_offset(calls["kafka"]()[1])
    check("clock_skew_seconds ahead, fractional", o is not None and 88 < o < 93, str(o))
    st, _ = h.control("POST", "/_harness/settings", {"clock_skew_seconds": "3600"})
    h.control("POST", "/_harness/settings", {"clock_skew_seconds": None})
    o = date_offset(calls["rds"]()[1])
    check("clock_skew_seconds: a string is rejected, null restores 0", st == 400 and o is not None and abs(o) < 2, f"{st} {o}")


# --- faults -----------------------------------------------------------------------------------

PROTOCOLS = {
    "rds": ("DescribeDBInstances", lambda h: rds_raw(h, {"Action": "DescribeDBInstances"}), "text/xml"),
    "monitoring": ("GetMetricData", lambda h: cbor_call(h, "GetMetricData", {
        "MetricDataQueries": [gmd_query("c", "DatabaseConnections", {"DBInstanceIdentifier": "orders-mysql"})],
        "StartTime": ts(T0 - 600), "EndTime": ts(T0 + 600)}), "application/cbor"),
    "kafka": ("ListClustersV2", lambda h: kafka_raw(h, "/api/v2/clusters"), "application/json"),
}

EXPECTED_ERRORS = {  # mode -> service -> (status, code)
    "throttle": {"rds": (400, "Throttling"), "monitoring": (400, "Throttling"), "kafka": (429, "TooManyRequestsException")},
    "error500": {"rds": (500, "InternalFailure"), "monitoring": (500, "InternalFailure"),
                 "kafka": (500, "InternalServerErrorException")},
    "expired_credentials": {"rds": (403, "ExpiredToken"), "monitoring": (403, "ExpiredToken"),
                            "kafka": (403, "ExpiredTokenException")},
    "access_denied": {"rds": (403, "AccessDenied"), "monitoring": (403, "AccessDenied"),
                      "kafka": (403, "AccessDeniedException")},
    "unsupported": {"rds": (400, "InvalidAction"), "monitoring": (400, "UnknownOperationException"),
                    "kafka": (400, "UnknownOperationException")},
}


def error_code(service: str, hd: dict, body: bytes) -> str | None:
    """The error code the way each SDK protocol reads it."""
    if service == "rds":
        root = ET.fromstring(body)
        return root.findtext(f"{RDS_NS}Error/{RDS_NS}Code") if root.tag == f"{RDS_NS}ErrorResponse" else None
    if service == "monitoring":
        if "x-amzn-query-error" in hd:  # awsQueryCompatible: the header wins
            return hd["x-amzn-query-error"].split(";")[0]
        return cbor2.loads(body)["__type"].split("#")[-1]
    return hd.get("x-amzn-errortype")


def parses(service: str, body: bytes) -> bool:
    try:
        if service == "rds":
            ET.fromstring(body)
        elif service == "monitoring":
            Cbor.parse(body)
        else:
            json.loads(body)
        return True
    except Exception:  # noqa: BLE001
        return False


def check_faults(h: Harness) -> None:
    for service, (op, call, ctype) in PROTOCOLS.items():
        st, hd, normal, _ = call(h)
        check(f"{service}: normal answer before faults", st == 200 and parses(service, normal), f"{st} {normal[:200]!r}")
        for mode, per in EXPECTED_ERRORS.items():
            fst, fid = h.control("POST", "/_harness/faults", {"service": service, "operation": op, "mode": mode})
            st, hd, body, _ = call(h)
            want_status, want_code = per[service]
            code = error_code(service, hd, body)
            extra = True
            if service == "monitoring":
                d = cbor2.loads(body)
                extra = (hd.get("content-type") == "application/cbor" and hd.get("smithy-protocol") == "rpc-v2-cbor"
                         and "#" in d.get("__type", "") and isinstance(d.get("message"), str))
            if service == "rds":
                extra = b"<Type>" in body and b"<RequestId>" in body
            if service == "kafka":
                extra = "message" in json.loads(body)
            check(f"{service} fault {mode}: {want_status} {want_code}",
                  fst == 200 and st == want_status and code == want_code and extra, f"{st} {hd} {body[:300]!r}")
        # error500 with status 503
        h.control("POST", "/_harness/faults", {"service": service, "mode": "error500", "status": 503})
        st, hd, body, _ = call(h)
        check(f"{service} fault error500/503", st == 503 and error_code(service, hd, body) in
              ("ServiceUnavailable", "ServiceUnavailableException"), f"{st} {body[:200]!r}")
        # latency
        h.control("POST", "/_harness/faults", {"service": service, "mode": "latency", "latency_ms": 400})
        st, hd, body, elapsed = call(h)
        check(f"{service} fault latency", st == 200 and elapsed >= 0.4 and parses(service, body), f"{st} {elapsed:.3f}s")
        # drop
        h.control("POST", "/_harness/faults", {"service": service, "mode": "drop"})
        try:
            st, hd, body, _ = call(h)
            check(f"{service} fault drop", False, f"got an answer {st}")
        except (http.client.RemoteDisconnected, ConnectionResetError, http.client.IncompleteRead,
                http.client.BadStatusLine, BrokenPipeError) as e:
            check(f"{service} fault drop", True, str(e))
        # malformed
        h.control("POST", "/_harness/faults", {"service": service, "mode": "malformed"})
        st, hd, body, _ = call(h)
        check(f"{service} fault malformed", st == 200 and hd.get("content-type") == ctype and body
              and not parses(service, body), f"{st} {hd} {body[:100]!r}")
        # truncate
        h.control("POST", "/_harness/faults", {"service": service, "mode": "truncate"})
        st, hd, body, _ = call(h)
        check(f"{service} fault truncate", st == 200 and int(hd.get("content-length", -1)) == len(body)
              and len(body) == len(normal) // 2 and not parses(service, body), f"{st} {len(body)} vs {len(normal)}")
        st, hd, body, _ = call(h)
        check(f"{service}: faults consumed, normal again", st == 200 and parses(service, body), f"{st}")

    # unsupported: the exact wire form of each protocol
    h.control("POST", "/_harness/faults", [{"service": s, "mode": "unsupported"} for s in ("rds", "monitoring", "kafka")])
    st, hd, body, _ = PROTOCOLS["rds"][1](h)
    check("rds fault unsupported: 400 InvalidAction, Sender, AWS's message",
          st == 400 and rds_error_of(body) == ("Sender", "InvalidAction",
                                               "The action DescribeDBInstances is not valid for this web service."),
          f"{st} {body[:300]!r}")
    st, hd, body, _ = PROTOCOLS["monitoring"][1](h)
    d = cbor2.loads(body)
    check("monitoring fault unsupported: 400 UnknownOperationException in __type and x-amzn-query-error",
          st == 400 and d.get("__type") == "com.amazonaws.cloudwatch#UnknownOperationException"
          and hd.get("x-amzn-query-error") == "UnknownOperationException;Sender" and "GetMetricData" in d.get("message", ""),
          f"{st} {hd} {d}")
    st, hd, body, _ = PROTOCOLS["kafka"][1](h)
    check("kafka fault unsupported: 400, x-amzn-ErrorType UnknownOperationException, {message}",
          st == 400 and hd.get("x-amzn-errortype") == "UnknownOperationException"
          and "ListClustersV2" in json.loads(body).get("message", ""), f"{st} {hd} {body!r}")

    # matching rules: region, operation, count, -1, and clearing
    h.control("POST", "/_harness/faults", {"service": "rds", "region": "eu-west-1", "mode": "throttle"})
    st, _, _, _ = rds_raw(h, {"Action": "DescribeDBInstances"}, "us-east-1")
    st2, _, _, _ = rds_raw(h, {"Action": "DescribeDBInstances"}, "eu-west-1")
    check("fault region filter", st == 200 and st2 == 400, f"{st} {st2}")
    h.control("POST", "/_harness/faults", {"operation": "DescribeDBClusters", "mode": "throttle", "count": 2})
    codes = [rds_raw(h, {"Action": a})[0] for a in ("DescribeDBInstances", "DescribeDBClusters", "DescribeDBClusters",
                                                     "DescribeDBClusters")]
    check("fault operation filter and count", codes == [200, 400, 400, 200], str(codes))
    h.control("POST", "/_harness/faults", {"service": "kafka", "mode": "throttle", "count": -1})
    codes = [kafka_raw(h, "/api/v2/clusters")[0] for _ in range(3)]
    st, listed = h.control("GET", "/_harness/faults")
    h.control("DELETE", "/_harness/faults")
    after = kafka_raw(h, "/api/v2/clusters")[0]
    check("fault count -1 until DELETE", codes == [429, 429, 429] and len(listed) == 1 and after == 200,
          f"{codes} {listed} {after}")
    st, doc = h.control("POST", "/_harness/faults", {"mode": "explode"})
    check("fault with an unknown mode is rejected", st == 400 and "error" in doc, str(doc))


def check_oplog(h: Harness) -> None:
    h.control("DELETE", "/_harness/log")
    rds_raw(h, {"Action": "DescribeDBClusters"}, "us-west-2")
    cbor_call(h, "ListMetrics", {"Namespace": "AWS/RDS"})
    kafka_raw(h, "/api/v2/clusters", "eu-west-1")
    h.control("POST", "/_harness/faults", {"service": "monitoring", "mode": "throttle"})
    cbor_call(h, "GetMetricData", {"MetricDataQueries": [gmd_query("a", "X", {})], "StartTime": ts(T0), "EndTime": ts(T0 + 60)},
              region="eu-central-1")
    st, log = h.control("GET", "/_harness/log")
    acct = {"account": "123456789012"}  # static credentials address the default account
    want = [
        {"service": "rds", "operation": "DescribeDBClusters", "region": "us-west-2", "status": 200, **acct},
        {"service": "monitoring", "operation": "ListMetrics", "region": "us-east-1", "status": 200, **acct,
         "namespace": "AWS/RDS", "linked": False},
        {"service": "kafka", "operation": "ListClustersV2", "region": "eu-west-1", "status": 200, **acct},
        {"service": "monitoring", "operation": "GetMetricData", "region": "eu-central-1", "status": 400, **acct},
    ]
    check("operation log records service, operation, region, status, account", st == 200 and log == want,
          json.dumps(log))
    h.control("DELETE", "/_harness/log")
    queries = [gmd_query(f"q{i}", "CPUUtilization", {}) for i in range(3)]
    cbor_call(h, "GetMetricData", {"MetricDataQueries": queries, "StartTime": ts(T0), "EndTime": ts(T0 + 60)},
              region="eu-central-1")
    st, log = h.control("GET", "/_harness/log")
    check("a served GetMetricData records its query count",
          st == 200 and [(e["operation"], e["status"], e.get("queries")) for e in log] == [("GetMetricData", 200, 3)],
          json.dumps(log))
    h.control("DELETE", "/_harness/log")
    cbor_call(h, "ListMetrics", {"Namespace": "AWS/Kafka", "MetricName": "MaxOffsetLag", "IncludeLinkedAccounts": True})
    st, log = h.control("GET", "/_harness/log")
    check("a served ListMetrics records its namespace and whether it included linked accounts",
          st == 200 and [(e["operation"], e.get("namespace"), e.get("linked")) for e in log]
          == [("ListMetrics", "AWS/Kafka", True)], json.dumps(log))
    st, _ = h.control("DELETE", "/_harness/log")
    st, log = h.control("GET", "/_harness/log")
    check("DELETE /_harness/log clears it", st == 200 and log == [], str(log))


def check_concurrency(h: Harness) -> None:
    import threading

    # keep-alive: several requests of each protocol on one connection
    c = h.conn()
    statuses, socks = [], set()
    for i in range(6):
        kind = i % 3
        if kind == 0:
            body = urlencode({"Action": "DescribeDBInstances", "Version": "2014-10-31"}).encode()
            hdrs = {"Authorization": auth("rds", "us-east-1"), "Content-Type": "application/x-www-form-urlencoded"}
            path = "/"
        elif kind == 1:
            body = cbor2.dumps({"Namespace": "AWS/RDS"})
            hdrs = {"Authorization": auth("monitoring", "us-east-1"), "Content-Type": "application/cbor",
                    "smithy-protocol": "rpc-v2-cbor"}
            path = CW_PATH + "ListMetrics"
        else:
            body, hdrs, path = b"", {"Authorization": auth("kafka", "us-east-1")}, "/api/v2/clusters"
        c.request("POST" if kind < 2 else "GET", path, body=body, headers={**hdrs, "Content-Length": str(len(body))})
        r = c.getresponse()
        r.read()
        statuses.append(r.status)
        socks.add(id(c.sock))
    c.close()
    check("keep-alive: six requests of three protocols on one connection", statuses == [200] * 6 and len(socks) == 1,
          f"{statuses} {len(socks)} sockets")

    # a slow request does not hold up the others
    h.control("POST", "/_harness/faults", {"service": "kafka", "mode": "latency", "latency_ms": 1500})
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=kafka_raw(h, "/api/v2/clusters")))
    t.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    quick = [rds_raw(h, {"Action": "DescribeDBClusters"})[0] for _ in range(5)]
    quick_time = time.monotonic() - t0
    t.join()
    check("threaded: requests are served while another one waits", quick == [200] * 5 and quick_time < 1.2
          and slow["r"][0] == 200 and slow["r"][3] >= 1.5, f"{quick} in {quick_time:.2f}s")

    # parallel keep-alive clients
    results, errors = [], []

    def client(n: int) -> None:
        try:
            conn = h.conn()
            for _ in range(10):
                body = cbor2.dumps({"MetricDataQueries": [gmd_query("c", "DatabaseConnections", {"DBInstanceIdentifier": "orders-mysql"})],
                                    "StartTime": ts(T0 - 600), "EndTime": ts(T0 + 600)})
                conn.request("POST", CW_PATH + "GetMetricData", body=body, headers={
                    "Authorization": auth("monitoring", "us-east-1"), "Content-Type": "application/cbor",
                    "smithy-protocol": "rpc-v2-cbor", "Content-Length": str(len(body))})
                r = conn.getresponse()
                results.append((r.status, cbor2.loads(r.read())["MetricDataResults"][0]["Values"]))
            conn.close()
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check("8 parallel keep-alive clients x 10 GetMetricData", not errors and len(results) == 80
          and all(r == (200, [1940.0, 1931.0, 1925.0]) for r in results), f"{errors[:2]} {results[:2]}")


def check_control(h: Harness) -> None:
    st, doc = h.control("POST", "/_harness/settings", {"no_such_setting": 1})
    check("settings: unknown key rejected", st == 400, str(doc))
    st, doc = h.control("GET", "/_harness/nope")
    check("control: unknown endpoint is 404", st == 404, str(doc))
    st, doc = h.control("GET", "/_harness/settings")
    check("settings: GET", st == 200 and doc.get("duplicate_list_metrics") is False and doc.get("clock_skew_seconds") == 0,
          str(doc))


# --- many accounts: STS AssumeRole, Organizations, IAM aliases, cross-account CloudWatch ----------

MGMT, ACCT_A, ACCT_B, ACCT_U, ACCT_M = "123456789012", "111111111111", "222222222222", "333333333333", "999999999999"
ORG_FILLERS = [f"{d}" * 12 for d in "45678"]  # 444444444444 ... 888888888888: more accounts, to page


def org_scenario() -> dict:
    accounts = [{"id": MGMT, "name": "dbfleet-management", "email": "aws-root@example.com"},
                {"id": ACCT_A, "name": "payments-prod", "email": "aws+payments@example.com", "status": "ACTIVE"},
                {"id": ACCT_B, "name": "search-prod", "email": "aws+search@example.com", "status": "ACTIVE",
                 "joined_method": "INVITED", "joined": "2024-05-01T10:00:00Z"},
                {"id": ACCT_U, "name": "legacy", "email": "aws+legacy@example.com", "status": "SUSPENDED"},
                {"id": ACCT_M, "name": "observability", "email": "aws+obs@example.com"}]
    accounts += [{"id": a, "name": f"sandbox-{a[0]}", "email": f"aws+{a[0]}@example.com"} for a in ORG_FILLERS]
    return {"organization": {"management_account": MGMT, "id": "o-selftest0001", "accounts": accounts,
                             "delegated_administrators": [ACCT_M]}}


def account_scenario(account: str, tag: str, base: float) -> dict:
    """One account's resources: two instances (one id shared by every account), a parameter group,
    a metric per instance, an event, an alarm, a pending action, an engine version, an MSK cluster."""
    return {
        "account": account,
        "account_alias": f"{tag}-prod",
        "parameter_groups": [{"name": f"{tag}-params", "family": "postgres15", "parameters": {"max_connections": "321"}}],
        "instances": [{"id": f"{tag}-db", "engine": "postgres", "engine_version": "15.7", "parameter_group": f"{tag}-params",
                       "status": "modifying"},
                      {"id": "shared-name", "engine": "mysql", "engine_version": "8.0.35"}],
        "metrics": [{"namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
                     "dimensions": {"DBInstanceIdentifier": f"{tag}-db"},
                     "points": [[T0 + 60 * j, base + j] for j in range(3)]},
                    {"namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
                     "dimensions": {"DBInstanceIdentifier": "shared-name"},
                     "points": [[T0, base + 100]]}],
        "events": [{"source_id": f"{tag}-db", "at": rfc3339(time.time() - 600), "categories": ["maintenance"],
                    "message": f"{tag} maintenance"}],
        "alarms": [{"name": f"{tag}-db-connections", "namespace": "AWS/RDS", "metric": "DatabaseConnections",
                    "dimensions": {"DBInstanceIdentifier": f"{tag}-db"}, "state": "ALARM"}],
        "pending_actions": [{"resource_id": f"{tag}-db", "action": "os-upgrade", "description": f"{tag} patch"}],
        "engine_versions": [{"engine": "postgres", "engine_version": "15.7", "auto_upgrade_target": f"15.{8 if tag == 'payments' else 9}"}],
        "kafka_clusters": [{"name": f"{tag}-events"}],
    }


def assume(h: Harness, account: str, role: str = "dbfleet", session: str = "selftest"):
    """boto3 STS AssumeRole with the static test credentials; the answer."""
    return boto3_client(h, "sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName=session)


def client_as(h: Harness, service: str, creds: dict, region: str = "us-east-1"):
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=f"http://127.0.0.1:{h.port}",
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def org_raw(h: Harness, op: str, doc: dict, key: str = "AKIDSELFTEST"):
    body = json.dumps(doc).encode()
    return request(h, "POST", "/", {"Authorization": auth("organizations", "us-east-1", key),
                                    "Content-Type": "application/x-amz-json-1.1",
                                    "X-Amz-Target": f"AWSOrganizationsV20161128.{op}"}, body)


def check_accounts(h: Harness) -> dict:
    """Seed an organization and three accounts; assume a role into each; see only its resources."""
    st, out = h.control("POST", "/_harness/seed", org_scenario())
    check("seed an organization with the given account ids", st == 200
          and set(out["organization"]["accounts"]) == {MGMT, ACCT_A, ACCT_B, ACCT_U, ACCT_M, *ORG_FILLERS}
          and out["organization"]["id"] == "o-selftest0001"
          and out["organization"]["accounts"][ACCT_A] == f"arn:aws:organizations::{MGMT}:account/o-selftest0001/{ACCT_A}",
          json.dumps(out)[:500])
    seeded = {}
    for account, tag, base in ((ACCT_A, "payments", 10.0), (ACCT_B, "search", 20.0)):
        st, out = h.control("POST", "/_harness/seed", account_scenario(account, tag, base))
        seeded[account] = out
        check(f"seed in account {account}: ARNs carry the account", st == 200 and out.get("account") == account
              and out["instances"].get(f"{tag}-db") == f"arn:aws:rds:us-east-1:{account}:db:{tag}-db"
              and out["instances"].get("shared-name") == f"arn:aws:rds:us-east-1:{account}:db:shared-name"
              and out["alarms"].get(f"{tag}-db-connections") == f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{tag}-db-connections"
              and out["kafka_clusters"].get(f"{tag}-events", "").startswith(f"arn:aws:kafka:us-east-1:{account}:cluster/")
              and out["parameter_groups"].get(f"{tag}-params") == f"arn:aws:rds:us-east-1:{account}:pg:{tag}-params",
              json.dumps(out)[:600])
    st, out = h.control("POST", "/_harness/seed", {
        "account": ACCT_U, "metrics": [{"namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
                                        "dimensions": {"DBInstanceIdentifier": "legacy-db"}, "points": [[T0, 5.0]]}]})
    check("seed metrics in an account that is not linked", st == 200, str(out))
    st, out = h.control("POST", "/_harness/seed", {
        "account": ACCT_M, "monitoring": {"account": ACCT_M, "linked": [ACCT_A, ACCT_B]},
        "metrics": [{"namespace": "AWS/RDS", "name": "CPUUtilization", "unit": "Percent",
                     "dimensions": {"DBInstanceIdentifier": "obs-db"}, "points": [[T0, 42.0]]}]})
    check("seed a monitoring account linked to two source accounts",
          st == 200 and out.get("monitoring") == {ACCT_M: {ACCT_A: None, ACCT_B: None}}, str(out))
    st, err = h.control("POST", "/_harness/seed", {"account": "1234"})
    check("seed: an account that is not 12 digits is rejected", st == 400 and "account" in err.get("error", ""), str(err))
    st, err = h.control("POST", "/_harness/seed", {"organization": {"management_account": MGMT,
                                                                     "accounts": [{"id": "12345"}]}})
    check("seed: an organization account id that is not 12 digits is rejected", st == 400, str(err))

    # --- STS ---
    h.control("DELETE", "/_harness/log")
    creds = {}
    for account in (ACCT_A, ACCT_B, ACCT_M):
        r = assume(h, account)
        creds[account] = r["Credentials"]
        check(f"AssumeRole into {account}: credentials and the assumed-role ARN",
              r["Credentials"]["AccessKeyId"] and r["Credentials"].get("Expiration") is not None
              and r["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/dbfleet/selftest", str(r)[:300])
    for account in (ACCT_A, ACCT_B):
        ident = client_as(h, "sts", creds[account]).get_caller_identity()
        check(f"GetCallerIdentity through {account}'s assumed credentials", ident.get("Account") == account
              and ident.get("Arn") == f"arn:aws:sts::{account}:assumed-role/dbfleet/selftest", str(ident))
    st, log = h.control("GET", "/_harness/log")
    check("operation log: AssumeRole from the default account, GetCallerIdentity from the assumed ones",
          [(e["operation"], e["account"]) for e in log] == [("AssumeRole", MGMT)] * 3
          + [("GetCallerIdentity", ACCT_A), ("GetCallerIdentity", ACCT_B)], json.dumps(log))
    r = assume(h, "444444444444", role="not-created-anywhere")
    check("AssumeRole of a role that was never created works (moto needs no role)",
          r["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::444444444444:assumed-role/not-created-anywhere/"), str(r)[:200])

    # --- RDS, CloudWatch, MSK: each account sees its own ---
    import botocore.exceptions

    for account, tag, other in ((ACCT_A, "payments", "search"), (ACCT_B, "search", "payments")):
        rds = client_as(h, "rds", creds[account])
        dbs = rds.describe_db_instances()["DBInstances"]
        check(f"{account}: DescribeDBInstances lists its own instances only",
              sorted(d["DBInstanceIdentifier"] for d in dbs) == sorted([f"{tag}-db", "shared-name"])
              and all(d["DBInstanceArn"].split(":")[4] == account for d in dbs)
              and next(d for d in dbs if d["DBInstanceIdentifier"] == f"{tag}-db")["DBInstanceStatus"] == "modifying",
              str([(d["DBInstanceIdentifier"], d["DBInstanceArn"]) for d in dbs]))
        params = rds.describe_db_parameters(DBParameterGroupName=f"{tag}-params", Source="user")["Parameters"]
        check(f"{account}: DescribeDBParameters of its own group", [(p["ParameterName"], p["ParameterValue"])
                                                                    for p in params] == [("max_connections", "321")], str(params))
        try:
            rds.describe_db_parameters(DBParameterGroupName=f"{other}-params")
            code = None
        except botocore.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
        check(f"{account}: another account's parameter group is not found", code == "DBParameterGroupNotFound", str(code))
        defaults = rds.describe_db_parameters(DBParameterGroupName="default.postgres15")["Parameters"]
        check(f"{account}: default groups exist in every account", any(p["ParameterName"] == "max_connections" for p in defaults))
        pend = rds.describe_pending_maintenance_actions()["PendingMaintenanceActions"]
        check(f"{account}: DescribePendingMaintenanceActions: its own action only",
              [(p["ResourceIdentifier"], p["PendingMaintenanceActionDetails"][0]["Description"]) for p in pend]
              == [(f"arn:aws:rds:us-east-1:{account}:db:{tag}-db", f"{tag} patch")], str(pend))
        vers = rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"]
        check(f"{account}: DescribeDBEngineVersions: its own seeded versions",
              [v["ValidUpgradeTarget"][0]["EngineVersion"] for v in vers] == ["15.8" if tag == "payments" else "15.9"], str(vers)[:300])
        events = rds.describe_events(Duration=120)["Events"]
        check(f"{account}: DescribeEvents: its own event, SourceArn in the account",
              [(e["Message"], e["SourceArn"]) for e in events] == [(f"{tag} maintenance", f"arn:aws:rds:us-east-1:{account}:db:{tag}-db")],
              str(events))
        key = creds[account]["AccessKeyId"]
        st, _, body, _ = cbor_call(h, "DescribeAlarms", {}, key=key)
        alarms = cbor2.loads(body).get("MetricAlarms", [])
        check(f"{account}: DescribeAlarms (CBOR): its own alarm, ARN in the account", st == 200
              and [(a["AlarmName"], a["AlarmArn"]) for a in alarms]
              == [(f"{tag}-db-connections", f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{tag}-db-connections")],
              str(alarms)[:300])
        st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": [
            gmd_query("own", "DatabaseConnections", {"DBInstanceIdentifier": f"{tag}-db"}),
            gmd_query("other", "DatabaseConnections", {"DBInstanceIdentifier": f"{other}-db"}),
            gmd_query("cross", "DatabaseConnections", {"DBInstanceIdentifier": f"{other}-db"},
                      account_id=ACCT_B if account == ACCT_A else ACCT_A)],
            "StartTime": ts(T0 - 60), "EndTime": ts(T0 + 600)}, key=key)
        res = {r["Id"]: r for r in cbor2.loads(body)["MetricDataResults"]}
        base = 10.0 if tag == "payments" else 20.0
        check(f"{account}: GetMetricData: its own datapoints; another account's metric is empty, even with AccountId "
              "(it is no monitoring account)", st == 200 and res["own"]["Values"] == [base + 2, base + 1, base]
              and res["other"]["Values"] == [] and res["cross"]["Values"] == [] and res["cross"]["StatusCode"] == "Complete",
              str(res))
        st, _, body, _ = kafka_raw(h, "/api/v2/clusters", key=key)
        names = [(c["clusterName"], c["clusterArn"].split(":")[4]) for c in json.loads(body)["clusterInfoList"]]
        check(f"{account}: MSK ListClustersV2: its own cluster", names == [(f"{tag}-events", account)], str(names))
    dbs = boto3_client(h, "rds").describe_db_instances()["DBInstances"]
    check("the default account (static credentials) sees none of the member accounts' instances",
          dbs and not any(d["DBInstanceIdentifier"] in ("payments-db", "search-db", "shared-name") for d in dbs)
          and all(d["DBInstanceArn"].split(":")[4] == MGMT for d in dbs), str(len(dbs)))

    # --- faults by account ---
    h.control("DELETE", "/_harness/log")
    st, doc = h.control("POST", "/_harness/faults", {"service": "sts", "operation": "AssumeRole", "account": ACCT_B,
                                                     "mode": "access_denied", "count": -1})
    check("fault with an account accepted", st == 200, str(doc))
    ok_a = assume(h, ACCT_A)["AssumedRoleUser"]["Arn"].split(":")[4] == ACCT_A
    try:
        assume(h, ACCT_B)
        denied = None
    except botocore.exceptions.ClientError as e:
        denied = (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"])
    check("AssumeRole fault with account: the role in that account is denied (403 AccessDenied), another account's is not",
          ok_a and denied is not None and denied[:2] == (403, "AccessDenied")
          and f"sts:AssumeRole on resource: arn:aws:iam::{ACCT_B}:role/dbfleet" in denied[2], str(denied))
    st, hd, body, _ = request(h, "POST", "/", {"Authorization": auth("sts", "us-east-1"),
                                               "Content-Type": "application/x-www-form-urlencoded"},
                              urlencode({"Action": "AssumeRole", "Version": "2011-06-15", "RoleSessionName": "raw",
                                         "RoleArn": f"arn:aws:iam::{ACCT_B}:role/dbfleet"}).encode())
    root = ET.fromstring(body)
    check("the AssumeRole fault answers awsQuery XML in STS's namespace",
          st == 403 and root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}ErrorResponse", body[:200])
    h.control("DELETE", "/_harness/faults")
    h.control("POST", "/_harness/faults", {"service": "rds", "account": ACCT_A, "mode": "throttle", "count": -1})
    try:
        client_as(h, "rds", creds[ACCT_A], "us-east-1").describe_db_clusters()
        throttled = None
    except botocore.exceptions.ClientError as e:
        throttled = e.response["Error"]["Code"]
    b_status = rds_raw(h, {"Action": "DescribeDBClusters"}, key=creds[ACCT_B]["AccessKeyId"])[0]
    default_status = rds_raw(h, {"Action": "DescribeDBClusters"})[0]
    check("a fault's account matches the requests addressing that account only",
          throttled == "Throttling" and b_status == 200 and default_status == 200, f"{throttled} {b_status} {default_status}")
    st, faults = h.control("GET", "/_harness/faults")
    check("GET /_harness/faults shows the account", st == 200 and faults and faults[0]["account"] == ACCT_A, str(faults))
    h.control("DELETE", "/_harness/faults")
    st, log = h.control("GET", "/_harness/log")
    check("operation log: each entry names its account",
          [(e["service"], e["operation"], e["account"], e["status"]) for e in log][-3:]
          == [("rds", "DescribeDBClusters", ACCT_A, 400), ("rds", "DescribeDBClusters", ACCT_B, 200),
              ("rds", "DescribeDBClusters", MGMT, 200)], json.dumps(log[-3:]))
    st, err = h.control("POST", "/_harness/faults", {"mode": "throttle", "account": 111111111111})
    check("fault: an account that is not a 12-digit string is rejected", st == 400, str(err))
    st, err = h.control("POST", "/_harness/faults", {"service": "organizations", "mode": "throttle"})
    h.control("DELETE", "/_harness/faults")
    check("fault: sts, iam and organizations are services a fault can name", st == 200, str(err))
    return creds


def check_organizations(h: Harness, creds: dict) -> None:
    org = boto3_client(h, "organizations")
    pages = list(org.get_paginator("list_accounts").paginate())
    accounts = [a for p in pages for a in p["Accounts"]]
    check("ListAccounts from the management account: every account, exact ids, names, statuses",
          [(a["Id"], a["Name"], a["Status"]) for a in accounts]
          == [(MGMT, "dbfleet-management", "ACTIVE"), (ACCT_A, "payments-prod", "ACTIVE"), (ACCT_B, "search-prod", "ACTIVE"),
              (ACCT_U, "legacy", "SUSPENDED"), (ACCT_M, "observability", "ACTIVE")]
          + [(a, f"sandbox-{a[0]}", "ACTIVE") for a in ORG_FILLERS], str([(a["Id"], a["Name"]) for a in accounts]))
    b = next(a for a in accounts if a["Id"] == ACCT_B)
    check("ListAccounts: Arn, Email, JoinedMethod, JoinedTimestamp, State",
          b["Arn"] == f"arn:aws:organizations::{MGMT}:account/o-selftest0001/{ACCT_B}" and b["Email"] == "aws+search@example.com"
          and b["JoinedMethod"] == "INVITED" and b["JoinedTimestamp"].timestamp() == 1714557600
          and b["State"] == "ACTIVE" and next(a for a in accounts if a["Id"] == ACCT_U)["State"] == "SUSPENDED", str(b))
    h.control("POST", "/_harness/settings", {"list_accounts_page_size": 3})
    pages, token, raw_ok = [], None, True
    for _ in range(10):
        st, hd, body, _ = org_raw(h, "ListAccounts", {"NextToken": token} if token else {})
        doc = json.loads(body)
        raw_ok &= st == 200 and hd.get("content-type") == "application/x-amz-json-1.1" and set(doc) <= {"Accounts", "NextToken"}
        raw_ok &= all(set(a) == {"Id", "Arn", "Email", "Name", "Status", "State", "JoinedMethod", "JoinedTimestamp"}
                      and isinstance(a["JoinedTimestamp"], (int, float)) for a in doc["Accounts"])
        pages.append([a["Id"] for a in doc["Accounts"]])
        token = doc.get("NextToken")
        if not token:
            break
    check("ListAccounts paged by list_accounts_page_size 3: 3 + 3 + 3 + 1 with NextToken, AWS JSON 1.1 shapes",
          raw_ok and [len(p) for p in pages] == [3, 3, 3, 1] and [a for p in pages for a in p] == [a["Id"] for a in accounts],
          str(pages))
    h.control("POST", "/_harness/settings", {"list_accounts_page_size": None})
    st, _, body, _ = org_raw(h, "ListAccounts", {"MaxResults": 4})
    doc = json.loads(body)
    check("ListAccounts MaxResults 4: 4 and a NextToken", st == 200 and len(doc["Accounts"]) == 4 and doc.get("NextToken"), str(doc)[:200])
    st, hd, body, _ = org_raw(h, "ListAccounts", {"MaxResults": 21})
    check("ListAccounts MaxResults over 20: 400 InvalidInputException", st == 400
          and json.loads(body).get("__type") == "InvalidInputException", body[:200])
    st, _, body, _ = org_raw(h, "ListAccounts", {"NextToken": "bogus"})
    check("ListAccounts with a bad NextToken: 400 InvalidInputException", st == 400
          and json.loads(body).get("__type") == "InvalidInputException", body[:200])
    import botocore.exceptions

    def list_error(c) -> tuple | None:
        try:
            c.list_accounts()
        except botocore.exceptions.ClientError as e:
            return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]
        return None

    check("ListAccounts from a member account: 400 AccessDeniedException",
          list_error(client_as(h, "organizations", creds[ACCT_A])) == (400, "AccessDeniedException"))
    outsider = assume(h, "777777777776")["Credentials"]
    check("ListAccounts from an account in no organization: 400 AWSOrganizationsNotInUseException",
          list_error(client_as(h, "organizations", outsider)) == (400, "AWSOrganizationsNotInUseException"))
    delegated = [a for p in client_as(h, "organizations", creds[ACCT_M]).get_paginator("list_accounts").paginate()
                 for a in p["Accounts"]]
    check("ListAccounts from a delegated administrator: the whole organization",
          [a["Id"] for a in delegated] == [a["Id"] for a in accounts], str(len(delegated)))
    desc = client_as(h, "organizations", creds[ACCT_A]).describe_organization()["Organization"]
    check("DescribeOrganization (moto) from a member: the management account", desc.get("MasterAccountId") == MGMT
          and desc.get("Id") == "o-selftest0001", str(desc))
    h.control("POST", "/_harness/faults", {"service": "organizations", "operation": "ListAccounts", "mode": "throttle"})
    st, hd, body, _ = org_raw(h, "ListAccounts", {})
    check("organizations throttle fault: 400 TooManyRequestsException in JSON 1.1", st == 400
          and json.loads(body).get("__type") == "TooManyRequestsException" and hd.get("x-amzn-errortype") == "TooManyRequestsException",
          body[:200])
    h.control("POST", "/_harness/faults", {"service": "organizations", "mode": "malformed"})
    st, _, body, _ = org_raw(h, "ListAccounts", {})
    check("organizations malformed fault: 200 and a body that is not JSON", st == 200 and not parses_json(body), body[:80])
    h.control("DELETE", "/_harness/faults")

    # --- IAM account aliases ---
    for account, alias in ((ACCT_A, ["payments-prod"]), (ACCT_B, ["search-prod"])):
        got = client_as(h, "iam", creds[account]).list_account_aliases()
        check(f"IAM ListAccountAliases in {account}", got["AccountAliases"] == alias and got["IsTruncated"] is False, str(got))
    got = boto3_client(h, "iam").list_account_aliases()["AccountAliases"]
    check("IAM ListAccountAliases in the default account: none", got == [], str(got))
    st, _, body, _ = request(h, "POST", "/", {"Authorization": auth("iam", "us-east-1", creds[ACCT_A]["AccessKeyId"]),
                                              "Content-Type": "application/x-www-form-urlencoded"},
                             b"Action=ListAccountAliases&Version=2010-05-08")
    ns = "{https://iam.amazonaws.com/doc/2010-05-08/}"
    root = ET.fromstring(body)
    check("IAM ListAccountAliases XML: AccountAliases/member and IsTruncated",
          st == 200 and [m.text for m in root.iter(f"{ns}member")] == ["payments-prod"]
          and root.findtext(f"{ns}ListAccountAliasesResult/{ns}IsTruncated") == "false", body[:300])


def parses_json(body: bytes) -> bool:
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


def check_monitoring(h: Harness, creds: dict) -> None:
    key = creds[ACCT_M]["AccessKeyId"]
    st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": [
        gmd_query("own", "CPUUtilization", {"DBInstanceIdentifier": "obs-db"}),
        gmd_query("a", "DatabaseConnections", {"DBInstanceIdentifier": "payments-db"}, account_id=ACCT_A),
        gmd_query("b", "DatabaseConnections", {"DBInstanceIdentifier": "search-db"}, account_id=ACCT_B),
        gmd_query("a_shared", "DatabaseConnections", {"DBInstanceIdentifier": "shared-name"}, account_id=ACCT_A),
        gmd_query("b_shared", "DatabaseConnections", {"DBInstanceIdentifier": "shared-name"}, account_id=ACCT_B),
        gmd_query("unlinked", "DatabaseConnections", {"DBInstanceIdentifier": "legacy-db"}, account_id=ACCT_U),
        gmd_query("self", "CPUUtilization", {"DBInstanceIdentifier": "obs-db"}, account_id=ACCT_M),
        gmd_query("no_account", "DatabaseConnections", {"DBInstanceIdentifier": "payments-db"})],
        "StartTime": ts(T0 - 60), "EndTime": ts(T0 + 600)}, key=key)
    doc = plain(Cbor.parse(body))
    res = {r["Id"]: r for r in doc["MetricDataResults"]}
    check("monitoring account GetMetricData: own metric without AccountId, each linked account's with AccountId",
          st == 200 and res["own"]["Values"] == [42.0] and res["self"]["Values"] == [42.0]
          and res["a"]["Values"] == [12.0, 11.0, 10.0] and res["b"]["Values"] == [22.0, 21.0, 20.0]
          and res["a_shared"]["Values"] == [110.0] and res["b_shared"]["Values"] == [120.0]
          and all(isinstance(t, WireTimestamp) for r in res.values() for t in r["Timestamps"])
          and all(isinstance(v, float) for r in res.values() for v in r["Values"]), str(res)[:600])
    check("monitoring account GetMetricData: an unlinked account's metric has no values, StatusCode Complete; "
          "a source account's metric without AccountId is looked up in the monitoring account (none)",
          res["unlinked"]["Values"] == [] and res["unlinked"]["StatusCode"] == "Complete"
          and res["no_account"]["Values"] == [] and res["no_account"]["StatusCode"] == "Complete", str(res)[:400])
    st, _, body, _ = cbor_call(h, "ListMetrics", {"Namespace": "AWS/RDS", "IncludeLinkedAccounts": True}, key=key)
    doc = plain(Cbor.parse(body))
    listed = [(m["MetricName"], m["Dimensions"][0]["Value"], owner) for m, owner in zip(doc["Metrics"], doc.get("OwningAccounts", []))]
    check("ListMetrics IncludeLinkedAccounts in the monitoring account: its own and every linked account's, with "
          "OwningAccounts parallel to Metrics; the unlinked account's are absent",
          st == 200 and len(doc["OwningAccounts"]) == len(doc["Metrics"]) and listed == [
              ("CPUUtilization", "obs-db", ACCT_M),
              ("DatabaseConnections", "payments-db", ACCT_A), ("DatabaseConnections", "shared-name", ACCT_A),
              ("DatabaseConnections", "search-db", ACCT_B), ("DatabaseConnections", "shared-name", ACCT_B)], str(doc)[:600])
    st, _, body, _ = cbor_call(h, "ListMetrics", {"IncludeLinkedAccounts": True, "OwningAccount": ACCT_B}, key=key)
    doc = plain(Cbor.parse(body))
    check("ListMetrics OwningAccount filter: one source account's metrics only",
          st == 200 and [m["Dimensions"][0]["Value"] for m in doc["Metrics"]] == ["search-db", "shared-name"]
          and doc["OwningAccounts"] == [ACCT_B, ACCT_B], str(doc))
    st, _, body, _ = cbor_call(h, "ListMetrics", {"IncludeLinkedAccounts": True, "OwningAccount": ACCT_U}, key=key)
    doc = plain(Cbor.parse(body))
    check("ListMetrics OwningAccount of an unlinked account: nothing", st == 200 and doc["Metrics"] == []
          and doc.get("OwningAccounts") == [], str(doc))
    st, _, body, _ = cbor_call(h, "ListMetrics", {"Namespace": "AWS/RDS"}, key=key)
    doc = plain(Cbor.parse(body))
    check("ListMetrics without IncludeLinkedAccounts: the caller's own metrics, no OwningAccounts",
          st == 200 and [m["MetricName"] for m in doc["Metrics"]] == ["CPUUtilization"] and "OwningAccounts" not in doc, str(doc))
    st, _, body, _ = cbor_call(h, "ListMetrics", {"IncludeLinkedAccounts": True}, key=creds[ACCT_A]["AccessKeyId"])
    doc = plain(Cbor.parse(body))
    check("ListMetrics IncludeLinkedAccounts in a source account: its own metrics, owned by itself",
          st == 200 and len(doc["Metrics"]) == 2 and doc["OwningAccounts"] == [ACCT_A, ACCT_A], str(doc))
    h.control("POST", "/_harness/settings", {"list_metrics_page_size": 2})
    pages, token = [], None
    for _ in range(10):
        params = {"IncludeLinkedAccounts": True, **({"NextToken": token} if token else {})}
        st, _, body, _ = cbor_call(h, "ListMetrics", params, key=key)
        doc = plain(Cbor.parse(body))
        pages.append(list(zip([m["Dimensions"][0]["Value"] for m in doc["Metrics"]], doc["OwningAccounts"])))
        token = doc.get("NextToken")
        if not token:
            break
    h.control("POST", "/_harness/settings", {"list_metrics_page_size": None})
    check("ListMetrics IncludeLinkedAccounts pages keep OwningAccounts parallel",
          [len(p) for p in pages] == [2, 2, 1] and pages[1] == [("shared-name", ACCT_A), ("search-db", ACCT_B)], str(pages))
    cw = client_as(h, "cloudwatch", creds[ACCT_M])
    got = cw.list_metrics(IncludeLinkedAccounts=True, OwningAccount=ACCT_A)
    check("boto3 ListMetrics IncludeLinkedAccounts + OwningAccount", got.get("OwningAccounts") == [ACCT_A, ACCT_A]
          and len(got["Metrics"]) == 2, str(got)[:300])
    start, end = datetime.fromtimestamp(T0 - 60, timezone.utc), datetime.fromtimestamp(T0 + 600, timezone.utc)
    got = cw.get_metric_data(StartTime=start, EndTime=end, MetricDataQueries=[
        gmd_query("b", "DatabaseConnections", {"DBInstanceIdentifier": "search-db"}, account_id=ACCT_B)])
    check("boto3 GetMetricData with AccountId in the monitoring account",
          got["MetricDataResults"][0]["Values"] == [22.0, 21.0, 20.0], str(got["MetricDataResults"]))


def check_accounts_reset(h: Harness) -> None:
    st, _ = h.control("POST", "/_harness/reset")
    creds = assume(h, ACCT_A)["Credentials"]
    dbs = client_as(h, "rds", creds).describe_db_instances()["DBInstances"]
    aliases = client_as(h, "iam", creds).list_account_aliases()["AccountAliases"]
    import botocore.exceptions

    try:
        boto3_client(h, "organizations").list_accounts()
        org = None
    except botocore.exceptions.ClientError as e:
        org = e.response["Error"]["Code"]
    m = assume(h, ACCT_M)["Credentials"]["AccessKeyId"]
    st2, _, body, _ = cbor_call(h, "ListMetrics", {"IncludeLinkedAccounts": True}, key=m)
    check("reset forgets every account: instances, aliases, the organization, monitoring links",
          st == 200 and dbs == [] and aliases == [] and org == "AWSOrganizationsNotInUseException"
          and cbor2.loads(body)["Metrics"] == [], f"{len(dbs)} {aliases} {org} {body[:100]!r}")


def big_scenario() -> dict:
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    instances, clusters, metrics = [], [], []
    for c in range(6):
        region = regions[c % 3]
        clusters.append({"id": f"aurora-{c}", "region": region, "engine": "aurora-postgresql" if c % 2 else "aurora-mysql",
                         "engine_version": "15.4" if c % 2 else "8.0.mysql_aurora.3.05.2",
                         "maintenance_window": "sat:04:00-sat:04:30"})
        for m in range(3):
            instances.append({"id": f"aurora-{c}-{m}", "region": region, "cluster_id": f"aurora-{c}", "class": "db.r6g.large"})
    n = len(instances)
    i = 0
    while n < 150:
        region = regions[i % 3]
        base = {"id": f"db-{i}", "region": region, "engine": "postgres" if i % 2 else "mysql",
                "engine_version": "15.7" if i % 2 else "8.0.35", "class": "db.m6g.large", "multi_az": i % 3 == 0,
                "maintenance_window": "sun:07:00-sun:07:30", "tags": {"env": "production", "n": str(i)}}
        instances.append(base)
        n += 1
        if i % 4 == 0 and n < 150:
            instances.append({"id": f"db-{i}-replica", "region": region, "replica_source": f"db-{i}", "class": "db.m6g.large"})
            n += 1
        i += 1
    for k, inst in enumerate(instances[:40]):
        metrics.append({"region": inst["region"], "namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
                        "dimensions": {"DBInstanceIdentifier": inst["id"]},
                        "points": [[T0 + 60 * j, float(100 + j + k)] for j in range(50)]})
    return {"instances": instances, "clusters": clusters, "metrics": metrics}


def check_seed_speed(h: Harness) -> None:
    st, _ = h.control("POST", "/_harness/reset")
    check("reset", st == 200)
    _, _, body, _ = rds_raw(h, {"Action": "DescribeEvents", "Duration": "20160"}, "ap-southeast-2")
    _, _, body2, _ = cbor_call(h, "DescribeAlarms", {})
    check("reset forgets seeded events and alarms", events_of(body) == ([], None)
          and cbor2.loads(body2).get("MetricAlarms") == [], f"{body[:200]!r} {body2[:200]!r}")
    scenario = big_scenario()
    t = time.monotonic()
    st, out = h.control("POST", "/_harness/seed", scenario)
    elapsed = time.monotonic() - t
    npts = sum(len(m["points"]) for m in scenario["metrics"])
    check(f"seed {len(out.get('instances', {}))} instances, {len(out.get('clusters', {}))} clusters, "
          f"{npts} datapoints in {elapsed:.2f}s (< 30 s)",
          st == 200 and len(out["instances"]) == 150 and out["datapoints"] == npts and elapsed < 30, str(out)[:300])
    import boto3

    rds = boto3.client("rds", region_name="us-east-1", aws_access_key_id="AKIDSELFTEST", aws_secret_access_key="x",
                       endpoint_url=f"http://127.0.0.1:{h.port}")
    t = time.monotonic()
    n = sum(len(p["DBInstances"]) for p in rds.get_paginator("describe_db_instances").paginate(
        PaginationConfig={"PageSize": 100}))
    check(f"DescribeDBInstances over {n} us-east-1 instances in {time.monotonic() - t:.2f}s",
          n == sum(1 for i in scenario["instances"] if i["region"] == "us-east-1"), str(n))
    east = [i["id"] for i in scenario["instances"][:40] if i["region"] == "us-east-1"]
    q = [gmd_query(f"q{j}", "DatabaseConnections", {"DBInstanceIdentifier": iid}) for j, iid in enumerate(east)]
    t = time.monotonic()
    st, _, body, _ = cbor_call(h, "GetMetricData", {"MetricDataQueries": q, "StartTime": ts(T0 - 3600), "EndTime": ts(T0 + 3600)})
    elapsed = time.monotonic() - t
    doc = cbor2.loads(body)
    check(f"GetMetricData {len(q)} queries x 50 points in {elapsed * 1000:.0f} ms",
          st == 200 and all(len(r["Values"]) == 50 for r in doc["MetricDataResults"]), body[:200])

    # many accounts in one seed call: a JSON array of scenarios, one account each
    accounts = [f"5{n:011d}" for n in range(1, 5)]
    batch = [{"account": acct, "instances": [{"id": f"fleet-{n}", "engine": "postgres", "engine_version": "15.7"}
                                             for n in range(50)],
              "metrics": [{"namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
                           "dimensions": {"DBInstanceIdentifier": f"fleet-{n}"},
                           "points": [[T0 + 60 * j, float(j)] for j in range(30)]} for n in range(50)]}
             for acct in accounts]
    t = time.monotonic()
    st, out = h.control("POST", "/_harness/seed", batch)
    elapsed = time.monotonic() - t
    check(f"seed an array of 4 accounts x 50 instances x 30 points in {elapsed:.2f}s (< 30 s)",
          st == 200 and isinstance(out, list) and [o["account"] for o in out] == accounts
          and all(len(o["instances"]) == 50 and o["datapoints"] == 1500 for o in out) and elapsed < 30, str(out)[:300])
    counts = []
    for acct in accounts:
        creds = assume(h, acct)["Credentials"]
        rds = client_as(h, "rds", creds)
        counts.append(sum(len(p["DBInstances"]) for p in rds.get_paginator("describe_db_instances").paginate()))
    check("each seeded account lists its own 50 instances", counts == [50] * 4, str(counts))


def stop_and_check(h: Harness, how: str) -> None:
    pid = h.proc.pid
    if how == "stdin":
        h.proc.stdin.close()
    elif how == "sigterm":
        h.proc.send_signal(signal.SIGTERM)
    else:
        h.proc.send_signal(signal.SIGINT)
    try:
        code = h.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        h.proc.kill()
        code = None
    check(f"harness exits cleanly on {how}", code == 0, f"exit code {code}")
    check(f"no process left after {how}", h.left_behind() == [] and not os.path.exists(f"/proc/{pid}"),
          str(h.left_behind()))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-logs", action="store_true", help="print the harness logs' location and keep them")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="dbfleet-emulator-selftest-")
    h = None
    try:
        h = Harness(workdir, "main")
        run_check("process contract", lambda: check_process_contract(h))
        run_check("xml shape checker", check_shape_checker)
        run_check("kept answers: generation", check_kept_generation)
        seeded = {}

        def seed():
            seeded.update(check_seed(h))

        run_check("seed", seed)
        if seeded:
            run_check("rds via boto3", lambda: check_rds_boto3(h, seeded))
            run_check("rds xml", lambda: check_rds_xml(h, seeded))
            run_check("rds parameter groups", lambda: check_parameter_groups(h, seeded))
            run_check("rds engines", lambda: check_engines(h))
            run_check("rds statuses", lambda: check_statuses(h))
            run_check("rds answers kept until a change", lambda: check_kept_answers(h, seeded))
            run_check("cloudwatch cbor", lambda: check_cloudwatch(h))
            run_check("kafka", lambda: check_kafka(h, seeded))
            run_check("rds events", lambda: check_rds_events(h))
            run_check("cloudwatch alarms", lambda: check_cloudwatch_alarms(h))
        run_check("sts", lambda: check_sts(h))
        run_check("date header", lambda: check_date_header(h))
        run_check("faults", lambda: check_faults(h))
        run_check("operation log", lambda: check_oplog(h))
        run_check("concurrency", lambda: check_concurrency(h))
        run_check("control api", lambda: check_control(h))
        creds = {}

        def accounts():
            creds.update(check_accounts(h))

        run_check("accounts", accounts)
        if creds:
            run_check("organizations and IAM", lambda: check_organizations(h, creds))
            run_check("cross-account CloudWatch", lambda: check_monitoring(h, creds))
        run_check("reset forgets accounts", lambda: check_accounts_reset(h))
        run_check("seed speed", lambda: check_seed_speed(h))
        run_check("stop on stdin EOF", lambda: stop_and_check(h, "stdin"))
        for how in ("sigterm", "sigint"):
            def other(how=how):
                h2 = Harness(workdir, how)
                st, _ = h2.control("GET", "/_harness/health")
                check(f"second harness ({how}) healthy", st == 200)
                stop_and_check(h2, how)

            run_check(f"stop on {how}", other)
    except Exception as e:  # noqa: BLE001
        check("harness start", False, f"{e}\n{traceback.format_exc()}")
    finally:
        if h is not None and h.proc.poll() is None:
            h.proc.kill()
        if args.keep_logs or FAILED:
            print(f"harness logs in {workdir}")
        else:
            for name in os.listdir(workdir):
                os.remove(os.path.join(workdir, name))
            os.rmdir(workdir)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
