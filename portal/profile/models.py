"""Health profile tables."""
