"""Throughput of a pretrain run from its metrics: tokens/s per round (the first round, which builds the models and
warms up the JIT, is left out), the per-worker rates, and the share of each round not spent training."""
import glob
import json
import sys

run, label = sys.argv[1], sys.argv[2]
lines = []
for path in sorted(glob.glob(run + "/metrics/train-*.jsonl")):
    with open(path) as f:
        lines += [json.loads(line) for line in f if line.strip()]
steady = [l for l in lines if l["round"] > 1] or lines
tokens = sum(l["tokens"] for l in steady)
seconds = sum(l["seconds"] for l in steady)
workers = {}
for l in steady:
    for w in l["workers"]:
        t, s = workers.get(w["worker"], (0, 0.0))
        workers[w["worker"]] = (t + w["tokens"], s + w["seconds"])
overhead = sum(l["overhead_share"] * l["seconds"] for l in steady) / seconds
broadcast = sum(l["broadcast_seconds"] for l in steady) / seconds
per_worker = ", ".join("worker %d %.0f" % (k, t / s) for k, (t, s) in sorted(workers.items()))
print("%s: %.0f tokens/s over %d rounds (%s tokens/s); global batch %d; not training: %.1f%% of each round "
      "(broadcast %.2f%%)" % (label, tokens / seconds, len(steady), per_worker, steady[0]["global_batch"],
                               100 * overhead, 100 * broadcast))
