"""Billing: fee schedules, benefits, whole-course estimates, Good Faith Estimates, payment
plans and superbills.

Pure rules (no database): cost_share, payment_plans, plan_ledger, business_days, codes,
course, npi. Records: models. Verbs: services/ (fees, benefits, estimates, gfe, plans,
superbills, clinicians). Pages: views/ and the payer admin in kapms.insurance.views. The care
path is read only through care_link.
"""
