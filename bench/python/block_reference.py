"""Forward + backward time of one post-LN transformer block in PyTorch, the shapes of `bin/bench block`.

nn.TransformerEncoderLayer (batch_first, dropout 0, GELU), batch 32 x 128, loss sum(y * dy). Median of ITERATIONS
timed calls after 3 warm-up calls, 2 threads.

Usage: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/python/block_reference.py tiny|small [ITERATIONS]
"""
import sys
import time

import torch

size = sys.argv[1] if len(sys.argv) > 1 else "tiny"
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 20
hidden, heads = (128, 2) if size == "tiny" else (256, 4)
torch.set_num_threads(2)
torch.manual_seed(1)
layer = torch.nn.TransformerEncoderLayer(hidden, heads, 4 * hidden, 0.0, activation="gelu", batch_first=True)
x = torch.randn(32, 128, hidden, requires_grad=True)
pad = torch.zeros(32, 128, dtype=torch.bool)
dy = torch.randn(32, 128, hidden)


def step():
    layer.zero_grad()
    x.grad = None
    (layer(x, src_key_padding_mask=pad) * dy).sum().backward()


for _ in range(3):
    step()
times = []
for _ in range(iterations):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
times.sort()
median = times[len(times) // 2]
flops = 6.0 * 32 * 128 * (4.0 * hidden * hidden + 2.0 * hidden * 4 * hidden + 2.0 * 128 * hidden)
print(f"block {size} (batch 32x128, hidden {hidden}, heads {heads}, ffn {4 * hidden}), forward + backward, "
      f"{iterations} iterations:\n  PyTorch {torch.__version__}: {median * 1e3:.1f} ms ({flops / median / 1e9:.1f} GFLOP/s)")
