"""CloudWatch over Smithy RPC v2 CBOR.

aws-sdk-cloudwatch (>= 1.100) sends `POST /service/GraniteServiceVersion20100801/operation/<Op>`
with a CBOR body and `smithy-protocol: rpc-v2-cbor`; moto only speaks the query and JSON 1.0
protocols for CloudWatch. This front:

* serves GetMetricData and ListMetrics itself, from the datapoints stored in moto's CloudWatch
  backend (moto's own GetMetricData buckets from an unaligned StartTime, ignores the namespace
  when dimensions are given, compares multi-dimension metrics with a broken sort, costs
  O(periods x all datapoints) per query, and never pages; its ListMetrics is quadratic);
* models cross-account observability there: a monitoring account linked to source accounts
  reads their metrics with MetricDataQuery.AccountId (GetMetricData) and lists them with
  IncludeLinkedAccounts / OwningAccount, answering OwningAccounts (ListMetrics);
* pages and filters DescribeAlarms itself over moto's alarms (moto never pages, ignores
  AlarmTypes, and applies only one of its filters at a time);
* passes every other operation (PutMetricData, PutMetricAlarm, SetAlarmState, ...) to moto as
  AWS JSON 1.0 and translates the answer back to CBOR;
* encodes every answer shape-aware from botocore's CloudWatch model: timestamps as tag 1
  epoch seconds, doubles as CBOR floats, integers as CBOR integers, absent members omitted.
"""

from __future__ import annotations

import base64
import bisect
import binascii
import hashlib
import json
import math
import threading
import time
from datetime import datetime, timezone

import cbor2

import emu_moto
from emu_protocol import CW_SERVICE_SHAPE, Reply, cbor_error, cbor_reply

MAX_DATAPOINTS_PER_CALL = 100_800
LIST_METRICS_PAGE = 500

_MODEL = None


def model():
    global _MODEL
    if _MODEL is None:
        import botocore.session

        _MODEL = botocore.session.get_session().get_service_model("cloudwatch")
    return _MODEL


class CwError(Exception):
    def __init__(self, status: int, shape: str, message: str, query_code: str | None = None):
        super().__init__(message)
        self.status = status
        self.shape = shape
        self.message = message
        self.query_code = query_code or shape

    def reply(self) -> Reply:
        return cbor_error(self.status, self.shape, self.message, self.query_code, self.status < 500)


def validation(message: str) -> CwError:
    return CwError(400, "InvalidParameterValueException", message, "InvalidParameterValue")


# --- shape-aware conversions ------------------------------------------------------------------


def epoch_seconds(v) -> float:
    if isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return v.timestamp()
    if isinstance(v, bool):
        raise ValueError("boolean is not a timestamp")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            s = v.replace("Z", "+00:00")
            d = datetime.fromisoformat(s)
            if d.tzinfo is None:
                d = d.replace(tzinfo=timezone.utc)
            return d.timestamp()
    raise ValueError(f"not a timestamp: {v!r}")


