"""Code generation: derivative IR → readable Python source → loaded function."""
