"""Ports for a whole platform are chosen at once, and never twice."""

from emulators.platform.processes import free_ports


def test_ports_chosen_together_are_distinct():
    for _ in range(50):
        ports = free_ports(16)
        assert len(set(ports)) == 16 and all(1024 < p < 65536 for p in ports)
