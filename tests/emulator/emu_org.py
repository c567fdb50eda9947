"""AWS Organizations (AWS JSON 1.1, signing name `organizations`, one global endpoint in us-east-1).

The organization a scenario seeds lives in moto's Organizations backend of its management
account, with the account ids the scenario names (moto's CreateAccount only makes random ids:
the seeder calls moto's backend with its id generator pinned to the wanted id, so moto's own
bookkeeping, member-to-management map and OrganizationAccountAccessRole included, is done as
for an account moto made itself).

ListAccounts is served by the front from that backend: moto pages it by JoinedTimestamp (equal
for accounts seeded together, so pages repeat or skip) and answers it from any account, a
member's (an empty list) or one in no organization. AWS answers it only in the management
account or a delegated administrator; elsewhere AccessDeniedException (a member account) or
AWSOrganizationsNotInUseException (an account in no organization), both HTTP 400 as every
modelled Organizations error. Every other operation goes to moto untouched, in the caller's account.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import traceback
from datetime import datetime, timezone

import emu_moto
from emu_protocol import Reply, json11_error, json11_reply

TARGET_PREFIX = "AWSOrganizationsV20161128"
LIST_ACCOUNTS_MAX = 20  # ListAccounts MaxResults is 1-20; AWS documents no default, the harness uses 20
ACCOUNT_STATUSES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE")
ACCOUNT_STATES = ("PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED")
JOINED_METHODS = ("CREATED", "INVITED")
DEFAULT_DELEGATED_SERVICE = "member.org.stacksets.cloudformation.amazonaws.com"


class OrgError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def reply(self) -> Reply:
        return json11_error(self.status, self.code, self.message)


def _existing_backend(account: str):
    """moto's Organizations backend of `account` if moto has one (never creates it)."""
    from moto.organizations.models import organizations_backends

    per_account = dict.get(organizations_backends, account)
    if per_account is None:
        return None
    return dict.get(per_account, "aws")


def organization_of(account: str):
    """(management backend, role) for a caller who may list the organization's accounts: the
    management account, or a delegated administrator. Raises OrgError otherwise."""
    from moto.organizations.models import organizations_backends

    own = _existing_backend(account)
    if own is not None and own.org is not None:
        return own, "management"
    owner = organizations_backends.master_accounts.get(account)
    if owner is None:
        raise OrgError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    backend = _existing_backend(owner[0])
    if backend is None or backend.org is None:
        raise OrgError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    if any(a.account.id == account for a in backend.admins):
        return backend, "delegated"
    raise OrgError("AccessDeniedException", "You don't have permissions to access this resource.")


def _token(offset: int, org_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "org": org_id}).encode()).decode()


def list_accounts(account: str, params: dict, settings: dict) -> dict:
    max_results = params.get("MaxResults")
    if max_results is not None and (not isinstance(max_results, int) or isinstance(max_results, bool)
                                    or not 1 <= max_results <= LIST_ACCOUNTS_MAX):
        raise OrgError("InvalidInputException",
                       f"You provided a value that exceeds the maximum allowed value (MaxResults {max_results!r}, "
                       f"1-{LIST_ACCOUNTS_MAX}).")
    with emu_moto.LOCK:
        backend, _role = organization_of(account)
        org_id = backend.org.id
        accounts = [a.describe() for a in backend.accounts]
    size = min(max_results or LIST_ACCOUNTS_MAX, settings.get("list_accounts_page_size") or LIST_ACCOUNTS_MAX)
    offset = 0
    if params.get("NextToken"):
        try:
            doc = json.loads(base64.urlsafe_b64decode(str(params["NextToken"]).encode()))
            offset = int(doc["o"])
            ok = doc.get("org") == org_id and 0 <= offset <= len(accounts)
        except (ValueError, TypeError, KeyError, binascii.Error):
            ok = False
        if not ok:
            raise OrgError("InvalidInputException", "You specified an invalid value for nextToken.")
    out: dict = {"Accounts": [_account_json(a) for a in accounts[offset: offset + size]]}
    if offset + size < len(accounts):
        out["NextToken"] = _token(offset + size, org_id)
    return out


