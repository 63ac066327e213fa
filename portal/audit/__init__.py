"""The record of who looked at which client's health data, and when."""
