"""Summarises `bin/bench budget`: for each budget point (an ablation directory), each
objective's compute (steps, sequence length, vocabulary size, tokens, FLOPs, training wall time), its held-out discriminator AUC and generator accuracy
at the end of pretraining, and every probe's test score with its 95% bootstrap interval, marked against the
never-pretrained row (`+`: the interval lies wholly above the random row's, `-`: wholly below, `=`: they overlap)
and, for ELECTRA and ELECTRA 15%, against each other at the same point (`>`/`<` when the intervals do not overlap)."""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def probes(evaluation):
    out = {}
    for task, p in (evaluation or {}).get("probes", {}).items():
        p = p.get("token", p.get("mean"))
        out[task] = (p["test"], p["test_low"], p["test_high"])
    return out


def mark(p, floor):
    if floor is None:
        return ""
    return "+" if p[1] > floor[2] else "-" if p[2] < floor[1] else "="


# the arguments: ablation directories (default: every one under runs/budget)
dirs = sys.argv[1:] or sorted(os.path.join("runs/budget", d) for d in os.listdir("runs/budget"))
dirs = [d for d in dirs if load(os.path.join(d, "_ablation.json"))]
tasks = []
rows = []
for path in dirs:
    name = os.path.basename(os.path.normpath(path))
    point = os.path.basename(os.path.dirname(os.path.normpath(path))) if name == "ablation" else name
    ablation = load(os.path.join(path, "_ablation.json"))
    random = probes(load(os.path.join(path, "random", "evaluation", "evaluation.json")))
    objectives = ablation["objectives"]
    scored = {o: probes(load(os.path.join(path, o, "evaluation", "evaluation.json"))) for o in objectives}
    for t in random:
        if t not in tasks:
            tasks.append(t)
    for o in objectives:
        run = load(os.path.join(path, o, "pretrain", "_run.json"))["results"]
        held = run.get("held_out", {})
        steps = run["final_step"]
        tokens = steps * run["global_batch"] * run["max_seq_length"]
        cells = []
        for t in tasks:
            p = scored[o].get(t)
            if p is None:
                cells.append("")
                continue
            # the study's comparison: ELECTRA against ELECTRA 15% at the same point
            pair = {"electra": "electra-15", "electra-15": "electra"}.get(o)
            q = scored[pair].get(t) if pair in scored else None
            versus = "" if q is None else ">" if p[1] > q[2] else "<" if p[2] < q[1] else ""
            cells.append(f"{p[0]:.3f} [{p[1]:.3f}, {p[2]:.3f}] {mark(p, random.get(t))}{versus}")
        rows.append([point, o, str(steps), str(run["max_seq_length"]), str(run.get("vocab_size", "")), f"{tokens / 1e6:.2f}M", f"{run['flops_per_step'] * steps / 1e12:.1f}",
                     f"{run['training_seconds']:.0f}", f"{held.get('discriminator_auc', float('nan')):.3f}",
                     f"{held.get('generator_accuracy', float('nan')):.3f}"] + cells)
    rows.append([point, "random (not pretrained)", "0", "", "", "0", "0", "0", "", ""]
                + [f"{random[t][0]:.3f} [{random[t][1]:.3f}, {random[t][2]:.3f}]" if t in random else ""
                   for t in tasks])
header = ["point", "objective", "steps", "length", "vocab", "tokens", "TFLOPs", "train s", "held-out AUC", "generator acc"] + tasks
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for r in rows:
    print("| " + " | ".join(r) + " |")
