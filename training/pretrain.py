"""Pretraining loop (nanoGPT style): packed FIM/plain blocks, AdamW + cosine, bf16 autocast, checkpoints, DDP."""

from __future__ import annotations

import bisect
import json
import math
import os
import random
import re
import time
from contextlib import nullcontext
from pathlib import Path

from elixir_coder.training.config import Preset, llama_config
from elixir_coder.training.corpus import read_documents
from elixir_coder.training.tokenizer import load_tokenizer, save_tokenizer, special_token_ids

CHARS_PER_TOKEN = 3.5  # measured bytes/token of the Elixir BPE; used to size chunks to the context


# ---------------------------------------------------------------- data


def chunk_text(text: str, max_chars: int) -> list[str]:
    """Split a file at line boundaries into pieces of at most max_chars (a longer single line stays whole)."""
    chunks: list[str] = []
    cur: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        if cur and size + len(line) > max_chars:
            chunks.append("".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line)
    if cur:
        chunks.append("".join(cur))
    return chunks


# Where an editor's cursor sits when a completion is asked for: after a line's indentation, or
# between two lexical units (never inside an identifier or number, where the prompt's last token
# would be a fragment the model never sees whole at inference time).
_LINE_STARTS = re.compile(r"^[ \t]*", re.MULTILINE)
_UNIT_BOUNDARY = re.compile(r"\b|(?<=[^\w\s])(?=[^\w])")


def fim_split(text: str, rng: random.Random) -> tuple[str, str, str]:
    """Prefix, middle, suffix around a cursor an editor could have, middle ending where a completion would.

    The cursor (start of the middle) is, with even odds, after a line's indentation or at a
    boundary between lexical units. The middle then ends, with even odds, at the end of a line
    at or after the cursor (single- and multi-line completions) or at a later unit boundary;
    it may be empty. Split points never fall inside a word, so the model learns to start a
    middle with a whole token, as it must in the editor.
    """
    if not text:
        return "", "", ""
    line_starts = [m.end() for m in _LINE_STARTS.finditer(text)]
    units = sorted({m.start() for m in _UNIT_BOUNDARY.finditer(text)} | {0, len(text)})
    a = rng.choice(line_starts) if rng.random() < 0.5 else rng.choice(units)
    if rng.random() < 0.5:
        line_ends = [i for i in range(a, len(text)) if text[i] == "\n"] or [len(text)]
        # Mostly the current line, sometimes a block of a few lines.
        b = line_ends[min(len(line_ends) - 1, int(rng.expovariate(0.7)))]
    else:
        later = units[bisect.bisect_left(units, a):]
        b = rng.choice(later)
    return text[:a], text[a:b], text[b:]


# The editor sends a suffix of a few lines (a quarter of the prompt budget); a training suffix is cut the
# same way, at a line end, so the model sees suffixes of the length it will get.
FIM_SUFFIX_CHARS = 400


def cut_suffix(suffix: str, max_chars: int = FIM_SUFFIX_CHARS) -> str:
    """The suffix's first whole lines within max_chars (its first line alone when that is longer)."""
    if len(suffix) <= max_chars:
        return suffix
    end = suffix.rfind("\n", 0, max_chars)
    return suffix[: end + 1] if end >= 0 else suffix[:max_chars]


