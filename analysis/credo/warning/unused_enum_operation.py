"""Warning.UnusedEnumOperation: An `Enum` call (other than `each`) whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("Enum", """all? any? at chunk chunk_by concat count dedup dedup_by drop drop_while empty? fetch fetch!
    filter filter_map find find_index find_value flat_map flat_map_reduce group_by intersperse into join map map_join
    map_reduce max max_by member min min_by min_max min_max_by partition random reduce reduce_while reject reverse
    reverse_slice scan shuffle slice sort sort_by split split_while sum take take_every take_random take_while to_list
    uniq uniq_by unzip with_index zip""".split())
class UnusedEnumOperation(UnusedOperation):
    """An `Enum` call (other than `each`) whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedEnumOperation"
