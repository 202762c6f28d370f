"""A Secret Manager emulator speaking the real gRPC API (there is no official one)."""
