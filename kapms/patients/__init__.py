"""Patients, their insurance coverage and their care teams."""
