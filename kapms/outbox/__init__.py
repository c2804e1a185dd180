"""Email out: every message is a row of the outbox (recipient, kind, status, attempts, sent
at), sent by the job queue through Flask-Mailman, retried with backoff, and written in
the words its kind needs and no more (minimum necessary)."""
