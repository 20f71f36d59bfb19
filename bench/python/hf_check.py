"""Check an exported ELECTRA against the HuggingFace format and against the project's own `score` output.

Usage: python3 bench/python/hf_check.py EXPORT_DIR SCORE.jsonl [--tolerance 1e-4]

EXPORT_DIR holds discriminator/ (ElectraForPreTraining) and generator/ (ElectraForMaskedLM), each with config.json,
model.safetensors, vocab.txt, tokenizer.json, tokenizer_config.json and special_tokens_map.json; it may also be a single
discriminator directory (config.json directly inside), and then the generator checks are skipped. SCORE.jsonl is
what the `score` command wrote: one {"text", "tokens", "ids", "type_ids", "replaced_logits"} object per line.

What is checked, and why:
  1. model.safetensors, read by a reader written here (struct + json + numpy) so the file is judged by the format's
     rules and not by one library's leniency: u64 LE header length; a JSON object header, padded to a multiple of 8
     bytes (the spec pads in its writer only; ours must pad); __metadata__ {"format": "pt"}; per tensor dtype, shape,
     data_offsets of prod(shape) x itemsize bytes, tiling the data section from 0 to the end with no hole or overlap.
     When the `safetensors` package is importable it must read identical arrays.
  2. Tensor names and shapes exactly as modeling_electra.py builds them from config.json; generator_lm_head.weight may
     be absent (tied) but if present equals the word embeddings; both models hold the same embedding tensors.
     config.json has what transformers needs; vocab.txt has vocab_size lines; the tokenizer files exist and parse.
  3. A float64 numpy discriminator forward from modeling_electra's semantics reproduces every line's replaced_logits
     within --tolerance (max abs difference); tokens, ids and type_ids agree with vocab.txt ([CLS] ... [SEP]).
  4. The numpy generator (its head always uses the erf GELU) gives MLM logits [L, V] per line, for step 5.
  5. If torch and transformers import: from_pretrained finds no missing/unexpected/mismatched key, its logits match
     replaced_logits and the numpy generator within --tolerance, and AutoTokenizer on the discriminator directory turns
     every text into the score output's ids, tokens and type ids.
Exit status: 0 every check passed, 1 some check failed, 2 usage error or a required input file missing.
"""
import argparse
import json
import math
import os
import struct
import sys

try:
    import numpy as np
except ImportError:
    print("hf_check: needs numpy (torch, transformers and safetensors are optional)", file=sys.stderr)
    sys.exit(2)

ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}
REQUIRED_CONFIG = {"vocab_size": int, "embedding_size": int, "hidden_size": int, "num_hidden_layers": int,
                   "num_attention_heads": int, "intermediate_size": int, "max_position_embeddings": int,
                   "type_vocab_size": int, "hidden_act": str, "layer_norm_eps": float, "pad_token_id": int}
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
ARCHITECTURE = {"discriminator": "ElectraForPreTraining", "generator": "ElectraForMaskedLM"}


class Checks:
    """Prints one PASS/FAIL line per check and counts them."""

    def __init__(self):
        self.passed = self.failed = 0

    def record(self, ok, name, detail, problems=()):
        self.passed, self.failed = self.passed + bool(ok), self.failed + (not ok)
        detail += "".join("; " + p for p in list(problems)[:5])
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
        return ok


def note(text):
    print(f"      {text}", flush=True)


