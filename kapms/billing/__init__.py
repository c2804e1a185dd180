"""Billing rules in pure Python: cost share, payment plans, business days, course estimates."""
