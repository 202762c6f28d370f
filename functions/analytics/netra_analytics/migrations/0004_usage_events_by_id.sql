-- A call is stored once per (org_id, event_id), whatever its timestamp: an event re-sent
-- with other fields replaces the earlier row (the one accepted last wins, `accepted_at`),
-- and any number of redeliveries or concurrent consumers collapse to it. Every read uses
-- FINAL, so a row not yet merged away is never counted. Not partitioned by time: rows are
-- only replaced within a partition, and a re-sent timestamp may fall in another month.
CREATE TABLE IF NOT EXISTS usage_events_by_id
(
    event_id            String,
    org_id              String,
    timestamp           DateTime64(3, 'UTC'),
    user_id             String,
    feature             LowCardinality(String),
    provider            LowCardinality(String),
    model               LowCardinality(String),
    input_tokens        UInt64,
    output_tokens       UInt64,
    cached_input_tokens UInt64,
    cache_write_tokens  UInt64,
    reasoning_tokens    UInt64,
    latency_ms          UInt32,
    ttft_ms             Nullable(UInt32),
    status              LowCardinality(String),
    provided_cost_usd   Nullable(Decimal(18, 9)),
    computed_cost_usd   Nullable(Decimal(18, 9)),
    cost_usd            Nullable(Decimal(18, 9)),
    cost_status         LowCardinality(String),
    price_version       String,
    prompt_hash         String,
    prefix_hash         String,
    max_tokens          Nullable(UInt32),
    interactive         Bool,
    batch               Bool,
    metadata            Map(String, String),
    ingested_at         DateTime64(3, 'UTC'),
    accepted_at         DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(accepted_at)
ORDER BY (org_id, event_id);

-- Copying twice (a migration re-run) is harmless: the copies collapse on the key.
INSERT INTO usage_events_by_id
SELECT event_id, org_id, timestamp, user_id, feature, provider, model, input_tokens, output_tokens, cached_input_tokens,
       cache_write_tokens, reasoning_tokens, latency_ms, ttft_ms, status, provided_cost_usd, computed_cost_usd, cost_usd,
       cost_status, price_version, prompt_hash, prefix_hash, max_tokens, interactive, batch, metadata, ingested_at,
       ingested_at AS accepted_at
FROM usage_events;

-- The rollup fed at insert counted every inserted row, duplicates included: it becomes a
-- view over the deduplicated calls (0005), so it can never disagree with them.
DROP TABLE IF EXISTS usage_daily_mv;

DROP TABLE IF EXISTS usage_daily;

EXCHANGE TABLES usage_events AND usage_events_by_id;

DROP TABLE IF EXISTS usage_events_by_id;
