"""Tests of pyref.cs231n against the assignment's published checks."""
