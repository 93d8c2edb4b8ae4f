"""Elixir lexical constraints for decoding: a lark lexical grammar plus a stack of open delimiters and blocks.

`CodeState.from_text(prefix)` reads the text before the cursor; `advance(piece)` then takes the
completion piece by piece (one decoded token at a time) and says whether the text so far is
acceptable:

- `Verdict.REJECT`: a closer that closes nothing open, or closes the wrong thing (`)` while a
  `do` block is innermost), or a heredoc opener followed by text on its line;
- `Verdict.CLOSED_ENCLOSING`: the completion closed a delimiter or block that was already open
  at the cursor (the natural end of a multi-line completion);
- `Verdict.OK` otherwise.

The lexical grammar is written in lark: one lexer-only `Lark` (`parser=None, lexer="basic"`)
per lexical mode (code, the body of each kind of string/charlist/heredoc/sigil, a heredoc's
opening line), and lark's lexer matches one token at a time. Modes are needed because Elixir's
strings nest (`"a#{"b#{c}"}"`) and no single regular lexer can track that; the mode is the top
of the same stack that holds the open delimiters, so interpolation, strings and blocks nest
naturally.

Incremental lexing: text arrives in pieces that may end mid-token (`en` then `d`, `"` then
`""`). The state keeps a short uncommitted tail: a token becomes final only once
`LOOKAHEAD` characters follow it (no token here changes with more than three further
characters: a quote that becomes a heredoc opener, `<<` -> `<<<`, a heredoc closer after its indentation), and each
piece re-lexes just the tail plus the piece. A word that can still grow (`end` may become
`ending`) and `<<`/`>>` at the very end of the text are held back from the verdict until the
next character settles them. The state is immutable between calls except through `advance`,
and `copy()` is a shallow copy (the stack is a tuple), so snapshots cost nothing.

A prefix that does not lex cleanly (a half-typed or truncated file: an `end` with nothing
open, `(]`) is read leniently and marks the state `degraded`: it then never rejects, so
decoding falls back to unconstrained rather than refusing good code.
"""

from __future__ import annotations

import enum
from functools import cache

from lark import Lark, TextSlice
from lark.lexer import BasicLexer

# Characters a token may need to see after its end before it is final (see module docstring).
LOOKAHEAD = 4

# --- the lexical grammar ---------------------------------------------------------------------

# Code mode. Priorities order the alternatives (lark tries higher priorities first, then wider
# patterns): openers of literals before operators, `<<`/`>>` before `<`/`>`, keywords (`do:`)
# before identifiers (`do`). ANY keeps lexing total: a stray character never stops the lexer.
CODE_GRAMMAR = r"""
HEREDOC_OPEN.9: /\"\"\"|'''/
SIGIL_HEREDOC.9: /~(?:[a-z]|[A-Z][A-Z0-9]*)(?:\"\"\"|''')/
SIGIL_OPEN.8: /~(?:[a-z]|[A-Z][A-Z0-9]*)[\/|"'(\[{<]/
QATOM_OPEN.8: /:["']/
CHAR.8: /\?(?:\\.|.)/s
COMMENT.7: /#[^\n]*/
ATOM.7: /:(?:[a-zA-Z_]\w*[?!]?|<<>>|%\{\}|\{\}|\.\.\.|<<<|>>>|<<~|~>>|<~>|===|!==|&&&|\|\|\||\^\^\^|\|>|<>|<=|>=|<-|->|==|!=|=~|&&|\|\||\+\+|--|\.\.|<~|~>|\*\*|\\\\|[-+*\/<>=!&|@^.%])/
KEYWORD.6: /[a-zA-Z_]\w*[?!]?:(?!:)/
IDENT.5: /[a-z_]\w*[?!]?/
ALIAS.5: /[A-Z]\w*/
NUMBER.5: /0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*(?:\.\d[\d_]*(?:[eE][+-]?\d+)?)?/
WS.5: /[ \t\r\n]+/
LONG_OP.5: "<<<" | ">>>" | "<<~" | "~>>" | "<~>" | "===" | "!==" | "..." | "|||" | "&&&" | "^^^" | "+++" | "---"
BIN_OPEN.4: "<<"
BIN_CLOSE.4: ">>"
OP2.3: "|>" | "<>" | "<=" | ">=" | "<-" | "->" | "=>" | "==" | "!=" | "=~" | "&&" | "||" | "++" | "--" | ".." | "::" | "\\\\" | "<~" | "~>" | "**" | "//"
LPAR.3: "("
RPAR.3: ")"
LSQB.3: "["
RSQB.3: "]"
LBRACE.3: "{"
RBRACE.3: "}"
DQUOTE.3: "\""
SQUOTE.3: "'"
DOT.2: "."
OP1.2: /[-+*\/<>=!&|^@,;%:?~\\]/
ANY.0: /./s
"""

