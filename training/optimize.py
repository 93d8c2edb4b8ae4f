"""Model optimization: magnitude pruning with a masked recovery fine-tune, and knowledge distillation.

    from elixir_coder.training.optimize import magnitude_prune, distill
    magnitude_prune(hf_dir, "out/pruned", sparsity=0.2, corpus_dir=corpus)   # out/pruned/hf
    distill(hf_dir, "out/student", corpus_dir=corpus, temperature=2.0)       # out/student/hf

Both read a `save_pretrained` Llama directory (with tokenizer.json), train on the corpus through the
pretraining data pipeline (`TokenStream`: packed blocks, FIM at the preset's rate), and write a
directory `export_model` converts to CTranslate2. `run_optimization` (in `optimize_report.py`) builds
every variant and writes the report; this module only trains.

Pruning is per-layer by default: every linear weight matrix of the decoder blocks loses exactly the
requested fraction of its smallest-magnitude entries. A global threshold is available (`scope="global"`),
but the matrices of a Llama block are not on one scale (the grouped key/value projections and the MLP
down projection have different fan-in, so different typical magnitudes), and a single global cut
removes a larger share from some matrices than from others. Per-layer pruning keeps every matrix at
the same density, which is the safer default for a model this small.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elixir_coder.training.corpus import read_documents
from elixir_coder.training.pretrain import (
    JsonlLog,
    TokenStream,
    autocast_ctx,
    evaluate,
    lr_at,
    save_hf,
    validation_blocks,
)
from elixir_coder.training.tokenizer import load_tokenizer

# The linear layers of a Llama decoder block. The embedding (tied to the output head in our presets)
# is left dense: pruning it would remove whole-vocabulary directions from input and output at once.
PRUNABLE = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
SCOPES = ("layer", "global")


class OptimizeError(ValueError):
    """Bad arguments or unusable inputs for pruning or distillation."""


@dataclass
class TrainData:
    """Training stream and validation blocks for the recovery and distillation loops."""

    stream: TokenStream
    val: Any  # LongTensor [n, context+1]
    context_length: int


def load_data(tok, corpus_dir: Path, context_length: int, fim_rate: float, seed: int, val_blocks: int,
              val_seed: int = 1234) -> TrainData:
    """The pretraining pipeline over a built corpus: FIM/plain packed blocks, plain validation blocks.

    The validation blocks depend only on `val_seed` (default: the presets' seed, as in pretraining), so
    pruning, distillation and the report's perplexity all score the same blocks.

    Args:
        tok: the model's tokenizers.Tokenizer.
        corpus_dir: a corpus built by `train corpus` (train.jsonl, valid.jsonl).
        context_length: tokens per block.
        fim_rate: share of FIM-formatted chunks in the training stream.
        seed: training data order seed.
        val_blocks: how many validation blocks to keep.
        val_seed: seed of the validation block order.
    """
    corpus_dir = Path(corpus_dir)
    if not (corpus_dir / "train.jsonl").is_file():
        raise OptimizeError(f"{corpus_dir}: no train.jsonl (build it with `elixir-coder train corpus`)")
    train_texts = [r["text"] for r in read_documents(corpus_dir, "train")]
    valid_texts = [r["text"] for r in read_documents(corpus_dir, "valid")] if (corpus_dir / "valid.jsonl").is_file() else []
    if not train_texts:
        raise OptimizeError(f"{corpus_dir}: the training split is empty")
    stream = TokenStream(tok, train_texts, context_length, fim_rate, seed)
    val = validation_blocks(tok, valid_texts or train_texts[:4], context_length, val_seed, val_blocks)
    return TrainData(stream, val, context_length)


def _load_llama(hf_dir: Path):
    import torch
    from transformers import LlamaForCausalLM

    hf_dir = Path(hf_dir)
    if not (hf_dir / "config.json").is_file() or not (hf_dir / "tokenizer.json").is_file():
        raise OptimizeError(f"{hf_dir}: expected a save_pretrained directory with config.json and tokenizer.json")
    return LlamaForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32)


def _context_of(model, context_length: int | None) -> int:
    return int(context_length or min(512, model.config.max_position_embeddings))


class _Batches:
    """Endless batches of packed blocks, moving to the next epoch when one runs out."""

    def __init__(self, stream: TokenStream, batch_size: int):
        self.stream, self.batch_size = stream, batch_size
        self.epoch, self.pos = 0, 0
        self.blocks = stream.blocks(0)

    def next(self):
        if self.pos + self.batch_size > len(self.blocks):
            self.epoch, self.pos = self.epoch + 1, 0
            self.blocks = self.stream.blocks(self.epoch)
        b = self.blocks[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return b


def budget_lr(step: int, steps: int, elapsed: float, time_limit_s: float | None, peak: float, warmup: int) -> float:
    """Warmup then cosine to peak/10, following whichever of steps and time is further along.

    Warmup ends after `warmup` steps or 5% of the time budget, whichever comes first: on a busy machine a
    time-limited run may take only a few dozen steps, and a step-only warmup would never reach the peak.
    """
    progress = max(step / max(1, steps), elapsed / time_limit_s if time_limit_s else 0.0)
    if step < warmup and progress < 0.05:
        return peak * min(1.0, max((step + 1) / warmup, progress / 0.05))
    return lr_at(warmup, steps, peak, peak * 0.1, warmup, min(1.0, (progress - 0.05) / 0.95))


def train_within_budget(params: list[Any], optim: Any, batches: Any, steps: int, time_limit_s: float | None,
                        learning_rate: float, warmup: int, step_loss: Callable[[Any], tuple[Any, dict[str, float]]],
                        log: Callable[..., None], after_step: Callable[[], None] | None = None) -> int:
    """Optimizer steps until `steps` or the time budget runs out; returns the steps taken.

    `step_loss(batch)` returns the loss to minimise and extra figures to log; `after_step` runs
    after each update (pruning uses it to keep its mask). Gradients are clipped at 1.0.
    """
    import torch

    t0, step = time.time(), 0
    while step < steps:
        elapsed = time.time() - t0
        if time_limit_s and elapsed >= time_limit_s:
            log(event="time_limit", step=step, elapsed_s=round(elapsed, 1))
            break
        lr = budget_lr(step, steps, elapsed, time_limit_s, learning_rate, warmup)
        for g in optim.param_groups:
            g["lr"] = lr
        loss, extra = step_loss(batches.next())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        optim.zero_grad(set_to_none=True)
        if after_step is not None:
            after_step()
        step += 1
        if step % 10 == 0 or step == 1:
            log(event="train", step=step, loss=round(loss.item(), 4), lr=round(lr, 7),
                elapsed_s=round(time.time() - t0, 1), **{k: round(v, 4) for k, v in extra.items()})
    return step


# ---------------------------------------------------------------- pruning


def prunable_weights(model) -> dict[str, Any]:
    """The weight Parameters of the decoder blocks' linear layers, by module name."""
    import torch

    return {name: mod.weight for name, mod in model.named_modules()
            if isinstance(mod, torch.nn.Linear) and name.rsplit(".", 1)[-1] in PRUNABLE}


def magnitude_masks(weights: dict[str, Any], sparsity: float, scope: str = "layer") -> dict[str, Any]:
    """Boolean keep-masks removing the `sparsity` fraction of smallest-|w| entries.

    Args:
        weights: name -> weight tensor (see `prunable_weights`).
        sparsity: fraction of entries to zero, in [0, 1).
        scope: "layer" (each matrix loses exactly that fraction) or "global" (one threshold over all).
    """
    import torch

    if not 0.0 <= sparsity < 1.0:
        raise OptimizeError(f"sparsity must be in [0, 1), got {sparsity}")
    if scope not in SCOPES:
        raise OptimizeError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    if not weights:
        raise OptimizeError("no prunable linear weights found (is this a Llama model?)")
    masks: dict[str, Any] = {}
    with torch.no_grad():
        if scope == "layer":
            for name, w in weights.items():
                flat = w.detach().abs().flatten()
                k = int(round(sparsity * flat.numel()))
                keep = torch.ones_like(flat, dtype=torch.bool)
                # argsort rather than a threshold, so ties cannot make the count overshoot.
                keep[torch.argsort(flat)[:k]] = False
                masks[name] = keep.view_as(w)
        else:
            names = list(weights)
            flat = torch.cat([weights[n].detach().abs().flatten() for n in names])
            k = int(round(sparsity * flat.numel()))
            keep = torch.ones_like(flat, dtype=torch.bool)
            keep[torch.argsort(flat)[:k]] = False
            offset = 0
            for n in names:
                size = weights[n].numel()
                masks[n] = keep[offset : offset + size].view_as(weights[n])
                offset += size
    return masks


def apply_masks(weights: dict[str, Any], masks: dict[str, Any]) -> None:
    """Zero the pruned entries in place."""
    import torch

    with torch.no_grad():
        for name, w in weights.items():
            w.mul_(masks[name])


def sparsity_report(weights: dict[str, Any]) -> dict[str, Any]:
    """Overall and per-matrix fraction of exact zeros."""
    zeros = {n: int((w == 0).sum().item()) for n, w in weights.items()}
    total = sum(w.numel() for w in weights.values())
    per = {n: round(zeros[n] / w.numel(), 4) for n, w in weights.items()}
    return {"overall": round(sum(zeros.values()) / max(1, total), 4), "min_layer": min(per.values(), default=0.0),
            "max_layer": max(per.values(), default=0.0), "prunable_params": total}


def masked_entries_zero(weights: dict[str, Any], masks: dict[str, Any]) -> bool:
    """True when every pruned entry is still exactly zero."""
    return all(bool((w[~masks[n]] == 0).all()) for n, w in weights.items())


def magnitude_prune(
    hf_dir: Path,
    out_dir: Path,
    sparsity: float = 0.2,
    *,
    corpus_dir: Path,
    scope: str = "layer",
    steps: int = 300,
    time_limit_s: float | None = 600.0,
    learning_rate: float = 2e-4,
    batch_size: int = 8,
    context_length: int | None = None,
    fim_rate: float = 0.5,
    seed: int = 1234,
    threads: int | None = 1,
    val_blocks: int = 32,
    dtype: str = "bf16",
    echo: Callable[[str], None] | None = print,
) -> dict:
    """Unstructured magnitude pruning of the linear weights, then a short recovery fine-tune keeping the mask.

    Writes out_dir/{hf/, log.jsonl, summary.json}. The recovery loop re-applies the mask after every
    optimizer step, so pruned weights stay exactly zero (AdamW's moments would otherwise revive them).

    Args:
        hf_dir: the dense model (save_pretrained directory with tokenizer.json).
        out_dir: where the pruned model goes.
        sparsity: fraction of linear weights to remove (0.2 = 20%).
        corpus_dir: built corpus for the recovery fine-tune and validation.
        scope: "layer" (default, see the module doc) or "global".
        steps: most recovery steps (0 skips recovery).
        time_limit_s: stop recovery after this many seconds (None: only `steps` bounds it).
        learning_rate: peak learning rate of the recovery (cosine to a tenth of it).
        batch_size, context_length, fim_rate, seed: data settings (context default: min(512, model's)).
        threads: torch CPU threads (1 keeps a shared machine usable).
        val_blocks: validation blocks for the loss figures.
        dtype: "bf16" autocast or "fp32".
        echo: progress printer (None for silence).
    """
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    log_path = out_dir / "log.jsonl"
    log_path.unlink(missing_ok=True)
    log = JsonlLog(log_path, echo)
    tok = load_tokenizer(hf_dir)
    model = _load_llama(hf_dir)
    ctx = _context_of(model, context_length)
    data = load_data(tok, corpus_dir, ctx, fim_rate, seed + 31, val_blocks)
    weights = prunable_weights(model)
    dense_val = evaluate(model, data.val, batch_size, "cpu", dtype)
    masks = magnitude_masks(weights, sparsity, scope)
    apply_masks(weights, masks)
    pruned_val = evaluate(model, data.val, batch_size, "cpu", dtype)
    log(event="pruned", scope=scope, sparsity=sparsity, dense_val_loss=round(dense_val, 4),
        pruned_val_loss=round(pruned_val, 4), **sparsity_report(weights))

    optim = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.0)
    batches = _Batches(data.stream, batch_size)
    warmup = max(1, min(20, steps // 10))
    t0 = time.time()
    model.train()

    def lm_loss(batch: Any) -> tuple[Any, dict[str, float]]:
        x, y = batch[:, :-1], batch[:, 1:]
        with autocast_ctx("cpu", dtype):
            logits = model(input_ids=x).logits
        return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1)), {}

    step = train_within_budget(list(model.parameters()), optim, batches, steps, time_limit_s, learning_rate, warmup,
                               lm_loss, log, after_step=lambda: apply_masks(weights, masks))  # pruned stay zero
    recovered_val = evaluate(model, data.val, batch_size, "cpu", dtype)
    kept = masked_entries_zero(weights, masks)
    report = sparsity_report(weights)
    save_hf(model, tok, out_dir / "hf", ctx)
    summary = {
        "scope": scope, "sparsity_requested": sparsity, "sparsity": report, "mask_kept": kept,
        "dense_val_loss": round(dense_val, 4), "pruned_val_loss": round(pruned_val, 4),
        "recovered_val_loss": round(recovered_val, 4),
        "dense_val_ppl": round(math.exp(min(dense_val, 50)), 3),
        "recovered_val_ppl": round(math.exp(min(recovered_val, 50)), 3),
        "recovery_steps": step, "recovery_budget": {"max_steps": steps, "time_limit_s": time_limit_s},
        "learning_rate": learning_rate, "batch_size": batch_size, "context_length": ctx,
        "tokens_seen": step * batch_size * ctx, "elapsed_s": round(time.time() - t0, 1),
        "threads": torch.get_num_threads(),
    }
    log(event="done", **{k: v for k, v in summary.items() if not isinstance(v, dict)})
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


