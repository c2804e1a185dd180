"""Tests of the therapist network."""
