"""Fine-tunes the very weights a Java run starts from, in PyTorch, to tell a property of the weights from a bug.

Reads the directory written by `bin/bench finetune ... dump=DIR` (model.json, params.tsv, task.tsv) and rebuilds the
project's encoder by hand (embeddings + LayerNorm, post-LN blocks with tanh-GELU, dropout at the same places, the
[CLS] head dense -> GELU -> dense), then fine-tunes it as FineTuner does: AdamW without bias correction (ELECTRA's),
epsilon 1e-6, weight decay 0.01 except LayerNorm and biases, linear warmup over 10% then linear decay, clipping at
1.0. Prints the training loss and accuracy per epoch and the dev accuracy.

Usage: /usr/bin/python3 bench/python/finetune_reference.py DIR [--epochs 8] [--lr 1e-3] [--batch 16]
       [--init dump|random] [--pool cls|mean] [--seed 1]
"""
import argparse
import json
import math
import random

import numpy as np
import torch
import torch.nn.functional as F


def load(directory):
    params = {}
    for line in open(f"{directory}/params.tsv"):
        name, shape, values = line.rstrip("\n").split("\t")
        array = np.array(values.split(), dtype=np.float32).reshape([int(s) for s in shape.split(",")])
        params[name] = torch.nn.Parameter(torch.from_numpy(array))
    data = {"TRAIN": [], "DEV": []}
    for line in open(f"{directory}/task.tsv"):
        split, label, ids = line.rstrip("\n").split("\t")
        data[split].append((int(label), [int(t) for t in ids.split()]))
    return json.load(open(f"{directory}/model.json")), params, data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--init", choices=["dump", "random"], default="dump")
    p.add_argument("--pool", choices=["cls", "mean"], default="cls")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    m, P, data = load(a.dir)
    h, heads, enc, rate = m["hidden"], m["heads"], m["encoder"], m["dropout"]
    if a.init == "random":
        with torch.no_grad():
            for name, w in P.items():
                if name.endswith("/gain"):
                    w.fill_(1.0)
                elif name.endswith("/bias"):
                    w.zero_()
                else:
                    torch.nn.init.trunc_normal_(w, std=m["init_range"], a=-2 * m["init_range"], b=2 * m["init_range"])

    def head_param(name, *shape):
        w = torch.empty(*shape)
        torch.nn.init.trunc_normal_(w, std=m["init_range"], a=-2 * m["init_range"], b=2 * m["init_range"])
        P[name] = torch.nn.Parameter(w if name.endswith("kernel") else torch.zeros(*shape))

    head_param("classifier/transform/kernel", h, h)
    head_param("classifier/transform/bias", h)
    head_param("classifier/output/kernel", h, m["labels"])
    head_param("classifier/output/bias", m["labels"])

    def dense(x, n):
        return x @ P[n + "/kernel"] + P[n + "/bias"]

    def norm(x, n):
        return F.layer_norm(x, x.shape[-1:], P[n + "/gain"], P[n + "/bias"], 1e-5)

    def forward(ids, pad, train):
        drop = lambda x: F.dropout(x, rate, train)
        b, length = ids.shape
        x = P["shared/word_embeddings"][ids] + P["shared/position_embeddings"][:length] \
            + P["shared/segment_embeddings"][0]
        x = drop(norm(x, "shared/embeddings_ln"))
        if f"{enc}/embeddings_project/kernel" in P:
            x = dense(x, f"{enc}/embeddings_project")
        d = h // heads
        for i in range(m["layers"]):
            n = f"{enc}/layer_{i}"
            q, k, v = (dense(x, f"{n}/attention/{w}").view(b, length, heads, d).transpose(1, 2)
                       for w in ("query", "key", "value"))
            scores = q @ k.transpose(2, 3) / math.sqrt(d) + pad[:, None, None, :] * -10000.0
            context = (drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(b, length, h)
            x1 = norm(x + drop(dense(context, f"{n}/attention/output")), f"{n}/attention/ln")
            inner = F.gelu(dense(x1, f"{n}/ffn/intermediate"), approximate="tanh")
            x = norm(x1 + drop(dense(inner, f"{n}/ffn/output")), f"{n}/ffn/ln")
        real = (1 - pad)[:, :, None]
        pooled = x[:, 0] if a.pool == "cls" else (x * real).sum(1) / real.sum(1)
        t = F.gelu(dense(drop(pooled), "classifier/transform"), approximate="tanh")
        return dense(drop(t), "classifier/output")

    def batch(rows):
        length = max(len(r[1]) for r in rows)
        ids = torch.zeros(len(rows), length, dtype=torch.long)
        pad = torch.ones(len(rows), length)
        for i, (_, t) in enumerate(rows):
            ids[i, :len(t)] = torch.tensor(t)
            pad[i, :len(t)] = 0
        return ids, pad, torch.tensor([r[0] for r in rows])

    names = list(P)
    decay = [not (n.endswith("/bias") or n.endswith("/gain")) for n in names]
    moments = [(torch.zeros_like(P[n]), torch.zeros_like(P[n])) for n in names]
    train = data["TRAIN"]
    total = (len(train) + a.batch - 1) // a.batch * a.epochs
    warmup = round(total * 0.1)
    majority = max(np.bincount([y for y, _ in train])) / len(train)
    step = 0
    for epoch in range(a.epochs):
        random.Random(a.seed * 1000 + epoch).shuffle(train)
        loss_sum, correct = 0.0, 0
        for start in range(0, len(train), a.batch):
            ids, pad, y = batch(train[start:start + a.batch])
            lr = a.lr * (1 - step / total) * (min(1.0, step / warmup) if warmup else 1.0)
            logits = forward(ids, pad, True)
            loss = F.cross_entropy(logits, y)
            for n in names:
                P[n].grad = None
            loss.backward()
            torch.nn.utils.clip_grad_norm_([P[n] for n in names], 1.0)
            with torch.no_grad():
                for n, dec, (mo, ve) in zip(names, decay, moments):
                    g = P[n].grad
                    mo.mul_(0.9).add_(0.1 * g)
                    ve.mul_(0.999).add_(0.001 * g * g)
                    update = mo / (ve.sqrt() + 1e-6) + (0.01 * P[n] if dec else 0)
                    P[n].sub_(lr * update)
            step += 1
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        with torch.no_grad():
            dev_correct = 0
            for start in range(0, len(data["DEV"]), 64):
                ids, pad, y = batch(data["DEV"][start:start + 64])
                dev_correct += (forward(ids, pad, False).argmax(1) == y).sum().item()
        print(f"epoch {epoch + 1}: train loss {loss_sum / len(train):.4f}, train accuracy {correct / len(train):.3f} "
              f"(majority {majority:.3f}), dev accuracy {dev_correct / len(data['DEV']):.3f}", flush=True)


if __name__ == "__main__":
    main()
