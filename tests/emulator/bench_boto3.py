#!/usr/bin/env python3
"""The comparison side of benches/live_scale.rs: gather the same metrics as one dbfleet poll
with boto3, either naively (one GetMetricStatistics per metric, as many scripts do) or batched
(GetMetricData, 500 queries per call, NextToken followed). Prints one JSON line:
{"mode", "calls", "wall_s", "cpu_s", "datapoints"}.

    python3 bench_boto3.py --endpoint URL --plan plan.json --mode naive|batched
"""

import argparse
import json
import resource
import time
from datetime import datetime, timezone

import boto3
from botocore.config import Config


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--mode", choices=["naive", "batched"], required=True)
    a = ap.parse_args()
    plan = json.load(open(a.plan))
    start = datetime.fromtimestamp(plan["start"], timezone.utc)
    end = datetime.fromtimestamp(plan["end"], timezone.utc)
    cfg = Config(retries={"max_attempts": 3, "mode": "standard"})
    clients = {
        region: boto3.client("cloudwatch", region_name=region, endpoint_url=a.endpoint,
                             aws_access_key_id="testing", aws_secret_access_key="testing", config=cfg)
        for region in plan["regions"]
    }
    calls = 0
    points = 0
    t0, c0 = time.perf_counter(), cpu_seconds()
    for region, queries in plan["regions"].items():
        cw = clients[region]
        if a.mode == "naive":
            for q in queries:
                dims = [{"Name": n, "Value": v} for n, v in q["dimensions"]]
                r = cw.get_metric_statistics(Namespace=q["namespace"], MetricName=q["metric"], Dimensions=dims,
                                             StartTime=start, EndTime=end, Period=60, Statistics=[q["stat"]])
                calls += 1
                points += len(r.get("Datapoints", []))
        else:
            for i in range(0, len(queries), 500):
                batch = [{
                    "Id": f"q{j}",
                    "MetricStat": {"Metric": {"Namespace": q["namespace"], "MetricName": q["metric"],
                                              "Dimensions": [{"Name": n, "Value": v} for n, v in q["dimensions"]]},
                                   "Period": 60, "Stat": q["stat"]},
                } for j, q in enumerate(queries[i:i + 500])]
                token = None
                while True:
                    kw = {"MetricDataQueries": batch, "StartTime": start, "EndTime": end}
                    if token:
                        kw["NextToken"] = token
                    r = cw.get_metric_data(**kw)
                    calls += 1
                    points += sum(len(x.get("Values", [])) for x in r.get("MetricDataResults", []))
                    token = r.get("NextToken")
                    if not token:
                        break
    print(json.dumps({"mode": a.mode, "calls": calls, "wall_s": time.perf_counter() - t0,
                      "cpu_s": cpu_seconds() - c0, "datapoints": points}))


if __name__ == "__main__":
    main()
