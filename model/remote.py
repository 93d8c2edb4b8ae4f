"""A remote backend with the engine's interface: OpenAI-compatible `/v1/completions` over httpx.

`RemoteEngine` stands in for `Engine` where the language server uses one (`generate`,
`stream`, `version`, `context_length`, `close`). It sends only the standard completion fields
plus `suffix`, so it works against `elixir-coder serve-model` as well as vLLM, TGI's
OpenAI-compatible route and llama.cpp's server. Connection failures, 429 and 503 are retried
with exponential backoff, honouring Retry-After; every other failure becomes a `RemoteError`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from typing import Any

import httpx

from .engine import DEFAULT_CONTEXT, Completion, GenerationRequest, cut_at_stops

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
MAX_STOPS = 4  # the OpenAI API takes at most four stop strings


class RemoteError(Exception):
    """The remote server could not produce a completion (unreachable, refused, or a bad answer).

    Args:
        message: what went wrong, with the URL.
        status: the HTTP status when the server answered, else None.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, min(float(value), MAX_RETRY_AFTER_S))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if body.get("detail"):
            return str(body["detail"])
    return str(body)[:200]


class RemoteEngine:
    """A model served over HTTP with the OpenAI completions API.

    Args:
        base_url: the server's root, with or without `/v1` (e.g. `http://gpu-box:8000`).
        model: the `model` field to send (None lets the server choose its default; vLLM needs it).
        api_key: sent as `Authorization: Bearer <key>`.
        timeout: seconds per request (connect, read, write).
        retries: further attempts after a connection error, 429 or 5xx-unavailable.
        backoff: first retry delay in seconds, doubled each attempt (with jitter).
        context_length: the model's context window when the server does not report one.
        logprobs: ask for token log-probabilities (fills `Completion.log_prob`).
        transport: an httpx transport (tests).
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
        context_length: int | None = None,
        logprobs: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise RemoteError(f"remote model URL must start with http:// or https://, got {base_url!r}")
        root = base_url.rstrip("/")
        self.base_url = root if root.endswith("/v1") else root + "/v1"
        self.model = model
        self.retries = max(0, retries)
        self.backoff = backoff
        self.want_logprobs = logprobs
        self._context_length = context_length
        self._info: dict[str, Any] | None = None
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    # --- engine interface -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> RemoteEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> str:
        """The served model's version (our server's `version`, else the model id)."""
        info = self._model_info()
        return str(info.get("version") or info.get("id") or self.model or "remote")

    @property
    def context_length(self) -> int:
        """The context window: as given, else as the server reports it (vLLM `max_model_len`), else 512."""
        if self._context_length:
            return self._context_length
        info = self._model_info()
        for key in ("context_length", "max_model_len", "n_ctx"):
            value = info.get(key)
            if isinstance(value, int) and value > 0:
                return value
        return DEFAULT_CONTEXT

    def generate(self, req: GenerationRequest) -> list[Completion]:
        """Completions for a request (one per `num_hypotheses`), cut at its stops.

        Raises:
            RemoteError: the server cannot be reached after the retries, or refused the request.
        """
        if req.cancelled is not None and req.cancelled():
            return []
        started = time.perf_counter()
        body = self._body(req, stream=False)
        data = self._post(body).json()
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list):
            raise RemoteError(f"{self.base_url}/completions: answer has no choices list")
        elapsed = (time.perf_counter() - started) * 1000
        out = []
        for choice in sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0):
            if not isinstance(choice, dict) or not isinstance(choice.get("text"), str):
                raise RemoteError(f"{self.base_url}/completions: malformed choice {str(choice)[:80]}")
            text, cut = cut_at_stops(choice["text"], req)
            reason = "stop" if cut or choice.get("finish_reason") == "stop" else "length"
            tokens: list[str] = []
            log_prob = None
            lp = choice.get("logprobs")
            if isinstance(lp, dict) and isinstance(lp.get("token_logprobs"), list):
                tokens = [str(t) for t in lp.get("tokens") or []]
                values = [v for v in lp["token_logprobs"] if isinstance(v, int | float)]
                log_prob = float(sum(values)) if values else None
            out.append(Completion(text, tokens, [], log_prob, reason, elapsed))
        if req.cancelled is not None and req.cancelled():
            return []
        return out

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        """Yield text pieces as the server streams them (server-sent events), cut at the request's stops.

        Closing the iterator early, or `req.cancelled` returning True, closes the connection so
        the server stops generating.

        Raises:
            RemoteError: as for `generate`.
        """
        body = self._body(req, stream=True)
        text = ""
        emitted = ""
        response = self._open_stream(body)
        try:
            for line in response.iter_lines():
                if req.cancelled is not None and req.cancelled():
                    return
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                try:
                    event = json.loads(payload)
                except json.JSONDecodeError:
                    raise RemoteError(f"{self.base_url}/completions: malformed event {payload[:80]!r}") from None
                if isinstance(event, dict) and "error" in event:
                    raise RemoteError(f"{self.base_url}/completions: {_error_message_from(event)}")
                choices = event.get("choices") if isinstance(event, dict) else None
                if not choices or not isinstance(choices[0], dict):
                    continue
                text += str(choices[0].get("text") or "")
                cut_text, stopped = cut_at_stops(text, req)
                if len(cut_text) > len(emitted):
                    yield cut_text[len(emitted) :]
                    emitted = cut_text
                if stopped:
                    return
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.base_url}/completions: stream broke: {type(exc).__name__}: {exc}") from None
        finally:
            response.close()

    # --- HTTP -----------------------------------------------------------------------------------

    def _body(self, req: GenerationRequest, stream: bool) -> dict[str, Any]:
        # Only standard OpenAI fields plus `suffix`: vLLM, TGI and llama.cpp servers accept these.
        # A line stop is applied here, not sent as "\n": the line being written may start with
        # a newline and indentation, which a "\n" stop would cut to nothing.
        body: dict[str, Any] = {
            "prompt": req.prefix,
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
            "top_p": req.top_p if req.temperature > 0 else 1.0,
            "n": max(1, req.num_hypotheses),
            "stream": stream,
        }
        if self.model:
            body["model"] = self.model
        if req.suffix:
            body["suffix"] = req.suffix
        if req.stop:
            body["stop"] = list(req.stop[:MAX_STOPS])
        if self.want_logprobs and not stream:
            body["logprobs"] = 1
        return body

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        after = _retry_after(response) if response is not None else None
        if after is not None:
            return after
        return self.backoff * (2**attempt) * (0.5 + random.random() / 2)

    def _send(self, method: str, path: str, body: dict | None = None, stream: bool = False) -> httpx.Response:
        """Send with retries; returns a successful response (open, when streaming)."""
        url = f"{self.base_url}{path}"
        last = ""
        for attempt in range(self.retries + 1):
            response = None
            try:
                request = self._client.build_request(method, url, json=body)
                response = self._client.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = f"cannot connect to {url}: {exc}"
            except httpx.TimeoutException as exc:
                raise RemoteError(f"{url}: timed out ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise RemoteError(f"{url}: {type(exc).__name__}: {exc}") from None
            if response is not None:
                if response.status_code < 400:
                    return response
                if stream:
                    response.read()
                message = _error_message(response)
                response.close()
                if response.status_code not in RETRY_STATUSES:
                    raise RemoteError(f"{url}: HTTP {response.status_code}: {message}", response.status_code)
                last = f"HTTP {response.status_code}: {message}"
            if attempt < self.retries:
                time.sleep(self._delay(attempt, response))
        status = response.status_code if response is not None else None
        raise RemoteError(f"{url}: gave up after {self.retries + 1} attempts: {last}", status)

    def _post(self, body: dict) -> httpx.Response:
        response = self._send("POST", "/completions", body)
        try:
            response.json()
        except ValueError:
            raise RemoteError(f"{self.base_url}/completions: answer is not JSON") from None
        return response

    def _open_stream(self, body: dict) -> httpx.Response:
        return self._send("POST", "/completions", body, stream=True)

    def _model_info(self) -> dict[str, Any]:
        """The server's entry for our model from /v1/models (cached; {} when unavailable)."""
        if self._info is not None:
            return self._info
        try:
            data = self._send("GET", "/models").json()
        except (RemoteError, ValueError):
            # Some servers omit /v1/models or guard it differently; the engine still works,
            # and the next call asks again.
            return {}
        entries = [e for e in data.get("data", []) if isinstance(e, dict)] if isinstance(data, dict) else []
        wanted = [e for e in entries if e.get("id") == self.model] if self.model else entries[:1]
        self._info = wanted[0] if wanted else {}
        return self._info


def _error_message_from(event: dict) -> str:
    err = event.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or err)
    return str(err)
