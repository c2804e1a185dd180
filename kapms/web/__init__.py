"""Shared view plumbing: access control, security headers, errors, template filters."""
