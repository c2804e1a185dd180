"""Billing: fee schedules, benefits, whole-course estimates, Good Faith Estimates, payment
plans, superbills and claims.

Pure rules (no database, no Flask): cost_share, course, coding, payment_plans, plan_ledger,
business_days, codes, money. Records: models. Verbs: services/ (fees, benefits, estimates,
gfe, plans, superbills, clinicians, care_link: the one reader of the care record). Pages:
blueprint.py and views/. Exporters: pdf. Demo: demo.
"""
