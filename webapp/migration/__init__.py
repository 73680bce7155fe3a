"""Embedded arrays -> separate collections: plan, apply, verify, rollback,
report, lock."""
