"""Intake: from a bid file to a typed bid and its issues, validated against the template and the tender."""
