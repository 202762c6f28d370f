-- A call's prefix chain (ADR 0017): the hash of its prompt's first `tokens` tokens at each
-- boundary the caller knows (end of the system prompt, of each earlier message, or of each
-- fixed block), cumulative, so a turn that extends the previous one shares its positions.
-- Parallel arrays, position by position: what the caching simulation reads in time order.
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS prefix_chain_hashes Array(String) AFTER prefix_hash;
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS prefix_chain_tokens Array(UInt32) AFTER prefix_chain_hashes;
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS prefix_chain_at Array(LowCardinality(String)) AFTER prefix_chain_tokens
