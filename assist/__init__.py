"""What the language server and the command line both offer: explanations, fixes, clarification, generation."""
