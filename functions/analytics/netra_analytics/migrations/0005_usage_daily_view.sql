-- The daily rollup per org, day, provider, model and feature, derived from the calls as
-- they are after deduplication (FINAL): a redelivered, concurrently delivered or re-sent
-- event counts once, on the day of its latest timestamp. The outer query's filters on
-- org_id and day are pushed into it; they apply after FINAL, so an event moved to another
-- day is never counted on its old one. Read with sum() ... GROUP BY, as before.
CREATE VIEW IF NOT EXISTS usage_daily AS
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
FROM usage_events FINAL
GROUP BY org_id, day, provider, model, feature
