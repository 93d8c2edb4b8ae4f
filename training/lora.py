"""LoRA fine-tuning (peft) of the base model on one corpus slice, then merging the adapter into the base."""

from __future__ import annotations

import math
import time
from pathlib import Path

from elixir_coder.training.config import Preset
from elixir_coder.training.corpus import SLICES, read_documents
from elixir_coder.training.pretrain import (
    JsonlLog,
    TokenStream,
    batch_loss,
    evaluate,
    lr_at,
    save_hf,
    validation_blocks,
)
from elixir_coder.training.tokenizer import load_tokenizer


class LoraError(RuntimeError):
    """The slice has no usable training or validation data."""


def merged_logits_max_diff(peft_model, merged_model, input_ids) -> float:
    """Largest absolute difference between two models' fp32 logits on the same input."""
    import torch

    with torch.no_grad():
        a = peft_model(input_ids=input_ids).logits.float()
        b = merged_model(input_ids=input_ids).logits.float()
    return (a - b).abs().max().item()


def merge_adapter(peft_model, probe_ids):
    """Merge the LoRA weights into the base; returns (merged model, max |logit difference| on probe_ids)."""
    import copy

    import torch

    peft_model.eval()
    with torch.no_grad():
        before = peft_model(input_ids=probe_ids).logits.float()
    merged = copy.deepcopy(peft_model).merge_and_unload()
    merged.eval()
    with torch.no_grad():
        after = merged(input_ids=probe_ids).logits.float()
    return merged, (before - after).abs().max().item()


def train_lora(
    preset: Preset,
    base_dir: Path,
    corpus_dir: Path,
    slice_name: str,
    out_dir: Path,
    *,
    max_steps: int | None = None,
    threads: int | None = None,
    echo=print,
) -> dict:
    """Fine-tune a LoRA adapter on one slice, keep the step with the best validation loss, merge and save.

    Writes out_dir/{log.jsonl, adapter/, merged/} and returns a summary including the base model's loss on the
    same validation slice; the merged model's logits are checked against the peft model's.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    if slice_name not in SLICES:
        raise LoraError(f"unknown slice '{slice_name}' (known: {', '.join(SLICES)})")
    lc, tc = preset.lora, preset.train
    steps = max_steps or lc.max_steps
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / "log.jsonl"
    log_path.unlink(missing_ok=True)
    log = JsonlLog(log_path, echo)
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(tc.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    tok = load_tokenizer(base_dir)
    train_texts = [r["text"] for r in read_documents(corpus_dir, "train", slice_name)]
    valid_texts = [r["text"] for r in read_documents(corpus_dir, "valid", slice_name)]
    if not train_texts or not valid_texts:
        raise LoraError(f"slice '{slice_name}': {len(train_texts)} training and {len(valid_texts)} validation "
                        "files; need at least one of each")
    stream = TokenStream(tok, train_texts, tc.context_length, tc.fim_rate, tc.seed + 17, tc.fim_format)
    val = validation_blocks(tok, valid_texts, tc.context_length, tc.seed, lc.eval_batches * lc.batch_size)

    base = LlamaForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32).to(device)
    base_val = evaluate(base, val, lc.batch_size, device, tc.dtype)
    model = get_peft_model(base, LoraConfig(r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout,
                                            target_modules=list(lc.target_modules), task_type="CAUSAL_LM"))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(trainable, lr=lc.learning_rate, weight_decay=0.0)
    n_trainable = sum(p.numel() for p in trainable)
    log(event="start", slice=slice_name, train_files=len(train_texts), valid_files=len(valid_texts),
        val_blocks=len(val), trainable_params=n_trainable, base_val_loss=round(base_val, 4), steps=steps)

    def lora_state():
        return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}

    best_val, best_step, best_state = base_val, 0, lora_state()
    epoch, pos = 0, 0
    blocks = stream.blocks(epoch)
    warmup = max(1, steps // 10)
    t0 = time.time()
    model.train()
    for step in range(1, steps + 1):
        lr = lr_at(step - 1, steps, lc.learning_rate, lc.learning_rate * 0.1, warmup)
        for g in optim.param_groups:
            g["lr"] = lr
        if pos + lc.batch_size > len(blocks):
            epoch, pos = epoch + 1, 0
            blocks = stream.blocks(epoch)
        batch = blocks[pos : pos + lc.batch_size]
        pos += lc.batch_size
        loss = batch_loss(model, batch, device, tc.dtype)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, tc.grad_clip)
        optim.step()
        optim.zero_grad(set_to_none=True)
        if step % lc.eval_interval == 0 or step == steps:
            v = evaluate(model, val, lc.batch_size, device, tc.dtype)
            # Keep the best adapter by validation loss: small slices overfit quickly.
            if v < best_val:
                best_val, best_step, best_state = v, step, lora_state()
            log(event="eval", step=step, epoch=epoch, loss=round(loss.item(), 4), lr=round(lr, 6),
                val_loss=round(v, 4), elapsed_s=round(time.time() - t0, 1))
    with torch.no_grad():
        params = dict(model.named_parameters())
        for n, t in best_state.items():
            params[n].copy_(t)
    model.save_pretrained(str(out_dir / "adapter"))
    probe = val[:2, :-1].to(device)
    merged, diff = merge_adapter(model, probe)
    save_hf(merged, tok, out_dir / "merged", tc.context_length)
    summary = {
        "slice": slice_name, "train_files": len(train_texts), "valid_files": len(valid_texts),
        "trainable_params": n_trainable, "steps": steps, "best_step": best_step,
        "base_val_loss": round(base_val, 4), "base_val_ppl": round(math.exp(min(base_val, 50)), 3),
        "val_loss": round(best_val, 4), "val_ppl": round(math.exp(min(best_val, 50)), 3),
        "merge_max_abs_logit_diff": diff, "elapsed_s": round(time.time() - t0, 1),
    }
    log(event="done", **summary)
    return summary