class TokenStream:
    """Documents -> chunks -> (FIM with probability fim_rate, else plain) -> packed blocks of context+1 ids.

    Prefix, suffix and middle are tokenized separately, as the editor does at inference time. FIM examples
    are PSM (<pre> prefix <suf> suffix <mid> middle) or SPM (<pre> <suf> suffix <mid> prefix middle).
    """

    def __init__(self, tok, texts: list[str], context_length: int, fim_rate: float, seed: int,
                 fim_format: str = "psm"):
        self.tok = tok
        self.context_length = context_length
        self.fim_rate = fim_rate
        self.fim_format = fim_format
        self.seed = seed
        ids = special_token_ids(tok)
        self.eos, self.pre, self.suf, self.mid = ids["eos"], ids["fim_prefix"], ids["fim_suffix"], ids["fim_middle"]
        max_chars = int(context_length * CHARS_PER_TOKEN * 0.9)
        self.chunks = [c for t in texts for c in chunk_text(t, max_chars) if c.strip()]

    def _encode(self, pieces: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tok.encode_batch(pieces)] if pieces else []

    def token_ids(self, epoch: int, fim_rate: float | None = None) -> list[int]:
        """The whole stream for one epoch (chunk order and FIM choices seeded by seed and epoch)."""
        rate = self.fim_rate if fim_rate is None else fim_rate
        rng = random.Random(self.seed * 1_000_003 + epoch)
        order = list(range(len(self.chunks)))
        rng.shuffle(order)
        plans = []  # (is_fim, pieces)
        for i in order:
            text = self.chunks[i]
            if rate > 0 and rng.random() < rate:
                pre, mid, suf = fim_split(text, rng)
                plans.append((True, (pre, mid, cut_suffix(suf))))
            else:
                plans.append((False, (text,)))
        flat = [p for _, pieces in plans for p in pieces]
        encoded = iter(self._encode(flat))
        out: list[int] = []
        for is_fim, _pieces in plans:
            if is_fim:
                pre, mid, suf = next(encoded), next(encoded), next(encoded)
                if self.fim_format == "spm":
                    out += [self.pre, self.suf, *suf, self.mid, *pre, *mid, self.eos]
                else:
                    out += [self.pre, *pre, self.suf, *suf, self.mid, *mid, self.eos]
            else:
                out += [*next(encoded), self.eos]
        return out

    def blocks(self, epoch: int, fim_rate: float | None = None):
        """LongTensor [n, context+1] of packed blocks for an epoch, in shuffled order."""
        import torch

        ids = self.token_ids(epoch, fim_rate)
        n = len(ids) // (self.context_length + 1)
        if n == 0:
            # Tiny corpora (tests): repeat the stream until one block fits.
            reps = (self.context_length + 1) // max(1, len(ids)) + 1
            ids = ids * reps
            n = 1
        t = torch.tensor(ids[: n * (self.context_length + 1)], dtype=torch.long).view(n, self.context_length + 1)
        g = torch.Generator().manual_seed(self.seed + epoch)
        return t[torch.randperm(n, generator=g)]


def validation_blocks(tok, texts: list[str], context_length: int, seed: int, max_blocks: int):
    """Deterministic plain (no FIM) validation blocks."""
    stream = TokenStream(tok, texts, context_length, fim_rate=0.0, seed=seed)
    return stream.blocks(0)[:max_blocks]


# ---------------------------------------------------------------- loop helpers


def lr_at(step: int, max_steps: int, lr: float, min_lr: float, warmup: int, progress: float | None = None) -> float:
    """Linear warmup then cosine decay to min_lr; progress (0..1) overrides step/max_steps when given."""
    if step < warmup:
        return lr * (step + 1) / warmup
    frac = progress if progress is not None else (step - warmup) / max(1, max_steps - warmup)
    frac = min(1.0, max(0.0, frac))
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * frac))


def budget_lr(step: int, steps: int, cfg, budget: float | None) -> float:
    """The learning rate at a step. Without a budget: warmup steps then cosine over the steps. With a time
    or CPU budget (budget = the fraction spent, 0..1): warmup ends at the preset's warmup steps or at 5% of
    the budget, whichever comes first, and the cosine follows the budget (or the steps, if they run out first)."""
    if budget is None:
        return lr_at(step, steps, cfg.learning_rate, cfg.min_lr, cfg.warmup_steps)
    warm_frac = 0.05
    if step < cfg.warmup_steps and budget < warm_frac:
        return cfg.learning_rate * max((step + 1) / cfg.warmup_steps, budget / warm_frac)
    progress = max((step - cfg.warmup_steps) / max(1, steps - cfg.warmup_steps), (budget - warm_frac) / (1 - warm_frac))
    return lr_at(step, steps, cfg.learning_rate, cfg.min_lr, 0, progress)


def autocast_ctx(device: str, dtype: str):
    """bf16 autocast on CPU or CUDA, or nothing for fp32."""
    import torch

    if dtype != "bf16":
        return nullcontext()
    return torch.autocast("cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)


def batch_loss(model, batch, device: str, dtype: str):
    """Mean next-token cross-entropy of a [B, T+1] block batch."""
    import torch.nn.functional as F

    batch = batch.to(device)
    x, y = batch[:, :-1], batch[:, 1:]
    with autocast_ctx(device, dtype):
        logits = model(input_ids=x).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1))


