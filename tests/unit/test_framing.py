"""FrameParser: well-formed and malformed byte streams, whole and in small pieces."""

from __future__ import annotations

import json
import random

import pytest

from elixir_coder.server.framing import Frame, FrameParser, Problem


def body(msg_id: int, text: str = "") -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "m", "params": {"s": text}}).encode()


def frame(data: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


def ids(data: bytes, chunk: int | None = None, max_frame: int = 10_000) -> tuple[list[int], list[str]]:
    parser = FrameParser(max_frame=max_frame)
    events = []
    step = chunk or len(data) or 1
    for i in range(0, len(data), step):
        events += parser.feed(data[i:i + step])
    events += parser.on_idle()
    return ([json.loads(e.body)["id"] for e in events if isinstance(e, Frame)],
            [e.message for e in events if isinstance(e, Problem)])


B1 = body(1)
NEXT = frame(body(9))
CASES = {
    "well formed": (frame(B1) + NEXT, [1, 9], False),
    "content type first": (b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + frame(B1) + NEXT,
                           [1, 9], False),
    "zero length": (b"Content-Length: 0\r\n\r\n" + B1 + NEXT, [1, 9], True),
    "lower-case name": (b"content-length: %d\r\n\r\n" % len(B1) + B1 + NEXT, [1, 9], False),
    "LF only": (b"Content-Length: %d\n\n" % len(B1) + B1 + NEXT, [1, 9], False),
    "too short": (b"Content-Length: %d\r\n\r\n" % (len(B1) - 5) + B1 + NEXT, [1, 9], True),
    "too long": (b"Content-Length: %d\r\n\r\n" % (len(B1) + 30) + B1 + NEXT, [1, 9], True),
    "too long, last": (b"Content-Length: %d\r\n\r\n" % (len(B1) + 30) + B1, [1], True),
    "duplicate": (b"Content-Length: %d\r\n" % len(B1) + frame(B1) + NEXT, [1, 9], True),
    "conflicting": (b"Content-Length: 3\r\n" + frame(B1) + NEXT, [1, 9], True),
    "missing": (b"Content-Type: x\r\n\r\n" + B1 + NEXT, [1, 9], True),
    "not a number": (b"Content-Length: -5\r\n\r\n" + B1 + NEXT, [1, 9], True),
    "no header": (B1 + NEXT, [1, 9], True),
    "junk": (b"garbage garbage\r\n" + NEXT, [9], True),
    "not JSON": (frame(b"{not json}") + NEXT, [9], True),
    "header text inside a string": (frame(body(1, "Content-Length: 5\r\n\r\n")) + NEXT, [1, 9], False),
    "oversized with a frame after it": (b"Content-Length: 99999999999999999999\r\n\r\n" + B1 + NEXT, [9], True),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("chunk", [None, 1, 7, 64])
def test_frames_are_found_and_problems_reported(name: str, chunk: int | None) -> None:
    data, expected, problem = CASES[name]
    got, problems = ids(data, chunk)
    assert got == expected
    assert bool(problems) == problem, problems


def test_an_oversized_body_is_dropped_as_it_streams_without_being_held() -> None:
    parser = FrameParser(max_frame=1000)
    assert any(isinstance(e, Problem) for e in parser.feed(b"Content-Length: 50000\r\n\r\n"))
    for _ in range(49):
        assert parser.feed(b"x" * 1000) == []
        assert parser.buffered <= 64
    events = parser.feed(b"x" * 1000 + NEXT)
    assert [json.loads(e.body)["id"] for e in events if isinstance(e, Frame)] == [9]


def test_a_length_of_thousands_of_digits_is_refused_without_parsing_it() -> None:
    got, problems = ids(b"Content-Length: " + b"9" * 4400 + b"\r\n\r\n" + NEXT)
    assert got == [9] and any("digits" in p for p in problems)


def test_random_bytes_never_raise_and_a_frame_after_them_is_read() -> None:
    rng = random.Random(18)
    for _ in range(300):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        got, _ = ids(noise + b"\r\n\r\n" + NEXT, chunk=rng.choice([None, 1, 5, 33]))
        assert got[-1:] == [9], noise
