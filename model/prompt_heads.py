"""Prompt heads for CTranslate2's static-prompt cache, kept to a bounded number.

Between keystrokes on one line the prompt changes only from the cursor's line on: the lines above
it (the head) are the same tokens. CTranslate2 can keep the model state after a `static_prompt`
and skip prefilling it again (a 180-token head: 16.6 ms down to 4.9 ms for a single line, same
output; docs/reports/context.md). But it keeps every head it has seen and never evicts one
(~2 MB each for the shipped model), so `PromptHeads` counts the distinct heads and says when the
generator must be reloaded to empty its cache.

The head ends after the last token holding a newline that comes before the cursor's line: in a
PSM fill-in-the-middle prompt that is before `<fim_suffix>` (the text after the cursor follows
it, and it holds newlines too), in a plain or SPM prompt anywhere but the last token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

# A shorter head saves too little prefill to be worth a cache entry.
MIN_HEAD_TOKENS = 64


class PromptHeads:
    """Which prompt heads the generator has cached, and when it must be reloaded.

    Args:
        newline_tokens: the token strings that hold a newline.
        limit: distinct heads cached before the generator is reloaded (0: never use the cache).
        fim_suffix: the `<fim_suffix>` token of a PSM model (the head must end before it), or None.
    """

    def __init__(self, newline_tokens: frozenset[str], limit: int, fim_suffix: str | None = None) -> None:
        self.newline_tokens = newline_tokens
        self.limit = limit
        self.fim_suffix = fim_suffix
        self._seen: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self._lock = threading.Lock()
        self.reloads = 0

    def head_length(self, prompts: list[list[str]], within: int | None = None) -> int:
        """Tokens of the head the prompts share (0: none worth caching).

        Args:
            prompts: a batch (constrained decoding appends each hypothesis's tokens to one prompt).
            within: only the first `within` tokens of the first prompt may be head (that prompt).
        """
        if self.limit <= 0 or not prompts:
            return 0
        first = prompts[0]
        end = min(len(first) - 1, within if within is not None else len(first) - 1)  # a tail must remain
        if self.fim_suffix is not None and self.fim_suffix in first[:end]:
            end = first.index(self.fim_suffix)
        for i in range(end - 1, MIN_HEAD_TOKENS - 2, -1):
            if first[i] in self.newline_tokens:
                length = i + 1
                if all(len(p) > length and p[:length] == first[:length] for p in prompts[1:]):
                    return length
                return 0
        return 0

    def admit(self, head: tuple[str, ...]) -> bool:
        """Count a head about to be used; True when the generator must be reloaded first (its cache
        holds `limit` other heads). The count then starts again from this head."""
        with self._lock:
            if head in self._seen:
                self._seen.move_to_end(head)
                return False
            reload = len(self._seen) >= self.limit
            if reload:
                self._seen.clear()
                self.reloads += 1
            self._seen[head] = None
            return reload
