"""`overlong_line`: the first line longer than the limit, found in steps of the limit."""

from __future__ import annotations

from elixir_coder.analysis.text_limits import lone_cr_as_newline, overlong_line


def test_lines_up_to_the_limit_pass_and_the_first_longer_one_is_named_with_its_length():
    assert overlong_line("abc\n" * 50, limit=3) is None
    assert overlong_line("ab\n" + "x" * 10 + "\nabc", limit=10) is None
    assert overlong_line("ab\n\n" + "x" * 11 + "\n" + "y" * 20, limit=10) == (
        "line 3 is 11 characters long (over 10); the checks would take minutes"
    )


def test_a_long_last_line_and_a_long_first_line_are_found():
    assert overlong_line("a\nb\n" + "z" * 7, limit=6).startswith("line 3 is 7 characters")
    assert overlong_line("z" * 7, limit=6).startswith("line 1 is 7 characters")
    assert overlong_line("z" * 6, limit=6) is None


def test_every_split_of_short_and_long_lines_agrees_with_a_line_by_line_count():
    import itertools

    for lengths in itertools.product([0, 1, 4, 5, 6], repeat=4):
        text = "\n".join("x" * n for n in lengths)
        too_long = [(i, n) for i, n in enumerate(lengths, 1) if n > 4]
        expected = None if not too_long else (
            f"line {too_long[0][0]} is {too_long[0][1]} characters long (over 4); the checks would take minutes")
        assert overlong_line(text, limit=4) == expected


def test_lone_carriage_returns_become_line_ends_and_crlf_stays():
    assert lone_cr_as_newline("a\rb\r\nc") == "a\nb\r\nc"
