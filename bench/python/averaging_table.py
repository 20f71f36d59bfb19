"""Convergence of parameter averaging: held-out losses against tokens seen for every run under a directory (one
run per sub-directory, written by `bin/bench averaging`), as a Markdown table and a plot."""
import glob
import json
import os
import sys

root, plot = sys.argv[1], sys.argv[2]


def read(pattern):
    out = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


runs = {}
for run in sorted(os.listdir(root)):
    train = read(os.path.join(root, run, "metrics/train-*.jsonl"))
    held_out = read(os.path.join(root, run, "metrics/eval-*.jsonl"))
    if not train or not held_out:
        continue
    info = json.load(open(os.path.join(root, run, "_run.json")))
    # Tokens per step of the whole run (all workers), from the logged rounds.
    per_step = sum(l["tokens"] / l["round_steps"] for l in train) / len(train)
    wall = info["results"].get("wall_seconds", float("nan"))
    runs[run] = {"per_step": per_step, "eval": held_out, "wall": wall}

print("| run | step | tokens seen | held-out loss | generator loss | discriminator loss | discriminator AUC |")
print("|---|---|---|---|---|---|---|")
for run, r in runs.items():
    for e in r["eval"]:
        print("| %s | %d | %.2fM | %.3f | %.3f | %.4f | %.3f |" % (
            run, e["step"], e["step"] * r["per_step"] / 1e6, e["loss"], e.get("generator_loss", float("nan")),
            e.get("discriminator_loss", float("nan")), e.get("discriminator_auc", float("nan"))))
print()
print("| run | wall seconds | final held-out loss | final generator loss | final discriminator loss |")
print("|---|---|---|---|---|")
for run, r in runs.items():
    e = r["eval"][-1]
    print("| %s | %.0f | %.3f | %.3f | %.4f |" % (run, r["wall"], e["loss"], e.get("generator_loss", float("nan")),
                                               e.get("discriminator_loss", float("nan"))))

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for run, r in runs.items():
    x = [e["step"] * r["per_step"] / 1e6 for e in r["eval"]]
    axes[0].plot(x, [e.get("generator_loss") for e in r["eval"]], marker="o", label=run)
    axes[1].plot(x, [e.get("discriminator_loss") for e in r["eval"]], marker="o", label=run)
axes[0].set_title("held-out generator loss")
axes[1].set_title("held-out discriminator loss")
for ax in axes:
    ax.set_xlabel("tokens seen (millions)")
    ax.grid(alpha=0.3)
axes[1].legend()
fig.tight_layout()
fig.savefig(plot, dpi=110)
print("plot: " + plot)
