"""Summarises `bin/bench learning`: for each run, the training loss at the start and the end, and the held-out
evaluations (generator accuracy, discriminator accuracy against the all-original baseline, AUC, main loss)."""
import glob
import json
import os
import sys


def lines(pattern):
    out = []
    for f in sorted(glob.glob(pattern)):
        with open(f) as fh:
            out += [json.loads(l) for l in fh if l.strip()]
    return out


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


root = sys.argv[1] if len(sys.argv) > 1 else "runs/learning"
print("| run | steps | train loss first 30 steps -> last 30 | held-out loss | generator acc | "
      "discriminator acc (all-original) | discriminator AUC | main loss / acc |")
print("|---|---:|---|---:|---:|---:|---:|---|")
for run in sorted(os.listdir(root)):
    train = lines(os.path.join(root, run, "metrics", "train-*.jsonl"))
    evals = lines(os.path.join(root, run, "metrics", "eval-*.jsonl"))
    if not train or not evals:
        continue
    first = sum(m["loss"] for m in train[:3]) / len(train[:3])
    last = sum(m["loss"] for m in train[-3:]) / len(train[-3:])
    e = evals[-1]
    disc = "-"
    if "discriminator_accuracy" in e:
        disc = f'{e["discriminator_accuracy"]:.4f} ({1 - e["replaced_share"]:.4f})'
    main = "-"
    if "main_loss" in e:
        main = f'{e["main_loss"]:.3f} / {fmt(e.get("main_accuracy"))}'
    print(f'| {run} | {train[-1]["step"]} | {first:.3f} -> {last:.3f} | {e["loss"]:.3f} | '
          f'{fmt(e.get("generator_accuracy"))} | {disc} | {fmt(e.get("discriminator_auc"))} | {main} |')
