"""IAM (awsQuery, global: signs as `iam` in us-east-1): moto answers, in the caller's account.

moto 5.2.5's ListAccountAliases sends no IsTruncated, which AWS always sends (false: an account
has at most one alias): added.
"""

from __future__ import annotations

import emu_moto
from emu_protocol import Reply, rds_error


def handle(account: str, region: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
           operation: str | None, access_key: str | None = None) -> Reply:
    try:
        r = emu_moto.call(method, "iam", region, path, query, headers, body, account=account, access_key=access_key)
    except emu_moto.NotImplementedByMoto:
        return rds_error(400, "InvalidAction", f"The action {operation} is not valid for this web service.",
                         service="iam")
    out = dict(r.headers)
    out["content-type"] = "text/xml"
    data = r.body
    if (r.status == 200 and operation == "ListAccountAliases" and b"<IsTruncated>" not in data
            and b"</ListAccountAliasesResult>" in data):
        data = data.replace(b"</ListAccountAliasesResult>", b"<IsTruncated>false</IsTruncated></ListAccountAliasesResult>")
    return Reply(r.status, out, data)
