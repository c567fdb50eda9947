"""RDS (awsQuery): pass through to moto, patch what moto gets wrong, and serve what it lacks.

Served from data the test loads (moto answers "not implemented"):
  DescribePendingMaintenanceActions, DescribeDBEngineVersions, DescribeDBMajorEngineVersions.
Served from the scenario's events (moto's DescribeEvents knows only the events moto itself
records, with none of AWS's time window, category filter or paging):
  DescribeEvents.
Served from moto's parameter groups and the engine defaults of emu_engines (moto lists only the
values set, without Source, ApplyType, ..., and knows no default cluster parameter group):
  DescribeDBParameters, DescribeDBClusterParameters.
Patched in moto's answers (see README, "moto gaps"):
  DescribeDBInstances  - SecondaryAvailabilityZone for Multi-AZ instances, PendingModifiedValues
                         always present, optional scenario overrides (status, lifecycle,
                         ParameterApplyStatus, InstanceCreateTime, ...).
  DescribeDBClusters   - MultiAZ true when the cluster has readers or is a Multi-AZ DB cluster;
                         scenario overrides.
  DescribeGlobalClusters - the primary is the writer and lists the secondaries as Readers.
  DescribeBlueGreenDeployments - scenario overrides (status, status details, creation time).

Events published: a successful StopDBInstance, StartDBInstance, RebootDBInstance,
CreateDBInstance, DeleteDBInstance or FailoverDBCluster adds the event RDS sends for it.

Everything is per account: moto's backends are (moto is told the account of each request), and
so is the front's own data (`data(account)`: pending actions, engine versions, events, overlays).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import parse_qs

import emu_engines
import emu_moto
from emu_protocol import RDS_NS, Reply, new_request_id, rds_error

ET.register_namespace("", RDS_NS)
NS = "{" + RDS_NS + "}"

_MODEL = None


def model():
    global _MODEL
    if _MODEL is None:
        import botocore.session

        _MODEL = botocore.session.get_session().get_service_model("rds")
    return _MODEL


class RdsError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> RdsError:
    return RdsError(400, "InvalidParameterValue", message)


# --- data loaded by the seeder ----------------------------------------------------------------


class RdsData:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.pending_actions: list[dict] = []  # {region, arn, Action, ...}
        self.engine_versions: list[dict] = []  # {region, DBEngineVersion dict}
        self.major_versions: list[dict] = []  # {region|None, DBMajorEngineVersion dict}
        self.instance_overlay: dict[tuple[str, str], dict] = {}
        self.parameter_apply_status: dict[tuple[str, str], str] = {}  # (region, id) -> status
        self.cluster_overlay: dict[tuple[str, str], dict] = {}
        self.blue_green_overlay: dict[tuple[str, str], dict] = {}  # (region, name) -> fields
        self.global_primary: dict[str, str] = {}  # global cluster id -> primary cluster ARN
        self.events: list[dict] = []  # {region, epoch, seq, Event dict}, seeding order


class AccountData:
    """The front's RDS data, one RdsData per account (what a seed made in that account)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_account: dict[str, RdsData] = {}

    def __call__(self, account: str) -> RdsData:
        with self._lock:
            d = self._by_account.get(account)
            if d is None:
                d = self._by_account[account] = RdsData()
            return d

    def reset(self) -> None:
        with self._lock:
            self._by_account.clear()


data = AccountData()  # data(account) -> that account's RdsData


# --- awsQuery XML from botocore's model -------------------------------------------------------


def parse_time(v) -> datetime:
    """An ISO 8601 / RFC 3339 timestamp (any offset, "Z", with or without seconds or fractions;
    naive is UTC), or epoch seconds, as an aware UTC datetime. Raises ValueError."""
    if isinstance(v, datetime):
        d = v
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        d = datetime.fromtimestamp(v, timezone.utc)
    elif isinstance(v, str):
        # fromisoformat before Python 3.11 takes neither "Z" nor other than 3 or 6 fractional digits
        s = v.strip().replace("Z", "+00:00").replace("z", "+00:00")
        s = re.sub(r"\.(\d+)", lambda m: "." + (m.group(1) + "000000")[:6], s)
        d = datetime.fromisoformat(s)
    else:
        raise ValueError(f"not a timestamp: {v!r}")
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.astimezone(timezone.utc)


