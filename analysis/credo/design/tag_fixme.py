"""Design.TagFIXME: FIXME tags in comments (`# FIXME: ...`) and, by default, at the start of
`@doc`/`@moduledoc` strings."""

from __future__ import annotations

from ...checks import register
from ._helpers import TagCheck


@register
class TagFIXME(TagCheck):
    """FIXME tags in comments (`# FIXME: ...`) and, by default, at the start of `@doc`/`@moduledoc` strings."""

    name = "Credo.Check.Design.TagFIXME"
    base_priority = "high"
    summary = "FIXME notes mark known bugs that should be fixed."
    tag = "FIXME"