# A heredoc's opening line: only blanks may follow the opener before the newline.
HEAD_GRAMMAR = r"""
HWS.2: /[ \t\r]+/
HNL.2: "\n"
BAD.0: /./s
"""

_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_SIGIL_DELIMS = '/|"\'([{<'


def _body_grammar(closer: str, interp: bool, sigil: bool) -> str:
    """The lark terminals of a literal's body: its closer, escapes, interpolation, plain text."""
    mods = "[a-zA-Z0-9]*" if sigil else ""
    esc = "".join("\\" + c for c in closer[0])
    if len(closer) == 3:  # heredoc: closes only at the start of a line
        close = rf"/\n[ \t]*{esc}{esc}{esc}{mods}/"
        text_excl = "\\\\\\n" + ("#" if interp else "")
        lines = [r"NL.3: /\n[ \t]*/"]
    else:
        close = f"/{esc}{mods}/"
        text_excl = "\\\\" + esc + ("#" if interp else "")
        lines = []
    # In a heredoc a backslash never takes the newline: `\\` at a line's end continues the line,
    # and the closer on the next line still closes.
    escape = r"ESC.4: /\\[^\n]/" if len(closer) == 3 else r"ESC.4: /\\./s"
    lines += [f"CLOSE.5: {close}", escape, f"TEXT.2: /[^{text_excl}]+/", "ANY.0: /./s"]
    if interp:
        lines.append('INTERP.4: "#{"')
    return "\n".join(lines) + "\n"


class _Mode:
    """A lexical mode: its lark lexer and, for a literal, what closes it."""

    __slots__ = ("name", "lark", "match", "closer", "interp", "sigil", "body")

    def __init__(self, name: str, grammar: str, closer: str = "", interp: bool = False, sigil: bool = False,
                 body: _Mode | None = None) -> None:
        self.name = name
        self.lark = Lark(grammar, parser=None, lexer="basic")
        lexer = self.lark.lexer
        if not isinstance(lexer, BasicLexer):  # pragma: no cover - lark's lexer-only mode builds one
            raise TypeError(f"lark built a {type(lexer).__name__}, not a BasicLexer")
        # Lark's own matcher (the terminals compiled in lark's priority order), one token at a time.
        self.match = lexer.match
        self.closer = closer
        self.interp = interp
        self.sigil = sigil
        self.body = body  # for a heredoc's opening line: the body that follows the newline

    def __repr__(self) -> str:
        return f"<mode {self.name}>"


@cache
def _code_mode() -> _Mode:
    return _Mode("code", CODE_GRAMMAR)


@cache
def _body_mode(closer: str, interp: bool, sigil: bool) -> _Mode:
    name = f"{'sigil' if sigil else 'literal'}{closer}{'' if interp else ' raw'}"
    return _Mode(name, _body_grammar(closer, interp, sigil), closer, interp, sigil)


@cache
def _head_mode(closer: str, interp: bool, sigil: bool) -> _Mode:
    body = _body_mode(closer, interp, sigil)
    return _Mode(f"head {body.name}", HEAD_GRAMMAR, closer, interp, sigil, body)


def lex(text: str) -> list[tuple[str, str, str]]:
    """Tokens of a whole text as (mode name, terminal, value): for tests and debugging.

    Args:
        text: Elixir source.
    """
    state = CodeState()
    out: list[tuple[str, str, str]] = []
    state._walk(state.tail + text, final=True, lenient=True, trace=out)
    return out


# --- the state ---------------------------------------------------------------------------------


class Verdict(enum.IntEnum):
    """What one `CodeState.advance` found (the most severe event wins)."""

    OK = 0
    CLOSED_ENCLOSING = 1
    REJECT = 2


BLOCK_OPENERS = frozenset({"do", "fn"})
_WORDS = frozenset({"do", "end", "fn"})
_CLOSER_OF = {"RPAR": "(", "RSQB": "[", "RBRACE": "{", "BIN_CLOSE": "<<"}
_OPENER_OF = {"LPAR": "(", "LSQB": "[", "LBRACE": "{", "BIN_OPEN": "<<"}
_QUIET = frozenset({"WS", "COMMENT"})  # tokens that do not end an `x.` call context

Frame = str | _Mode  # "(", "[", "{", "<<", "do", "fn", "#{" or a literal's mode


