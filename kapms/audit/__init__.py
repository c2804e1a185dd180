"""The append-only audit log of every access to patient data and every sign-in."""