# ---------------------------------------------------------------------------------------------------- 1. safetensors
def read_safetensors(path):
    """Returns (tensors as numpy arrays in their stored dtype, header length, format problems)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0] if len(raw) >= 8 else 0
    if len(raw) < 8 or 8 + n > len(raw):
        return {}, n, [f"header length {n} does not fit in a {len(raw)}-byte file"]
    problems, tensors, spans = [], {}, []
    if n % 8:
        problems.append(f"header length {n} is not a multiple of 8 (the writer must pad it with spaces)")

    def no_duplicates(pairs):
        if len({k for k, _ in pairs}) != len(pairs):
            problems.append("duplicate keys in the header")
        return dict(pairs)

    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    except ValueError as e:  # UnicodeDecodeError is a ValueError
        return {}, n, problems + [f"header is not UTF-8 JSON: {e}"]
    if not isinstance(header, dict):
        return {}, n, problems + ["header is not a JSON object"]
    if header.pop("__metadata__", None) != {"format": "pt"}:
        problems.append('__metadata__ missing or not {"format": "pt"}')
    data = raw[8 + n:]
    for name, entry in header.items():
        entry = entry if isinstance(entry, dict) else {}
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if set(entry) != {"dtype", "shape", "data_offsets"} or dtype not in ITEMSIZE \
                or not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)) \
                or not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                        and 0 <= offsets[0] <= offsets[1] <= len(data)):
            problems.append(f"{name}: bad entry {json.dumps(entry)[:120]} (data section {len(data)} bytes)")
            continue
        begin, end = offsets
        if end - begin != math.prod(shape) * ITEMSIZE[dtype]:
            problems.append(f"{name}: {end - begin} bytes for shape {shape} {dtype}")
            continue
        spans.append((begin, end, name))
        if dtype == "BF16":  # bfloat16 is the high half of a float32
            array = (np.frombuffer(data[begin:end], "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(data[begin:end], {"F64": "<f8", "F32": "<f4", "F16": "<f2"}[dtype])
        tensors[name] = array.reshape(shape)
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            problems.append(f"{name} starts at {begin}, not {position} ({'overlap' if begin < position else 'hole'})")
        position = max(position, end)
    if position != len(data):
        problems.append(f"tensors end at byte {position} of a {len(data)}-byte data section")
    return tensors, n, problems


def check_safetensors(checks, label, path):
    """Check 1; returns the tensors when they can be trusted for the later checks, else None."""
    tensors, n, problems = read_safetensors(path)
    dtypes = sorted({str(t.dtype) for t in tensors.values()})
    checks.record(not problems, f"[{label}] safetensors format", f"header {n} bytes, {len(tensors)} tensors, dtypes "
                  f"{dtypes}, {os.path.getsize(path)} bytes in all", problems)
    usable = tensors and all("multiple of 8" in p for p in problems)  # bad padding alone still reads correctly
    try:
        from safetensors.numpy import load_file
    except ImportError:
        note(f"[{label}] safetensors package not importable: skipped the cross-read")
        return tensors if usable else None
    try:
        theirs = load_file(path)
        differ = sorted(k for k in set(tensors) | set(theirs) if k not in tensors or k not in theirs
                        or tensors[k].shape != theirs[k].shape or not np.array_equal(tensors[k], theirs[k], True))
        checks.record(not differ, f"[{label}] safetensors package reads the same arrays", f"{len(theirs)} tensors, "
                      f"{sum(a.size for a in theirs.values())} values compared", [f"differ: {d}" for d in differ])
    except Exception as e:  # the library refusing the file is a failure too
        checks.record(False, f"[{label}] safetensors package reads the same arrays", f"load_file raised {e!r}")
    return tensors if usable else None


# -------------------------------------------------------------------------------------- 2. names, config, tokenizer
def expected_shapes(cfg, kind):
    V, E, H, F = cfg["vocab_size"], cfg["embedding_size"], cfg["hidden_size"], cfg["intermediate_size"]
    e = "electra.embeddings."
    shapes = {e + "word_embeddings.weight": [V, E], e + "token_type_embeddings.weight": [cfg["type_vocab_size"], E],
              e + "position_embeddings.weight": [cfg["max_position_embeddings"], E],
              e + "LayerNorm.weight": [E], e + "LayerNorm.bias": [E]}
    dense = {"electra.embeddings_project": (H, E)} if E != H else {}
    layer_norms = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"electra.encoder.layer.{i}."
        dense.update({p + "attention.self.query": (H, H), p + "attention.self.key": (H, H),
                      p + "attention.self.value": (H, H), p + "attention.output.dense": (H, H),
                      p + "intermediate.dense": (F, H), p + "output.dense": (H, F)})
        layer_norms += [(p + "attention.output.LayerNorm", H), (p + "output.LayerNorm", H)]
    if kind == "discriminator":
        dense.update({"discriminator_predictions.dense": (H, H), "discriminator_predictions.dense_prediction": (1, H)})
    else:
        dense["generator_predictions.dense"] = (E, H)
        layer_norms.append(("generator_predictions.LayerNorm", E))
        shapes["generator_lm_head.bias"] = [V]
    for name, (out, inp) in dense.items():  # nn.Linear weights are [out, in]
        shapes[name + ".weight"], shapes[name + ".bias"] = [out, inp], [out]
    for name, size in layer_norms:
        shapes[name + ".weight"], shapes[name + ".bias"] = [size], [size]
    return shapes


def check_config(checks, label, cfg, kind):
    problems = [f"{k} missing or not {t.__name__}" for k, t in REQUIRED_CONFIG.items()
                if not isinstance(cfg.get(k), (int, float) if t is float else t) or isinstance(cfg.get(k), bool)]
    if cfg.get("model_type") != "electra":
        problems.append(f"model_type {cfg.get('model_type')!r}")
    if cfg.get("architectures") != [ARCHITECTURE[kind]]:
        problems.append(f"architectures {cfg.get('architectures')} is not ['{ARCHITECTURE[kind]}']")
    if cfg.get("hidden_act") not in ACTIVATIONS:
        problems.append(f"hidden_act {cfg.get('hidden_act')!r} not one of {sorted(ACTIVATIONS)}")
    if not any(p.split()[0] in ("hidden_size", "num_attention_heads", "pad_token_id", "vocab_size") for p in problems):
        if cfg["num_attention_heads"] <= 0 or cfg["hidden_size"] % cfg["num_attention_heads"]:
            problems.append("hidden_size not a multiple of num_attention_heads")
        if not 0 <= cfg["pad_token_id"] < cfg["vocab_size"]:
            problems.append(f"pad_token_id {cfg['pad_token_id']} outside the vocabulary")
    return checks.record(not problems, f"[{label}] config.json", ", ".join(f"{k}={cfg.get(k)}" for k in (
        "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "hidden_act")), problems)


def check_names(checks, label, cfg, kind, tensors):
    want, have = expected_shapes(cfg, kind), {k: list(v.shape) for k, v in tensors.items()}
    optional = {"generator_lm_head.weight": [cfg["vocab_size"], cfg["embedding_size"]]} if kind == "generator" else {}
    if optional and cfg.get("tie_word_embeddings", True) is False:
        want.update(optional)  # untied: transformers needs the output matrix itself
        optional = {}
    missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want) - set(optional))
    wrong = sorted(k for k in have if have[k] != want.get(k, optional.get(k, have[k])))
    problems = [f"missing {missing[:5]}"] * bool(missing) + [f"unexpected {extra[:5]}"] * bool(extra) \
        + [f"{k} is {have[k]}, expected {want.get(k, optional.get(k))}" for k in wrong]
    checks.record(not problems, f"[{label}] tensor names and shapes", f"{len(have)} tensors, "
                  f"{sum(v.size for v in tensors.values())} values, expected {len(want)}"
                  + " + optional generator_lm_head.weight" * bool(optional), problems)
    if optional and "generator_lm_head.weight" in tensors and not wrong:
        lm, emb = tensors["generator_lm_head.weight"], tensors["electra.embeddings.word_embeddings.weight"]
        checks.record(np.array_equal(lm, emb), f"[{label}] generator_lm_head.weight equals the word embeddings",
                      f"max abs diff {np.max(np.abs(lm.astype(np.float64) - emb)):.3g} over {lm.size} values")
    return not problems


def check_tokenizer_files(checks, label, directory, cfg, reference=None):
    """Check that the tokenizer files exist and parse; returns vocab.txt as a list (or None)."""
    problems, vocab = [], None
    for name in TOKENIZER_FILES:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            problems.append(f"{name} missing")
        elif name == "vocab.txt":
            with open(path, encoding="utf-8") as f:
                vocab = f.read().split("\n")
            vocab = vocab[:-1] if vocab[-1] == "" else vocab
            if len(vocab) != cfg.get("vocab_size"):
                problems.append(f"vocab.txt has {len(vocab)} lines, vocab_size is {cfg.get('vocab_size')}")
            if reference is not None and vocab != reference:
                problems.append("vocab.txt differs from the discriminator's")
            problems += [f"vocab.txt lacks {t}" for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
                         if t not in vocab]
        else:
            try:
                with open(path, encoding="utf-8") as f:
                    if not isinstance(json.load(f), dict):
                        problems.append(f"{name} is not a JSON object")
            except ValueError as e:
                problems.append(f"{name} does not parse: {e}")
    checks.record(not problems, f"[{label}] tokenizer files", f"{len(vocab or [])} vocab lines", problems)
    return vocab


# ------------------------------------------------------------------------------------------------ 3/4. numpy forward
def gelu_erf(x):  # transformers "gelu": torch's exact GELU
    return 0.5 * x * (1.0 + np.vectorize(math.erf, otypes=[np.float64])(x / math.sqrt(2.0)))


def gelu_tanh(x):  # transformers "gelu_new": the tanh approximation
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


ACTIVATIONS = {"gelu": gelu_erf, "gelu_python": gelu_erf, "gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh,
               "gelu_fast": lambda x: 0.5 * x * (1.0 + np.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))),
               "relu": lambda x: np.maximum(x, 0.0)}


def layer_norm(x, w, prefix, eps):  # nn.LayerNorm: population variance
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w[prefix + ".weight"] + w[prefix + ".bias"]


def linear(x, w, prefix):
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def encode(w, cfg, ids, type_ids):
    """ElectraModel.forward for one unpadded sequence (attention mask all ones, eval mode): [L, H]."""
    eps, heads, act = cfg["layer_norm_eps"], cfg["num_attention_heads"], ACTIVATIONS[cfg["hidden_act"]]
    e = "electra.embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "token_type_embeddings.weight"][type_ids] \
        + w[e + "position_embeddings.weight"][:len(ids)]
    x = layer_norm(x, w, e + "LayerNorm", eps)
    if "electra.embeddings_project.weight" in w:
        x = linear(x, w, "electra.embeddings_project")
    length, hidden = x.shape
    size = hidden // heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"electra.encoder.layer.{i}."
        q, k, v = (linear(x, w, p + "attention.self." + n).reshape(length, heads, size).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(length, hidden)
        a = layer_norm(linear(context, w, p + "attention.output.dense") + x, w, p + "attention.output.LayerNorm", eps)
        h = linear(act(linear(a, w, p + "intermediate.dense")), w, p + "output.dense")
        x = layer_norm(h + a, w, p + "output.LayerNorm", eps)
    return x


def discriminator_logits(w, cfg, ids, type_ids):
    h = ACTIVATIONS[cfg["hidden_act"]](linear(encode(w, cfg, ids, type_ids), w, "discriminator_predictions.dense"))
    return linear(h, w, "discriminator_predictions.dense_prediction")[:, 0]


def generator_logits(w, cfg, ids, type_ids):
    h = gelu_erf(linear(encode(w, cfg, ids, type_ids), w, "generator_predictions.dense"))  # get_activation("gelu")
    h = layer_norm(h, w, "generator_predictions.LayerNorm", cfg["layer_norm_eps"])
    out = w.get("generator_lm_head.weight", w["electra.embeddings.word_embeddings.weight"])
    return h @ out.T + w["generator_lm_head.bias"]


def score_line_problem(rec, vocab, cfg):
    """What is wrong with one SCORE.jsonl record, or None."""
    if not isinstance(rec, dict):
        return rec if isinstance(rec, str) else "not a JSON object"
    ids, types, logits, tokens = (rec.get(k) if isinstance(rec.get(k), list) else []
                                  for k in ("ids", "type_ids", "replaced_logits", "tokens"))
    if not isinstance(rec.get("text"), str) or not ids or len({len(ids), len(types), len(logits), len(tokens)}) != 1 \
            or not all(isinstance(v, int) for v in ids + types) or not all(isinstance(v, (int, float)) for v in logits):
        return "text missing, or tokens/ids/type_ids/replaced_logits bad or of unequal length"
    if len(ids) > cfg["max_position_embeddings"] or not all(0 <= i < cfg["vocab_size"] for i in ids) \
            or not all(0 <= t < cfg["type_vocab_size"] for t in types):
        return "longer than max_position_embeddings, or an id or type id out of range"
    if vocab is None or vocab[ids[0]] != "[CLS]" or vocab[ids[-1]] != "[SEP]" or [vocab[i] for i in ids] != tokens:
        return "ids not [CLS] ... [SEP] per vocab.txt, or tokens differ from vocab.txt[ids]"
    return None


def check_score_lines(checks, lines, vocab, cfg):
    """Returns (line number, record) for the lines fit for the forward comparisons."""
    problems = [(n, score_line_problem(rec, vocab, cfg)) for n, rec in lines]
    good = [(n, rec) for (n, rec), (_, p) in zip(lines, problems) if p is None]
    checks.record(len(good) == len(lines), "[score] lines consistent with vocab.txt", f"{len(lines)} lines, "
                  f"{sum(len(r['ids']) for _, r in good)} tokens in the good ones",
                  [f"line {n}: {p}" for n, p in problems if p])
    return good


def compare(checks, name, pairs, tolerance):
    """pairs: (line number, reference, candidate); one check on the max abs difference over all of them."""
    diff, count, worst = 0.0, 0, None
    for n, ref, got in pairs:
        ref, got = np.asarray(ref, np.float64), np.asarray(got, np.float64)
        d = float(np.max(np.abs(ref - got))) if ref.shape == got.shape and np.all(np.isfinite(got)) else math.inf
        if worst is None or d > diff:
            diff, worst = d, n
        count += ref.size
    return checks.record(diff <= tolerance, name, f"max abs diff {diff:.3g} (line {worst}) over {count} values, "
                         f"tolerance {tolerance:g}")


# ------------------------------------------------------------------------------------------------ 5. transformers
def check_transformers(checks, dirs, records, generator_numpy, tolerance):
    """generator_numpy(record) gives the numpy MLM logits of a line (recomputed: [L, V] per line adds up)."""
    """Check 5; returns transformers' version, or None when it is not importable."""
    try:
        import torch
        import transformers
        from transformers import AutoTokenizer, ElectraForMaskedLM, ElectraForPreTraining
    except Exception as e:
        note(f"transformers not importable: skipped the from_pretrained comparison ({e.__class__.__name__}: {e})")
        return None
    transformers.utils.logging.disable_progress_bar()
    for kind, directory in dirs.items():
        cls = {"discriminator": ElectraForPreTraining, "generator": ElectraForMaskedLM}[kind]
        try:
            model, info = cls.from_pretrained(directory, output_loading_info=True)
        except Exception as e:
            checks.record(False, f"[{kind}] {cls.__name__}.from_pretrained", f"raised {e!r}"[:400])
            continue
        bad = {k: sorted(map(str, v))[:5] for k, v in info.items() if v}
        checks.record(not bad, f"[{kind}] {cls.__name__}.from_pretrained loading info",
                      str(bad)[:400] if bad else "no missing/unexpected/mismatched keys, no errors")
        model.eval()

        def pairs():  # one line at a time: generator logits are [L, V]
            for n, rec in records:
                out = model(input_ids=torch.tensor([rec["ids"]]), token_type_ids=torch.tensor([rec["type_ids"]]),
                            attention_mask=torch.ones(1, len(rec["ids"]), dtype=torch.long)).logits[0]
                reference = rec["replaced_logits"] if kind == "discriminator" else generator_numpy(rec)
                yield n, reference, out.double().numpy()
        with torch.no_grad():
            compare(checks, f"[{kind}] transformers float32 logits vs "
                    + ("replaced_logits" if kind == "discriminator" else "numpy generator"), pairs(), tolerance)
    try:
        tokenizer = AutoTokenizer.from_pretrained(dirs["discriminator"])
    except Exception as e:
        checks.record(False, "[tokenizer] AutoTokenizer.from_pretrained", f"raised {e!r}"[:400])
        return transformers.__version__
    mismatched = []
    for n, rec in records:
        encoded = tokenizer(rec["text"])
        ids, types = encoded["input_ids"], encoded.get("token_type_ids", rec["type_ids"])
        if rec.get("truncated"):
            # score cut the line to the model's positions: its first pieces, then [SEP]
            keep = len(rec["ids"]) - 1
            ids, types = ids[:keep] + ids[-1:], types[:keep] + types[-1:]
        tokens = tokenizer.convert_ids_to_tokens(ids)
        if ids != rec["ids"] or tokens != rec["tokens"] or types != rec["type_ids"]:
            mismatched.append(f"line {n}: {tokens} vs {rec['tokens']}")
    checks.record(not mismatched, f"[tokenizer] {type(tokenizer).__name__} ids, tokens and type ids equal the score "
                  f"output", f"{len(records)} texts, {len(mismatched)} mismatched", mismatched)
    return transformers.__version__


