"""Client-side helpers shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any, Union

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient


def read_code_actions_like_an_editor(client: LanguageClient) -> None:
    """Tell `Command` from `CodeAction` in code action results as VS Code and Neovim do.

    lsprotocol's client-side converter reads any result item with a `command` key as a
    `Command`, so a CodeAction that carries a command (ours all do, to record that they were
    taken) would come back as a broken Command. Editors look at the type of `command`
    instead: a string means a Command, an object means a CodeAction.
    """
    converter = client.protocol._converter

    def structure(obj: Any, _: type) -> lsp.Command | lsp.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, lsp.Command)
        return converter.structure(obj, lsp.CodeAction)

    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], structure)  # noqa: UP007
