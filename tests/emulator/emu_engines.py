"""Engine facts the harness needs and moto lacks: parameter group families, default versions and
ports of the engines moto does not know (DocumentDB), and the engine-default parameters listed by
DescribeDBParameters / DescribeDBClusterParameters.

Used by the seeder, by the RDS front and by the moto patches (emu_moto), so it imports neither.
"""

from __future__ import annotations

import re

# Clusters that are not Aurora: Multi-AZ DB clusters (RDS for MySQL / PostgreSQL).
MULTI_AZ_CLUSTER_ENGINES = ("mysql", "postgres")

# What moto lacks for DocumentDB (moto 5.2.5 rejects the engine outright).
DOCDB_DEFAULT_VERSION = "5.0.0"
DOCDB_PORT = 27017


def default_cluster_storage_type(engine: str) -> str:
    """CreateDBCluster's StorageType default: aurora for Aurora, io1 for Multi-AZ DB clusters,
    standard for Neptune and DocumentDB."""
    if engine.startswith("aurora"):
        return "aurora"
    return "io1" if engine in MULTI_AZ_CLUSTER_ENGINES else "standard"


def major_of(engine: str, version: str) -> str:
    parts = version.split(".")
    if engine.startswith("aurora-mysql"):
        if ".mysql_aurora" in version:
            return version.split(".mysql_aurora")[0]
        return ".".join(parts[:2])
    if engine in ("mysql", "mariadb", "neptune", "docdb"):
        return ".".join(parts[:2])
    if "postgres" in engine:
        first = parts[0]
        return ".".join(parts[:2]) if first.isdigit() and int(first) < 10 else first
    if engine.startswith("sqlserver"):
        return ".".join(parts[:2])
    return parts[0]


def family_of(engine: str, version: str) -> str:
    """DBParameterGroupFamily: mysql8.0, postgres15, aurora-mysql8.0, aurora-postgresql15,
    neptune1.3, docdb5.0, oracle-ee-19, sqlserver-se-15.0."""
    major = major_of(engine, version)
    if engine.startswith("sqlserver"):
        p = major.split(".")
        # AWS spells the SQL Server 2019 family sqlserver-se-15.0 (the version is 15.00.xxxx)
        return f"{engine}-{int(p[0])}.{int(p[1]) if len(p) > 1 and p[1].isdigit() else 0}"
    if engine.startswith("oracle"):
        return f"{engine}-{major}"
    return f"{engine}{major}"


# --- engine-default parameters ------------------------------------------------------------------

# engine kind of a family, longest prefix first (aurora-mysql8.0 is not mysql)
_FAMILY_ENGINES = ("aurora-mysql", "aurora-postgresql", "mariadb", "mysql", "postgres", "neptune", "docdb")
_FAMILY = re.compile(r"^(%s)(\d[\d.]*)$" % "|".join(re.escape(e) for e in _FAMILY_ENGINES))

_MYSQL_MAX_CONNECTIONS = "{DBInstanceClassMemory/12582880}"
_PG_MAX_CONNECTIONS = "LEAST({DBInstanceClassMemory/9531392},5000)"
_AURORA_MYSQL_MAX_CONNECTIONS = (
    "GREATEST({log(DBInstanceClassMemory/805306368)*45},{log(DBInstanceClassMemory/8187281408)*1000})")


def _p(name, value, description, apply_type, data_type, allowed, source="engine-default") -> dict:
    """One engine-default Parameter (AWS member names); value None: listed without a value."""
    d = {"ParameterName": name, "Description": description, "Source": source, "ApplyType": apply_type,
         "DataType": data_type, "AllowedValues": allowed, "IsModifiable": True, "ApplyMethod": "pending-reboot"}
    if value is not None:
        d["ParameterValue"] = value
    return d


