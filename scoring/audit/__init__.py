"""Audit: the evaluation ledger, official and scenario runs, re-scoring."""
