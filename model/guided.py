"""Monitor-guided decoding on CTranslate2: keep identifiers to what exists, at a few extra one-token passes.

CTranslate2 has no logits processor, so the guide works like the lexical constraint in
model/constrained.py: decoding runs freely while `Monitor.check` accepts each piece (the common
case costs one string check per token); when a piece makes an identifier impossible (`Enum.mapp`,
`Repo.get_user`), decoding rolls back to before that piece and runs a one-token pass whose
`suppress_sequences` ban every token that would not continue a valid name. That one token is
the model's best valid choice; a normal pass continues from it. The set of valid next tokens comes
from `PieceTrie`, a character trie over the tokenizer's pieces walked together with the sorted
names: a piece is valid when its identifier characters extend what is typed towards some name,
and, if it ends the identifier, the identifier is a name.

After `MAX_GUIDED` corrections of one completion the guide stops correcting and the completion
is cut before the offending identifier, so an invented call is never shown.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .monitor import _IDENT_CHARS, ApiView, Monitor, Violation, has_prefix
from .tokenizer import ModelTokenizer

MAX_GUIDED = 6


class _Node:
    __slots__ = ("children", "ids", "_all")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.ids: list[int] = []
        self._all: list[int] | None = None

    def subtree(self) -> list[int]:
        """Every token id at or below this node."""
        if self._all is None:
            out = list(self.ids)
            for child in self.children.values():
                out.extend(child.subtree())
            self._all = out
        return self._all


class PieceTrie:
    """A character trie over the decoded text of every token, for the set of valid next tokens.

    Args:
        tok: the model's tokenizer.
    """

    def __init__(self, tok: ModelTokenizer) -> None:
        self.root = _Node()
        self.size = tok.vocab_size
        self.token_strings = [tok.id_to_token(i) or "" for i in range(self.size)]
        for idx in range(self.size):
            piece = tok.decode([idx])
            if not piece or "\ufffd" in piece:
                continue  # special tokens and half characters never continue an identifier
            node = self.root
            for ch in piece:
                node = node.children.setdefault(ch, _Node())
            node.ids.append(idx)

    def allowed(self, lead: str, typed: str, names: tuple[str, ...]) -> list[int]:
        """Ids of the tokens that may come next: they start with `lead`, then extend `typed` towards a name.

        Args:
            lead: text that must come first (the part of a rolled-back token before the identifier).
            typed: the identifier's characters already accepted.
            names: the valid names, sorted.
        """
        out: list[int] = []
        node = self.root
        for ch in lead:
            out.extend(node.ids if node is not self.root else ())
            nxt = node.children.get(ch)
            if nxt is None:
                return out
            node = nxt
        if node is not self.root:
            out.extend(node.ids)  # the lead itself: the identifier follows in a later token
        stack = [(node, typed)]
        while stack:
            node, word = stack.pop()
            for ch, child in node.children.items():
                if ch in _IDENT_CHARS:
                    grown = word + ch
                    if has_prefix(names, grown):
                        out.extend(child.ids)
                        stack.append((child, grown))
                elif word and _is_name(names, word):
                    out.extend(child.subtree())  # the identifier ends here: anything may follow
        return out


def _is_name(names: tuple[str, ...], word: str) -> bool:
    from bisect import bisect_left

    i = bisect_left(names, word)
    return i < len(names) and names[i] == word


@lru_cache(maxsize=4)
def _trie_for(tok: ModelTokenizer) -> PieceTrie:
    return PieceTrie(tok)


def piece_trie(tok: ModelTokenizer) -> PieceTrie:
    """The (cached) trie of a tokenizer; building it takes ~100 ms for 8k tokens."""
    return _trie_for(tok)


@dataclass
class GuideStats:
    """What the guide did over one request."""

    checks: int = 0
    corrections: int = 0
    given_up: int = 0
    check_s: float = 0.0
    allowed_s: float = 0.0
    violations: list[Violation] = field(default_factory=list)

    @property
    def milliseconds(self) -> float:
        """Time spent in the monitor and in computing valid next tokens."""
        return (self.check_s + self.allowed_s) * 1000


class MonitorGuide:
    """Monitor-guided decoding for one request's hypotheses.

    Args:
        tok: the model's tokenizer.
        api: what exists at the cursor.
        prefix: the text before the cursor.
    """

    def __init__(self, tok: ModelTokenizer, api: ApiView, prefix: str) -> None:
        self.tok = tok
        self.monitor = Monitor(api, prefix)
        self.trie = piece_trie(tok)
        self.stats = GuideStats()
        self._pending: dict[int, Violation] = {}
        self._corrections: dict[int, int] = {}

    def check(self, hyp: Any, text: str, new_from: int) -> Violation | None:
        """Judge the newest piece of a hypothesis: the identifier it made impossible, or None."""
        started = time.perf_counter()
        found = self.monitor.check(text, new_from)
        self.stats.checks += 1
        self.stats.check_s += time.perf_counter() - started
        if found is not None:
            self._pending[id(hyp)] = found
            self.stats.violations.append(found)
        return found

    def finish(self, text: str) -> str:
        """A finished completion that stops inside a checked identifier: completed when one name
        fits, else cut before the identifier (never an unfinished call shown as if it were one)."""
        started = time.perf_counter()
        tail = self.monitor.unfinished(text)
        self.stats.check_s += time.perf_counter() - started
        if tail is None:
            return text
        typed = (self.monitor.head + text)[len(self.monitor.head) + tail.at:]
        fits = [n for n in tail.names if n.startswith(typed)]
        if len(fits) == 1:
            return text + fits[0][len(typed):]
        return text[: max(0, tail.at)]

    def corrections_of(self, hyp: Any) -> int:
        """How many identifiers of this hypothesis the guide corrected."""
        return self._corrections.get(id(hyp), 0)

    def owns(self, hyp: Any) -> bool:
        """Whether the hypothesis stopped on a violation of the monitor (not of the lexical constraint)."""
        return id(hyp) in self._pending

    def roll_back(self, runner: Any, hyp: Any) -> bool:
        """Drop the offending token and queue a one-token pass restricted to valid continuations.

        `runner` and `hyp` are constrained decoding's (model/constrained.py, which imports this
        module, so they are not named here).

        False when this hypothesis has had its corrections: it is then cut before the identifier.
        """
        violation = self._pending.pop(id(hyp))
        done = self._corrections.get(id(hyp), 0)
        # A call without a module is judged at its `(`: the whole name goes, since a variable was
        # never meant there. Otherwise only the piece that broke the identifier goes.
        keep = len(hyp.ids) - 1 if violation.kind != "local" else \
            next((i for i, end in enumerate(hyp.ends) if end > violation.at), len(hyp.ids))
        if done >= MAX_GUIDED or keep < 0:
            self.stats.given_up += 1
            hyp.reject_at = max(0, violation.at)
            return False
        started = time.perf_counter()
        kept_end = hyp.ends[keep - 1] if keep > 0 else 0
        text = hyp.text[:kept_end]
        window = self.monitor.head + text
        start = len(self.monitor.head) + violation.at
        if kept_end >= violation.at:
            lead, typed = "", window[start:]
        else:
            lead, typed = text[kept_end:violation.at], ""
        # What every name that fits the typed text continues with can be written without asking
        # the model (a pass saved): all of a unique name, `after_` for after_compile/after_verify.
        shared = ""
        if not lead and typed not in violation.names:
            shared = os.path.commonprefix([n for n in violation.names if n.startswith(typed)])[len(typed):]
        allowed = set() if shared else set(self.trie.allowed(lead, typed, violation.names))
        self.stats.allowed_s += time.perf_counter() - started
        if not allowed and not shared:
            self.stats.given_up += 1
            hyp.reject_at = max(0, violation.at)
            return False
        self._corrections[id(hyp)] = done + 1
        self.stats.corrections += 1
        runner.truncate(hyp, keep)
        if shared:
            for token_id in self.tok.ids(shared):
                if runner._on_piece(hyp, token_id, None):
                    break
            return True
        strings = self.trie.token_strings
        hyp.first_ban = [strings[i] for i in range(self.trie.size) if i not in allowed and strings[i]]
        return True
