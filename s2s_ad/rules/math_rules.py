"""Rules for the ``math`` module."""
