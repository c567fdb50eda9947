"""In-process bridge to moto's server application.

The harness does not run moto as a separate server: it builds a WSGI environ for each request
and calls moto's dispatcher application directly, so there is one process, one port, and no
child process to clean up. All calls into moto are serialised by one lock, because moto's
backends are plain dicts and lists.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

DEFAULT_ACCOUNT = "123456789012"
ACCOUNT_ID = DEFAULT_ACCOUNT  # the account of static credentials (and of a seed without "account")
# moto would answer every request from this account whatever its credentials: the front picks
# the account of each request itself and tells moto with its x-moto-account-id header.
os.environ.pop("MOTO_ACCOUNT_ID", None)

from werkzeug.test import EnvironBuilder, run_wsgi_app  # noqa: E402

import emu_engines  # noqa: E402

LOCK = threading.RLock()
_APP = None

# Hop-by-hop and transport headers that must not be forwarded in either direction.
_DROP_REQUEST_HEADERS = {
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "authorization",
    "expect",
    "te",
    "x-moto-account-id",
}
_DROP_RESPONSE_HEADERS = {
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "access-control-allow-origin",
    "status",
    "date",
    "server",
}


class NotImplementedByMoto(Exception):
    """moto has no handler for the operation."""


@dataclass
class MotoResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""


def app():
    global _APP
    with LOCK:
        if _APP is None:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                create_backend_app,
            )

            _APP = DomainDispatcherApplication(create_backend_app)
            _accept_paging_arguments()
            _cluster_defaults()
            _accept_docdb()
            _multi_az_cluster_member_storage()
            _cross_region_replica_parameter_group()
        return _APP


def _accept_paging_arguments() -> None:
    """moto 5.2's DescribeBlueGreenDeployments pages its answer (100 a page by default) but
    passes MaxRecords and Marker on to a backend method that takes neither (TypeError). Let the
    backend ignore them, so moto's own paginator follows the marker as AWS does."""
    from moto.rds.models import RDSBackend

    original = RDSBackend.describe_blue_green_deployments

    def describe_blue_green_deployments(self, *args, max_records=None, marker=None, **kwargs):
        del max_records, marker  # paging is done by moto's PaginatedResult, not the backend
        return original(self, *args, **kwargs)

    RDSBackend.describe_blue_green_deployments = describe_blue_green_deployments


def _cluster_defaults() -> None:
    """moto names default parameter groups after the engine version minus its last part
    (default.aurora-mysql8.0.mysql_aurora.3.05, default.neptune1.3.2) and gives every cluster
    default.aurora8.0 (default.neptune1.3 for Neptune). AWS uses the parameter group family:
    default.aurora-mysql8.0, default.neptune1.3, default.mysql8.0 for a Multi-AZ DB cluster.
    moto also gives every cluster StorageType gp2 (the DB instance default) when none is sent."""
    from moto.rds.models import DBCluster, DBInstance

    def default_db_parameter_group_details(self) -> tuple[str, str]:
        family = emu_engines.family_of(self.engine.lower(), str(self.engine_version))
        return family, f"default.{family}"

    DBInstance.default_db_parameter_group_details = default_db_parameter_group_details

    original_init = DBCluster.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if not kwargs.get("db_cluster_parameter_group_name"):
            self.parameter_group = f"default.{emu_engines.family_of(self.engine, self.engine_version)}"
        if not kwargs.get("storage_type"):
            self.storage_type = emu_engines.default_cluster_storage_type(self.engine)

    DBCluster.__init__ = __init__


def _accept_docdb() -> None:
    """DocumentDB shares the RDS API (same endpoint, same backend), but moto 5.2.5 rejects
    Engine=docdb for clusters and instances and has no default version, port or storage for it."""
    from moto.rds.models import DBCluster, DBInstance
    from moto.rds.utils import ClusterEngine, DbInstanceEngine

    cluster_engines = ClusterEngine.list_cluster_engines
    instance_engines = DbInstanceEngine.valid_db_instance_engine
    ClusterEngine.list_cluster_engines = classmethod(lambda cls: sorted(cluster_engines() + ["docdb"]))
    DbInstanceEngine.valid_db_instance_engine = classmethod(lambda cls: sorted(instance_engines() + ["docdb"]))

    def with_docdb(original, docdb_value):
        def f(engine, *args, **kwargs):
            return docdb_value if engine == "docdb" else original(engine, *args, **kwargs)
        return staticmethod(f)

    DBCluster.default_engine_version = with_docdb(DBCluster.default_engine_version, emu_engines.DOCDB_DEFAULT_VERSION)
    DBCluster.default_port = with_docdb(DBCluster.default_port, emu_engines.DOCDB_PORT)
    DBCluster.default_allocated_storage = with_docdb(DBCluster.default_allocated_storage, 1)  # as Aurora
    DBInstance.default_port = with_docdb(DBInstance.default_port, emu_engines.DOCDB_PORT)