_MYSQL = [
    _p("innodb_buffer_pool_size", "{DBInstanceClassMemory*3/4}",
       "The size in bytes of the memory buffer innodb uses to cache data and indexes of its tables",
       "static", "integer", "0-18446744073709551615", source="system"),
    _p("long_query_time", None, "Defines what MySQL considers long queries", "dynamic", "float", "0-31536000"),
    _p("max_connections", _MYSQL_MAX_CONNECTIONS, "The number of simultaneous client connections allowed.",
       "dynamic", "integer", "1-100000"),
    _p("slow_query_log", None, "Enable or disable the slow query log", "dynamic", "boolean", "0,1"),
    _p("wait_timeout", None,
       "The number of seconds the server waits for activity on a noninteractive TCP/IP or UNIX File "
       "connection before closing it.", "dynamic", "integer", "1-31536000"),
]

_AURORA_MYSQL = [
    _p("innodb_buffer_pool_size", "{DBInstanceClassMemory*3/4}",
       "The size in bytes of the memory buffer innodb uses to cache data and indexes of its tables",
       "static", "integer", "0-18446744073709551615", source="system"),
    _p("long_query_time", None, "Defines what MySQL considers long queries", "dynamic", "float", "0-31536000"),
    _p("max_connections", _AURORA_MYSQL_MAX_CONNECTIONS, "The number of simultaneous client connections allowed.",
       "dynamic", "integer", "1-16000"),
    _p("slow_query_log", None, "Enable or disable the slow query log", "dynamic", "boolean", "0,1"),
    _p("wait_timeout", None,
       "The number of seconds the server waits for activity on a noninteractive TCP/IP or UNIX File "
       "connection before closing it.", "dynamic", "integer", "1-31536000"),
]

_AURORA_MYSQL_CLUSTER = [
    _p("binlog_format", "OFF", "Binary logging format for replication.", "static", "string",
       "ROW,STATEMENT,MIXED,OFF"),
    _p("character_set_server", None, "The server's default character set.", "dynamic", "string",
       "big5,dec8,cp850,hp8,koi8r,latin1,latin2,swe7,ascii,ujis,sjis,hebrew,tis620,euckr,koi8u,gb2312,"
       "greek,cp1250,gbk,latin5,armscii8,utf8,ucs2,cp866,keybcs2,macce,macroman,cp852,latin7,utf8mb4,"
       "cp1251,utf16,cp1256,cp1257,utf32,binary,geostd8,cp932,eucjpms"),
    _p("time_zone", None, "Sets the cluster time zone.", "dynamic", "string", "UTC,US/Eastern,Europe/London"),
]

_POSTGRES = [
    _p("log_min_duration_statement", None,
       "(ms) Sets the minimum execution time above which statements will be logged.", "dynamic", "integer",
       "-1-2147483647"),
    _p("max_connections", _PG_MAX_CONNECTIONS, "Sets the maximum number of concurrent connections.",
       "static", "integer", "6-8388607"),
    _p("shared_buffers", "{DBInstanceClassMemory/32768}",
       "(8kB) Sets the number of shared memory buffers used by the server.", "static", "integer",
       "16-1073741823", source="system"),
    _p("work_mem", None, "(kB) Sets the maximum memory to be used for query workspaces.", "dynamic", "integer",
       "64-2147483647"),
]

_AURORA_POSTGRES = [
    _p("log_min_duration_statement", None,
       "(ms) Sets the minimum execution time above which statements will be logged.", "dynamic", "integer",
       "-1-2147483647"),
    _p("max_connections", _PG_MAX_CONNECTIONS, "Sets the maximum number of concurrent connections.",
       "static", "integer", "6-262143"),
    _p("shared_buffers", "{DBInstanceClassMemory/10922}",
       "(8kB) Sets the number of shared memory buffers used by the server.", "static", "integer",
       "16-1073741823", source="system"),
    _p("work_mem", None, "(kB) Sets the maximum memory to be used for query workspaces.", "dynamic", "integer",
       "64-2147483647"),
]

_AURORA_POSTGRES_CLUSTER = [
    _p("max_connections", _PG_MAX_CONNECTIONS, "Sets the maximum number of concurrent connections.",
       "static", "integer", "6-262143"),
    _p("rds.force_ssl", "0", "Force SSL connections.", "dynamic", "boolean", "0,1"),
    _p("timezone", None, "Sets the time zone for displaying and interpreting time stamps.", "dynamic",
       "string", "UTC,US/Eastern,Europe/London"),
]