def to_cbor_value(shape, v):
    """Python/JSON value -> value cbor2 encodes as the Smithy type of `shape`."""
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            if name in v and v[name] is not None:
                out[name] = to_cbor_value(member, v[name])
        return out
    if t == "list":
        return [to_cbor_value(shape.member, x) for x in v]
    if t == "map":
        return {str(k): to_cbor_value(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return cbor2.CBORTag(1, float(epoch_seconds(v)))
    if t in ("double", "float"):
        return float(v)
    if t in ("integer", "long", "short", "byte"):
        return int(v)
    if t == "boolean":
        return bool(v)
    if t == "blob":
        return base64.b64decode(v) if isinstance(v, str) else bytes(v)
    return str(v)


def to_json_value(shape, v):
    """Decoded CBOR input -> AWS JSON 1.0 value for moto (unknown members dropped)."""
    t = shape.type_name
    if t == "structure":
        if not isinstance(v, dict):
            raise validation(f"expected a map for {shape.name}")
        return {
            k: to_json_value(shape.members[k], x)
            for k, x in v.items()
            if k in shape.members and x is not None
        }
    if t == "list":
        if not isinstance(v, list):
            raise validation(f"expected a list for {shape.name}")
        return [to_json_value(shape.member, x) for x in v]
    if t == "map":
        return {str(k): to_json_value(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        try:
            return epoch_seconds(v)
        except ValueError as e:
            raise validation(str(e)) from e
    if t == "blob":
        return base64.b64encode(v).decode() if isinstance(v, (bytes, bytearray)) else v
    return v


# --- the metric store, read from moto's CloudWatch backend ------------------------------------


class _Series:
    __slots__ = ("namespace", "name", "dims", "stamps", "data", "dirty")

    def __init__(self, namespace: str, name: str, dims: list[tuple[str, str]]):
        self.namespace = namespace
        self.name = name
        self.dims = dims
        self.stamps: list[float] = []
        self.data: list = []
        self.dirty = False

    def add(self, ts: float, datum) -> None:
        if self.stamps and ts < self.stamps[-1]:
            self.dirty = True
        self.stamps.append(ts)
        self.data.append(datum)

    def sort(self) -> None:
        if self.dirty:
            pairs = sorted(zip(self.stamps, range(len(self.data))), key=lambda p: p[0])
            self.data = [self.data[i] for _, i in pairs]
            self.stamps = [ts for ts, _ in pairs]
            self.dirty = False


class _RegionIndex:
    def __init__(self, source) -> None:
        self.source = source  # moto's metric_data list (append-only)
        self.seen = 0
        self.series: dict[tuple, _Series] = {}  # insertion order = first seen


_INDEX: dict[tuple[str, str], _RegionIndex] = {}  # (account, region) -> index


def _metric_key(namespace: str, name: str, dims) -> tuple:
    return (namespace, name, frozenset(dims))


def region_index(account: str, region: str) -> _RegionIndex:
    """Index the datapoints moto stores for an account and region by metric (incrementally:
    moto only appends)."""
    with emu_moto.LOCK:
        source = emu_moto.cloudwatch_backend(region, account).metric_data
        idx = _INDEX.get((account, region))
        if idx is None or idx.source is not source or idx.seen > len(source):
            idx = _RegionIndex(source)
            _INDEX[(account, region)] = idx
        for md in source[idx.seen:]:
            dims = [(d.name, d.value) for d in md.dimensions]
            key = _metric_key(md.namespace, md.name, dims)
            s = idx.series.get(key)
            if s is None:
                s = idx.series[key] = _Series(md.namespace, md.name, dims)
            s.add(epoch_seconds(md.timestamp), md)
        idx.seen = len(source)
        return idx


def forget_index() -> None:
    _INDEX.clear()
    with _LISTED_LOCK:
        _LISTED.clear()
    with _LINKS_LOCK:
        _LINKS.clear()


# --- cross-account observability: monitoring accounts and the source accounts linked to them ----

_LINKS_LOCK = threading.Lock()
# monitoring account -> {source account: regions the link is in (None: every region)}, link order
_LINKS: dict[str, dict[str, set[str] | None]] = {}


def link(monitoring: str, sources: list[str], regions: list[str] | None = None) -> None:
    """Link source accounts to a monitoring account (OAM sink and links), in `regions` or all."""
    with _LINKS_LOCK:
        links = _LINKS.setdefault(monitoring, {})
        for src in sources:
            if src == monitoring:
                continue
            if regions is None:
                links[src] = None
            elif src not in links or links[src] is not None:
                links[src] = set(links.get(src) or ()) | set(regions)


def linked_accounts(monitoring: str, region: str) -> list[str]:
    """The source accounts whose metrics `monitoring` sees in `region` (link order)."""
    with _LINKS_LOCK:
        return [a for a, regions in (_LINKS.get(monitoring) or {}).items() if regions is None or region in regions]


def monitoring_links() -> dict[str, dict[str, list[str] | None]]:
    with _LINKS_LOCK:
        return {m: {a: sorted(r) if r is not None else None for a, r in links.items()} for m, links in _LINKS.items()}


# --- statistics -------------------------------------------------------------------------------


def _stat(stat: str, data: list) -> float:
    total = 0.0
    count = 0.0
    lo = math.inf
    hi = -math.inf
    values: list[float] | None = []
    for md in data:
        if hasattr(md, "value"):
            v = float(md.value)
            total += v
            count += 1
            lo = min(lo, v)
            hi = max(hi, v)
            if values is not None:
                values.append(v)
        else:  # StatisticValues
            total += float(md.sum)
            count += float(md.sample_count)
            lo = min(lo, float(md.min))
            hi = max(hi, float(md.max))
            values = None
    if stat == "Average":
        return total / count
    if stat == "Sum":
        return total
    if stat == "Minimum":
        return lo
    if stat == "Maximum":
        return hi
    if stat == "SampleCount":
        return count
    if stat.startswith("p"):
        try:
            q = float(stat[1:])
        except ValueError:
            raise validation(f"The statistic {stat} is not supported by the harness") from None
        if not 0 <= q <= 100:
            raise validation(f"Invalid percentile {stat}")
        if values is None:
            return total / count
        values.sort()
        rank = max(1, math.ceil(q / 100.0 * len(values)))
        return values[rank - 1]
    raise validation(f"The statistic {stat} is not supported by the harness")


# --- GetMetricData ----------------------------------------------------------------------------


def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _encode_token(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


def _decode_token(token: str, fingerprint: str) -> dict:
    try:
        obj = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        obj = None
    if not isinstance(obj, dict) or obj.get("h") != fingerprint:
        raise CwError(400, "InvalidNextToken", "The service cannot complete the request: invalid NextToken",
                      "InvalidNextToken")
    return obj


def _datapoints(series: _Series, start: float, end: float, repeat: int | None, now: float):
    """(timestamp, datum) of a sorted series within [start, end). With `repeat` (the
    `metrics_repeat_seconds` setting) the seeded whole minutes repeat, in order, over `repeat`
    seconds before the first and after the last up to `now`: a benchmark's few seeded minutes
    become hours of history without seeding millions of datapoints."""
    lo = bisect.bisect_left(series.stamps, start)
    hi = bisect.bisect_left(series.stamps, end)
    if not repeat or not series.stamps:
        for i in range(lo, hi):
            yield series.stamps[i], series.data[i]
        return
    first, last = series.stamps[0], series.stamps[-1]
    span = int((last - first) // 60) + 1  # seeded minutes: the cycle's length
    at_minute: dict[int, list] = {}  # minute of the cycle -> (seconds into it, datum)
    for ts, md in zip(series.stamps, series.data):
        m = int((ts - first) // 60)
        at_minute.setdefault(m, []).append((ts - first - 60 * m, md))
    m0 = max(math.floor((start - first) / 60), -(repeat // 60))
    m1 = min(math.ceil((end - first) / 60), math.floor((now - first) / 60) + 1)
    for m in range(m0, m1):
        for off, md in at_minute.get(m % span, ()):
            ts = first + 60 * m + off
            if start <= ts < end and (ts <= last or ts <= now):
                yield ts, md


def _compute_query(index_of, q: dict, start: float, end: float, descending: bool,
                   repeat: int | None = None, now: float = 0.0) -> dict:
    """One MetricStat query; `index_of(AccountId or None)` is the metric index it reads (None:
    an account the caller cannot see, whose metrics are all empty)."""
    qid = q.get("Id")
    if not isinstance(qid, str) or not qid:
        raise validation("The parameter MetricDataQueries.member.Id is required.")
    if q.get("Expression") is not None:
        raise validation(f"Query {qid}: metric math and SEARCH expressions are not supported by the harness")
    ms = q.get("MetricStat")
    if not isinstance(ms, dict):
        raise validation(f"The parameter MetricDataQueries.member.MetricStat is required for query {qid}.")
    metric = ms.get("Metric") or {}
    namespace = metric.get("Namespace")
    name = metric.get("MetricName")
    period = ms.get("Period")
    stat = ms.get("Stat")
    if not namespace or not name or not stat:
        raise validation(f"Query {qid}: Metric.Namespace, Metric.MetricName and Stat are required")
    if not isinstance(period, int) or isinstance(period, bool) or period <= 0:
        raise validation(f"Query {qid}: Period must be a positive integer")
    unit = ms.get("Unit")
    account_id = q.get("AccountId")
    if account_id is not None and not isinstance(account_id, str):
        raise validation(f"Query {qid}: AccountId must be a string")
    dims = [(d.get("Name"), d.get("Value")) for d in metric.get("Dimensions") or []]
    idx = index_of(account_id or None)
    series = idx.series.get(_metric_key(namespace, name, dims)) if idx is not None else None
    # CloudWatch rounds StartTime down to the whole minute (for periods of a minute or more).
    base = math.floor(start / 60.0) * 60.0 if period % 60 == 0 else math.floor(start)
    buckets: dict[float, list] = {}
    if series is not None:
        series.sort()
        for ts, md in _datapoints(series, base, end, repeat, now):
            if unit and (md.unit or "None") != unit:
                continue
            b = base + ((ts - base) // period) * period
            buckets.setdefault(b, []).append(md)
    stamps = sorted(buckets, reverse=descending)
    values = [_stat(stat, buckets[b]) for b in stamps]
    return {
        "Id": qid,
        "Label": q.get("Label") or name,
        "Timestamps": stamps,
        "Values": values,
        "ReturnData": q.get("ReturnData", True),
    }


def get_metric_data(account: str, region: str, params: dict, settings: dict) -> dict:
    queries = params.get("MetricDataQueries")
    if not isinstance(queries, list) or not queries:
        raise validation("The parameter MetricDataQueries is required.")
    if len(queries) > 500:
        raise validation("The collection MetricDataQueries must not have a size greater than 500.")
    ids = [q.get("Id") if isinstance(q, dict) else None for q in queries]
    if len(set(ids)) != len(ids):
        raise validation("The values for parameter Id in MetricDataQueries are not unique.")
    try:
        start = epoch_seconds(params["StartTime"])
        end = epoch_seconds(params["EndTime"])
    except KeyError as e:
        raise validation(f"The parameter {e.args[0]} is required.") from None
    except ValueError as e:
        raise validation(str(e)) from None
    if start >= end:
        raise validation("The parameter StartTime must be less than the parameter EndTime.")
    scan_by = params.get("ScanBy") or "TimestampDescending"
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise validation(f"Invalid ScanBy {scan_by}")
    max_points = params.get("MaxDatapoints")
    budget = MAX_DATAPOINTS_PER_CALL
    if isinstance(max_points, int) and not isinstance(max_points, bool) and max_points > 0:
        budget = min(budget, max_points)
    page_size = settings.get("get_metric_data_page_size")
    if settings.get("get_metric_data_max_datapoints"):
        budget = min(budget, int(settings["get_metric_data_max_datapoints"]))

    # A query's AccountId reads that account's metrics if the caller is a monitoring account it is
    # linked to (or is the caller itself); any other account's metric has no datapoints, as a
    # metric that does not exist (StatusCode Complete, no error).
    visible = {account, *linked_accounts(account, region)}
    indexes: dict[str, _RegionIndex] = {}

    def index_of(account_id: str | None) -> _RegionIndex | None:
        target = account_id or account
        if target not in visible:
            return None
        if target not in indexes:
            indexes[target] = region_index(target, region)
        return indexes[target]

    with emu_moto.LOCK:
        repeat, now = settings.get("metrics_repeat_seconds"), time.time()
        computed = [_compute_query(index_of, q, start, end, scan_by == "TimestampDescending", repeat, now)
                    for q in queries]
    results = [r for r in computed if r["ReturnData"] is not False]

    fp = _fingerprint(ids, [q.get("AccountId") if isinstance(q, dict) else None for q in queries],
                      start, end, scan_by, budget, page_size)
    ri, pi = 0, 0
    if params.get("NextToken"):
        tok = _decode_token(params["NextToken"], fp)
        ri, pi = int(tok.get("r", 0)), int(tok.get("p", 0))
        if not (0 <= ri <= len(results)):
            raise CwError(400, "InvalidNextToken", "invalid NextToken", "InvalidNextToken")

    page: list[dict] = []
    used = 0
    while ri < len(results):
        if page_size and len(page) >= page_size:
            break
        r = results[ri]
        left = len(r["Timestamps"]) - pi
        room = budget - used
        if left <= room:
            page.append(_slice(r, pi, None, "Complete"))
            used += left
            ri, pi = ri + 1, 0
            continue
        if room <= 0:
            break
        page.append(_slice(r, pi, pi + room, "PartialData"))
        pi += room
        used += room
        break
    out: dict = {"MetricDataResults": page, "Messages": []}
    if ri < len(results):
        out["NextToken"] = _encode_token({"r": ri, "p": pi, "h": fp})
    return out


def _slice(r: dict, a: int, b: int | None, status: str) -> dict:
    return {
        "Id": r["Id"],
        "Label": r["Label"],
        "Timestamps": r["Timestamps"][a:b],
        "Values": r["Values"][a:b],
        "StatusCode": status,
    }


# --- ListMetrics ------------------------------------------------------------------------------


_LISTED: dict[tuple, tuple[list[dict], list[str]]] = {}  # see list_metrics
_LISTED_LOCK = threading.Lock()


def _matching_metrics(indexes, namespace, name, filters) -> tuple[list[dict], list[str]]:
    """The metrics of these (account, index) pairs that ListMetrics' filters match, and their owners."""
    metrics: list[dict] = []
    owners: list[str] = []
    for acct, idx in indexes:
        with emu_moto.LOCK:
            for s in idx.series.values():
                if namespace and s.namespace != namespace:
                    continue
                if name and s.name != name:
                    continue
                ok = True
                for f in filters:
                    fname, fvalue = f.get("Name"), f.get("Value")
                    if not any(dn == fname and (fvalue is None or dv == fvalue) for dn, dv in s.dims):
                        ok = False
                        break
                if ok:
                    metrics.append({
                        "Namespace": s.namespace,
                        "MetricName": s.name,
                        "Dimensions": [{"Name": n, "Value": v} for n, v in s.dims],
                    })
                    owners.append(acct)
    return metrics, owners


def list_metrics(account: str, region: str, params: dict, settings: dict) -> dict:
    namespace = params.get("Namespace")
    name = params.get("MetricName")
    filters = params.get("Dimensions") or []
    if len(filters) > 10:
        raise validation("The collection Dimensions must not have a size greater than 10.")
    include_linked = params.get("IncludeLinkedAccounts") is True
    owning = params.get("OwningAccount")
    if owning is not None and not isinstance(owning, str):
        raise validation("OwningAccount must be a string")
    # IncludeLinkedAccounts: the caller's metrics, then each linked source account's (a monitoring
    # account; any other account has none linked), each with its owner in OwningAccounts;
    # OwningAccount narrows that to one of them. Without it: the caller's own metrics only
    # (OwningAccount is then ignored) and no OwningAccounts.
    accounts = [account]
    if include_linked:
        accounts += linked_accounts(account, region)
        if owning:
            accounts = [a for a in accounts if a == owning]
    indexes = [(acct, region_index(acct, region)) for acct in accounts]
    # The match of a listing, kept while no account's index grew (moto only appends): each page
    # of a listing over 40 linked accounts would otherwise match every series again.
    memo_key = (region, namespace, name, json.dumps(filters, sort_keys=True, default=str),
                tuple((acct, id(idx), idx.seen) for acct, idx in indexes))
    with _LISTED_LOCK:
        memo = _LISTED.get(memo_key)
    if memo is None:
        memo = _matching_metrics(indexes, namespace, name, filters)
        with _LISTED_LOCK:
            if len(_LISTED) >= 256:
                _LISTED.clear()
            _LISTED[memo_key] = memo
    metrics, owners = memo
    dup = settings.get("duplicate_list_metrics")
    if dup:
        copies = dup if isinstance(dup, int) and not isinstance(dup, bool) and dup > 1 else 2
        metrics = [m for m in metrics for _ in range(copies)]
        owners = [a for a in owners for _ in range(copies)]
    page = settings.get("list_metrics_page_size") or LIST_METRICS_PAGE
    fp = _fingerprint(namespace, name, filters, dup, page, include_linked, owning if include_linked else None)
    offset = 0
    if params.get("NextToken"):
        offset = int(_decode_token(params["NextToken"], fp).get("o", 0))
    out: dict = {"Metrics": metrics[offset: offset + page]}
    if include_linked:
        out["OwningAccounts"] = owners[offset: offset + page]
    if offset + page < len(metrics):
        out["NextToken"] = _encode_token({"o": offset + page, "h": fp})
    return out


# --- DescribeAlarms ---------------------------------------------------------------------------

DESCRIBE_ALARMS_PAGE = 50  # AWS does not document its default page size; 50 is what it is seen to use
ALARM_TYPES = ("MetricAlarm", "CompositeAlarm", "LogAlarm")  # LogAlarm: newer SDKs' enum


def moto_json(account: str, region: str, operation: str, doc: dict) -> dict:
    """One CloudWatch call to moto in AWS JSON 1.0; its answer, or a CwError with moto's code."""
    try:
        r = emu_moto.call(
            "POST", "monitoring", region, "/",
            headers={"Content-Type": "application/x-amz-json-1.0",
                     "X-Amz-Target": f"{CW_SERVICE_SHAPE}.{operation}"},
            body=json.dumps(doc).encode(),
            account=account,
        )
    except emu_moto.NotImplementedByMoto:
        raise CwError(400, "InvalidAction", f"{operation} is not implemented by moto or the harness",
                      "InvalidAction") from None
    try:
        answer = json.loads(r.body) if r.body.strip() else {}
    except ValueError:
        answer = {}
    if r.status >= 400:
        type_id = str(answer.get("__type") or "InternalFailure")
        query = r.headers.get("x-amzn-query-error")
        code = query.split(";")[0] if query else type_id.split("#")[-1]
        raise CwError(r.status, type_id, str(answer.get("message") or answer.get("Message") or ""), code)
    return answer


def _alarm_validation(message: str) -> CwError:
    return CwError(400, "ValidationError", message, "ValidationError")


def _tidy_metric_alarm(a: dict) -> dict:
    """moto's MetricAlarm as AWS sends it: no empty Metrics list on a single-metric alarm, and a
    StateTransitionedTimestamp (moto keeps none; the last state update stands in for it)."""
    a = dict(a)
    if not a.get("Metrics"):
        a.pop("Metrics", None)
    if a.get("StateTransitionedTimestamp") is None and a.get("StateUpdatedTimestamp") is not None:
        a["StateTransitionedTimestamp"] = a["StateUpdatedTimestamp"]
    return a


def describe_alarms(account: str, region: str, params: dict, settings: dict) -> dict:
    types = params.get("AlarmTypes")
    if types is not None:
        if not isinstance(types, list) or any(t not in ALARM_TYPES for t in types):
            raise _alarm_validation(f"1 validation error detected: Value {types!r} at 'alarmTypes' failed to "
                                    f"satisfy constraint: Member must satisfy enum value set: {list(ALARM_TYPES)}")
    want_metric = not types or "MetricAlarm" in types  # omitted: metric alarms only
    want_composite = bool(types) and "CompositeAlarm" in types
    names = params.get("AlarmNames") or []
    prefix = params.get("AlarmNamePrefix")
    if names and prefix:
        raise _alarm_validation("AlarmNames and AlarmNamePrefix cannot be specified together")
    state = params.get("StateValue")
    if state is not None and state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
        raise _alarm_validation(f"1 validation error detected: Value '{state}' at 'stateValue' failed to satisfy "
                                "constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
    action_prefix = params.get("ActionPrefix")
    max_records = params.get("MaxRecords")
    if max_records is not None and (not isinstance(max_records, int) or isinstance(max_records, bool)
                                    or not 1 <= max_records <= 100):
        raise _alarm_validation(f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to "
                                "satisfy constraint: Member must have value between 1 and 100")
    related = params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName")

    answer = moto_json(account, region, "DescribeAlarms", {})  # everything; filtered and paged here

    def keep(a: dict) -> bool:
        if names and a.get("AlarmName") not in names:
            return False
        if prefix and not str(a.get("AlarmName", "")).startswith(prefix):
            return False
        if state and a.get("StateValue") != state:
            return False
        if action_prefix and not any(str(x).startswith(action_prefix) for key in
                                     ("OKActions", "AlarmActions", "InsufficientDataActions")
                                     for x in a.get(key) or []):
            return False
        return True

    items: list[tuple[str, dict]] = []
    if not related:  # children / parents of composite alarms: not modelled, none
        if want_metric:
            items += [("m", _tidy_metric_alarm(a)) for a in answer.get("MetricAlarms") or [] if keep(a)]
        if want_composite:
            items += [("c", a) for a in answer.get("CompositeAlarms") or [] if keep(a)]
    items.sort(key=lambda x: (x[0] != "m", x[1].get("AlarmName", "")))  # by name, as AWS lists them
    size = min(max_records or DESCRIBE_ALARMS_PAGE, settings.get("describe_alarms_page_size") or DESCRIBE_ALARMS_PAGE)
    fp = _fingerprint(sorted(types or []), names, prefix, state, action_prefix, related)
    offset = 0
    if params.get("NextToken"):
        offset = int(_decode_token(params["NextToken"], fp).get("o", 0))
    chunk = items[offset: offset + size]
    out: dict = {"MetricAlarms": [a for k, a in chunk if k == "m"],
                 "CompositeAlarms": [a for k, a in chunk if k == "c"]}
    if offset + size < len(items):
        out["NextToken"] = _encode_token({"o": offset + size, "h": fp})
    return out


# --- dispatch ---------------------------------------------------------------------------------

FRONT_OPERATIONS = {"GetMetricData": get_metric_data, "ListMetrics": list_metrics, "DescribeAlarms": describe_alarms}


def _log_fields(op: str, params: dict) -> dict:
    """What the operation log adds for a served call: a GetMetricData's query count, so a
    bench can tell the calls a poll made from the fewest its queries needed in each region,
    and its StartTime (epoch seconds), so it can tell when a backfill reached its oldest chunk;
    a ListMetrics's namespace and whether it included linked accounts, so a test can tell a
    consumer-group discovery from a monitoring account's link probes."""
    if op == "ListMetrics":
        return {"namespace": params.get("Namespace"), "linked": params.get("IncludeLinkedAccounts") is True}
    if op != "GetMetricData":
        return {}
    return {"queries": len(params["MetricDataQueries"]), "start": epoch_seconds(params["StartTime"])}


def parse_path(path: str) -> str | None:
    """The operation name of an RPC v2 CBOR path, or None if the path is not one."""
    parts = path.split("?")[0].strip("/").split("/")
    if len(parts) == 4 and parts[0] == "service" and parts[2] == "operation":
        return parts[3]
    return None


def handle(account: str, region: str, path: str, headers: dict[str, str], body: bytes, settings: dict) -> Reply:
    try:
        return _handle(account, region, path, headers, body, settings)
    except CwError as e:
        return e.reply()


def _handle(account: str, region: str, path: str, headers: dict[str, str], body: bytes, settings: dict) -> Reply:
    op = parse_path(path)
    parts = path.split("?")[0].strip("/").split("/")
    if op is None or parts[1] != CW_SERVICE_SHAPE:
        raise CwError(404, "UnknownOperationException", f"no such operation: {path}")
    m = model()
    if op not in m.operation_names:
        raise CwError(404, "UnknownOperationException", f"no such operation: {op}")
    ctype = headers.get("content-type", "")
    if body and not ctype.startswith("application/cbor"):
        raise CwError(415, "UnsupportedMediaType", f"expected Content-Type application/cbor, got {ctype!r}")
    try:
        params = cbor2.loads(body) if body else {}
    except Exception as e:  # noqa: BLE001 - any decode failure is the client's fault
        raise CwError(400, "SerializationException", f"request body is not valid CBOR: {e}") from None
    if not isinstance(params, dict):
        raise CwError(400, "SerializationException", "request body must be a CBOR map")
    om = m.operation_model(op)
    for req in om.input_shape.required_members if om.input_shape else []:
        if params.get(req) is None:
            raise CwError(400, "MissingParameter", f"The parameter {req} is required.", "MissingParameter")
    if op in FRONT_OPERATIONS:
        out = FRONT_OPERATIONS[op](account, region, params, settings)
        reply = cbor_reply(to_cbor_value(om.output_shape, out))
        reply.log = _log_fields(op, params)
        return reply
    return _pass_to_moto(account, region, om, params)


def _pass_to_moto(account: str, region: str, om, params: dict) -> Reply:
    doc = to_json_value(om.input_shape, params) if om.input_shape else {}
    try:
        r = emu_moto.call(
            "POST", "monitoring", region, "/",
            headers={"Content-Type": "application/x-amz-json-1.0",
                     "X-Amz-Target": f"{CW_SERVICE_SHAPE}.{om.name}"},
            body=json.dumps(doc).encode(),
            account=account,
        )
    except emu_moto.NotImplementedByMoto:
        raise CwError(400, "InvalidAction", f"{om.name} is not implemented by moto or the harness",
                      "InvalidAction") from None
    try:
        answer = json.loads(r.body) if r.body.strip() else {}
    except ValueError:
        answer = {}
    if r.status >= 400:
        type_id = str(answer.get("__type") or "InternalFailure")
        message = str(answer.get("message") or answer.get("Message") or "")
        query = r.headers.get("x-amzn-query-error")
        code = query.split(";")[0] if query else type_id.split("#")[-1]
        return cbor_error(r.status, type_id, message, code, r.status < 500)
    out = to_cbor_value(om.output_shape, answer) if om.output_shape else {}
    return cbor_reply(out)


# --- AWS JSON 1.0 (what boto3 speaks to CloudWatch; not used by the Rust SDK) ----------------


def _json_error(e: CwError) -> Reply:
    from emu_protocol import new_request_id

    type_id = e.shape if "#" in e.shape else f"com.amazonaws.cloudwatch#{e.shape}"
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "x-amzn-RequestId": new_request_id(),
        "x-amzn-query-error": f"{e.query_code};{'Sender' if e.status < 500 else 'Receiver'}",
    }
    return Reply(e.status, headers, json.dumps({"__type": type_id, "message": e.message}).encode())


def handle_json(account: str, region: str, operation: str, headers: dict[str, str], body: bytes,
                settings: dict) -> Reply:
    """GetMetricData and ListMetrics from the same engine as the CBOR path; the rest to moto."""
    from emu_protocol import new_request_id

    try:
        if operation in FRONT_OPERATIONS:
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError as e:
                raise CwError(400, "SerializationException", f"request body is not JSON: {e}") from None
            out = FRONT_OPERATIONS[operation](account, region, params, settings)
            return Reply(200, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": new_request_id()},
                         json.dumps(out).encode(), log=_log_fields(operation, params))
        try:
            r = emu_moto.call("POST", "monitoring", region, "/", headers=headers, body=body, account=account)
        except emu_moto.NotImplementedByMoto:
            raise CwError(400, "InvalidAction", f"{operation} is not implemented by moto or the harness",
                          "InvalidAction") from None
        out_headers = dict(r.headers)
        out_headers["content-type"] = "application/x-amz-json-1.0"
        return Reply(r.status, out_headers, r.body)
    except CwError as e:
        return _json_error(e)
