-- One row per LLM call. ReplacingMergeTree on (org_id, timestamp, event_id): a redelivered
-- event (same id, same time) collapses to one row; queries read FINAL so a duplicate not
-- yet merged is never counted twice. Money is Decimal, never float.
CREATE TABLE IF NOT EXISTS usage_events
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
    ingested_at         DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, timestamp, event_id)
