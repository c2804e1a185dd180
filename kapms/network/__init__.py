"""Therapist network: the clinician directory, matching and referrals."""
