"""Warning.UnusedMapOperation: A `Map` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("Map", """delete drop equal? fetch fetch! filter from_keys from_struct get get_and_update get_and_update!
    get_lazy has_key? intersect keys merge new pop pop! pop_lazy put put_new put_new_lazy reject replace replace!
    replace_lazy split split_with take to_list update update! values""".split())
class UnusedMapOperation(UnusedOperation):
    """A `Map` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedMapOperation"
