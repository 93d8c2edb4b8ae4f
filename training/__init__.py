"""Corpus, tokenizer and model training, export, retraining and deployment gate."""