class CodeState:
    """Incremental lexical state of Elixir text: open literals, delimiters and blocks.

    Attributes:
        stack: open frames, innermost last: "(", "[", "{", "<<", "do", "fn", "#{" (an
            interpolation) or the lexical mode of an open string / charlist / heredoc / sigil.
        base: how many frames were open at the cursor (lowered when the completion closes one).
        degraded: the prefix did not lex cleanly; the state never rejects.
        reject_at: completion offset of the first rejected lexeme (set with `Verdict.REJECT`).
        closed_at: completion offset just after the first lexeme that closed a frame open at the
            cursor; `closed_kind` is that frame ("do", "fn", "(", ..., or "literal").
        complete: the text so far ends at a lexically complete point: no literal opened by the
            completion is open and nothing the completion opened is still open.
        in_literal: the text ends inside a string, charlist, heredoc or sigil opened by the completion.
    """

    __slots__ = ("stack", "tail", "tail_at", "base", "after_dot", "degraded", "reject_at", "closed_at",
                 "closed_kind", "complete", "in_literal", "_held_depth", "_end_stack", "_end_base")

    def __init__(self) -> None:
        self.stack: tuple[Frame, ...] = ()
        self.tail = ""  # uncommitted text, lexed again with the next piece
        self.tail_at = 0  # completion offset of the tail's first character (negative: in the prefix)
        self.base = 0
        self.after_dot = False  # the last committed token was `.` (so `x.end` is a call, not a keyword)
        self.degraded = False
        self.reject_at: int | None = None
        self.closed_at: int | None = None
        self.closed_kind: str | None = None
        self.complete = True
        self.in_literal = False
        self._held_depth = 0  # frames open where the last walk stopped (before a held-back word)
        self._end_stack: tuple[Frame, ...] = ()  # frames open at the end of the text so far
        self._end_base = 0

    @classmethod
    def from_text(cls, prefix: str) -> CodeState:
        """The state at the end of `prefix` (the text before the cursor); never raises.

        Args:
            prefix: the text before the cursor, ideally from the start of the file.
        """
        state = cls()
        try:
            state._walk(prefix, final=False, lenient=True)
        except Exception:  # noqa: BLE001 - a lexer surprise degrades to unconstrained, never crashes
            state = cls()
            state.degraded = True
            return state
        # Offsets from here on count from the cursor; the tail is the end of the prefix.
        state.tail_at -= len(prefix)
        state.base = state._held_depth
        state.complete, state.in_literal = True, False
        return state

    def copy(self) -> CodeState:
        """An independent snapshot (cheap: the stack is an immutable tuple)."""
        other = CodeState.__new__(CodeState)
        for name in CodeState.__slots__:
            setattr(other, name, getattr(self, name))
        return other

    @property
    def depth(self) -> int:
        """Frames open now relative to the cursor (negative after closing enclosing ones)."""
        return len(self.stack) - self.base

    def advance(self, piece: str) -> Verdict:
        """Take the next piece of the completion and judge the text so far.

        On `Verdict.REJECT` the state is left as it was before the piece (apart from
        `reject_at`), so a caller can try another piece from the same state.

        Args:
            piece: decoded text of the next token (may be empty).
        """
        return self._step(piece, final=False)

    def finish(self) -> Verdict:
        """Judge the text as ended: words held back as possibly unfinished (`end`) now count."""
        return self._step("", final=True)

    def _step(self, piece: str, final: bool) -> Verdict:
        closed_before = self.closed_at
        try:
            rejected = self._walk(self.tail + piece, final=final, lenient=self.degraded)
        except Exception:  # noqa: BLE001 - never let a lexer surprise break decoding
            self.degraded = True
            return Verdict.OK
        if rejected:
            return Verdict.REJECT
        if self.closed_at is not None and closed_before is None:
            return Verdict.CLOSED_ENCLOSING
        return Verdict.OK

    # --- the walk over tokens ------------------------------------------------------------------

    def _walk(self, text: str, final: bool, lenient: bool,
              trace: list[tuple[str, str, str]] | None = None) -> bool:
        """Lex `text` (tail + new piece) from the committed state and apply it; True when rejected.

        Tokens ending at least LOOKAHEAD characters before the end are committed (they move
        from the tail into the stack); the rest stay in the tail. Verdict fields (`complete`,
        `in_literal`, `closed_at`) describe the whole text. With `lenient`, an error repairs
        the stack and marks the state degraded instead of rejecting.
        """
        code = _code_mode()
        n = len(text)
        view = TextSlice(text, 0, n)
        stack = self.stack
        base = self.base
        after_dot = self.after_dot
        origin = self.tail_at
        degraded = self.degraded
        closed_at, closed_kind = self.closed_at, self.closed_kind
        commit = (0, stack, base, after_dot)
        pos = 0
        while pos < n:
            top = stack[-1] if stack else None
            mode = top if isinstance(top, _Mode) else code
            value, kind = mode.match(view, pos)
            end = pos + len(value)
            if trace is not None:
                trace.append((mode.name, kind, value))
            err = False
            closed: Frame | None = None
            if mode is code:
                if kind in _OPENER_OF:
                    stack = stack + (_OPENER_OF[kind],)
                elif kind in _CLOSER_OF:
                    if end == n and not final and kind == "BIN_CLOSE":
                        break  # `>>` may still become `>>>`
                    want = _CLOSER_OF[kind]
                    if stack and (stack[-1] == want or (want == "{" and stack[-1] == "#{")):
                        closed, stack = stack[-1], stack[:-1]
                    else:
                        err = True
                elif kind == "IDENT" and value in _WORDS and not after_dot:
                    if end == n and not final:
                        break  # may still become `ending`, `done`, `do:` ...
                    if value == "end":
                        if stack and stack[-1] in BLOCK_OPENERS:
                            closed, stack = stack[-1], stack[:-1]
                        else:
                            err = True
                    else:
                        stack = stack + (value,)
                elif kind == "BIN_OPEN" and end == n and not final:
                    break  # may still become `<<<` or `<<~`
                elif kind == "DQUOTE" or kind == "SQUOTE":
                    stack = stack + (_body_mode(value, True, False),)
                elif kind == "QATOM_OPEN":
                    stack = stack + (_body_mode(value[1], True, False),)
                elif kind == "HEREDOC_OPEN":
                    stack = stack + (_head_mode(value, True, False),)
                elif kind == "SIGIL_OPEN":
                    opener = value[-1]
                    stack = stack + (_body_mode(_PAIRS.get(opener, opener), value[1].islower(), True),)
                elif kind == "SIGIL_HEREDOC":
                    stack = stack + (_head_mode(value[-3:], value[1].islower(), True),)
                if kind not in _QUIET:
                    after_dot = kind == "DOT"
            elif mode.body is not None:  # a heredoc's opening line
                if kind == "HNL":
                    end = pos  # the newline belongs to the body (its closer starts with one)
                    stack = stack[:-1] + (mode.body,)
                elif kind == "BAD":
                    err = True
            elif kind == "CLOSE":
                closed, stack = stack[-1], stack[:-1]
                after_dot = False
            elif kind == "INTERP":
                stack = stack + ("#{",)
            if err:
                if origin + end > 0 and not lenient:
                    self.reject_at = max(0, origin + pos)
                    return True
                # Broken prefix (or a degraded state): repair and go on.
                degraded = True
                if mode is not code and mode.body is not None:
                    stack = stack[:-1] + (mode.body,)
                elif kind in _CLOSER_OF or kind == "IDENT":
                    wants = BLOCK_OPENERS if kind == "IDENT" else {_CLOSER_OF[kind]}
                    for i in range(len(stack) - 1, -1, -1):
                        if stack[i] in wants:
                            stack = stack[:i]
                            break
                base = min(base, len(stack))
            if closed is not None and len(stack) < base:
                base = len(stack)
                if origin + end > 0 and closed_at is None:
                    closed_at = origin + end
                    closed_kind = closed if isinstance(closed, str) else "literal"
            pos = end
            if n - end >= LOOKAHEAD:
                commit = (end, stack, base, after_dot)
        # `pos < n` here only after a held-back word: judge the end as if the word were final.
        if pos < n:
            probe = self.copy()
            probe.stack, probe.base, probe.after_dot = stack, base, after_dot
            probe.tail, probe.tail_at, probe.degraded = "", origin + pos, True  # measures, never rejects
            probe._walk(text[pos:], final=True, lenient=True)
            end_stack, end_base = probe._end_stack, probe._end_base
        else:
            end_stack, end_base = stack, base
        end_at, self.stack, self.base, self.after_dot = commit
        self.tail = text[end_at:]
        self.tail_at = origin + end_at
        self.degraded = degraded
        self.closed_at, self.closed_kind = closed_at, closed_kind
        self._held_depth = len(stack)
        self._end_stack, self._end_base = end_stack, end_base
        self.complete = len(end_stack) <= end_base
        self.in_literal = any(isinstance(f, _Mode) for f in end_stack[end_base:])
        return False
