"""s2s_ad: source-to-source automatic differentiation for Python and NumPy."""
