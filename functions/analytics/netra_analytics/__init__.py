"""The analytics function's own code: the usage warehouse in ClickHouse and its queries."""