def _account_json(a: dict) -> dict:
    """An Account as AWS sends it (JoinedTimestamp: epoch seconds, a JSON number)."""
    keys = ("Id", "Arn", "Email", "Name", "Status", "State", "JoinedMethod", "JoinedTimestamp")
    return {k: a[k] for k in keys if a.get(k) is not None}


SERVED = {"ListAccounts": list_accounts}


def handle(account: str, region: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
           operation: str | None, settings: dict, log, access_key: str | None = None) -> Reply:
    try:
        if operation in SERVED:
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError as e:
                raise OrgError("SerializationException", f"request body is not JSON: {e}") from None
            if not isinstance(params, dict):
                raise OrgError("SerializationException", "request body must be a JSON object")
            return json11_reply(SERVED[operation](account, params, settings))
        try:
            r = emu_moto.call(method, "organizations", region, path, query, headers, body, account=account,
                              access_key=access_key)
        except emu_moto.NotImplementedByMoto:
            raise OrgError("UnknownOperationException",
                           f"{operation} is not implemented by moto or the harness") from None
        except Exception as e:  # noqa: BLE001
            log(f"moto raised on Organizations {operation}: {traceback.format_exc()}")
            raise OrgError("ServiceException", f"moto raised {type(e).__name__}: {e}", 500) from None
        out = dict(r.headers)
        out["content-type"] = "application/x-amz-json-1.1"
        if r.status >= 400 and "x-amzn-errortype" not in out:
            try:
                code = json.loads(r.body).get("__type")
            except (ValueError, AttributeError):
                code = None
            if code:
                out["x-amzn-errortype"] = str(code)
        return Reply(r.status, out, r.body)
    except OrgError as e:
        return e.reply()


# --- seeding -----------------------------------------------------------------------------------


class OrgSeedError(ValueError):
    pass


@contextlib.contextmanager
def _pinned(module, name: str, value: str | None):
    """Make moto's random id generator `name` return `value` (no-op for None)."""
    if value is None:
        yield
        return
    original = getattr(module, name)
    setattr(module, name, lambda: value)
    try:
        yield
    finally:
        setattr(module, name, original)


def _joined(value, what: str) -> datetime:
    import emu_rds

    try:
        return emu_rds.parse_time(value).astimezone(timezone.utc).replace(tzinfo=None)  # moto keeps naive UTC
    except (ValueError, TypeError) as e:
        raise OrgSeedError(f"{what}: joined is not a timestamp: {value!r}") from e


_ORG_FIELDS = {"management_account", "accounts", "delegated_administrators", "id", "feature_set"}
_ACCOUNT_FIELDS = {"id", "name", "email", "status", "state", "joined_method", "joined"}


