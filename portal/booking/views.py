"""Booking pages."""
