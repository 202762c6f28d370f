"""Independent reference computations that give the tests their answer keys (ADR 0017)."""
