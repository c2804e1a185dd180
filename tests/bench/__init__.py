"""Tests of the benchmarks and of the SQL statement counter."""
