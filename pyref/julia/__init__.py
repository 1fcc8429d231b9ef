"""Bridges from Python to PyRef, the Julia twin, and the Julia runtime it needs."""