# ---------------------------------------------------------------- distillation


def count_params(config) -> int:
    """Parameters of a LlamaConfig's model, computed without building it."""
    h, layers = config.hidden_size, config.num_hidden_layers
    head_dim = getattr(config, "head_dim", None) or h // config.num_attention_heads
    attn = h * head_dim * (2 * config.num_attention_heads + 2 * config.num_key_value_heads)
    mlp = 3 * h * config.intermediate_size
    emb = config.vocab_size * h
    head = 0 if config.tie_word_embeddings else emb
    return layers * (attn + mlp + 2 * h) + emb + head + h


def student_config(teacher_config, ratio: float = 1 / 3):
    """A smaller LlamaConfig with about `ratio` of the teacher's parameters, same vocabulary and context.

    Width is halved (heads and key/value heads halved, head size kept where possible, MLP ratio kept),
    then the layer count closest to the target ratio is chosen. Halving the width first keeps the
    student deep enough to model code structure; the (tied) embedding shrinks with it.
    """
    if not 0.0 < ratio < 1.0:
        raise OptimizeError(f"ratio must be in (0, 1), got {ratio}")
    cfg = copy.deepcopy(teacher_config)
    heads = max(1, teacher_config.num_attention_heads // 2)
    kv = max(1, teacher_config.num_key_value_heads // 2)
    while heads % kv:
        kv -= 1
    head_dim = max(2, (teacher_config.hidden_size // teacher_config.num_attention_heads))
    hidden = heads * head_dim
    if hidden > teacher_config.hidden_size // 2:
        # Few heads: halve the head size instead (kept even for rotary embeddings).
        head_dim = max(2, (teacher_config.hidden_size // 2 // heads) // 2 * 2)
        hidden = heads * head_dim
    cfg.hidden_size = hidden
    cfg.num_attention_heads = heads
    cfg.num_key_value_heads = kv
    if hasattr(cfg, "head_dim"):
        cfg.head_dim = head_dim
    cfg.intermediate_size = max(8, int(round(teacher_config.intermediate_size * hidden / teacher_config.hidden_size)))
    target = ratio * count_params(teacher_config)
    best = None
    for layers in range(1, 2 * teacher_config.num_hidden_layers + 1):
        cfg.num_hidden_layers = layers
        err = abs(count_params(cfg) - target)
        if best is None or err < best[0]:
            best = (err, layers)
    assert best is not None
    cfg.num_hidden_layers = best[1]
    return cfg


def distillation_loss(student_logits, teacher_logits, targets, temperature: float, alpha: float):
    """alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, targets), per token mean.

    The T^2 factor keeps the soft term's gradient on the same scale as the hard term's when T changes.
    Returns (loss, kl, ce) with kl and ce detached floats.
    """
    import torch.nn.functional as F

    v = student_logits.size(-1)
    s = student_logits.float().reshape(-1, v)
    t = teacher_logits.float().reshape(-1, v)
    kl = F.kl_div(F.log_softmax(s / temperature, -1), F.log_softmax(t / temperature, -1),
                  log_target=True, reduction="batchmean")
    ce = F.cross_entropy(s, targets.reshape(-1))
    loss = alpha * temperature**2 * kl + (1 - alpha) * ce
    return loss, kl.item(), ce.item()


def kl_to_teacher(student, teacher, blocks, batch_size: int = 8, dtype: str = "fp32") -> float:
    """Mean per-token KL(teacher || student) at temperature 1 over validation blocks."""
    import torch
    import torch.nn.functional as F

    student.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(blocks), batch_size):
            x = blocks[i : i + batch_size, :-1]
            with autocast_ctx("cpu", dtype):
                s = student(input_ids=x).logits.float()
                t = teacher(input_ids=x).logits.float()
            v = s.size(-1)
            kl = F.kl_div(F.log_softmax(s.reshape(-1, v), -1), F.log_softmax(t.reshape(-1, v), -1),
                          log_target=True, reduction="sum")
            total += kl.item()
            count += x.numel()
    student.train()
    return total / max(1, count)


def distill(
    teacher_hf_dir: Path,
    out_dir: Path,
    *,
    corpus_dir: Path,
    ratio: float = 1 / 3,
    temperature: float = 2.0,
    alpha: float = 0.5,
    steps: int = 400,
    time_limit_s: float | None = 600.0,
    learning_rate: float = 3e-3,
    batch_size: int = 8,
    context_length: int | None = None,
    fim_rate: float = 0.5,
    seed: int = 1234,
    threads: int | None = 1,
    val_blocks: int = 32,
    dtype: str = "bf16",
    echo: Callable[[str], None] | None = print,
) -> dict:
    """Train a student about `ratio` the teacher's size on the teacher's softened outputs and the true tokens.

    Loss: alpha * T^2 * KL(teacher/T || student/T) + (1 - alpha) * cross-entropy. The student starts from
    random weights and shares the teacher's tokenizer. Writes out_dir/{hf/, log.jsonl, summary.json}.

    Args:
        teacher_hf_dir: the teacher (save_pretrained directory with tokenizer.json).
        out_dir: where the student goes.
        corpus_dir: built corpus (training stream and validation blocks).
        ratio: target student/teacher parameter ratio (see `student_config`).
        temperature: softmax temperature of the soft targets, > 1.
        alpha: weight of the soft (KL) term; 1 - alpha weights the hard cross-entropy.
        steps: most training steps.
        time_limit_s: stop after this many seconds (None: only `steps` bounds it).
        learning_rate: peak learning rate (warmup, then cosine to a tenth, following steps or time).
        batch_size, context_length, fim_rate, seed: data settings (context default: min(512, teacher's)).
        threads: torch CPU threads.
        val_blocks: validation blocks for loss and KL figures.
        dtype: "bf16" autocast or "fp32".
        echo: progress printer (None for silence).
    """
    import torch
    from transformers import LlamaForCausalLM

    if temperature <= 1.0:
        raise OptimizeError(f"temperature must be > 1 for soft targets, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise OptimizeError(f"alpha must be in [0, 1], got {alpha}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    log_path = out_dir / "log.jsonl"
    log_path.unlink(missing_ok=True)
    log = JsonlLog(log_path, echo)
    tok = load_tokenizer(teacher_hf_dir)
    teacher = _load_llama(teacher_hf_dir).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    ctx = _context_of(teacher, context_length)
    data = load_data(tok, corpus_dir, ctx, fim_rate, seed + 47, val_blocks)
    scfg = student_config(teacher.config, ratio)
    student = LlamaForCausalLM(scfg)
    n_teacher = sum(p.numel() for p in teacher.parameters())
    n_student = sum(p.numel() for p in student.parameters())
    teacher_val = evaluate(teacher, data.val, batch_size, "cpu", dtype)
    teacher.eval()  # evaluate() leaves models in train mode
    kl_start = kl_to_teacher(student, teacher, data.val, batch_size, dtype)
    log(event="start", teacher_params=n_teacher, student_params=n_student, ratio=round(n_student / n_teacher, 3),
        student_layers=scfg.num_hidden_layers, student_hidden=scfg.hidden_size, temperature=temperature,
        alpha=alpha, teacher_val_loss=round(teacher_val, 4), kl_start=round(kl_start, 4))

    decay = [p for p in student.parameters() if p.dim() >= 2]
    no_decay = [p for p in student.parameters() if p.dim() < 2]
    optim = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=learning_rate, betas=(0.9, 0.95))
    batches = _Batches(data.stream, batch_size)
    warmup = max(1, min(50, steps // 10))
    t0 = time.time()
    student.train()

    def soft_and_hard_loss(batch: Any) -> tuple[Any, dict[str, float]]:
        x, y = batch[:, :-1], batch[:, 1:]
        with autocast_ctx("cpu", dtype):
            with torch.no_grad():
                t_logits = teacher(input_ids=x).logits
            s_logits = student(input_ids=x).logits
        loss, kl, ce = distillation_loss(s_logits, t_logits, y, temperature, alpha)
        return loss, {"kl_T": kl, "ce": ce}

    step = train_within_budget(list(student.parameters()), optim, batches, steps, time_limit_s, learning_rate, warmup,
                               soft_and_hard_loss, log)
    student_val = evaluate(student, data.val, batch_size, "cpu", dtype)
    kl_end = kl_to_teacher(student, teacher, data.val, batch_size, dtype)
    save_hf(student, tok, out_dir / "hf", ctx)
    summary = {
        "teacher_params": n_teacher, "student_params": n_student, "ratio": round(n_student / n_teacher, 4),
        "student_config": {"hidden_size": scfg.hidden_size, "layers": scfg.num_hidden_layers,
                           "heads": scfg.num_attention_heads, "kv_heads": scfg.num_key_value_heads,
                           "intermediate_size": scfg.intermediate_size},
        "temperature": temperature, "alpha": alpha, "steps": step,
        "budget": {"max_steps": steps, "time_limit_s": time_limit_s},
        "learning_rate": learning_rate, "batch_size": batch_size, "context_length": ctx,
        "tokens_seen": step * batch_size * ctx,
        "teacher_val_loss": round(teacher_val, 4), "teacher_val_ppl": round(math.exp(min(teacher_val, 50)), 3),
        "student_val_loss": round(student_val, 4), "student_val_ppl": round(math.exp(min(student_val, 50)), 3),
        "kl_to_teacher_start": round(kl_start, 4), "kl_to_teacher_end": round(kl_end, 4),
        "elapsed_s": round(time.time() - t0, 1), "threads": torch.get_num_threads(),
    }
    log(event="done", **{k: v for k, v in summary.items() if not isinstance(v, dict)})
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
