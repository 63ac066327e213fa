"""Appointment tables."""
