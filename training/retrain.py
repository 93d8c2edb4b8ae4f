"""Retraining from feedback: events -> FIM data set -> LoRA fine-tune of the current version -> candidate.

Data set rules (see docs/operator-guide.md, "Retraining, gate, A/B and rollback"):

- The feedback store keeps only digests of a completion's prefix and suffix. The prompt text
  a FIM example needs comes from the shown event's `detail`: `context_prefix` (the tail of the
  text before the cursor) and `context_suffix` (the head of the text after it), which the server
  records, scrubbed and bounded, only while telemetry stays local. Events without them are
  counted (`no_context`) and left out.
- Positive examples: accepted completions that survived, i.e. whose later edit distance is at
  most `max_edit_ratio` of the shown length. Where the user edited the completion, their final
  text (the `completion_edited` event's text) is the target; otherwise the shown text is.
- Rejected completions are negatives for the evaluation set only (the gate checks that the
  candidate does not reproduce them more often).
- A replay sample of the base corpus (FIM splits of its files) guards against forgetting.
- Examples are scrubbed again, de-duplicated on (prefix tail, suffix head, target), and split by
  time: the newest `eval_fraction` of requests form the evaluation set, so it is newer than
  everything trained on.

The candidate is trained from the Hugging Face checkpoint of the current version, kept under
`<registry>/training/<version>/hf` (CTranslate2 directories cannot be fine-tuned); it is merged,
exported with `export_model`, registered (not promoted) and its own checkpoint stored the same
way, so the next retraining starts from it.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elixir_coder.model.manifest import read_manifest
from elixir_coder.model.registry import BASE, Registry
from elixir_coder.telemetry.privacy import scrub

TRAINING_DIR = "training"


class RetrainError(RuntimeError):
    """Retraining cannot run: too little usable feedback, no checkpoint to start from, bad settings."""


@dataclass(frozen=True)
class RetrainSettings:
    """How feedback becomes a data set and how the candidate is trained.

    Args:
        min_train_examples: fewer usable training examples than this is an error (nothing to learn from).
        eval_fraction: share of the newest requests held out for the gate.
        max_edit_ratio: an accepted completion "survived" when its edit distance is at most this
            share of the shown text's length.
        replay_ratio: replay (base corpus) examples per feedback example.
        max_prefix_chars / max_suffix_chars: bound on the context kept from each event.
        steps / batch_size / learning_rate / lora_r / lora_alpha / target_modules: the LoRA run.
        max_length: tokens per training sequence at most (longer prefixes lose their start).
        quantization: CTranslate2 weight type of the exported candidate.
        seed: data shuffling, replay sampling and initialisation.
        threads: torch CPU threads (None: torch's default).
    """

    min_train_examples: int = 20
    eval_fraction: float = 0.3
    max_edit_ratio: float = 0.3
    replay_ratio: float = 0.5
    max_prefix_chars: int = 2000
    max_suffix_chars: int = 800
    steps: int = 80
    batch_size: int = 8
    learning_rate: float = 5e-3
    lora_r: int = 8
    lora_alpha: int = 16
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    max_length: int = 256
    quantization: str = "int8"
    seed: int = 0
    threads: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.eval_fraction < 1:
            raise RetrainError(f"eval_fraction must lie in (0, 1), got {self.eval_fraction}")
        if self.steps < 1 or self.batch_size < 1 or self.max_length < 16:
            raise RetrainError("steps and batch_size must be >= 1 and max_length >= 16")
        if self.max_edit_ratio < 0 or self.replay_ratio < 0:
            raise RetrainError("max_edit_ratio and replay_ratio must be >= 0")


@dataclass(frozen=True)
class FimExample:
    """One fill-in-the-middle example: the model sees prefix and suffix and should write `middle`."""

    prefix: str
    suffix: str
    middle: str
    source: str  # "accepted" | "edited" | "rejected" | "replay"
    request_id: str = ""
    ts: float = 0.0
    model_version: str | None = None

    def key(self) -> str:
        """De-duplication key: the nearby context and the target."""
        return hashlib.sha256("\x00".join((self.prefix[-200:], self.suffix[:200], self.middle)).encode()).hexdigest()


@dataclass
class FeedbackDataset:
    """Training and evaluation examples with the counts that explain how they were chosen."""

    train: list[FimExample]
    eval_positive: list[FimExample]
    eval_negative: list[FimExample]
    counts: dict[str, int] = field(default_factory=dict)
    split_ts: float | None = None

    @property
    def digest(self) -> str:
        """Content digest of the training examples (recorded in the candidate's manifest)."""
        h = hashlib.sha256()
        for ex in self.train:
            h.update(ex.key().encode())
        return h.hexdigest()[:16]

    def write(self, out_dir: Path) -> None:
        """Write train.jsonl, eval.jsonl (positives and negatives) and counts.json under out_dir."""
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, items in (("train", self.train), ("eval", self.eval_positive + self.eval_negative)):
            with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                for ex in items:
                    fh.write(json.dumps(asdict(ex), ensure_ascii=False) + "\n")
        (out_dir / "counts.json").write_text(json.dumps({**self.counts, "split_ts": self.split_ts}, indent=2))


def read_eval_set(path: Path) -> tuple[list[FimExample], list[FimExample]]:
    """Read an eval.jsonl written by `FeedbackDataset.write`: (positives, negatives)."""
    pos: list[FimExample] = []
    neg: list[FimExample] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RetrainError(f"cannot read evaluation set {path}: {exc}") from exc
    for line in lines:
        if line.strip():
            ex = FimExample(**json.loads(line))
            (neg if ex.source == "rejected" else pos).append(ex)
    return pos, neg


# ---------------------------------------------------------------------------------- data set


def _context(row: dict[str, Any], settings: RetrainSettings) -> tuple[str, str] | None:
    detail = row.get("detail") or {}
    if not isinstance(detail, dict):
        return None
    prefix, suffix = detail.get("context_prefix"), detail.get("context_suffix")
    if not isinstance(prefix, str):
        return None
    suffix = suffix if isinstance(suffix, str) else ""
    # Scrub again: the store scrubs top-level detail strings, but an older writer may not have.
    return (scrub(prefix) or "")[-settings.max_prefix_chars:], (scrub(suffix) or "")[: settings.max_suffix_chars]


def build_dataset(
    rows: Iterable[dict[str, Any]], settings: RetrainSettings | None = None, replay_texts: Sequence[str] = ()
) -> FeedbackDataset:
    """Turn feedback rows (as `FeedbackStore.events()` yields them) into a time-split FIM data set.

    Args:
        rows: feedback events in any order.
        settings: data-set rules (defaults when None).
        replay_texts: base-corpus files to sample replay examples from (training set only).
    """
    settings = settings or RetrainSettings()
    by_request: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        kind = row.get("kind")
        if kind in ("completion_shown", "completion_accepted", "completion_rejected", "completion_edited"):
            # The last event of a kind wins (an edit check may run twice).
            by_request.setdefault(str(row.get("request_id")), {})[str(kind)] = row
    counts = {"requests": len(by_request), "no_context": 0, "accepted": 0, "edited": 0, "rewritten": 0,
              "rejected": 0, "ignored": 0, "duplicates": 0, "empty": 0}
    examples: list[FimExample] = []
    for rid, group in by_request.items():
        shown = group.get("completion_shown")
        if shown is None:
            continue
        ctx = _context(shown, settings)
        if ctx is None:
            counts["no_context"] += 1
            continue
        prefix, suffix = ctx
        text = shown.get("text") or ""
        base = dict(request_id=rid, ts=float(shown.get("ts") or 0.0), model_version=shown.get("model_version"))
        if "completion_accepted" in group:
            edited = group.get("completion_edited")
            if edited is not None and edited.get("edit_distance") is not None:
                if edited["edit_distance"] > settings.max_edit_ratio * max(1, len(text)):
                    # Rewritten beyond recognition: the final text may hold unrelated edits.
                    counts["rewritten"] += 1
                    continue
                target, source = edited.get("text") or text, "edited"
            else:
                target, source = text, "accepted"
            if not target.strip():
                counts["empty"] += 1
                continue
            counts[source] += 1
            examples.append(FimExample(prefix, suffix, scrub(target) or "", source, **base))  # type: ignore[arg-type]
        elif "completion_rejected" in group and text.strip():
            counts["rejected"] += 1
            examples.append(FimExample(prefix, suffix, scrub(text) or "", "rejected", **base))  # type: ignore[arg-type]
        else:
            counts["ignored"] += 1
    seen: set[str] = set()
    unique: list[FimExample] = []
    for ex in sorted(examples, key=lambda e: (e.ts, e.request_id)):
        k = ex.key() + ("-" if ex.source == "rejected" else "+")
        if k in seen:
            counts["duplicates"] += 1
            continue
        seen.add(k)
        unique.append(ex)
    # Split by time on request order: the evaluation set is strictly newer than the training set.
    n_eval = max(1, round(len(unique) * settings.eval_fraction)) if unique else 0
    cut = len(unique) - n_eval
    older, newer = unique[:cut], unique[cut:]
    train = [e for e in older if e.source != "rejected"]
    split_ts = newer[0].ts if newer else None
    train_keys = {e.key() for e in train}
    eval_pos = [e for e in newer if e.source != "rejected" and e.key() not in train_keys]
    eval_neg = [e for e in newer if e.source == "rejected"]
    replay = replay_examples(replay_texts, round(len(train) * settings.replay_ratio), settings.seed)
    counts.update(train_feedback=len(train), replay=len(replay), eval_positive=len(eval_pos),
                  eval_negative=len(eval_neg))
    return FeedbackDataset(train + replay, eval_pos, eval_neg, counts, split_ts)


def replay_examples(texts: Sequence[str], n: int, seed: int) -> list[FimExample]:
    """`n` FIM examples cut from base-corpus files the way pretraining cut them."""
    from elixir_coder.training.pretrain import chunk_text, fim_split

    chunks = [c for t in texts for c in chunk_text(t, 700) if c.strip()]
    if not chunks or n <= 0:
        return []
    rng = random.Random(seed)
    out: list[FimExample] = []
    for _ in range(20 * n):  # an empty middle is drawn now and then: draw again
        if len(out) == n:
            break
        pre, mid, suf = fim_split(rng.choice(chunks), rng)
        if mid.strip():
            out.append(FimExample(pre, suf, mid, "replay"))
    return out


# ---------------------------------------------------------------------------------- training


def encode_example(tok: Any, ex: FimExample, ids: dict[str, int], fim: bool, max_length: int,
                   order: str = "psm") -> tuple[list[int], list[int]]:
    """(input ids, labels) for one example; only the middle and the end token carry loss.

    The layout matches what `model/prompt.py` builds at inference: PSM or SPM (`order`) with the
    prefix and suffix tokenized separately, or the plain prefix for models served without FIM.
    """
    middle = tok.encode(ex.middle).ids + [ids["eos"]]
    room = max(8, max_length - len(middle) - 3)
    suffix = tok.encode(ex.suffix).ids[: room // 4] if fim else []
    prefix = tok.encode(ex.prefix).ids[-(room - len(suffix)):]
    if not fim:
        prompt = prefix
    elif order == "spm":
        prompt = [ids["fim_prefix"], ids["fim_suffix"], *suffix, ids["fim_middle"], *prefix]
    else:
        prompt = [ids["fim_prefix"], *prefix, ids["fim_suffix"], *suffix, ids["fim_middle"]]
    seq = (prompt + middle)[:max_length]
    labels = ([-100] * len(prompt) + middle)[:max_length]
    return seq, labels


def _batches(encoded: list[tuple[list[int], list[int]]], batch_size: int, pad: int, rng: random.Random):  # noqa: ANN202
    import torch

    order = list(range(len(encoded)))
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - batch_size + 1 if len(order) >= batch_size else 1, batch_size):
            items = [encoded[j] for j in order[i : i + batch_size]]
            width = max(len(s) for s, _ in items)
            x = torch.full((len(items), width), pad, dtype=torch.long)
            y = torch.full((len(items), width), -100, dtype=torch.long)
            mask = torch.zeros((len(items), width), dtype=torch.long)
            for r, (s, lab) in enumerate(items):
                x[r, : len(s)] = torch.tensor(s)
                y[r, : len(lab)] = torch.tensor(lab)
                mask[r, : len(s)] = 1
            yield x, y, mask


def _masked_loss(model: Any, encoded: list[tuple[list[int], list[int]]], pad: int, batch_size: int) -> float | None:
    import torch

    if not encoded:
        return None
    total, n = 0.0, 0
    model.eval()
    with torch.no_grad():
        gen = _batches(encoded, min(batch_size, len(encoded)), pad, random.Random(0))
        for _ in range(max(1, len(encoded) // min(batch_size, len(encoded)))):
            x, y, mask = next(gen)
            total += model(input_ids=x, attention_mask=mask, labels=y).loss.item()
            n += 1
    model.train()
    return round(total / n, 4)


def train_candidate(
    dataset: FeedbackDataset, base_hf: Path, out_dir: Path, settings: RetrainSettings, *, fim: bool = True,
    order: str = "psm"
) -> dict[str, Any]:
    """LoRA fine-tune `base_hf` on the data set, merge, and save the merged checkpoint to out_dir/merged.

    Returns a summary with the masked loss on the training and held-out positive examples before and
    after training (held-out loss is reported, never used to pick a step: the gate owns that set).
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from elixir_coder.training.lora import merge_adapter
    from elixir_coder.training.pretrain import lr_at, save_hf
    from elixir_coder.training.tokenizer import load_tokenizer, special_token_ids

    if len(dataset.train) < settings.min_train_examples:
        raise RetrainError(f"{len(dataset.train)} training examples; at least {settings.min_train_examples} needed "
                           f"(counts: {dataset.counts})")
    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    tok = load_tokenizer(base_hf)
    ids = special_token_ids(tok)
    if any(v is None for v in ids.values()):
        raise RetrainError(f"{base_hf}: tokenizer lacks special tokens {[k for k, v in ids.items() if v is None]}")
    pad = ids["pad"]
    train_enc = [encode_example(tok, e, ids, fim, settings.max_length, order) for e in dataset.train]
    eval_enc = [encode_example(tok, e, ids, fim, settings.max_length, order) for e in dataset.eval_positive]
    model: Any = AutoModelForCausalLM.from_pretrained(str(base_hf), dtype=torch.float32)
    present = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    targets = [m for m in settings.target_modules if m in present]
    if not targets:
        raise RetrainError(f"none of the LoRA target modules {settings.target_modules} exist in {base_hf}")
    before = {"train_loss": _masked_loss(model, train_enc, pad, settings.batch_size),
              "eval_loss": _masked_loss(model, eval_enc, pad, settings.batch_size)}
    config = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=0.0,
                        target_modules=targets, task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.0)
    batches = _batches(train_enc, min(settings.batch_size, len(train_enc)), pad, random.Random(settings.seed))
    t0 = time.time()
    model.train()
    losses: list[float] = []
    for step in range(settings.steps):
        lr = lr_at(step, settings.steps, settings.learning_rate, settings.learning_rate * 0.1, max(1, settings.steps // 10))
        for g in optim.param_groups:
            g["lr"] = lr
        x, y, mask = next(batches)
        loss = model(input_ids=x, attention_mask=mask, labels=y).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optim.step()
        optim.zero_grad(set_to_none=True)
        losses.append(loss.item())
    train_s = time.time() - t0
    probe = torch.tensor([train_enc[0][0][:32]])
    merged, diff = merge_adapter(model, probe)
    after = {"train_loss": _masked_loss(merged, train_enc, pad, settings.batch_size),
             "eval_loss": _masked_loss(merged, eval_enc, pad, settings.batch_size)}
    context = int(getattr(merged.config, "max_position_embeddings", settings.max_length))
    save_hf(merged, tok, Path(out_dir) / "merged", context)
    return {"steps": settings.steps, "trainable_params": sum(p.numel() for p in trainable),
            "first_loss": round(losses[0], 4), "last_loss": round(sum(losses[-5:]) / len(losses[-5:]), 4),
            "before": before, "after": after, "merge_max_abs_logit_diff": diff, "train_seconds": round(train_s, 2),
            "target_modules": targets}


# ---------------------------------------------------------------------------------- the pipeline


def hf_source_dir(registry: Registry, version: str) -> Path:
    """Where the Hugging Face checkpoint a version was exported from is kept."""
    return registry.root / TRAINING_DIR / version / "hf"


def store_hf_source(registry: Registry, version: str, hf_dir: Path) -> Path:
    """Keep a version's Hugging Face checkpoint in the registry so it can be fine-tuned later."""
    target = hf_source_dir(registry, version)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(hf_dir, target)
    return target


@dataclass
class RetrainResult:
    """What a retraining run produced."""

    candidate: str
    parent: str
    dataset: FeedbackDataset
    training: dict[str, Any]
    work_dir: Path
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {"candidate": self.candidate, "parent": self.parent, "counts": self.dataset.counts,
                "training": self.training, "work_dir": str(self.work_dir), "seconds": round(self.seconds, 1)}


def retrain(
    registry: Registry,
    rows: Iterable[dict[str, Any]],
    settings: RetrainSettings | None = None,
    *,
    base_hf: Path | None = None,
    replay_texts: Sequence[str] = (),
    version: str | None = None,
    echo: Any = None,
) -> RetrainResult:
    """Build the data set, fine-tune the current version, export and register the candidate (not promoted).

    Args:
        registry: holds the current version and receives the candidate.
        rows: feedback events (`FeedbackStore.events()`).
        settings: data and training settings.
        base_hf: checkpoint to start from (default: the current version's kept checkpoint).
        replay_texts: base-corpus files for the replay sample.
        version: the candidate's name (default: `<current>-r<UTC timestamp>`).
        echo: called with one progress line per stage (None: silent).
    """
    from elixir_coder.training.export import export_model

    settings = settings or RetrainSettings()
    say = echo or (lambda _msg: None)
    started = time.time()
    parent = registry.current_version()
    if not parent:
        raise RetrainError(f"no current version in {registry.root}: promote one before retraining")
    base_hf = Path(base_hf) if base_hf else hf_source_dir(registry, parent)
    if not (base_hf / "config.json").is_file():
        raise RetrainError(f"no Hugging Face checkpoint for {parent} at {base_hf} "
                           "(pass --base-hf, or keep one with store_hf_source when registering)")
    manifest = read_manifest(registry.resolve(parent, BASE))
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    version = version or f"{parent.split('-r')[0]}-r{stamp}"
    work = registry.root / TRAINING_DIR / version
    if (registry.versions_dir / version).exists():
        raise RetrainError(f"version {version} already exists")
    dataset = build_dataset(rows, settings, replay_texts)
    say(f"data set: {dataset.counts}")
    dataset.write(work / "data")
    training = train_candidate(dataset, base_hf, work, settings, fim=manifest.has_fim,
                                order=manifest.fim_order)
    say(f"trained {training['steps']} steps in {training['train_seconds']} s, "
        f"held-out loss {training['before']['eval_loss']} -> {training['after']['eval_loss']}")
    manifest.version = version
    manifest.parent_version = parent
    manifest.adapter = None
    manifest.training_data_digest = dataset.digest
    manifest.created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest.benchmarks = {"retrain": {"counts": dataset.counts, "before": training["before"],
                                       "after": training["after"]}}
    export_model(work / "merged", work / "export", quantization=settings.quantization, manifest=manifest)
    registry.register(work / "export", version=version)
    shutil.rmtree(work / "export", ignore_errors=True)
    # The merged checkpoint becomes this version's starting point for the next round.
    (work / "merged").rename(work / "hf")
    result = RetrainResult(version, parent, dataset, training, work, time.time() - started)
    (work / "retrain.json").write_text(json.dumps(result.to_dict(), indent=2))
    say(f"registered candidate {version} (parent {parent})")
    return result
