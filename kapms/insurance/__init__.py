"""The network's shared list of payers and plans (used by patients, directory and billing)."""
