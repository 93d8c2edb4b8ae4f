"""`elixir-coder feedback stats|export|purge`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _store(args: argparse.Namespace):  # noqa: ANN202 - FeedbackStore, imported lazily
    from .store import FeedbackStore

    return FeedbackStore(Path(args.db) if args.db else None)


def _cmd_stats(args: argparse.Namespace) -> int:
    from .stats import format_stats

    store = _store(args)
    sys.stdout.write(format_stats(list(store.events())))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    store = _store(args)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for row in store.events(kind=args.kind):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    from .store import RetentionPolicy

    store = _store(args)
    if args.older_than_days is not None or args.max_rows is not None:
        n = store.enforce_retention(RetentionPolicy(args.older_than_days, args.max_rows))
    else:
        n = store.purge()
    print(f"deleted {n} events from {store.path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `feedback` command group."""
    fb = subparsers.add_parser("feedback", help="inspect, export or delete the local feedback log")
    fb.add_argument("--db", help="database file (default: $ELIXIR_CODER_FEEDBACK_DB or the user data dir)")
    sub = fb.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    stats = sub.add_parser("stats", help="acceptance per model with 95%% intervals, latency, events per day")
    stats.set_defaults(func=_cmd_stats)
    export = sub.add_parser("export", help="write events as JSON lines (the retraining pipeline's input)")
    export.add_argument("--jsonl", action="store_true", help="JSON lines (the only format; accepted for clarity)")
    export.add_argument("--kind", help="only events of this kind")
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    export.set_defaults(func=_cmd_export)
    purge = sub.add_parser("purge", help="delete events (all, or by age / row count)")
    purge.add_argument("--older-than-days", type=float)
    purge.add_argument("--max-rows", type=int)
    purge.set_defaults(func=_cmd_purge)