def iso(v) -> str:
    v = parse_time(v)
    ms = v.microsecond // 1000
    return v.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ms:03d}Z" if ms else "Z")


class Verbatim(str):
    """A timestamp already spelled as it goes on the wire (add_value leaves it alone)."""


def iso_ms(epoch: float) -> Verbatim:
    """2026-11-20T03:12:04.000Z: always with milliseconds, as RDS spells event dates."""
    ms = int(round(epoch * 1000))
    d = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return Verbatim(d.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z")


def add_value(parent: ET.Element, name: str, shape, v) -> ET.Element:
    el = ET.SubElement(parent, NS + name)
    t = shape.type_name
    if t == "structure":
        for mname, mshape in shape.members.items():
            if isinstance(v, dict) and v.get(mname) is not None:
                add_value(el, mshape.serialization.get("name", mname), mshape, v[mname])
    elif t == "list":
        item = shape.member.serialization.get("name", "member")
        for x in v:
            add_value(el, item, shape.member, x)
    elif t == "timestamp":
        el.text = v if isinstance(v, Verbatim) else iso(v)
    elif t == "boolean":
        el.text = "true" if v else "false"
    else:
        el.text = str(v)
    return el


def serialize(operation: str, result: dict) -> Reply:
    om = model().operation_model(operation)
    root = ET.Element(NS + f"{operation}Response")
    res = ET.SubElement(root, NS + f"{operation}Result")
    for mname, mshape in om.output_shape.members.items():
        if result.get(mname) is not None:
            add_value(res, mshape.serialization.get("name", mname), mshape, result[mname])
    rid = new_request_id()
    meta = ET.SubElement(root, NS + "ResponseMetadata")
    ET.SubElement(meta, NS + "RequestId").text = rid
    body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return Reply(200, {"Content-Type": "text/xml", "x-amzn-RequestId": rid}, body)


# --- request parameters -----------------------------------------------------------------------


def parse_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    params: dict[str, str] = {}
    for source in (query, body.decode("utf-8", "replace") if body else ""):
        if source:
            for k, vs in parse_qs(source, keep_blank_values=True).items():
                params[k] = vs[-1]
    return params


_FILTER_NAME = re.compile(r"^Filters\.(?:Filter|member)\.(\d+)\.Name$")
_FILTER_VALUE = re.compile(r"^Filters\.(?:Filter|member)\.(\d+)\.Values\.(?:Value|member)\.(\d+)$")


def filters(params: dict[str, str]) -> dict[str, list[str]]:
    names: dict[int, str] = {}
    values: dict[int, list[tuple[int, str]]] = {}
    for k, v in params.items():
        m = _FILTER_NAME.match(k)
        if m:
            names[int(m.group(1))] = v
            continue
        m = _FILTER_VALUE.match(k)
        if m:
            values.setdefault(int(m.group(1)), []).append((int(m.group(2)), v))
    out: dict[str, list[str]] = {}
    for i, name in names.items():
        out.setdefault(name, []).extend(v for _, v in sorted(values.get(i, [])))
    return out


def page(items: list, params: dict[str, str]) -> tuple[list, str | None]:
    raw = params.get("MaxRecords")
    max_records = 100
    if raw not in (None, ""):
        try:
            max_records = int(raw)
        except ValueError:
            raise invalid(f"Invalid value {raw!r} for MaxRecords") from None
        if not 20 <= max_records <= 100:
            raise invalid(f"Invalid value {max_records} for MaxRecords. Must be between 20 and 100")
    offset = 0
    marker = params.get("Marker")
    if marker:
        try:
            offset = int(base64.urlsafe_b64decode(marker.encode()).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error):
            raise invalid("The marker is not valid") from None
    chunk = items[offset: offset + max_records]
    nxt = None
    if offset + max_records < len(items):
        nxt = base64.urlsafe_b64encode(f"offset:{offset + max_records}".encode()).decode()
    return chunk, nxt


def _arn_parts(arn: str) -> tuple[str, str, str] | None:
    """(region, kind, id) of an RDS ARN such as arn:aws:rds:us-east-1:123:db:name."""
    p = arn.split(":")
    if len(p) >= 7 and p[0] == "arn" and p[2] == "rds":
        return p[3], p[5], ":".join(p[6:])
    return None


# --- operations served by the harness ---------------------------------------------------------


def describe_pending_maintenance_actions(account: str, region: str, params: dict[str, str]) -> Reply:
    fl = filters(params)
    unknown = set(fl) - {"db-instance-id", "db-cluster-id"}
    if unknown:
        raise invalid(f"Unrecognized filter name(s): {sorted(unknown)}")
    wanted = params.get("ResourceIdentifier")
    grouped: dict[str, list[dict]] = {}
    d = data(account)
    with d.lock:
        actions = list(d.pending_actions)
    for a in actions:
        if a["region"] != region:
            continue
        arn = a["arn"]
        if wanted and arn != wanted:
            continue
        parts = _arn_parts(arn)
        kind, rid = (parts[1], parts[2]) if parts else ("", arn)
        if "db-instance-id" in fl and not (kind == "db" and (rid in fl["db-instance-id"] or arn in fl["db-instance-id"])):
            continue
        if "db-cluster-id" in fl and not (kind == "cluster" and (rid in fl["db-cluster-id"] or arn in fl["db-cluster-id"])):
            continue
        grouped.setdefault(arn, []).append(a["detail"])
    items = [{"ResourceIdentifier": arn, "PendingMaintenanceActionDetails": d} for arn, d in grouped.items()]
    chunk, nxt = page(items, params)
    return serialize("DescribePendingMaintenanceActions", {"PendingMaintenanceActions": chunk, "Marker": nxt})


def describe_db_engine_versions(account: str, region: str, params: dict[str, str]) -> Reply:
    fl = filters(params)
    engine = params.get("Engine")
    version = params.get("EngineVersion")
    family = params.get("DBParameterGroupFamily")
    d = data(account)
    with d.lock:
        versions = [v["version"] for v in d.engine_versions if v["region"] == region]
    out = []
    for v in versions:
        if engine and v["Engine"] != engine:
            continue
        if version and v["EngineVersion"] != version:
            continue
        if family and v.get("DBParameterGroupFamily") != family:
            continue
        if "engine" in fl and v["Engine"] not in fl["engine"]:
            continue
        if "engine-version" in fl and v["EngineVersion"] not in fl["engine-version"]:
            continue
        if "status" in fl and v.get("Status", "available") not in fl["status"]:
            continue
        out.append(v)
    chunk, nxt = page(out, params)
    return serialize("DescribeDBEngineVersions", {"DBEngineVersions": chunk, "Marker": nxt})


def describe_db_major_engine_versions(account: str, region: str, params: dict[str, str]) -> Reply:
    engine = params.get("Engine")
    major = params.get("MajorEngineVersion")
    d = data(account)
    with d.lock:
        versions = [v["version"] for v in d.major_versions if v["region"] in (None, region)]
    out = [
        v for v in versions
        if (not engine or v["Engine"] == engine) and (not major or v["MajorEngineVersion"] == major)
    ]
    chunk, nxt = page(out, params)
    return serialize("DescribeDBMajorEngineVersions", {"DBMajorEngineVersions": chunk, "Marker": nxt})


# --- DescribeEvents -------------------------------------------------------------------------

EVENT_RETENTION_SECONDS = 14 * 86400  # RDS keeps events for 14 days
EVENT_DEFAULT_DURATION_MINUTES = 60
# SourceType -> the resource type in the source's ARN (arn:aws:rds:REGION:ACCOUNT:TYPE:ID)
EVENT_ARN_KIND = {
    "db-instance": "db",
    "db-cluster": "cluster",
    "blue-green-deployment": "deployment",
    "db-snapshot": "snapshot",
    "db-cluster-snapshot": "cluster-snapshot",
    "db-parameter-group": "pg",
    "db-security-group": "secgrp",
    "db-proxy": "db-proxy",
    "custom-engine-version": "cev",
    "db-shard-group": "shard-group",
    "zero-etl": "integration",
}


def event_source_types() -> list[str]:
    """SourceType values of botocore's RDS model (db-instance, db-cluster, ...)."""
    return list(model().shape_for("SourceType").enum)


def event_source_arn(account: str, region: str, source_type: str, source_id: str) -> str:
    kind = EVENT_ARN_KIND.get(source_type, source_type)
    return f"arn:aws:rds:{region}:{account}:{kind}:{source_id}"


def add_event(account: str, region: str, at, source_id: str, source_type: str, message: str,
              categories: list[str], source_arn: str | None = None) -> dict:
    """Record one event (the seeder's entry point). `at` is anything parse_time takes."""
    epoch = round(parse_time(at).timestamp(), 3)
    event = {
        "SourceIdentifier": source_id,
        "SourceType": source_type,
        "Message": message,
        "EventCategories": list(categories),
        "Date": iso_ms(epoch),
        "SourceArn": source_arn or event_source_arn(account, region, source_type, source_id),
    }
    d = data(account)
    with d.lock:
        d.events.append({"region": region, "epoch": epoch, "seq": len(d.events), "event": event})
    return event


def _int_param(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise invalid(f"Invalid value {raw!r} for {name}: not an integer") from None


def _time_param(params: dict[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return parse_time(raw).timestamp()
    except ValueError:
        raise invalid(f"Invalid value {raw!r} for {name}: not an ISO 8601 timestamp") from None


def _list_param(params: dict[str, str], name: str, item: str) -> list[str]:
    """EventCategories.EventCategory.1, .2, ... (also .member.N) in index order."""
    pat = re.compile(rf"^{re.escape(name)}\.(?:{re.escape(item)}|member)\.(\d+)$")
    found = sorted((int(m.group(1)), v) for k, v in params.items() if (m := pat.match(k)))
    return [v for _, v in found]


def _events_marker(offset: int, start: float, end: float) -> str:
    doc = {"o": offset, "s": start, "e": end}
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def _events_window(params: dict[str, str], now: float) -> tuple[float, float]:
    """The [start, end] of a first page: StartTime, else EndTime (or now) minus Duration
    (default 60 minutes); never before 14 days ago, never after now."""
    start = _time_param(params, "StartTime")
    end = _time_param(params, "EndTime")
    duration = _int_param(params, "Duration")
    if duration is not None and duration < 0:
        raise invalid(f"Invalid value {duration} for Duration: must not be negative")
    end = now if end is None else min(end, now)
    if start is None:
        start = end - 60.0 * (EVENT_DEFAULT_DURATION_MINUTES if duration is None else duration)
    return max(start, now - EVENT_RETENTION_SECONDS), end


def describe_events(account: str, region: str, params: dict[str, str], settings: dict | None = None) -> Reply:
    settings = settings or {}
    source_type = params.get("SourceType") or None
    source_id = params.get("SourceIdentifier") or None
    if source_type is not None and source_type not in event_source_types():
        raise invalid(f"Invalid value {source_type!r} for SourceType. Must be one of: "
                      f"{', '.join(event_source_types())}")
    if source_id is not None and source_type is None:
        raise RdsError(400, "InvalidParameterCombination",
                       "Cannot specify source identifier without source type")
    categories = set(_list_param(params, "EventCategories", "EventCategory"))
    max_records = _int_param(params, "MaxRecords")
    if max_records is None:
        max_records = 100
    elif not 20 <= max_records <= 100:
        raise invalid(f"Invalid value {max_records} for MaxRecords. Must be between 20 and 100")
    now = time.time()
    offset = 0
    marker = params.get("Marker")
    if marker:
        # The marker carries the window of the first page, so that paging through an hour of
        # events is not shifted by the clock moving on between pages.
        try:
            doc = json.loads(base64.urlsafe_b64decode(marker.encode()))
            offset, start, end = int(doc["o"]), float(doc["s"]), float(doc["e"])
        except (ValueError, TypeError, KeyError, binascii.Error):
            raise invalid("The marker is not valid") from None
        start = max(start, now - EVENT_RETENTION_SECONDS)
    else:
        start, end = _events_window(params, now)
    d = data(account)
    with d.lock:
        stored = [e for e in d.events if e["region"] == region]
    selected = []
    for e in sorted(stored, key=lambda e: (e["epoch"], e["seq"])):  # oldest first
        ev = e["event"]
        if not start <= e["epoch"] <= end:
            continue
        if source_type and ev["SourceType"] != source_type:
            continue
        if source_id and source_id not in (ev["SourceIdentifier"], ev["SourceArn"]):
            continue
        if categories and not categories.intersection(ev["EventCategories"]):
            continue
        selected.append(ev)
    # describe_events_repeat: every page after the first starts again with the last event of
    # the previous page (RDS events are best effort: they may repeat).
    first = offset - 1 if settings.get("describe_events_repeat") and offset > 0 else offset
    chunk = selected[first: first + max_records]
    nxt = _events_marker(first + max_records, start, end) if first + max_records < len(selected) else None
    if settings.get("describe_events_shuffle"):
        chunk = chunk[::-1]  # deterministic disorder within the page (events may arrive out of order)
    return serialize("DescribeEvents", {"Events": chunk, "Marker": nxt})


PARAMETER_SOURCES = ("user", "system", "engine-default")


def _group_parameters(account: str, region: str, name: str, kind: str) -> list[dict]:
    """Every Parameter of a DB (kind "db") or DB cluster ("cluster") parameter group: the
    engine defaults of its family, with the values set in moto's group (Source user) in their
    place, sorted by name as AWS lists them. A default group (default.<family>) exists for
    every family emu_engines knows, whether moto has made it or not."""
    what = "DBParameterGroup" if kind == "db" else "DBClusterParameterGroup"
    with emu_moto.LOCK:
        try:
            backend = emu_moto.rds_backend(region, account)
        except KeyError:  # a region moto does not know has no groups of its own
            backend = None
        groups = {} if backend is None else (
            backend.db_parameter_groups if kind == "db" else backend.db_cluster_parameter_groups)
        group = groups.get(name.lower())
        if group is not None:
            family = group.family if kind == "db" else group.db_parameter_group_family
            stored = [{**v, "ParameterName": k} for k, v in group.parameters.items()]
    if group is None:
        family = name.lower()[len("default."):] if name.lower().startswith("default.") else ""
        stored = []
    defaults = emu_engines.engine_defaults(family, kind)
    if defaults is None:
        if group is None:
            raise RdsError(404, "DBParameterGroupNotFound", f"{what} not found: {name}")
        defaults = []  # a custom group of a family the catalogue does not know: its own values only
    by_name = {p["ParameterName"]: p for p in defaults}
    for p in stored:
        by_name[p["ParameterName"]] = emu_engines.user_parameter(p, defaults)
    return [by_name[k] for k in sorted(by_name)]


def _describe_parameters(operation: str, name_param: str, kind: str, account: str, region: str,
                         params: dict[str, str]) -> Reply:
    name = params.get(name_param)
    if not name:
        raise RdsError(400, "MissingParameter", f"The request must contain the parameter {name_param}")
    source = params.get("Source")
    if source and source not in PARAMETER_SOURCES:
        raise invalid(f"Invalid value {source!r} for Source. Must be one of: {', '.join(PARAMETER_SOURCES)}")
    items = [p for p in _group_parameters(account, region, name, kind) if not source or p["Source"] == source]
    chunk, nxt = page(items, params)
    return serialize(operation, {"Parameters": chunk, "Marker": nxt})


def describe_db_parameters(account: str, region: str, params: dict[str, str]) -> Reply:
    return _describe_parameters("DescribeDBParameters", "DBParameterGroupName", "db", account, region, params)


def describe_db_cluster_parameters(account: str, region: str, params: dict[str, str]) -> Reply:
    return _describe_parameters("DescribeDBClusterParameters", "DBClusterParameterGroupName", "cluster",
                                account, region, params)


SERVED = {
    "DescribePendingMaintenanceActions": describe_pending_maintenance_actions,
    "DescribeDBEngineVersions": describe_db_engine_versions,
    "DescribeDBMajorEngineVersions": describe_db_major_engine_versions,
    "DescribeDBParameters": describe_db_parameters,
    "DescribeDBClusterParameters": describe_db_cluster_parameters,
}


# --- patches on moto's answers ----------------------------------------------------------------


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return el.find(NS + name)


def _text(el: ET.Element, name: str) -> str | None:
    c = _child(el, name)
    return c.text if c is not None else None


def _set_simple(el: ET.Element, name: str, text: str) -> None:
    c = _child(el, name)
    if c is None:
        c = ET.SubElement(el, NS + name)
    c.text = text


def _apply_overlay(el: ET.Element, shape, overlay: dict) -> None:
    for field, value in overlay.items():
        mshape = shape.members.get(field)
        if mshape is None:
            continue
        old = _child(el, field)
        if old is not None:
            el.remove(old)
        if value is not None:
            add_value(el, mshape.serialization.get("name", field), mshape, value)


def _other_az(az: str, region: str) -> str:
    for letter in "abcdef":
        cand = f"{region}{letter}"
        if cand != az:
            return cand
    return az


def patch_instances(account: str, region: str, root: ET.Element) -> None:
    d = data(account)
    shape = model().shape_for("DBInstance")
    for inst in root.iter(NS + "DBInstance"):
        ident = _text(inst, "DBInstanceIdentifier") or ""
        multi = _text(inst, "MultiAZ") == "true"
        if multi and _text(inst, "DBClusterIdentifier") is None and _child(inst, "SecondaryAvailabilityZone") is None:
            az = _text(inst, "AvailabilityZone") or f"{region}a"
            _set_simple(inst, "SecondaryAvailabilityZone", _other_az(az, region))
        overlay = d.instance_overlay.get((region, ident), {})
        if _child(inst, "PendingModifiedValues") is None and "PendingModifiedValues" not in overlay:
            ET.SubElement(inst, NS + "PendingModifiedValues")
        _apply_overlay(inst, shape, overlay)
        apply_status = d.parameter_apply_status.get((region, ident))
        if apply_status:  # moto reports every group in-sync
            for status in inst.iter(NS + "ParameterApplyStatus"):
                status.text = apply_status


def patch_clusters(account: str, region: str, root: ET.Element) -> None:
    d = data(account)
    shape = model().shape_for("DBCluster")
    for cl in root.iter(NS + "DBCluster"):
        ident = _text(cl, "DBClusterIdentifier") or ""
        members = _child(cl, "DBClusterMembers")
        n = len(members.findall(NS + "DBClusterMember")) if members is not None else 0
        multi_az_cluster = _text(cl, "Engine") in emu_engines.MULTI_AZ_CLUSTER_ENGINES
        if (n > 1 or multi_az_cluster) and _text(cl, "MultiAZ") != "true":
            _set_simple(cl, "MultiAZ", "true")
        _apply_overlay(cl, shape, d.cluster_overlay.get((region, ident), {}))


def patch_global_clusters(account: str, region: str, root: ET.Element) -> None:
    d = data(account)
    # The list member element of GlobalClusters is <GlobalClusterMember> on the wire.
    clusters = [gc for lst in root.iter(NS + "GlobalClusters") for gc in lst]
    for gc in clusters:
        gid = _text(gc, "GlobalClusterIdentifier") or ""
        members_el = _child(gc, "GlobalClusterMembers")
        if members_el is None:
            continue
        members = members_el.findall(NS + "GlobalClusterMember")
        arns = [_text(m, "DBClusterArn") or "" for m in members]
        if not arns:
            continue
        writer = d.global_primary.get(gid)
        if writer not in arns:
            writer = arns[0]
        for m, arn in zip(members, arns):
            is_writer = arn == writer
            _set_simple(m, "IsWriter", "true" if is_writer else "false")
            readers = _child(m, "Readers")
            if readers is not None:
                m.remove(readers)
            readers = ET.SubElement(m, NS + "Readers")
            if is_writer:
                for other in arns:
                    if other != writer:
                        ET.SubElement(readers, NS + "member").text = other
            if _child(m, "SynchronizationStatus") is None and not is_writer:
                _set_simple(m, "SynchronizationStatus", "connected")


def patch_blue_green(account: str, region: str, root: ET.Element) -> None:
    d = data(account)
    shape = model().shape_for("BlueGreenDeployment")
    deployments = [bg for lst in root.iter(NS + "BlueGreenDeployments") for bg in lst]
    for bg in deployments:
        name = _text(bg, "BlueGreenDeploymentName") or ""
        _apply_overlay(bg, shape, d.blue_green_overlay.get((region, name), {}))


# What RDS publishes when these calls succeed (the RDS event list in the user guide), so a
# change made through the API is followed by its event as in AWS: the source type, the
# parameter naming the source, the message and the categories.
PUBLISHES = {
    "StopDBInstance": ("db-instance", "DBInstanceIdentifier", "DB instance stopped", ["notification"]),
    "StartDBInstance": ("db-instance", "DBInstanceIdentifier", "DB instance started", ["notification"]),
    "RebootDBInstance": ("db-instance", "DBInstanceIdentifier", "DB instance restarted", ["availability"]),
    "CreateDBInstance": ("db-instance", "DBInstanceIdentifier", "DB instance created", ["creation"]),
    "DeleteDBInstance": ("db-instance", "DBInstanceIdentifier", "The DB instance has been deleted",
                         ["deletion"]),
    "FailoverDBCluster": ("db-cluster", "DBClusterIdentifier", "A failover for the DB cluster has finished.",
                          ["failover"]),
}


def publish(account: str, region: str, action: str, params: dict[str, str]) -> None:
    """The event of a successful mutating call (see PUBLISHES), dated now."""
    source_type, param, message, categories = PUBLISHES[action]
    source_id = params.get(param)
    if source_id:
        add_event(account, region, time.time(), source_id.lower(), source_type, message, categories)


PATCHES = {
    "DescribeDBInstances": patch_instances,
    "DescribeDBClusters": patch_clusters,
    "DescribeGlobalClusters": patch_global_clusters,
    "DescribeBlueGreenDeployments": patch_blue_green,
}


# --- answers kept until something changes --------------------------------------------------------

# moto renders a DescribeDBInstances page of 100 instances in about 50 ms of pure Python (its
# generic serializer, then the patches above), and everything the harness serves runs on one
# core: at 20,000 instances the emulator's rendering, not the client, set the dashboard's time
# to a first screen. moto's answer to a read is a function of its state and the request, so a
# read is answered again from here until anything could have changed that state: a mutating RDS
# call, or any control call but a GET (seeding, overlays, reset). The one field of moto's that
# moves on its own, LatestRestorableTime (moto's clock at the call), is then as of the first read.
_READ_ACTIONS = ("Describe", "List")
_KEPT: dict[tuple, tuple[Reply, str]] = {}  # (account, region, params) -> (reply, its request id)
_KEPT_BYTES = 0
# Moves at every forget: a read that began before a change must not keep what it saw after it.
_KEPT_GENERATION = 0
_KEPT_LIMIT = 256 * 1024 * 1024  # past this everything kept is dropped and kept afresh
_KEPT_LOCK = threading.Lock()
_REQUEST_ID = re.compile(rb"<RequestId>([^<]*)</RequestId>")


def forget_answers() -> None:
    """Drop every kept answer: RDS state may have changed."""
    global _KEPT_BYTES, _KEPT_GENERATION
    with _KEPT_LOCK:
        _KEPT.clear()
        _KEPT_BYTES = 0
        _KEPT_GENERATION += 1


def _generation() -> int:
    with _KEPT_LOCK:
        return _KEPT_GENERATION


def _kept(key: tuple) -> Reply | None:
    """A kept answer with a request id of its own, as each AWS answer has."""
    with _KEPT_LOCK:
        hit = _KEPT.get(key)
    if hit is None:
        return None
    reply, old = hit
    new = new_request_id()
    headers = {k: (new if v == old else v) for k, v in reply.headers.items()}
    body = reply.body.replace(old.encode(), new.encode()) if old else reply.body
    return Reply(reply.status, headers, body)


def _keep(key: tuple, reply: Reply, generation: int) -> None:
    """Keep a read's answer unless something changed while moto rendered it."""
    global _KEPT_BYTES
    m = _REQUEST_ID.search(reply.body)
    with _KEPT_LOCK:
        if generation != _KEPT_GENERATION:
            return
        if _KEPT_BYTES + len(reply.body) > _KEPT_LIMIT:
            _KEPT.clear()
            _KEPT_BYTES = 0
        _KEPT[key] = (Reply(reply.status, dict(reply.headers), reply.body), m.group(1).decode() if m else "")
        _KEPT_BYTES += len(reply.body)


# --- dispatch ---------------------------------------------------------------------------------


def handle(account: str, region: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
           log, settings: dict | None = None, access_key: str | None = None) -> Reply:
    params = parse_params(query, headers, body)
    action = params.get("Action", "")
    try:
        if action == "DescribeEvents":
            return describe_events(account, region, params, settings)
        if action in SERVED:
            return SERVED[action](account, region, params)
        read = action.startswith(_READ_ACTIONS)
        key = (account, region, tuple(sorted(params.items())))
        generation = _generation()
        if read:
            kept = _kept(key)
            if kept is not None:
                return kept
        else:
            forget_answers()
        try:
            r = emu_moto.call(method, "rds", region, path, query, headers, body, account=account,
                              access_key=access_key)
        except emu_moto.NotImplementedByMoto:
            raise RdsError(400, "InvalidAction",
                           f"The action {action} is not implemented by moto or the harness") from None
        except Exception as e:  # noqa: BLE001 - moto crashed: answer like a service fault
            log(f"moto raised on RDS {action}: {traceback.format_exc()}")
            raise RdsError(500, "InternalFailure", f"moto raised {type(e).__name__}: {e}") from None
        reply = Reply(r.status, dict(r.headers), r.body)
        reply.headers["content-type"] = "text/xml"
        if r.status == 200 and action in PUBLISHES:
            publish(account, region, action, params)
        if r.status == 200 and action in PATCHES:
            root = ET.fromstring(r.body)
            PATCHES[action](account, region, root)
            reply.body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
        if read and r.status == 200:
            _keep(key, reply, generation)
        elif not read:
            forget_answers()  # again: a read may have been kept while this call ran
        return reply
    except RdsError as e:
        return rds_error(e.status, e.code, e.message, e.status < 500)
