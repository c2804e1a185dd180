"""Scoring of the standardized outcome measures (PHQ-9, GAD-7, PCL-5, MBI-GS)."""
