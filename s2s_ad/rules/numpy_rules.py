"""Rules for NumPy functions and array methods."""
