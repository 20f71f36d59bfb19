"""The scaling study's table (docs/scaling.md): one row per run of bin/bench scaling-study, the run's shape (K logical
workers, H local steps per round, the outer optimizer and its rate and momentum, the moments' policy, the global
batch, tokens seen, wall time) and what it learned: held-out loss, generator accuracy and discriminator AUC at the
end (evaluation.json's intrinsic metrics) and the part-of-speech probe with its 95% interval. Rows of the synchronous
baseline (one worker at K × the batch) are marked "sync".

usage: python3 bench/python/scaling_table.py RUN_DIR...
"""
import json
import sys

print("| run | K | H | outer | moments | global batch | tokens | wall | held-out loss | generator acc | "
      "discriminator AUC | pos probe [95%] |")
print("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
for run in sys.argv[1:]:
    try:
        with open(run + "/pretrain/_run.json") as f:
            info = json.load(f)
        with open(run + "/evaluation/evaluation.json") as f:
            ev = json.load(f)
    except FileNotFoundError:
        print(f"| {run} | not finished |")
        continue
    r = info["results"]
    d = r["distributed"]
    outer = d["outer_optimizer"]
    if outer == "nesterov":
        outer += f" {d['outer_learning_rate']}/{d['outer_momentum']}"
    i = ev["intrinsic"]
    pos = ev["probes"]["pos"]["token"]
    tokens = r["global_batch"] * r["final_step"] * r["max_seq_length"]
    name = run.rstrip("/").split("/")[-1]
    h = d["averaging_frequency"]
    if r["workers"] == 1:
        # one worker: averaging is the identity, whatever H and the outer step
        h, outer = "–", "sync"
    print(f"| {name} | {r['workers']} | {h} | {outer} | {d['optimizer_state']} | "
          f"{r['global_batch']} | {tokens / 1e6:.2f}M | {r['training_seconds']:.0f} s | {i['loss']:.3f} | "
          f"{i['generator_accuracy']:.3f} | {i['discriminator_auc']:.3f} | "
          f"{pos['test']:.3f} [{pos['test_low']:.3f}, {pos['test_high']:.3f}] |")
