"""Warning.UnusedKeywordOperation: A `Keyword` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("Keyword", """delete delete_first drop equal? fetch fetch! filter from_keys get get_and_update
    get_and_update! get_lazy get_values has_key? keys keyword? merge new pop pop! pop_first pop_lazy pop_values put
    put_new put_new_lazy reject replace replace! replace_lazy split split_with take to_list update update! validate
    values""".split())
class UnusedKeywordOperation(UnusedOperation):
    """A `Keyword` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedKeywordOperation"
