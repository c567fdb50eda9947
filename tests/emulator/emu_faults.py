"""Fault injection: a list of rules, each consumed one request at a time."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from emu_protocol import SERVICE_ALIASES

MODES = {
    "throttle",
    "error500",
    "latency",
    "drop",
    "malformed",
    "truncate",
    "expired_credentials",
    "access_denied",
    "stuck_paging",
    "unsupported",
}


class FaultError(ValueError):
    pass


@dataclass
class Fault:
    id: int
    mode: str
    service: str | None = None
    operation: str | None = None
    region: str | None = None
    account: str | None = None  # the account a request addresses (or, for AssumeRole, the role's)
    count: int = 1  # -1: until cleared
    latency_ms: int = 0
    status: int | None = None  # error500 only: 500 (default) or 503
    hits: int = 0

    def matches(self, service: str, operation: str, region: str, accounts: tuple[str, ...] = ()) -> bool:
        return (
            (self.service is None or self.service == service)
            and (self.operation is None or self.operation == operation)
            and (self.region is None or self.region == region)
            and (self.account is None or self.account in accounts)
        )


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: dict) -> Fault:
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        unknown = set(spec) - {"service", "operation", "region", "account", "mode", "count", "latency_ms",
                             "status"}
        if unknown:
            raise FaultError(f"unknown fault fields: {sorted(unknown)}")
        mode = spec.get("mode")
        if mode not in MODES:
            raise FaultError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
        service = spec.get("service")
        if service is not None:
            if service not in SERVICE_ALIASES:
                raise FaultError("service must be rds, monitoring, kafka, sts, iam or organizations (or null), "
                                 f"got {service!r}")
            service = SERVICE_ALIASES[service]
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count == 0 or count < -1:
            raise FaultError("count must be a positive integer or -1")
        latency_ms = spec.get("latency_ms", 1000 if mode == "latency" else 0)
        if not isinstance(latency_ms, (int, float)) or latency_ms < 0:
            raise FaultError("latency_ms must be a non-negative number")
        status = spec.get("status")
        if status is not None and (mode != "error500" or status not in (500, 503)):
            raise FaultError("status is only for mode error500, and must be 500 or 503")
        for key in ("operation", "region"):
            if spec.get(key) is not None and not isinstance(spec[key], str):
                raise FaultError(f"{key} must be a string or null")
        account = spec.get("account")
        if account is not None and not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
            raise FaultError(f"account must be a 12-digit account id (a string) or null, got {account!r}")
        with self._lock:
            f = Fault(
                id=self._next_id,
                mode=mode,
                service=service,
                operation=spec.get("operation"),
                region=spec.get("region"),
                account=account,
                count=count,
                latency_ms=int(latency_ms),
                status=status,
            )
            self._next_id += 1
            self._faults.append(f)
            return f

    def take(self, service: str, operation: str, region: str, accounts: tuple[str, ...] = ()) -> Fault | None:
        """The first matching fault, with one count consumed (None if no fault matches).
        `accounts`: the account the request addresses, and for STS AssumeRole the role's too."""
        with self._lock:
            for f in self._faults:
                if f.matches(service, operation, region, accounts):
                    f.hits += 1
                    if f.count > 0:
                        f.count -= 1
                        if f.count == 0:
                            self._faults.remove(f)
                    return Fault(**{**asdict(f)})
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
