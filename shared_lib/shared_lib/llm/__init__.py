"""The LLM gateway: one way for every agent to call a model, metered and on a budget.

`providers` speaks each vendor's HTTP API, `budget` keeps an org's spend in Redis, and
`gateway` ties them together: retries, a fallback chain, schema-validated JSON, and a
usage event for every call (Netra tracks its own spend like any customer's). `factory`
reads the LLM settings at a component's cold start and builds the gateway on the
component's own clients.
"""
