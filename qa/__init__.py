"""Question answering over a built index: retrieve, then compose a grounded answer."""
