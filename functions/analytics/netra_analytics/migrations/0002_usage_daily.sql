-- Daily rollup per org, day, provider, model and feature: what time series and spend charts
-- read instead of scanning every call. Fed by usage_daily_mv at insert; the consumer
-- writes an event only once (it skips event ids already stored), so a redelivery never
-- reaches the rollup. Rows are summed at merge; always read with sum() ... GROUP BY.
CREATE TABLE IF NOT EXISTS usage_daily
(
    org_id              String,
    day                 Date,
    provider            LowCardinality(String),
    model               LowCardinality(String),
    feature             LowCardinality(String),
    calls               UInt64,
    errors              UInt64,
    input_tokens        UInt64,
    output_tokens       UInt64,
    cached_input_tokens UInt64,
    cost_usd            Decimal(38, 9),
    unpriced_calls      UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (org_id, day, provider, model, feature)
