"""KAPMS test suite."""
