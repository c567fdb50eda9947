#!/usr/bin/env python3
"""AWS emulator for dbfleet's integration tests: moto behind a protocol-fixing front.

    python3 tests/emulator/harness.py --port 0 --ready-file PATH [--log-file PATH]

Binds 127.0.0.1 only. When ready, writes the port (digits and a newline) to the ready file
atomically. Stops on SIGTERM, SIGINT, POST /_harness/shutdown, or end of file on stdin.
See README.md beside this file for the control API and the scenario format.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep the work tree free of __pycache__

import argparse  # noqa: E402
import email.utils  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# moto counts an instance's automated snapshot against a 1,000-snapshot quota per region:
# a 5,000-instance scale run needs more.
os.environ.setdefault("MOTO_RDS_SNAPSHOT_LIMIT", "1000000")

import emu_moto  # noqa: E402
import emu_cloudwatch  # noqa: E402
import emu_faults  # noqa: E402
import emu_iam  # noqa: E402
import emu_kafka  # noqa: E402
import emu_org  # noqa: E402
import emu_rds  # noqa: E402
import emu_seed  # noqa: E402
from emu_protocol import (  # noqa: E402
    SERVICE_ALIASES,
    Reply,
    fault_error,
    internal_error,
    json_reply,
    malformed,
)

DEFAULT_REGION = "us-east-1"
_SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")

DEFAULT_SETTINGS = {
    "get_metric_data_page_size": None,  # force NextToken every N MetricDataResults
    "get_metric_data_max_datapoints": None,  # datapoints per page: splits series (PartialData)
    "duplicate_list_metrics": False,  # true, or N copies of each ListMetrics entry
    "list_metrics_page_size": None,  # ListMetrics page size (default 500, as AWS)
    "clock_skew_seconds": 0,  # shifts the Date header of AWS answers (client clock-skew detection)
    "describe_events_repeat": False,  # RDS DescribeEvents: each later page repeats the previous page's last event
    "describe_events_shuffle": False,  # RDS DescribeEvents: events within a page in scrambled (reversed) order
    "describe_alarms_page_size": None,  # CloudWatch DescribeAlarms: at most N alarms a page (NextToken)
    "list_accounts_page_size": None,  # Organizations ListAccounts: at most N accounts a page (NextToken)
    "metrics_repeat_seconds": None,  # each series' seeded minutes repeat over N s before them and up to now
}


@dataclass
class Request:
    """What the front knows of an AWS request before serving it."""
    service: str  # the SigV4 signing name (rds, monitoring, kafka, sts, iam, organizations, ...)
    region: str
    operation: str
    account: str  # the account it addresses: that of the credentials it is signed with
    access_key: str | None
    role_arn: str | None = None  # STS AssumeRole: the role asked for

    def fault_accounts(self) -> tuple[str, ...]:
        """The accounts a fault's `account` may name to match this request: the caller's, and
        for AssumeRole the account of the role being assumed."""
        parts = (self.role_arn or "").split(":")
        if len(parts) >= 6 and parts[0] == "arn" and emu_moto.valid_account(parts[4]):
            return (self.account, parts[4])
        return (self.account,)


class Harness:
    def __init__(self, log_path: str | None) -> None:
        self.faults = emu_faults.FaultRegistry()
        self.settings = dict(DEFAULT_SETTINGS)
        self.settings_lock = threading.Lock()
        self.oplog: list[dict] = []
        self.oplog_lock = threading.Lock()
        self.stop = threading.Event()
        self._log_lock = threading.Lock()
        self._log_file = open(log_path, "a", buffering=1, encoding="utf-8") if log_path else None

    # --- diagnostics ---
    def log(self, msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}\n"
        with self._log_lock:
            if self._log_file:
                self._log_file.write(line)
            else:
                sys.stderr.write(line)
                sys.stderr.flush()

    def close_log(self) -> None:
        with self._log_lock:
            if self._log_file:
                self._log_file.flush()
                self._log_file.close()
                self._log_file = None

    # --- state ---
    def reset(self) -> None:
        emu_moto.reset()
        emu_moto.forget_clients()
        emu_cloudwatch.forget_index()
        emu_rds.data.reset()
        emu_rds.forget_answers()
        emu_kafka.DATA.reset()
        self.faults.clear()
        with self.settings_lock:
            self.settings = dict(DEFAULT_SETTINGS)
        with self.oplog_lock:
            self.oplog.clear()

    def settings_snapshot(self) -> dict:
        with self.settings_lock:
            return dict(self.settings)

    def update_settings(self, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise ValueError("settings are a JSON object")
        unknown = set(doc) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}; known: {sorted(DEFAULT_SETTINGS)}")
        for key in ("get_metric_data_page_size", "get_metric_data_max_datapoints", "list_metrics_page_size",
                    "describe_alarms_page_size", "list_accounts_page_size", "metrics_repeat_seconds"):
            v = doc.get(key)
            if key in doc and v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise ValueError(f"{key} must be a positive integer or null")
        v = doc.get("duplicate_list_metrics")
        if "duplicate_list_metrics" in doc and v is not None and not isinstance(v, (bool, int)):
            raise ValueError("duplicate_list_metrics must be true/false or a number of copies")
        for key in ("describe_events_repeat", "describe_events_shuffle"):
            v = doc.get(key)
            if v is not None and not isinstance(v, bool):
                raise ValueError(f"{key} must be true, false or null")
        v = doc.get("clock_skew_seconds")
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            raise ValueError("clock_skew_seconds must be a number of seconds (negative: a clock behind) or null")
        with self.settings_lock:
            for k, v in doc.items():
                self.settings[k] = DEFAULT_SETTINGS[k] if v is None else v
            return dict(self.settings)

    def record(self, service: str, operation: str, region: str, status: int, account: str,
               extra: dict | None = None) -> None:
        with self.oplog_lock:
            self.oplog.append({"service": service, "operation": operation, "region": region, "status": status,
                               "account": account, **(extra or {})})

    # --- AWS requests ---
    def identify(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Request:
        """Service signing name, region, operation, and the account of an AWS request."""
        service = region = access_key = None
        m = _SCOPE.search(headers.get("authorization", ""))
        if m is None and "X-Amz-Credential" in query:
            cred = parse_qs(query).get("X-Amz-Credential", [""])[0]
            m = _SCOPE.search("Credential=" + cred)
        if m:
            access_key, region, service = m.group(1), m.group(3), m.group(4).lower()
        if service is None:
            if path.startswith("/service/"):
                service = "monitoring"
            elif path.startswith("/api/v2/") or path.startswith("/v1/"):
                service = "kafka"
            else:
                service = "rds"
        service = SERVICE_ALIASES.get(service, service)
        region = region or DEFAULT_REGION

        operation = None
        params = None
        if service == "monitoring":
            operation = emu_cloudwatch.parse_path(path)
        elif service == "kafka":
            operation = emu_kafka.operation_for(method, path)
        if operation is None:
            target = headers.get("x-amz-target")
            if target:
                operation = target.split(".")[-1]
        if operation is None:
            params = emu_rds.parse_params(query, headers, body if "form-urlencoded" in headers.get("content-type", "") else b"")
            operation = params.get("Action")
        account = emu_moto.account_of_access_key(access_key)
        role_arn = None
        if service == "sts" and operation == "AssumeRole" and params is not None:
            role_arn = params.get("RoleArn")
        return Request(service, region, operation or f"{method} {path}", account, access_key, role_arn)

    def serve_aws(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                  req: Request) -> Reply:
        service, region, operation, account = req.service, req.region, req.operation, req.account
        if service == "monitoring":
            if path.startswith("/service/"):
                return emu_cloudwatch.handle(account, region, path, headers, body, self.settings_snapshot())
            target = headers.get("x-amz-target", "")
            if target.startswith(emu_cloudwatch.CW_SERVICE_SHAPE + "."):
                return emu_cloudwatch.handle_json(account, region, target.split(".", 1)[1], headers, body,
                                                  self.settings_snapshot())
        if service == "rds":
            return emu_rds.handle(account, region, method, path, query, headers, body, self.log,
                                  self.settings_snapshot(), req.access_key)
        if service == "kafka":
            return emu_kafka.handle(account, region, method, path, query, headers, body, operation, self.log)
        if service == "iam":
            return emu_iam.handle(account, region, method, path, query, headers, body, operation, req.access_key)
        if service == "organizations":
            return emu_org.handle(account, region, method, path, query, headers, body, operation,
                                  self.settings_snapshot(), self.log, req.access_key)
        # Anything else (STS, IAM, CloudWatch over query, ...) goes to moto untouched, in the
        # caller's account and with its access key (STS GetCallerIdentity answers from it).
        try:
            r = emu_moto.call(method, service, region, path, query, headers, body, account=account,
                              access_key=req.access_key)
        except emu_moto.NotImplementedByMoto as e:
            return json_reply(400, {"__type": "InvalidAction", "message": str(e)})
        return Reply(r.status, dict(r.headers), r.body)

    def handle_aws(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        req = self.identify(method, path, query, headers, body)
        fault = self.faults.take(req.service, req.operation, req.region, req.fault_accounts())
        started = time.monotonic()
        try:
            reply = self._apply(fault, method, path, query, headers, body, req)
        except Exception as e:  # noqa: BLE001 - a bug in the front: answer 500 and log it
            self.log(f"front error on {req.service} {req.operation}: {traceback.format_exc()}")
            reply = internal_error(req.service, f"harness error: {type(e).__name__}: {e}")
        status = 0 if reply.drop else reply.status
        self.record(req.service, req.operation, req.region, status, req.account, reply.log)
        self.log(f"{method} {path[:80]} {req.service} {req.region} {req.account} {req.operation} -> {status}"
                 f"{' fault=' + fault.mode if fault else ''} {1000 * (time.monotonic() - started):.1f}ms")
        return reply

    def _apply(self, fault, method, path, query, headers, body, req: Request) -> Reply:
        if fault is None:
            return self.serve_aws(method, path, query, headers, body, req)
        mode = fault.mode
        service = req.service
        if mode == "latency":
            time.sleep(fault.latency_ms / 1000.0)
            return self.serve_aws(method, path, query, headers, body, req)
        if mode in ("throttle", "expired_credentials", "access_denied", "unsupported"):
            return fault_error(service, mode, req.operation, req.account, req.role_arn)
        if mode == "error500":
            return fault_error(service, "error503" if fault.status == 503 else "error500")
        if mode == "drop":
            return Reply(0, drop=True)
        if mode == "malformed":
            return malformed(service)
        if mode == "truncate":
            real = self.serve_aws(method, path, query, headers, body, req)
            real.body = real.body[: len(real.body) // 2]
            return real
        if mode == "stuck_paging":
            return self.stuck_paging(method, path, query, headers, body, req)
        raise AssertionError(mode)

    def stuck_paging(self, method, path, query, headers, body, req: Request) -> Reply:
        """An RDS Describe that ignores the Marker it is sent: always the first page, always
        with the same Marker (what moto's unpaged DescribeBlueGreenDeployments did)."""
        if req.service != "rds":
            raise ValueError("stuck_paging is for RDS Describe operations")
        params = {k: v for k, v in parse_qsl(body.decode()) if k != "Marker"}
        first = urlencode(params).encode()
        headers = {**{k: v for k, v in headers.items() if k.lower() != "content-length"},
                   "content-length": str(len(first))}
        reply = self.serve_aws(method, path, query, headers, first, req)
        if reply.status != 200:
            return reply
        root = ET.fromstring(reply.body)
        result = next(iter(root), None)
        if result is None:
            return reply
        for old in [e for e in result if e.tag.endswith("}Marker") or e.tag == "Marker"]:
            result.remove(old)
        ns = result.tag.split("}")[0] + "}" if result.tag.startswith("{") else ""
        ET.SubElement(result, ns + "Marker").text = "stuck-marker"
        reply.body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
        return reply

    # --- control API ---
    def handle_control(self, method: str, path: str, body: bytes) -> Reply:
        route = path.rstrip("/")
        try:
            doc = json.loads(body) if body.strip() else None
        except ValueError as e:
            return json_reply(400, {"error": f"body is not JSON: {e}"})
        try:
            if route == "/_harness/health" and method == "GET":
                return json_reply(200, {"ok": True, "account": emu_moto.DEFAULT_ACCOUNT})
            if route == "/_harness/seed" and method == "POST":
                # one scenario, or a JSON array of them seeded in turn (one account each, say)
                results = []
                for scenario in (doc if isinstance(doc, list) else [doc or {}]):
                    result = emu_seed.seed(scenario)
                    self.log(f"seeded account {result['account']} in {result['seconds']}s: "
                             f"{len(result['instances'])} instances, "
                             f"{len(result['clusters'])} clusters, {result['datapoints']} datapoints")
                    results.append(result)
                return json_reply(200, results if isinstance(doc, list) else results[0])
            if route == "/_harness/reset" and method == "POST":
                self.reset()
                return json_reply(200, {"ok": True})
            if route == "/_harness/faults":
                if method == "GET":
                    return json_reply(200, self.faults.list())
                if method == "DELETE":
                    self.faults.clear()
                    return json_reply(200, {"ok": True})
                if method == "POST":
                    specs = doc if isinstance(doc, list) else [doc]
                    ids = [self.faults.add(s).id for s in specs]
                    return json_reply(200, {"id": ids[0]} if len(ids) == 1 else {"ids": ids})
            if route == "/_harness/settings":
                if method == "GET":
                    return json_reply(200, self.settings_snapshot())
                if method == "POST":
                    return json_reply(200, self.update_settings(doc or {}))
                if method == "DELETE":
                    return json_reply(200, self.update_settings({k: None for k in DEFAULT_SETTINGS}))
            if route == "/_harness/log":
                if method == "GET":
                    with self.oplog_lock:
                        return json_reply(200, list(self.oplog))
                if method == "DELETE":
                    with self.oplog_lock:
                        self.oplog.clear()
                    return json_reply(200, {"ok": True})
            if route == "/_harness/shutdown" and method == "POST":
                self.stop.set()
                return json_reply(200, {"ok": True})
            return json_reply(404, {"error": f"no control endpoint {method} {path}"})
        except (emu_seed.SeedError, emu_faults.FaultError, ValueError, KeyError, TypeError) as e:
            self.log(f"control {method} {path} rejected: {e!r}")
            return json_reply(400, {"error": str(e) if not isinstance(e, KeyError) else f"missing field {e}"})
        except Exception as e:  # noqa: BLE001
            self.log(f"control {method} {path} failed: {traceback.format_exc()}")
            return json_reply(500, {"error": f"{type(e).__name__}: {e}"})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dbfleet-emulator"
    sys_version = ""
    timeout = 600
    harness: Harness

    def version_string(self) -> str:
        return "dbfleet-emulator"

    def log_message(self, fmt, *args):  # access log goes through Harness.log
        pass

    def setup(self) -> None:
        super().setup()
        try:  # answers go out in one write; no Nagle delay between header and body
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        u = urlsplit(self.path)
        path, query = u.path or "/", u.query
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.date_skew = 0
        if path.startswith("/_harness"):
            # A seed, an overlay or a reset may change what RDS answers: the kept answers go,
            # before and after (a read answered while a seed ran may hold half of it). Clearing
            # the operation log changes nothing AWS would answer.
            changes = self.command != "GET" and path.rstrip("/") != "/_harness/log"
            if changes:
                emu_rds.forget_answers()
            reply = self.harness.handle_control(self.command, path, body)
            if changes:
                emu_rds.forget_answers()
        else:
            reply = self.harness.handle_aws(self.command, path, query, headers, body)
            self.date_skew = self.harness.settings_snapshot()["clock_skew_seconds"]
        self._send(reply)

    def date_time_string(self, timestamp=None) -> str:
        """The Date header (RFC 7231, as the base class), shifted by clock_skew_seconds on AWS
        answers: the SDKs compare it with their own clock to correct request signing."""
        if timestamp is None:
            timestamp = time.time() + getattr(self, "date_skew", 0)
        return email.utils.formatdate(timestamp, usegmt=True)

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # end_headers() without its flush, so that status line, headers and body leave together
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(reply.body)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that went away mid-request is not an error worth a traceback on stderr.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        Handler.harness.log(f"connection error from {client_address}: {traceback.format_exc()}")


def write_ready_file(path: str, port: int) -> None:
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def watch_stdin(stop: threading.Event) -> None:
    try:
        while True:
            data = os.read(0, 4096)
            if not data:
                break
    except OSError:
        pass
    stop.set()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--ready-file", required=True, help="written with the port once the server is ready")
    ap.add_argument("--log-file", help="diagnostic log (default: stderr)")
    ap.add_argument("--no-stdin-watch", action="store_true",
                    help="do not exit at end of file on stdin (for running by hand with stdin closed)")
    args = ap.parse_args(argv)

    harness = Harness(args.log_file)
    Handler.harness = harness
    stop = harness.stop

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not args.no_stdin_watch:
        threading.Thread(target=watch_stdin, args=(stop,), name="stdin-watch", daemon=True).start()

    t0 = time.monotonic()
    emu_moto.warm_up()
    emu_cloudwatch.model()
    emu_rds.model()
    emu_kafka.routes()
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True).start()
    write_ready_file(args.ready_file, port)
    harness.log(f"listening on 127.0.0.1:{port} (ready in {time.monotonic() - t0:.2f}s, pid {os.getpid()})")

    while not stop.wait(0.5):
        pass
    harness.log("stopping")
    server.shutdown()
    server.server_close()
    harness.close_log()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
