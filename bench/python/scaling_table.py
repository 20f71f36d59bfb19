"""The scaling study's table (docs/scaling.md): one row per run of bin/bench scaling-study, the run's shape (K logical
workers, H local steps per round, the outer optimizer and its rate and momentum, the moments' policy, the global
batch, tokens seen, wall time) and what it learned: held-out loss, generator accuracy and discriminator AUC at the
end (evaluation.json's intrinsic metrics) and the part-of-speech probe with its 95% interval. Rows of the synchronous
baseline (one worker at K × the batch, one row per seed) are marked "sync".

The last column sets each averaged run against the synchronous runs at the same global batch: its held-out loss minus
their mean, and "within" when the loss is no higher than the worst synchronous seed's (the seeds' spread), "behind"
otherwise. A second table gives, per K, the synchronous spread and the runs within it.

usage: python3 bench/python/scaling_table.py RUN_DIR...
"""
import json
import sys


def load(run):
    try:
        with open(run + "/pretrain/_run.json") as f:
            info = json.load(f)
        with open(run + "/evaluation/evaluation.json") as f:
            ev = json.load(f)
    except FileNotFoundError:
        return None
    r = info["results"]
    d = r["distributed"]
    outer = d["outer_optimizer"]
    if outer == "nesterov":
        outer += f" {d['outer_learning_rate']}/{d['outer_momentum']}"
    h = d["averaging_frequency"]
    sync = r["workers"] == 1
    if sync:
        # one worker: averaging is the identity, whatever H and the outer step
        h, outer = "–", "sync"
    i = ev["intrinsic"]
    return {
        "name": run.rstrip("/").split("/")[-1], "workers": r["workers"], "h": h, "outer": outer,
        "moments": d["optimizer_state"], "batch": r["global_batch"], "sync": sync,
        "tokens": r["global_batch"] * r["final_step"] * r["max_seq_length"], "seconds": r["training_seconds"],
        "loss": i["loss"], "accuracy": i["generator_accuracy"], "auc": i["discriminator_auc"],
        "pos": ev["probes"]["pos"]["token"],
    }


runs = [(run, load(run)) for run in sys.argv[1:]]
# the synchronous runs' losses by global batch: a K-worker run is compared with those at its global batch
sync_losses = {}
for _, r in runs:
    if r and r["sync"]:
        sync_losses.setdefault(r["batch"], []).append(r["loss"])

print("| run | K | H | outer | moments | global batch | tokens | wall | held-out loss | generator acc | "
      "discriminator AUC | pos probe [95%] | loss − sync mean |")
print("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|")
within = {}
for run, r in runs:
    if r is None:
        print(f"| {run} | not finished |")
        continue
    verdict = ""
    losses = sync_losses.get(r["batch"])
    if not r["sync"] and losses:
        mean = sum(losses) / len(losses)
        ok = r["loss"] <= max(losses)
        verdict = f"{r['loss'] - mean:+.3f} ({'within' if ok else 'behind'})"
        within.setdefault(r["batch"], []).append((r["name"], ok, r["loss"] - mean))
    pos = r["pos"]
    print(f"| {r['name']} | {r['workers']} | {r['h']} | {r['outer']} | {r['moments']} | {r['batch']} | "
          f"{r['tokens'] / 1e6:.2f}M | {r['seconds']:.0f} s | {r['loss']:.3f} | {r['accuracy']:.3f} | "
          f"{r['auc']:.3f} | {pos['test']:.3f} [{pos['test_low']:.3f}, {pos['test_high']:.3f}] | {verdict} |")

print()
print("| global batch | synchronous seeds' held-out loss | within their spread | behind |")
print("|---:|---|---|---|")
for batch in sorted(sync_losses):
    runs_at = within.get(batch, [])
    inside = ", ".join(f"{n} ({d:+.3f})" for n, ok, d in runs_at if ok) or "none"
    behind = ", ".join(f"{n} ({d:+.3f})" for n, ok, d in runs_at if not ok) or "none"
    seeds = ", ".join(f"{x:.3f}" for x in sync_losses[batch])
    print(f"| {batch} | {seeds} | {inside} | {behind} |")