# ------------------------------------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export_dir", help="directory with discriminator/ and generator/, or a discriminator directory")
    parser.add_argument("score_jsonl", help="output of the score command")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="max absolute logit difference (default 1e-4)")
    args = parser.parse_args()
    single = os.path.isfile(os.path.join(args.export_dir, "config.json"))
    dirs = {"discriminator": args.export_dir} if single else \
        {k: os.path.join(args.export_dir, k) for k in ("discriminator", "generator")}
    for path in [os.path.join(d, f) for d in dirs.values() for f in ("config.json", "model.safetensors")] \
            + [args.score_jsonl]:
        if not os.path.isfile(path):
            print(f"hf_check: missing {path}", file=sys.stderr)
            sys.exit(2)

    checks, models, vocab = Checks(), {}, None
    for kind, directory in dirs.items():
        try:
            with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
                cfg = json.load(f)
        except ValueError as e:
            cfg = {"config.json": f"does not parse: {e}"}
        cfg = cfg if isinstance(cfg, dict) else {}
        tensors = check_safetensors(checks, kind, os.path.join(directory, "model.safetensors"))
        usable = check_config(checks, kind, cfg, kind) and tensors is not None
        usable = usable and check_names(checks, kind, cfg, kind, tensors)
        kind_vocab = check_tokenizer_files(checks, kind, directory, cfg, vocab)
        vocab = kind_vocab if kind == "discriminator" else vocab
        if usable:
            models[kind] = (cfg, {k: v.astype(np.float64) for k, v in tensors.items()})
        else:
            note(f"[{kind}] skipped its forward checks: the weights or the config did not pass")
    if len(models) == 2:
        disc, gen = models["discriminator"][1], models["generator"][1]
        shared = [k for k in disc if k.startswith("electra.embeddings.")]
        differ = [f"{k} differs" for k in shared if k not in gen or not np.array_equal(disc[k], gen[k])]
        checks.record(not differ, "[both] generator and discriminator hold the same embedding tensors",
                      f"{len(shared) - len(differ)} of {len(shared)} identical", differ)

    lines = []
    with open(args.score_jsonl, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                lines += [(n, json.loads(line))] if line.strip() else []
            except ValueError as e:
                lines.append((n, f"not JSON ({e})"))
    records = check_score_lines(checks, lines, vocab, models["discriminator"][0]) if "discriminator" in models else []
    generator_numpy = None
    if records:
        cfg, w = models["discriminator"]
        compare(checks, "[discriminator] numpy float64 forward vs replaced_logits", [
            (n, r["replaced_logits"], discriminator_logits(w, cfg, r["ids"], r["type_ids"])) for n, r in records],
            args.tolerance)
    if records and "generator" in models:
        cfg, w = models["generator"]
        generator_numpy = lambda r, w=w, cfg=cfg: generator_logits(w, cfg, r["ids"], r["type_ids"])  # noqa: E731
        finite, count = True, 0
        for _, r in records:
            logits = generator_numpy(r)
            finite, count = finite and bool(np.all(np.isfinite(logits))), count + logits.size
        checks.record(finite, "[generator] numpy float64 MLM forward",
                      f"{len(records)} lines, {count} logits of width {cfg['vocab_size']}, all finite: {finite}")

    version = check_transformers(checks, {k: dirs[k] for k in models}, records, generator_numpy, args.tolerance) \
        if records else note("skipped the transformers comparison: no usable discriminator or score lines")
    compared = f"transformers {version} compared" if version else "transformers not compared"
    print(f"hf_check: {checks.passed} checks passed, {checks.failed} failed ({compared})")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
