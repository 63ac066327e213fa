"""Health profile pages."""
