"""Credo- and Sobelow-compatible static analysis over a tree-sitter AST."""
