"""Frontend: from a live Python function to a checked ``gast`` tree with its
namespaces (source retrieval, parsing, the fence, name resolution)."""
