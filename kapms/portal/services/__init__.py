"""The portal's verbs: inviting a patient (staff) and everything the patient does and sees
in their own portal (no Flask; flush, never commit; every read and write audited).

invitations.py   a clinician or billing user invites a patient; account status
own_record.py    the patient's own appointments, measures due, chaperone and documents
"""