def seed_organization(spec: dict) -> dict:
    """{"management_account": ID, "id": "o-…" (optional), "feature_set": "ALL",
        "accounts": [{"id", "name", "email", "status", "state", "joined_method", "joined"}],
        "delegated_administrators": [ID or {"account": ID, "service_principal": …}]}
    Seeding again with the same management account adds accounts or updates them."""
    from moto.organizations import utils as org_utils
    from moto.organizations.models import FakeDelegatedAdministrator, organizations_backends

    if not isinstance(spec, dict):
        raise OrgSeedError("organization is a JSON object")
    unknown = set(spec) - _ORG_FIELDS
    if unknown:
        raise OrgSeedError(f"organization: unknown fields {sorted(unknown)}")
    mgmt = spec.get("management_account", emu_moto.DEFAULT_ACCOUNT)
    if not emu_moto.valid_account(mgmt):
        raise OrgSeedError(f"organization: management_account must be a 12-digit account id, got {mgmt!r}")
    org_id = spec.get("id")
    if org_id is not None and not (isinstance(org_id, str) and org_id.startswith("o-")
                                   and 10 <= len(org_id) - 2 <= 32 and org_id[2:].isalnum()
                                   and org_id[2:] == org_id[2:].lower()):
        raise OrgSeedError(f"organization: id must be o- and 10 to 32 lower-case letters or digits, got {org_id!r}")
    accounts = spec.get("accounts") or []
    if not isinstance(accounts, list):
        raise OrgSeedError("organization: accounts is a list")
    with emu_moto.LOCK:
        backend = emu_moto.organizations_backend(mgmt)
        if backend.org is None:
            if mgmt in organizations_backends.master_accounts:
                raise OrgSeedError(f"organization: {mgmt} is already a member of another organization")
            with _pinned(org_utils, "make_random_org_id", org_id):
                backend.create_organization(region="us-east-1", FeatureSet=spec.get("feature_set") or "ALL")
        elif org_id is not None and backend.org.id != org_id:
            raise OrgSeedError(f"organization: {mgmt} already manages {backend.org.id}, not {org_id}")
        out = {}
        for a in accounts:
            if not isinstance(a, dict):
                raise OrgSeedError("organization: every account is a JSON object")
            unknown = set(a) - _ACCOUNT_FIELDS
            if unknown:
                raise OrgSeedError(f"organization account {a.get('id')}: unknown fields {sorted(unknown)}")
            aid = a.get("id")
            if not emu_moto.valid_account(aid):
                raise OrgSeedError(f"organization account: id must be a 12-digit account id (a string), got {aid!r}")
            status = a.get("status") or "ACTIVE"
            if status not in ACCOUNT_STATUSES:
                raise OrgSeedError(f"organization account {aid}: status must be one of {list(ACCOUNT_STATUSES)}")
            state = a.get("state") or status
            if state not in ACCOUNT_STATES:
                raise OrgSeedError(f"organization account {aid}: state must be one of {list(ACCOUNT_STATES)}")
            method = a.get("joined_method") or "CREATED"
            if method not in JOINED_METHODS:
                raise OrgSeedError(f"organization account {aid}: joined_method must be one of {list(JOINED_METHODS)}")
            existing = next((x for x in backend.accounts if x.id == aid), None)
            if existing is None:
                owner = organizations_backends.master_accounts.get(aid)
                if owner is not None or (_existing_backend(aid) is not None and _existing_backend(aid).org):
                    raise OrgSeedError(f"organization account {aid}: already in another organization")
                name = a.get("name") or f"account-{aid}"
                email = a.get("email") or f"aws+{aid}@example.com"
                with _pinned(org_utils, "make_random_account_id", aid):
                    backend.create_account(AccountName=name, Email=email)
                existing = next(x for x in backend.accounts if x.id == aid)
            else:
                if a.get("name"):
                    existing.name = a["name"]
                if a.get("email"):
                    existing.email = a["email"]
            existing.status = status
            existing.state = state
            existing.joined_method = method
            if a.get("joined") not in (None, ""):
                existing.create_time = _joined(a["joined"], f"organization account {aid}")
            out[aid] = existing.arn
        for d in spec.get("delegated_administrators") or []:
            if isinstance(d, str):
                d = {"account": d}
            if not isinstance(d, dict) or not emu_moto.valid_account(d.get("account")):
                raise OrgSeedError("organization: delegated_administrators are account ids, or "
                                   "{\"account\": ID, \"service_principal\": …}")
            aid = d["account"]
            if aid == mgmt:
                raise OrgSeedError("organization: the management account cannot be a delegated administrator")
            member = next((x for x in backend.accounts if x.id == aid), None)
            if member is None:
                raise OrgSeedError(f"organization: delegated administrator {aid} is not an account of the organization")
            admin = next((x for x in backend.admins if x.account.id == aid), None)
            if admin is None:
                admin = FakeDelegatedAdministrator(member)
                backend.admins.append(admin)
            principal = d.get("service_principal") or DEFAULT_DELEGATED_SERVICE
            admin.services[principal] = {"ServicePrincipal": principal,
                                         "DelegationEnabledDate": datetime.now(timezone.utc).timestamp()}
        return {"id": backend.org.id, "arn": backend.org.arn, "management_account": mgmt, "accounts": out}