def _multi_az_cluster_member_storage() -> None:
    """moto reports every cluster member with StorageType aurora and no Iops. Members of a
    Multi-AZ DB cluster (engine mysql or postgres) use the cluster's storage (io1, its Iops)."""
    from moto.rds.models import DBInstanceClustered

    def multi_az_cluster(self) -> bool:
        cluster = getattr(self, "cluster", None)
        return cluster is not None and cluster.engine in emu_engines.MULTI_AZ_CLUSTER_ENGINES

    def get_storage_type(self) -> str:
        return self.cluster.storage_type if multi_az_cluster(self) else "aurora"

    def get_iops(self):
        own = self.__dict__.get("_iops")
        return own if own is not None or not multi_az_cluster(self) else self.cluster.iops

    def set_iops(self, value) -> None:
        self.__dict__["_iops"] = value

    DBInstanceClustered.storage_type = property(get_storage_type, DBInstanceClustered.storage_type.fset)
    DBInstanceClustered.iops = property(get_iops, set_iops)


def _cross_region_replica_parameter_group() -> None:
    """moto's read replica is a copy of its source, parameter group included; a cross-region
    replica then names a group its region does not have (KeyError on every DescribeDBInstances).
    AWS gives a cross-region replica its engine's default group unless DBParameterGroupName is
    sent (and a same-region replica the source's group)."""
    from moto.rds.models import RDSBackend

    original = RDSBackend.create_db_instance_read_replica

    def create_db_instance_read_replica(self, db_kwargs):
        replica = original(self, db_kwargs)
        source = db_kwargs["source_db_instance_identifier"]
        cross_region = source.startswith("arn:") and source.split(":")[3] != self.region_name
        if cross_region and not db_kwargs.get("db_parameter_group_name"):
            replica.db_parameter_group_name = None
        return replica

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica


HARNESS_ACCESS_KEY = "AKIAHARNESS000000000"


def _auth_header(service: str, region: str, access_key: str | None = None) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key or HARNESS_ACCESS_KEY}/20200101/"
        f"{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )


# --- accounts -----------------------------------------------------------------------------------

_KEY_ACCOUNTS: dict[str, str] = {}  # access key id -> account, for keys moto issued (STS AssumeRole, IAM)


def account_of_access_key(access_key: str | None) -> str:
    """The account a request signed with `access_key` addresses: the account moto issued the key
    in (STS AssumeRole issues a role's temporary key in the role's account; IAM CreateAccessKey in
    the user's), else the default account (static test credentials such as `testing`)."""
    if not access_key or access_key == HARNESS_ACCESS_KEY:
        return DEFAULT_ACCOUNT
    found = _KEY_ACCOUNTS.get(access_key)
    if found:
        return found
    from moto.iam.models import iam_backends

    with LOCK:
        # only the backends that exist (indexing a BackendDict would create them)
        for account_id, per_account in list(dict.items(iam_backends)):
            for backend in list(dict.values(per_account)):
                if access_key in backend.access_keys:
                    _KEY_ACCOUNTS[access_key] = account_id
                    return account_id
    return DEFAULT_ACCOUNT


def valid_account(value) -> bool:
    return isinstance(value, str) and len(value) == 12 and value.isdigit()


