"""The local platform: everything `netra up` starts, wires and stops."""
