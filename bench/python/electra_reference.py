"""PyTorch reference of the project's ELECTRA model, for throughput comparisons on the same machine.

Same architecture and batch as the Java model: shared token/position/segment embeddings with LayerNorm, a
projection per network when embedding size != hidden size, post-LN transformer blocks with GELU, a generator head
(dense -> GELU -> LayerNorm -> logits tied to the token embedding + bias) evaluated at the N chosen positions, Gumbel-max
sampling without gradient, a discriminator head (dense -> GELU -> dense), loss = gen-weight x MLM + 50 x sigmoid CE
over all real tokens, AdamW, clipping at 1.0. Synthetic token ids: throughput does not depend on the text.

Usage: python3 bench/python/electra_reference.py --size tiny|small [--steps 20] [--threads 2]
Prints one line: tokens/s over the timed steps.
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {
    # vocab, embedding, hidden, layers, heads, ffn, generator fraction, batch, length
    "tiny": dict(vocab=8000, emb=128, hidden=128, layers=2, heads=2, ffn=512, gen=0.5, batch=32, length=128),
    "small": dict(vocab=30522, emb=128, hidden=256, layers=12, heads=4, ffn=1024, gen=0.25, batch=32, length=128),
}


class Encoder(nn.Module):
    def __init__(self, emb, hidden, layers, heads, ffn, dropout):
        super().__init__()
        self.project = nn.Linear(emb, hidden) if emb != hidden else nn.Identity()
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout, activation="gelu", batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)

    def forward(self, x, pad):
        return self.blocks(self.project(x), src_key_padding_mask=pad)


class Electra(nn.Module):
    def __init__(self, s, dropout=0.1):
        super().__init__()
        gh, gheads, gffn = int(s["hidden"] * s["gen"]), max(1, int(s["heads"] * s["gen"])), int(s["ffn"] * s["gen"])
        self.tok = nn.Embedding(s["vocab"], s["emb"])
        self.pos = nn.Embedding(512, s["emb"])
        self.seg = nn.Embedding(2, s["emb"])
        self.emb_norm = nn.LayerNorm(s["emb"])
        self.drop = nn.Dropout(dropout)
        self.generator = Encoder(s["emb"], gh, s["layers"], gheads, gffn, dropout)
        self.gen_dense = nn.Linear(gh, s["emb"])
        self.gen_norm = nn.LayerNorm(s["emb"])
        self.gen_bias = nn.Parameter(torch.zeros(s["vocab"]))
        self.discriminator = Encoder(s["emb"], s["hidden"], s["layers"], s["heads"], s["ffn"], dropout)
        self.disc_dense = nn.Linear(s["hidden"], s["hidden"])
        self.disc_out = nn.Linear(s["hidden"], 1)

    def embed(self, ids, segments):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.drop(self.emb_norm(self.tok(ids) + self.pos(positions) + self.seg(segments)))

    def forward(self, masked, original, segments, pad, positions, mask_token):
        b, n = positions.shape
        h = self.generator(self.embed(masked, segments), pad)
        chosen = torch.gather(h, 1, positions.unsqueeze(-1).expand(-1, -1, h.shape[-1]))  # [B, N, Hg]
        logits = self.gen_norm(F.gelu(self.gen_dense(chosen))) @ self.tok.weight.t() + self.gen_bias  # [B, N, V]
        targets = torch.gather(original, 1, positions)
        mlm = F.cross_entropy(logits.reshape(b * n, -1), targets.reshape(-1))
        with torch.no_grad():
            u = torch.rand_like(logits).clamp_(1e-9, 1.0)
            sampled = torch.argmax(logits - torch.log(-torch.log(u)), dim=-1)
        corrupted = original.scatter(1, positions, sampled)
        labels = (corrupted != original).float()
        d = self.discriminator(self.embed(corrupted, segments), pad)
        disc_logits = self.disc_out(F.gelu(self.disc_dense(d))).squeeze(-1)
        real = (~pad).float()
        disc = (F.binary_cross_entropy_with_logits(disc_logits, labels, reduction="none") * real).sum() / real.sum()
        return mlm + 50.0 * disc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="tiny", choices=SIZES)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, help="sequences per step (default: the size's)")
    ap.add_argument("--vocab", type=int, help="vocabulary size (default: the size's), e.g. 30522 for BERT's")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    s = dict(SIZES[args.size])
    if args.batch:
        s["batch"] = args.batch
    if args.vocab:
        s["vocab"] = args.vocab
    model = Electra(s)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01)
    b, l, v = s["batch"], s["length"], s["vocab"]
    n = int((0.15 + 0.005) * l)
    original = torch.randint(5, v, (b, l))
    segments = torch.zeros(b, l, dtype=torch.long)
    segments[:, l // 2:] = 1
    pad = torch.zeros(b, l, dtype=torch.bool)
    positions = torch.stack([torch.randperm(l - 2)[:n] + 1 for _ in range(b)])
    masked = original.scatter(1, positions, 4)
    tokens = 0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            start = time.perf_counter()
            tokens = 0
        loss = model(masked, original, segments, pad, positions, 4)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += b * l
    seconds = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    print(f"pytorch {torch.__version__} size={args.size} batch={b}x{l} params={params} threads={args.threads}: "
          f"{tokens / seconds:.0f} tokens/s ({args.steps} steps, {seconds / args.steps:.3f} s/step, loss {loss.item():.3f})")


if __name__ == "__main__":
    main()
