"""The shared inference server: an OpenAI-compatible HTTP API over CTranslate2 with dynamic batching."""
