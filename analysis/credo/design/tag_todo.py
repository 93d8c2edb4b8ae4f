"""Design.TagTODO: TODO tags in comments (`# TODO: ...`) and, by default, at the start of
`@doc`/`@moduledoc` strings."""

from __future__ import annotations

from ...checks import register
from ._helpers import TagCheck


@register
class TagTODO(TagCheck):
    """TODO tags in comments (`# TODO: ...`) and, by default, at the start of `@doc`/`@moduledoc` strings."""

    name = "Credo.Check.Design.TagTODO"
    base_priority = 0
    summary = "TODO notes belong in the issue tracker, not the code."
    tag = "TODO"
