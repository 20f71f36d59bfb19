"""Calibrates bin/electra plan's two round costs from real rounds: for every round of the given pretrain runs but the
first (which builds the models and warms the JIT up), the time outside the workers' steps (seconds - worker_seconds)
against the bytes on a round's critical path that the JVM serializes and copies: the broadcast B, one worker's return
r and the aggregate a (8P for the payload's sum in double + 16P for Adam's moments' sums: the runs average their
moments). A least-squares line y = c0 + x / s gives the fixed cost c0 and the rate s. On one machine the link itself
costs next to nothing, so s is the JVM's serialization and copying.

usage: python3 bench/python/round_fit.py RUN_DIR...
"""
import glob
import json
import sys

xs, ys, rows = [], [], []
for run in sys.argv[1:]:
    with open(run + "/_run.json") as f:
        info = json.load(f)
    results = info["results"]
    parameters = results["parameters"]
    lines = []
    for path in sorted(glob.glob(run + "/metrics/train-*.jsonl")):
        with open(path) as f:
            lines += [json.loads(line) for line in f if line.strip()]
    steady = [l for l in lines if l["round"] > 1]
    workers = len(steady[0]["workers"])
    for l in steady:
        x = l["broadcast_bytes"] + l["return_bytes"] / workers + 24 * parameters
        y = l["seconds"] - l["worker_seconds"]
        xs.append(x)
        ys.append(y)
    mean_y = sum(l["seconds"] - l["worker_seconds"] for l in steady) / len(steady)
    rows.append((run, parameters, workers, len(steady), xs[-1], mean_y))
n = len(xs)
mx, my = sum(xs) / n, sum(ys) / n
slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
c0 = my - slope * mx
print("| run | parameters | workers | rounds | bytes serialized per round | time outside the steps (mean) |")
print("|---|---:|---:|---:|---:|---:|")
for run, p, k, r, x, y in rows:
    print(f"| {run} | {p:,} | {k} | {r} | {x:,.0f} | {y:.3f} s |")
print()
print(f"fit over {n} rounds: fixed cost c0 = {c0:.3f} s, serialization and copying s = "
      f"{1 / slope / 1e9 if slope > 0 else float('inf'):.2f} GB/s")
