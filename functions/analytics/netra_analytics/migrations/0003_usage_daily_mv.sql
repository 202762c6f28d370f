CREATE MATERIALIZED VIEW IF NOT EXISTS usage_daily_mv TO usage_daily AS
SELECT
    org_id,
    toDate(timestamp) AS day,
    provider,
    model,
    feature,
    count() AS calls,
    countIf(status != 'success') AS errors,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cached_input_tokens) AS cached_input_tokens,
    sum(coalesce(cost_usd, toDecimal64(0, 9))) AS cost_usd,
    countIf(cost_status = 'unpriced') AS unpriced_calls
FROM usage_events
GROUP BY org_id, day, provider, model, feature
