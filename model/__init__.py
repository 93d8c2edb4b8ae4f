"""Inference only: tokenizer, prompt format, CTranslate2 engine, constraints, model registry."""
