-- Why each call stopped (stop, length, tool_calls, content_filter, error; NULL when the
-- caller did not say): calls ending `length` are the evidence that outputs run away, which
-- is what an output cap may be recommended on (issue 15).
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS finish_reason LowCardinality(Nullable(String)) AFTER max_tokens
