"""Liveness and readiness probes for the load balancer."""

from flask import Blueprint

bp = Blueprint("health", __name__)