def call(
    method: str,
    service: str,
    region: str,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    account: str = DEFAULT_ACCOUNT,
    access_key: str | None = None,
) -> MotoResponse:
    """Send one request to moto, in `account`, and return its answer.

    `service` is the SigV4 signing name (rds, monitoring, kafka, ...). `access_key` is the
    client's (STS GetCallerIdentity answers from it); the signature is never checked. Raises
    NotImplementedByMoto when moto has no handler; other moto exceptions propagate.
    """
    host = f"{service}.{region}.amazonaws.com"
    hdrs: dict[str, str] = {}
    for k, v in (headers or {}).items():
        if isinstance(v, bytes):
            v = v.decode("latin-1")
        if k.lower() not in _DROP_REQUEST_HEADERS:
            hdrs[k] = v
    hdrs["Authorization"] = _auth_header(service, region, access_key)
    hdrs["x-moto-account-id"] = account
    env = EnvironBuilder(
        method=method,
        path=path,
        query_string=query or None,
        headers=hdrs,
        data=body or b"",
        base_url=f"http://{host}",
    ).get_environ()
    env["HTTP_HOST"] = host
    with LOCK:
        try:
            app_iter, status, resp_headers = run_wsgi_app(app(), env, buffered=True)
        except NotImplementedError as e:
            raise NotImplementedByMoto(str(e)) from e
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close:
                close()
    code = int(str(status).split()[0])
    out: dict[str, str] = {}
    for k, v in resp_headers.items():
        if k.lower() not in _DROP_RESPONSE_HEADERS:
            out[k.lower()] = v
    return MotoResponse(code, out, data)


def reset() -> None:
    """Forget every resource in every moto backend."""
    from moto.moto_api._internal.models import moto_api_backend

    from moto.organizations.models import organizations_backends

    with LOCK:
        moto_api_backend.reset()
        organizations_backends.master_accounts.clear()  # kept beside the backends, not reset by moto
        _KEY_ACCOUNTS.clear()


def warm_up() -> None:
    """Import moto's RDS, EC2, CloudWatch, Kafka, STS, IAM and Organizations code before the first
    real request."""
    call("POST", "rds", "us-east-1", "/", headers={"Content-Type": "application/x-www-form-urlencoded"},
         body=b"Action=DescribeDBInstances&Version=2014-10-31")
    call("GET", "kafka", "us-east-1", "/api/v2/clusters")
    call("POST", "monitoring", "us-east-1", "/",
         headers={"Content-Type": "application/x-amz-json-1.0",
                  "X-Amz-Target": "GraniteServiceVersion20100801.ListDashboards"},
         body=b"{}")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    call("POST", "sts", "us-east-1", "/", headers=form, body=b"Action=GetCallerIdentity&Version=2011-06-15")
    call("POST", "iam", "us-east-1", "/", headers=form, body=b"Action=ListAccountAliases&Version=2010-05-08")
    call("POST", "organizations", "us-east-1", "/",
         headers={"Content-Type": "application/x-amz-json-1.1",
                  "X-Amz-Target": "AWSOrganizationsV20161128.DescribeOrganization"}, body=b"{}")


def cloudwatch_backend(region: str, account: str = DEFAULT_ACCOUNT):
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account][region]


def rds_backend(region: str, account: str = DEFAULT_ACCOUNT):
    from moto.rds.models import rds_backends

    return rds_backends[account][region]


def organizations_backend(account: str):
    from moto.organizations.models import organizations_backends

    return organizations_backends[account]["aws"]


# ---------------------------------------------------------------------------------------------
# boto3 clients that talk to moto in-process (used by the seeder, never by the code under test)


class _RawBody:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_kw):
        yield self._data

    def read(self, *_a):
        data, self._data = self._data, b""
        return data


_CLIENTS: dict[tuple[str, str, str], object] = {}


def client(service: str, region: str, account: str = DEFAULT_ACCOUNT):
    """A boto3 client whose requests go straight into moto, in `account`, bypassing the front."""
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
    from urllib.parse import urlsplit

    key = (service, region, account)
    if key in _CLIENTS:
        return _CLIENTS[key]
    c = boto3.client(
        service,
        region_name=region,
        aws_access_key_id=HARNESS_ACCESS_KEY,
        aws_secret_access_key="harness",
        endpoint_url=f"http://{service}.{region}.amazonaws.com",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    signing = c.meta.service_model.signing_name

    def before_send(request, **_kw):
        u = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        r = call(request.method, signing, region, u.path or "/", u.query, dict(request.headers), body or b"",
                 account=account)
        return AWSResponse(request.url, r.status, r.headers, _RawBody(r.body))

    c.meta.events.register("before-send", before_send)
    _CLIENTS[key] = c
    return c


def forget_clients() -> None:
    _CLIENTS.clear()