_NEPTUNE = [
    _p("neptune_query_timeout", "120000", "Graph query timeout (ms).", "dynamic", "integer", "10-2147483647"),
    _p("neptune_result_cache", "0", "Enable the query result cache.", "static", "boolean", "0,1"),
]

_NEPTUNE_CLUSTER = [
    _p("neptune_enable_audit_log", "0", "Enable audit logs.", "dynamic", "boolean", "0,1"),
    _p("neptune_query_timeout", "120000", "Graph query timeout (ms).", "dynamic", "integer", "10-2147483647"),
]

_DOCDB_CLUSTER = [
    _p("audit_logs", "disabled", "Enables auditing on cluster.", "dynamic", "string",
       "enabled,disabled,ddl,dml_read,dml_write,all,none"),
    _p("change_stream_log_retention_duration", "10800", "Duration of time in seconds that the change stream "
       "log is retained and can be consumed.", "dynamic", "integer", "3600-604800"),
    _p("profiler", "disabled", "Enables profiling for slow operations.", "dynamic", "string", "enabled,disabled"),
    _p("tls", "enabled", "Config to enable/disable TLS", "static", "string",
       "disabled,enabled,fips-140-3,tls1.2+,tls1.3+"),
    _p("ttl_monitor", "enabled", "Enables TTL Monitoring", "dynamic", "string", "disabled,enabled"),
]

# (engine kind, "db" | "cluster") -> engine-default parameters. Multi-AZ DB clusters (mysql,
# postgres) carry the instance parameters in their cluster parameter group; DocumentDB has only
# cluster parameters.
ENGINE_DEFAULTS = {
    ("mysql", "db"): _MYSQL, ("mysql", "cluster"): _MYSQL,
    ("mariadb", "db"): _MYSQL, ("mariadb", "cluster"): _MYSQL,
    ("postgres", "db"): _POSTGRES, ("postgres", "cluster"): _POSTGRES,
    ("aurora-mysql", "db"): _AURORA_MYSQL, ("aurora-mysql", "cluster"): _AURORA_MYSQL_CLUSTER,
    ("aurora-postgresql", "db"): _AURORA_POSTGRES, ("aurora-postgresql", "cluster"): _AURORA_POSTGRES_CLUSTER,
    ("neptune", "db"): _NEPTUNE, ("neptune", "cluster"): _NEPTUNE_CLUSTER,
    ("docdb", "db"): [], ("docdb", "cluster"): _DOCDB_CLUSTER,
}


def engine_of_family(family: str) -> str | None:
    """mysql for mysql8.0, aurora-postgresql for aurora-postgresql15; None if not a family the
    harness knows."""
    m = _FAMILY.match(family or "")
    return m.group(1) if m else None


def engine_defaults(family: str, kind: str) -> list[dict] | None:
    engine = engine_of_family(family)
    if engine is None:
        return None
    return [dict(p) for p in ENGINE_DEFAULTS[(engine, kind)]]


def user_parameter(stored: dict, defaults: list[dict]) -> dict:
    """A Parameter with Source user, from what ModifyDB(Cluster)ParameterGroup stored (AWS member
    names): the engine default's metadata (or a guess for a parameter the catalogue does not
    know) under the stored value, and the ApplyMethod a client would have sent (immediate for
    dynamic parameters, pending-reboot for static ones) when none was stored."""
    name = stored["ParameterName"]
    value = stored.get("ParameterValue")
    base = next((dict(p) for p in defaults if p["ParameterName"] == name), None)
    if base is None:
        base = {"ParameterName": name, "Description": name, "ApplyType": "dynamic",
                "DataType": "integer" if re.fullmatch(r"-?\d+", value or "") else "string", "IsModifiable": True}
    for field in ("Description", "ApplyType", "DataType", "AllowedValues"):
        if stored.get(field) is not None:
            base[field] = stored[field]
    if value is not None:
        base["ParameterValue"] = value
    base["Source"] = "user"
    base["ApplyMethod"] = stored.get("ApplyMethod") or (
        "pending-reboot" if base.get("ApplyType") == "static" else "immediate")
    return base
