"""LoRA on a slice: validation loss not worse than the base, merged logits equal the peft model's."""

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("transformers")

from elixir_coder.training.config import load_preset  # noqa: E402
from elixir_coder.training.corpus import CorpusOptions, build_corpus, default_sources, read_documents  # noqa: E402
from elixir_coder.training.lora import LoraError, merge_adapter, train_lora  # noqa: E402
from elixir_coder.training.pretrain import pretrain  # noqa: E402
from elixir_coder.training.tokenizer import save_tokenizer, train_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("lora")
    build_corpus(default_sources(include_debian=False), root / "corpus", CorpusOptions(), log=lambda *_: None)
    texts = [r["text"] for r in read_documents(root / "corpus", "train")]
    save_tokenizer(train_tokenizer(texts, vocab_size=1024), root / "tok")
    pretrain(load_preset("tiny"), root / "corpus", root / "tok", root / "pre", max_steps=10, echo=None)
    return root


def test_merged_logits_equal_peft_logits(base):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(str(base / "pre" / "hf"))
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"]))
    # Fresh LoRA B matrices are zero; perturb them so the merge actually changes weights.
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    ids = torch.randint(5, 1024, (2, 24))
    with torch.no_grad():
        base_logits = LlamaForCausalLM.from_pretrained(str(base / "pre" / "hf"))(input_ids=ids).logits
    merged, diff = merge_adapter(peft_model, ids)
    assert diff < 1e-4
    with torch.no_grad():
        merged_logits = merged(input_ids=ids).logits
        peft_logits = peft_model(input_ids=ids).logits
    torch.testing.assert_close(merged_logits, peft_logits, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(merged_logits, base_logits, atol=1e-3)
    assert not any("lora" in n for n, _ in merged.named_parameters())


def test_train_lora_on_slice(base):
    res = train_lora(load_preset("tiny"), base / "pre" / "hf", base / "corpus", "nerves", base / "nerves",
                     max_steps=6, echo=None)
    assert res["val_loss"] <= res["base_val_loss"]
    assert res["merge_max_abs_logit_diff"] < 1e-4
    assert (base / "nerves" / "merged" / "model.safetensors").exists()
    assert (base / "nerves" / "merged" / "tokenizer.json").exists()
    assert (base / "nerves" / "adapter" / "adapter_config.json").exists()
    log = [json.loads(line) for line in (base / "nerves" / "log.jsonl").read_text().splitlines()]
    assert log[0]["event"] == "start" and log[-1]["event"] == "done"


def test_unknown_slice(base):
    with pytest.raises(LoraError):
        train_lora(load_preset("tiny"), base / "pre" / "hf", base / "corpus", "rails", base / "x", echo=None)
