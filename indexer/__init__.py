"""Read and segment documents, embed them, and write a self-describing index."""