def evaluate(model, blocks, batch_size: int, device: str, dtype: str) -> float:
    """Mean loss over validation blocks (model left in train mode afterwards)."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(blocks), batch_size):
            b = blocks[i : i + batch_size]
            total += batch_loss(model, b, device, dtype).item() * len(b)
            count += len(b)
    model.train()
    return total / max(1, count)


def _atomic_torch_save(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class JsonlLog:
    """Append-only JSON-lines training log (also echoed as one short line)."""

    def __init__(self, path: Path, echo=print, enabled: bool = True):
        self.path, self.echo, self.enabled = Path(path), echo, enabled

    def __call__(self, **rec) -> None:
        if not self.enabled:
            return
        rec.setdefault("time", round(time.time(), 3))
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
        if self.echo:
            self.echo(" ".join(f"{k}={v}" for k, v in rec.items() if k != "time"))


# ---------------------------------------------------------------- pretraining


def _ddp_setup():
    """(rank, world, local_rank) and init the process group when torchrun set WORLD_SIZE > 1."""
    import torch
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, 0
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
    return rank, world, local


def pretrain(
    preset: Preset,
    corpus_dir: Path,
    tokenizer_path: Path,
    out_dir: Path,
    *,
    max_steps: int | None = None,
    time_limit_s: float | None = None,
    cpu_limit_s: float | None = None,
    resume: bool = True,
    threads: int | None = None,
    echo=print,
) -> dict:
    """Train a Llama-style model from scratch; writes out_dir/{checkpoint.pt,log.jsonl,hf/}; returns a summary.

    The cosine schedule follows steps; with time_limit_s it follows max(step, time) progress and stops at the
    limit, so a run can be sized to a deadline (not bit-reproducible then). cpu_limit_s does the same with the
    process's CPU seconds (all threads), the fair budget when several runs share a machine: a run slowed by
    other work gets the same compute as one that had the cores to itself. With either limit, warmup ends at
    the first 5% of the budget when that comes before the preset's warmup steps, so a large model that
    takes few steps in its budget still decays.
    """
    import torch
    from transformers import LlamaForCausalLM

    cfg = preset.train
    steps = max_steps or cfg.max_steps
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rank, world, local = _ddp_setup()
    device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(cfg.seed)
    log = JsonlLog(out_dir / "log.jsonl", echo if rank == 0 else None, enabled=rank == 0)

    tok = load_tokenizer(tokenizer_path)
    sp = special_token_ids(tok)
    if tok.get_vocab_size() > preset.model.vocab_size:
        raise ValueError(f"tokenizer has {tok.get_vocab_size()} tokens, model vocab_size is {preset.model.vocab_size}")
    train_texts = [r["text"] for r in read_documents(corpus_dir, "train")]
    valid_texts = [r["text"] for r in read_documents(corpus_dir, "valid")]
    stream = TokenStream(tok, train_texts, cfg.context_length, cfg.fim_rate, cfg.seed, cfg.fim_format)
    val = validation_blocks(tok, valid_texts or train_texts[:4], cfg.context_length, cfg.seed,
                            cfg.eval_batches * cfg.batch_size)

    model = LlamaForCausalLM(llama_config(preset, bos_token_id=sp["eos"], eos_token_id=sp["eos"],
                                          pad_token_id=sp["pad"])).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.learning_rate, betas=(0.9, 0.95), fused=False,
    )
    step, epoch, pos, elapsed_before, cpu_before = 0, 0, 0, 0.0, 0.0
    ckpt_path = out_dir / "checkpoint.pt"
    if resume and ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ck["model"])
        optim.load_state_dict(ck["optim"])
        step, epoch, pos, elapsed_before = ck["step"], ck["epoch"], ck["pos"], ck.get("elapsed", 0.0)
        cpu_before = ck.get("cpu_elapsed", 0.0)
        torch.set_rng_state(ck["torch_rng"])
        log(event="resume", step=step, epoch=epoch)
    raw_model = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, device_ids=[local] if device.startswith("cuda") else None)

    def save_checkpoint() -> None:
        if rank == 0:
            _atomic_torch_save({"model": raw_model.state_dict(), "optim": optim.state_dict(), "step": step,
                                "epoch": epoch, "pos": pos, "elapsed": wall_spent(), "cpu_elapsed": cpu_spent(),
                                "torch_rng": torch.get_rng_state(), "preset": preset.to_dict()}, ckpt_path)

    blocks = stream.blocks(epoch)[rank::world]
    if step == 0:
        log(event="start", params=n_params, train_chunks=len(stream.chunks), blocks_per_epoch=len(blocks),
            val_blocks=len(val), steps=steps, device=device, world=world, threads=torch.get_num_threads())
    t0, c0 = time.time(), time.process_time()

    def wall_spent() -> float:  # seconds of this run, earlier invocations (resumes) included
        return elapsed_before + time.time() - t0

    def cpu_spent() -> float:  # the process's CPU seconds (all threads), resumes included
        return cpu_before + time.process_time() - c0
    t_last, tokens_since = time.time(), 0
    tokens_per_step = cfg.batch_size * cfg.context_length * cfg.grad_accum * world
    best_val = float("inf")
    model.train()
    while step < steps:
        elapsed, cpu = wall_spent(), cpu_spent()
        if time_limit_s and elapsed >= time_limit_s:
            log(event="time_limit", step=step, elapsed_s=round(elapsed, 1))
            break
        if cpu_limit_s and cpu >= cpu_limit_s:
            log(event="cpu_limit", step=step, cpu_s=round(cpu, 1), elapsed_s=round(elapsed, 1))
            break
        budget = max(elapsed / time_limit_s if time_limit_s else 0.0, cpu / cpu_limit_s if cpu_limit_s else 0.0)
        lr = budget_lr(step, steps, cfg, budget if (time_limit_s or cpu_limit_s) else None)
        for g in optim.param_groups:
            g["lr"] = lr
        loss_sum = 0.0
        for _ in range(cfg.grad_accum):
            if pos + cfg.batch_size > len(blocks):
                epoch, pos = epoch + 1, 0
                blocks = stream.blocks(epoch)[rank::world]
            batch = blocks[pos : pos + cfg.batch_size]
            pos += cfg.batch_size
            loss = batch_loss(model, batch, device, cfg.dtype) / cfg.grad_accum
            loss.backward()
            loss_sum += loss.item()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optim.step()
        optim.zero_grad(set_to_none=True)
        step += 1
        tokens_since += tokens_per_step
        if step % cfg.log_interval == 0 or step == 1:
            now = time.time()
            log(event="train", step=step, epoch=epoch, loss=round(loss_sum, 4), lr=round(lr, 6),
                tok_per_s=round(tokens_since / max(1e-9, now - t_last)), elapsed_s=round(wall_spent(), 1),
                cpu_s=round(cpu_spent(), 1))
            t_last, tokens_since = now, 0
        if step % cfg.eval_interval == 0 or step == steps:
            v = evaluate(raw_model, val, cfg.batch_size, device, cfg.dtype)
            best_val = min(best_val, v)
            log(event="eval", step=step, val_loss=round(v, 4), val_ppl=round(math.exp(min(v, 50)), 3),
                elapsed_s=round(wall_spent(), 1), cpu_s=round(cpu_spent(), 1),
                tokens=step * tokens_per_step)
        if step % cfg.checkpoint_interval == 0:
            save_checkpoint()
    final_val = evaluate(raw_model, val, cfg.batch_size, device, cfg.dtype)
    save_checkpoint()
    summary = {
        "params": n_params, "steps": step, "epochs": epoch + pos / max(1, len(blocks)),
        "tokens_seen": step * tokens_per_step, "val_loss": round(final_val, 4),
        "val_ppl": round(math.exp(min(final_val, 50)), 3), "elapsed_s": round(wall_spent(), 1),
        "cpu_s": round(cpu_spent(), 1),
    }
    if rank == 0:
        log(event="done", **summary)
        save_hf(raw_model, tok, out_dir / "hf", cfg.context_length)
    if world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    return summary


def save_hf(model, tok, out_dir: Path, context_length: int) -> Path:
    """save_pretrained (safetensors) plus the tokenizer, the layout export_model expects."""
    out_dir = Path(out_dir)
    model.save_pretrained(str(out_dir))
    save_tokenizer(tok, out_dir, context_length)
    return out_dir
