"""Seeding: turn a scenario JSON into moto resources and harness data.

RDS and MSK resources are created through boto3 clients wired straight into moto (no socket,
no fault, no operation log entry). Metric datapoints go into moto's CloudWatch backend directly,
because botocore >= 1.40 speaks RPC v2 CBOR to CloudWatch and moto does not; alarms are made
with moto's PutMetricAlarm and SetAlarmState in AWS JSON 1.0. RDS events are kept by the front
(emu_rds), which answers DescribeEvents.

A scenario is created in one account, its `account` (default 123456789012): moto's clients are
told that account, and the front's data is kept under it. `organization` (emu_org) and
`monitoring` (emu_cloudwatch.link) name their accounts themselves; `account_alias` is made with
IAM CreateAccountAlias in the scenario's account.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import emu_cloudwatch
import emu_kafka
import emu_moto
import emu_org
import emu_rds
from emu_engines import MULTI_AZ_CLUSTER_ENGINES, family_of, major_of

DEFAULT_REGION = "us-east-1"
MASTER_PASSWORD = "harness-password-1"


class SeedError(Exception):
    pass


def _tags(d) -> list[dict]:
    """Tags as {"key": "value"} or as a list of {"Key": ..., "Value": ...}."""
    if not d:
        return []
    if isinstance(d, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in d.items()]
    if isinstance(d, list) and all(isinstance(t, dict) for t in d):
        out = []
        for t in d:
            k = t.get("Key", t.get("key"))
            if k is None:
                raise SeedError(f"tag without a key: {t}")
            out.append({"Key": str(k), "Value": str(t.get("Value", t.get("value", "")))})
        return out
    raise SeedError("tags must be an object of key -> value, or a list of {Key, Value}")


def _ts(value, what: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return emu_rds.iso(value)
    except (ValueError, TypeError) as e:
        raise SeedError(f"{what}: not a timestamp: {value!r}") from e


# Scenario parameter details -> the Parameter member names ModifyDBParameterGroup stores.
_PARAMETER_DETAIL = {"value": "ParameterValue", "apply_method": "ApplyMethod", "apply_type": "ApplyType",
                     "data_type": "DataType", "allowed_values": "AllowedValues", "description": "Description"}


def _parameter(name: str, spec) -> dict:
    """A parameter of a scenario group: "value", or {"value", "apply_method", "apply_type",
    "data_type", "allowed_values", "description"}."""
    if not isinstance(spec, dict):
        return {"ParameterName": name, "ParameterValue": str(spec)}
    unknown = set(spec) - set(_PARAMETER_DETAIL)
    if unknown:
        raise SeedError(f"parameter {name}: unknown fields {sorted(unknown)}")
    out = {"ParameterName": name}
    for key, field in _PARAMETER_DETAIL.items():
        if spec.get(key) is not None:
            out[field] = str(spec[key])
    return out


def _call(step: str, fn, **kwargs):
    try:
        return fn(**kwargs)
    except Exception as e:  # noqa: BLE001 - report which step failed
        raise SeedError(f"{step}: {type(e).__name__}: {e}") from e


def seed(scenario: dict) -> dict:
    if not isinstance(scenario, dict):
        raise SeedError("the scenario is a JSON object")
    known = {"account", "parameter_groups", "instances", "clusters", "global_clusters", "pending_actions",
             "engine_versions", "major_engine_versions", "blue_green", "kafka_clusters", "metrics",
             "events", "alarms", "account_alias", "organization", "monitoring"}
    unknown = set(scenario) - known
    if unknown:
        raise SeedError(f"unknown scenario keys: {sorted(unknown)}")
    account = scenario.get("account") or emu_moto.DEFAULT_ACCOUNT
    if not emu_moto.valid_account(account):
        raise SeedError(f"account must be a 12-digit account id (a string), got {account!r}")
    t0 = time.monotonic()
    out = {"account": account, "instances": {}, "clusters": {}, "kafka_clusters": {}, "global_clusters": {},
           "blue_green": {}, "parameter_groups": {}, "instances_by_region": {}, "clusters_by_region": {},
           "alarms": {}, "events": 0}
    data = emu_rds.data(account)

    def rds_client(region: str):
        return emu_moto.client("rds", region, account)

    # the organization, the monitoring links and the account alias come first: they name accounts
    if scenario.get("organization") is not None:
        try:
            out["organization"] = emu_org.seed_organization(scenario["organization"])
        except emu_org.OrgSeedError as e:
            raise SeedError(str(e)) from e
    if scenario.get("monitoring") is not None:
        out["monitoring"] = seed_monitoring(scenario["monitoring"])
    if scenario.get("account_alias") is not None:
        alias = scenario["account_alias"]
        if not isinstance(alias, str) or not alias:
            raise SeedError("account_alias is a string")
        iam = emu_moto.client("iam", DEFAULT_REGION, account)
        _call(f"account alias {alias}", iam.create_account_alias, AccountAlias=alias)
        out["account_alias"] = alias

    # 0. parameter groups, before the instances and clusters that name them
    for g in scenario.get("parameter_groups") or []:
        arn = seed_parameter_group(g, account)
        out["parameter_groups"][g["name"]] = arn

    clusters = scenario.get("clusters") or []
    instances = scenario.get("instances") or []
    globals_ = scenario.get("global_clusters") or []

    cluster_region: dict[str, str] = {}
    cluster_engine: dict[str, str] = {}
    cluster_class: dict[str, str] = {}  # Multi-AZ DB clusters: the members' default class
    for c in clusters:
        if "id" not in c:
            raise SeedError("every cluster needs an id")
        cluster_region[c["id"]] = c.get("region", DEFAULT_REGION)
        cluster_engine[c["id"]] = c.get("engine", "aurora-mysql")
        if c.get("db_cluster_instance_class"):
            cluster_class[c["id"]] = c["db_cluster_instance_class"]

    secondary_of: dict[str, str] = {}  # cluster id -> global cluster id
    for g in globals_:
        for s in g.get("secondaries") or []:
            secondary_of[s] = g["id"]

    def create_cluster(c: dict) -> None:
        region = c.get("region", DEFAULT_REGION)
        kwargs = {
            "DBClusterIdentifier": c["id"],
            "Engine": c.get("engine", "aurora-mysql"),
            "Tags": _tags(c.get("tags")),
        }
        if c["id"] in secondary_of:
            kwargs["GlobalClusterIdentifier"] = secondary_of[c["id"]]
        elif kwargs["Engine"] != "neptune":  # Neptune has no master user
            kwargs["MasterUsername"] = "admin"
            kwargs["MasterUserPassword"] = MASTER_PASSWORD
        if c.get("engine_version"):
            kwargs["EngineVersion"] = c["engine_version"]
        if c.get("maintenance_window"):
            kwargs["PreferredMaintenanceWindow"] = c["maintenance_window"]
        if c.get("engine_mode"):
            kwargs["EngineMode"] = c["engine_mode"]
        if c.get("auto_minor_version_upgrade") is not None:
            kwargs["AutoMinorVersionUpgrade"] = bool(c["auto_minor_version_upgrade"])
        if c.get("cluster_parameter_group"):
            kwargs["DBClusterParameterGroupName"] = _cluster_parameter_group(account, region, c)
        if c.get("serverless_v2"):
            v2 = c["serverless_v2"]
            if not isinstance(v2, dict) or "min" not in v2 or "max" not in v2:
                raise SeedError(f"cluster {c['id']}: serverless_v2 is {{\"min\": ACUs, \"max\": ACUs}}")
            kwargs["ServerlessV2ScalingConfiguration"] = {"MinCapacity": float(v2["min"]),
                                                          "MaxCapacity": float(v2["max"])}
        # Multi-AZ DB clusters (engine mysql or postgres)
        for key, field, conv in (("db_cluster_instance_class", "DBClusterInstanceClass", str),
                                 ("allocated_storage", "AllocatedStorage", int),
                                 ("storage_type", "StorageType", str), ("iops", "Iops", int)):
            if c.get(key) is not None:
                kwargs[field] = conv(c[key])
        rds = rds_client(region)
        r = _call(f"cluster {c['id']}", rds.create_db_cluster, **kwargs)
        arn = r["DBCluster"]["DBClusterArn"]
        out["clusters"][c["id"]] = arn
        out["clusters_by_region"].setdefault(region, {})[c["id"]] = arn
        overlay = {}
        for key, field in (("engine_lifecycle_support", "EngineLifecycleSupport"),
                           ("upgrade_rollout_order", "UpgradeRolloutOrder"),
                           ("status", "Status")):
            if c.get(key) is not None:
                overlay[field] = c[key]
        if c.get("pending_modified_values"):
            overlay["PendingModifiedValues"] = c["pending_modified_values"]
        if overlay:
            data.cluster_overlay[(region, c["id"])] = overlay

    # 1. clusters that are not secondaries of a global database
    for c in clusters:
        if c["id"] not in secondary_of:
            create_cluster(c)

    # 2. global clusters, then their secondaries
    for g in globals_:
        primary = g.get("primary")
        if not primary:
            raise SeedError(f"global cluster {g.get('id')}: primary is required")
        primary_arn = primary if primary.startswith("arn:") else out["clusters"].get(primary)
        if not primary_arn:
            raise SeedError(f"global cluster {g['id']}: primary {primary} is not a cluster of this scenario")
        rds = rds_client(DEFAULT_REGION)
        r = _call(f"global cluster {g['id']}", rds.create_global_cluster,
                  GlobalClusterIdentifier=g["id"], SourceDBClusterIdentifier=primary_arn)
        out["global_clusters"][g["id"]] = r["GlobalCluster"]["GlobalClusterArn"]
        data.global_primary[g["id"]] = primary_arn
        for s in g.get("secondaries") or []:
            sc = next((c for c in clusters if c["id"] == s), None)
            if sc is None:
                raise SeedError(f"global cluster {g['id']}: secondary {s} is not a cluster of this scenario")
            create_cluster(sc)

    # 3. instances: standalone and cluster members first (scenario order: the first member of a
    #    cluster is its writer), then replicas once their source exists.
    def inst_region(i: dict) -> str:
        return i.get("region", DEFAULT_REGION)

    created: set[tuple[str, str]] = set()

    def record(i: dict, db: dict) -> None:
        region = inst_region(i)
        out["instances"][i["id"]] = db["DBInstanceArn"]
        out["instances_by_region"].setdefault(region, {})[i["id"]] = db["DBInstanceArn"]
        created.add((region, i["id"]))
        overlay = {}
        for key, field in (("status", "DBInstanceStatus"),
                           ("engine_lifecycle_support", "EngineLifecycleSupport"),
                           ("upgrade_rollout_order", "UpgradeRolloutOrder"),
                           ("secondary_availability_zone", "SecondaryAvailabilityZone")):
            if i.get(key) is not None:
                overlay[field] = i[key]
        if i.get("pending_modified_values"):
            overlay["PendingModifiedValues"] = i["pending_modified_values"]
        if i.get("instance_create_time") not in (None, ""):
            overlay["InstanceCreateTime"] = _ts(i["instance_create_time"], f"instance {i['id']} instance_create_time")
        if overlay:
            data.instance_overlay[(region, i["id"])] = overlay
        if i.get("parameter_apply_status"):
            data.parameter_apply_status[(region, i["id"])] = i["parameter_apply_status"]

    used_azs: dict[str, set[str]] = {}  # Multi-AZ DB cluster id -> AZs its members took

    def member_az(i: dict, cid: str) -> str:
        """A Multi-AZ DB cluster spreads its members over distinct AZs (writer first: a, b, c)."""
        region = inst_region(i)
        taken = used_azs.setdefault(cid, set())
        az = i.get("availability_zone") or next(
            (f"{region}{x}" for x in "abcdef" if f"{region}{x}" not in taken), f"{region}a")
        taken.add(az)
        return az

    def create_instance(i: dict) -> None:
        region = inst_region(i)
        rds = rds_client(region)
        kwargs = {
            "DBInstanceIdentifier": i["id"],
            "DBInstanceClass": i.get("class", "db.r6g.large"),
            "AvailabilityZone": i.get("availability_zone") or f"{region}a",
        }
        if i.get("auto_minor_version_upgrade") is not None:
            kwargs["AutoMinorVersionUpgrade"] = bool(i["auto_minor_version_upgrade"])
        if i.get("maintenance_window"):
            kwargs["PreferredMaintenanceWindow"] = i["maintenance_window"]
        if i.get("promotion_tier") is not None:
            kwargs["PromotionTier"] = int(i["promotion_tier"])
        if i.get("parameter_group"):
            kwargs["DBParameterGroupName"] = i["parameter_group"]
        tags = _tags(i.get("tags"))
        if tags:
            kwargs["Tags"] = tags
        cid = i.get("cluster_id")
        if cid:
            if cid not in out["clusters"]:
                raise SeedError(f"instance {i['id']}: cluster {cid} is not a cluster of this scenario")
            kwargs["DBClusterIdentifier"] = cid
            kwargs["Engine"] = i.get("engine") or cluster_engine[cid]
            if cluster_engine[cid] in MULTI_AZ_CLUSTER_ENGINES:
                kwargs["AvailabilityZone"] = member_az(i, cid)
                if not i.get("class") and cluster_class.get(cid):
                    kwargs["DBInstanceClass"] = cluster_class[cid]
        else:
            kwargs["Engine"] = i.get("engine", "mysql")
            kwargs["AllocatedStorage"] = int(i.get("allocated_storage", 100))
            kwargs["MasterUsername"] = "admin"
            kwargs["MasterUserPassword"] = MASTER_PASSWORD
            kwargs["MultiAZ"] = bool(i.get("multi_az", False))
            if i.get("engine_version"):
                kwargs["EngineVersion"] = i["engine_version"]
        r = _call(f"instance {i['id']}", rds.create_db_instance, **kwargs)
        record(i, r["DBInstance"])

    def create_replica(i: dict, source: str) -> None:
        region = inst_region(i)
        rds = rds_client(region)
        kwargs = {
            "DBInstanceIdentifier": i["id"],
            "SourceDBInstanceIdentifier": source,
            "DBInstanceClass": i.get("class", "db.r6g.large"),
            "AvailabilityZone": i.get("availability_zone") or f"{region}a",
            "MultiAZ": bool(i.get("multi_az", False)),
        }
        if i.get("auto_minor_version_upgrade") is not None:
            kwargs["AutoMinorVersionUpgrade"] = bool(i["auto_minor_version_upgrade"])
        if i.get("parameter_group"):
            kwargs["DBParameterGroupName"] = i["parameter_group"]
        tags = _tags(i.get("tags"))
        kwargs["Tags"] = tags
        r = _call(f"replica {i['id']}", rds.create_db_instance_read_replica, **kwargs)
        db = r["DBInstance"]
        if i.get("maintenance_window"):
            r = _call(f"replica {i['id']} maintenance window", rds.modify_db_instance,
                      DBInstanceIdentifier=i["id"], PreferredMaintenanceWindow=i["maintenance_window"],
                      ApplyImmediately=True)
        record(i, db)

    for i in instances:
        if "id" not in i:
            raise SeedError("every instance needs an id")
    pending = []
    for i in instances:
        if i.get("replica_source"):
            pending.append(i)
        else:
            create_instance(i)
    while pending:
        progress = []
        for i in pending:
            src = i["replica_source"]
            if src.startswith("arn:"):
                parts = src.split(":")
                ready = len(parts) >= 7 and ((parts[3], parts[6]) in created or
                                             not any(inst_region(x) == parts[3] and x["id"] == parts[6]
                                                     for x in pending))
            else:
                ready = (inst_region(i), src) in created
            if ready:
                create_replica(i, src)
                progress.append(i)
        if not progress:
            names = ", ".join(f"{i['id']} <- {i['replica_source']}" for i in pending)
            raise SeedError(f"replica sources not found in the scenario (same region, or an ARN): {names}")
        pending = [i for i in pending if i not in progress]

    # 4. blue/green deployments
    for b in scenario.get("blue_green") or []:
        region = b.get("region", DEFAULT_REGION)
        src = b.get("source_id") or b.get("source")
        source_arn = src if src and src.startswith("arn:") else out["instances_by_region"].get(region, {}).get(src)
        if not source_arn:
            source_arn = out["clusters_by_region"].get(region, {}).get(src)
        if not source_arn:
            raise SeedError(f"blue/green {b.get('name')}: source {src} is not in this scenario's {region}")
        kwargs = {"BlueGreenDeploymentName": b["name"], "Source": source_arn}
        if b.get("target_engine_version"):
            kwargs["TargetEngineVersion"] = b["target_engine_version"]
        if b.get("target_class"):
            kwargs["TargetDBInstanceClass"] = b["target_class"]
        r = _call(f"blue/green {b['name']}", rds_client(region).create_blue_green_deployment, **kwargs)
        out["blue_green"][b["name"]] = r["BlueGreenDeployment"]["BlueGreenDeploymentIdentifier"]
        overlay = {}
        for key, field in (("status", "Status"), ("status_details", "StatusDetails")):
            if b.get(key) is not None:
                overlay[field] = b[key]
        if b.get("create_time") not in (None, ""):
            overlay["CreateTime"] = _ts(b["create_time"], f"blue/green {b['name']} create_time")
        if overlay:
            data.blue_green_overlay[(region, b["name"])] = overlay

    # 5. pending maintenance actions
    for a in scenario.get("pending_actions") or []:
        region = a.get("region", DEFAULT_REGION)
        rid = a.get("resource_id") or a.get("resource_arn")
        if not rid:
            raise SeedError("pending action without resource_id")
        arn = rid if rid.startswith("arn:") else _resource_arn(account, region, rid, out)
        detail = {
            "Action": a.get("action", "system-update"),
            "AutoAppliedAfterDate": _ts(a.get("auto_applied_after"), "auto_applied_after"),
            "ForcedApplyDate": _ts(a.get("forced_apply"), "forced_apply"),
            "OptInStatus": a.get("opt_in_status"),
            "CurrentApplyDate": _ts(a.get("current_apply"), "current_apply"),
            "Description": a.get("description"),
        }
        with data.lock:
            data.pending_actions.append({"region": region, "arn": arn,
                                                 "detail": {k: v for k, v in detail.items() if v is not None}})

    # 6. engine versions
    for v in scenario.get("engine_versions") or []:
        region = v.get("region", DEFAULT_REGION)
        engine, version = v["engine"], v["engine_version"]
        targets = []
        for t in v.get("upgrade_targets") or []:
            tv = t["engine_version"]
            targets.append({
                "Engine": t.get("engine", engine),
                "EngineVersion": tv,
                "Description": t.get("description", f"{engine} {tv}"),
                "AutoUpgrade": bool(t.get("auto_upgrade", False)),
                "IsMajorVersionUpgrade": bool(t.get("is_major", major_of(engine, tv) != major_of(engine, version))),
            })
        auto = v.get("auto_upgrade_target")
        if auto and not any(t["EngineVersion"] == auto for t in targets):
            targets.insert(0, {
                "Engine": engine, "EngineVersion": auto, "Description": f"{engine} {auto}",
                "AutoUpgrade": True,
                "IsMajorVersionUpgrade": major_of(engine, auto) != major_of(engine, version),
            })
        doc = {
            "Engine": engine,
            "EngineVersion": version,
            "MajorEngineVersion": major_of(engine, version),
            "DBParameterGroupFamily": v.get("parameter_group_family") or family_of(engine, version),
            "DBEngineDescription": v.get("engine_description", engine),
            "DBEngineVersionDescription": v.get("description", f"{engine} {version}"),
            "ValidUpgradeTarget": targets,
            "SupportsReadReplica": True,
            "Status": v.get("status", "available"),
            "SupportsLogExportsToCloudwatchLogs": True,
            "SupportsParallelQuery": False,
            "SupportsGlobalDatabases": engine.startswith("aurora"),
            "SupportsBabelfish": False,
            "SupportsLimitlessDatabase": False,
            "SupportsIntegrations": False,
        }
        with data.lock:
            data.engine_versions.append({"region": region, "version": doc})

    # 7. major engine versions (DescribeDBMajorEngineVersions)
    for v in scenario.get("major_engine_versions") or []:
        lifecycles = [{
            "LifecycleSupportName": lc["name"],
            "LifecycleSupportStartDate": _ts(lc.get("start"), "lifecycle start"),
            "LifecycleSupportEndDate": _ts(lc.get("end"), "lifecycle end"),
        } for lc in v.get("lifecycles") or []]
        doc = {"Engine": v["engine"], "MajorEngineVersion": v["major_engine_version"],
               "SupportedEngineLifecycles": lifecycles}
        with data.lock:
            data.major_versions.append({"region": v.get("region"), "version": doc})

    # 8. MSK clusters
    for k in scenario.get("kafka_clusters") or []:
        region = k.get("region", DEFAULT_REGION)
        kafka = emu_moto.client("kafka", region, account)
        kwargs = {"ClusterName": k["name"]}
        if k.get("tags"):
            kwargs["Tags"] = {str(a): str(b) for a, b in k["tags"].items()}
        if k.get("serverless"):
            kwargs["Serverless"] = {"VpcConfigs": [{"SubnetIds": ["subnet-0a", "subnet-0b"]}]}
        else:
            kwargs["Provisioned"] = {
                "BrokerNodeGroupInfo": {
                    "InstanceType": k.get("instance_type", "kafka.m5.large"),
                    "ClientSubnets": ["subnet-0a", "subnet-0b", "subnet-0c"],
                },
                "KafkaVersion": k.get("kafka_version", "3.6.0"),
                "NumberOfBrokerNodes": int(k.get("broker_count", 3)),
                "EnhancedMonitoring": k.get("enhanced_monitoring", "DEFAULT"),
            }
        r = _call(f"kafka cluster {k['name']}", kafka.create_cluster_v2, **kwargs)
        out["kafka_clusters"][k["name"]] = r["ClusterArn"]
        if k.get("state"):
            emu_kafka.DATA.state_by_arn[r["ClusterArn"]] = k["state"]

    # 9. metrics, straight into moto's CloudWatch backend
    npoints = 0
    for m in scenario.get("metrics") or []:
        region = m.get("region", DEFAULT_REGION)
        dims = [{"Name": str(a), "Value": str(b)} for a, b in (m.get("dimensions") or {}).items()]
        batch = []
        for p in m.get("points") or []:
            if not isinstance(p, (list, tuple)) or len(p) != 2:
                raise SeedError(f"metric {m.get('name')}: points are [epoch_seconds, value]")
            d = {
                "MetricName": m["name"],
                "Dimensions": dims,
                # moto keeps naive UTC datetimes internally
                "Timestamp": datetime.fromtimestamp(float(p[0]), timezone.utc).replace(tzinfo=None),
                "Value": float(p[1]),
            }
            if m.get("unit"):
                d["Unit"] = m["unit"]
            batch.append(d)
        with emu_moto.LOCK:
            _call(f"metric {m.get('namespace')}/{m.get('name')}",
                  emu_moto.cloudwatch_backend(region, account).put_metric_data,
                  namespace=m["namespace"], metric_data=batch)
        npoints += len(batch)

    # 10. CloudWatch metric alarms (moto's PutMetricAlarm, then SetAlarmState)
    for a in scenario.get("alarms") or []:
        name, arn = seed_alarm(a, account)
        out["alarms"][name] = arn

    # 11. RDS events (served by the front's DescribeEvents)
    for e in scenario.get("events") or []:
        seed_event(e, account)
        out["events"] += 1

    out["datapoints"] = npoints
    out["seconds"] = round(time.monotonic() - t0, 3)
    return out


_EVENT_FIELDS = {"region", "source_id", "source_type", "at", "categories", "message", "source_arn"}


def seed_event(e: dict, account: str = emu_moto.DEFAULT_ACCOUNT) -> None:
    """An RDS event: {"region", "source_id", "source_type" (default db-instance), "at" (RFC 3339),
    "categories", "message", "source_arn" (default built from the type and id)}."""
    if not isinstance(e, dict):
        raise SeedError("an event is a JSON object")
    unknown = set(e) - _EVENT_FIELDS
    if unknown:
        raise SeedError(f"event {e.get('source_id')}: unknown fields {sorted(unknown)}")
    for key in ("source_id", "at", "message"):
        if not isinstance(e.get(key), str) or not e[key]:
            raise SeedError(f"event {e.get('source_id')}: {key} is required (a string)")
    region = e.get("region") or DEFAULT_REGION
    source_type = e.get("source_type") or "db-instance"
    if source_type not in emu_rds.event_source_types():
        raise SeedError(f"event {e['source_id']}: source_type {source_type!r} is not one of "
                        f"{emu_rds.event_source_types()}")
    categories = e.get("categories") or []
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise SeedError(f"event {e['source_id']}: categories is a list of strings")
    try:
        emu_rds.parse_time(e["at"])
    except ValueError as err:
        raise SeedError(f"event {e['source_id']}: at is not an RFC 3339 timestamp: {e['at']!r}") from err
    emu_rds.add_event(account, region, e["at"], e["source_id"], source_type, e["message"], categories,
                      e.get("source_arn") or None)


_ALARM_FIELDS = {"region", "name", "namespace", "metric", "dimensions", "state", "reason", "threshold",
                 "comparison", "statistic", "period", "evaluation_periods", "state_updated_at"}
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


def seed_alarm(a: dict, account: str = emu_moto.DEFAULT_ACCOUNT) -> tuple[str, str]:
    """A metric alarm made by moto's PutMetricAlarm (statistic Average, period 60, one
    evaluation period unless given), then put in its state with SetAlarmState."""
    if not isinstance(a, dict):
        raise SeedError("an alarm is a JSON object")
    unknown = set(a) - _ALARM_FIELDS
    if unknown:
        raise SeedError(f"alarm {a.get('name')}: unknown fields {sorted(unknown)}")
    for key in ("name", "namespace", "metric"):
        if not isinstance(a.get(key), str) or not a[key]:
            raise SeedError(f"alarm {a.get('name')}: {key} is required (a string)")
    name = a["name"]
    region = a.get("region") or DEFAULT_REGION
    state = a.get("state") or "INSUFFICIENT_DATA"
    if state not in ALARM_STATES:
        raise SeedError(f"alarm {name}: state must be one of {list(ALARM_STATES)}, got {state!r}")
    dims = a.get("dimensions") or {}
    if isinstance(dims, dict):
        dims = [{"Name": str(k), "Value": str(v)} for k, v in dims.items()]
    elif isinstance(dims, list) and all(isinstance(d, dict) and "Name" in d for d in dims):
        dims = [{"Name": str(d["Name"]), "Value": str(d.get("Value", ""))} for d in dims]
    else:
        raise SeedError(f"alarm {name}: dimensions is an object of name -> value (or a list of {{Name, Value}})")
    try:
        threshold = float(a.get("threshold", 80))
    except (TypeError, ValueError):
        raise SeedError(f"alarm {name}: threshold is a number") from None
    doc = {
        "AlarmName": name,
        "Namespace": a["namespace"],
        "MetricName": a["metric"],
        "Dimensions": dims,
        "Statistic": a.get("statistic") or "Average",
        "Period": int(a.get("period") or 60),
        "EvaluationPeriods": int(a.get("evaluation_periods") or 1),
        "Threshold": threshold,
        "ComparisonOperator": a.get("comparison") or "GreaterThanThreshold",
    }
    reason = a.get("reason") or ("Unchecked: Initial alarm creation" if state == "INSUFFICIENT_DATA"
                                 else f"Seeded in state {state}")
    try:
        emu_cloudwatch.moto_json(account, region, "PutMetricAlarm", doc)
        emu_cloudwatch.moto_json(account, region, "SetAlarmState",
                                 {"AlarmName": name, "StateValue": state, "StateReason": str(reason)})
    except emu_cloudwatch.CwError as e:
        raise SeedError(f"alarm {name}: {e.query_code}: {e.message}") from e
    if a.get("state_updated_at") not in (None, ""):
        try:
            when = emu_rds.parse_time(a["state_updated_at"])
        except ValueError as e:
            raise SeedError(f"alarm {name}: state_updated_at is not a timestamp") from e
        with emu_moto.LOCK:  # moto keeps naive UTC datetimes
            emu_moto.cloudwatch_backend(region, account).alarms[name].state_updated_timestamp = when.replace(tzinfo=None)
    return name, f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"


def seed_parameter_group(g: dict, account: str = emu_moto.DEFAULT_ACCOUNT) -> str:
    """Create a DB or DB cluster parameter group in moto and set its parameters (20 a call, as
    ModifyDBParameterGroup allows); answers its ARN."""
    for key in ("name", "family"):
        if not g.get(key):
            raise SeedError(f"parameter group {g.get('name')}: {key} is required")
    kind = g.get("kind", "db")
    if kind not in ("db", "cluster"):
        raise SeedError(f"parameter group {g['name']}: kind is db or cluster, got {kind!r}")
    parameters = g.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise SeedError(f"parameter group {g['name']}: parameters is an object of name -> value")
    rds = emu_moto.client("rds", g.get("region", DEFAULT_REGION), account)
    what = f"parameter group {g['name']}"
    description = g.get("description") or f"{g['name']} ({g['family']})"
    params = [_parameter(str(k), v) for k, v in parameters.items()]
    if kind == "db":
        r = _call(what, rds.create_db_parameter_group, DBParameterGroupName=g["name"],
                  DBParameterGroupFamily=g["family"], Description=description)
        arn = r["DBParameterGroup"]["DBParameterGroupArn"]
        for n in range(0, len(params), 20):
            _call(what, rds.modify_db_parameter_group, DBParameterGroupName=g["name"], Parameters=params[n:n + 20])
    else:
        r = _call(what, rds.create_db_cluster_parameter_group, DBClusterParameterGroupName=g["name"],
                  DBParameterGroupFamily=g["family"], Description=description)
        arn = r["DBClusterParameterGroup"]["DBClusterParameterGroupArn"]
        for n in range(0, len(params), 20):
            _call(what, rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName=g["name"],
                  Parameters=params[n:n + 20])
    return arn


def _cluster_parameter_group(account: str, region: str, c: dict) -> str:
    """moto takes any DBClusterParameterGroupName; AWS wants a default group or one that exists."""
    name = c["cluster_parameter_group"]
    if not name.lower().startswith("default."):
        with emu_moto.LOCK:
            known = name.lower() in emu_moto.rds_backend(region, account).db_cluster_parameter_groups
        if not known:
            raise SeedError(f"cluster {c['id']}: DB cluster parameter group {name} not found in {region} "
                            "(add it to parameter_groups with \"kind\": \"cluster\")")
    return name


def _resource_arn(account: str, region: str, ident: str, out: dict) -> str:
    arn = out["instances_by_region"].get(region, {}).get(ident) or out["clusters_by_region"].get(region, {}).get(ident)
    if arn:
        return arn
    rds = emu_moto.client("rds", region, account)
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]["DBInstanceArn"]
    except Exception:  # noqa: BLE001
        pass
    try:
        return rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]["DBClusterArn"]
    except Exception as e:  # noqa: BLE001
        raise SeedError(f"pending action: no instance or cluster {ident} in {region}") from e


def seed_monitoring(spec) -> dict:
    """CloudWatch cross-account observability: {"account": MONITORING, "linked": [SOURCE, ...],
    "regions": [...] (optional; absent: every region)}, or a list of such objects. Additive:
    seeding again links more source accounts."""
    specs = spec if isinstance(spec, list) else [spec]
    out = {}
    for m in specs:
        if not isinstance(m, dict):
            raise SeedError("monitoring is {\"account\": ID, \"linked\": [ID, ...]} (or a list of them)")
        unknown = set(m) - {"account", "linked", "regions"}
        if unknown:
            raise SeedError(f"monitoring: unknown fields {sorted(unknown)}")
        mon = m.get("account")
        if not emu_moto.valid_account(mon):
            raise SeedError(f"monitoring: account must be a 12-digit account id (a string), got {mon!r}")
        linked = m.get("linked") or []
        if not isinstance(linked, list) or not all(emu_moto.valid_account(a) for a in linked):
            raise SeedError("monitoring: linked is a list of 12-digit account ids (strings)")
        regions = m.get("regions")
        if regions is not None and (not isinstance(regions, list) or not all(isinstance(r, str) for r in regions)):
            raise SeedError("monitoring: regions is a list of region names (or absent: every region)")
        emu_cloudwatch.link(mon, linked, regions)
        out[mon] = emu_cloudwatch.monitoring_links().get(mon, {})
    return out
