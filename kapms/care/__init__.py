"""The KAP care path: clearance, prescriptions, sessions, dosing records, notes, calendar."""
