-- Reads that stay fast as an org grows (ADR 0008). The calls get time back in their key
-- (a time range reads only its own granules) and one row per version becomes a pair: the
-- consumer looks the batch's event ids up, and writes a re-sent event as its old row
-- cancelled (sign -1) plus the new one (+1); an identical or older redelivery writes
-- nothing. usage_hourly, fed by usage_hourly_mv at insert, sums every measure weighted by
-- sign, so it counts each event once without FINAL; reads of raw calls use FINAL over
-- their time range only.
DROP VIEW IF EXISTS usage_daily;

RENAME TABLE usage_events TO usage_events_0007;

CREATE TABLE usage_events
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
    finish_reason       LowCardinality(Nullable(String)),
    interactive         Bool,
    batch               Bool,
    metadata            Map(String, String),
    ingested_at         DateTime64(3, 'UTC'),
    accepted_at         DateTime64(6, 'UTC'),
    sign                Int8 DEFAULT 1,
    -- The consumer's lookup by event id: granules without the ids are skipped.
    INDEX event_ids event_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = CollapsingMergeTree(sign)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, timestamp, event_id);

-- Per org x hour x workload. Percentile measures are log histograms: bucket ->
-- calls (_n) and bucket -> sum of the values (_s), bucket = 1 + floor(log(x) / log(1.01))
-- (0 for x = 0): a bucket's mean is within 1% of any value in it, and exact when the
-- bucket holds one distinct value. The same expressions are in warehouse.ROLLUP (edges
-- of a range are read from the calls): change both together.
CREATE TABLE usage_hourly
(
    org_id                     String,
    hour                       DateTime('UTC'),
    feature                    LowCardinality(String),
    provider                   LowCardinality(String),
    model                      LowCardinality(String),
    interactive                Bool,
    batch                      Bool,
    calls                      SimpleAggregateFunction(sum, Int64),
    success_calls              SimpleAggregateFunction(sum, Int64),
    failed_calls               SimpleAggregateFunction(sum, Int64),
    billed_failures            SimpleAggregateFunction(sum, Int64),
    unpriced_calls             SimpleAggregateFunction(sum, Int64),
    unpriced_tokens            SimpleAggregateFunction(sum, Int64),
    hashed_prompts             SimpleAggregateFunction(sum, Int64),
    hashed_prefixes            SimpleAggregateFunction(sum, Int64),
    length_calls               SimpleAggregateFunction(sum, Int64),
    at_max_calls               SimpleAggregateFunction(sum, Int64),
    input_tokens               SimpleAggregateFunction(sum, Int64),
    output_tokens              SimpleAggregateFunction(sum, Int64),
    cached_input_tokens        SimpleAggregateFunction(sum, Int64),
    cache_write_tokens         SimpleAggregateFunction(sum, Int64),
    reasoning_tokens           SimpleAggregateFunction(sum, Int64),
    failed_input_tokens        SimpleAggregateFunction(sum, Int64),
    failed_cached_input_tokens SimpleAggregateFunction(sum, Int64),
    failed_cache_write_tokens  SimpleAggregateFunction(sum, Int64),
    failed_output_tokens       SimpleAggregateFunction(sum, Int64),
    success_output_tokens      SimpleAggregateFunction(sum, Int64),
    success_output_squares     SimpleAggregateFunction(sum, Float64),
    success_output_max         SimpleAggregateFunction(max, UInt64),
    cost_usd                   SimpleAggregateFunction(sum, Decimal(38, 9)),
    failed_cost_usd            SimpleAggregateFunction(sum, Decimal(38, 9)),
    hashed_success_calls       SimpleAggregateFunction(sum, Int64),
    hashed_success_cost_usd    SimpleAggregateFunction(sum, Decimal(38, 9)),
    hashed_success_input_tokens        SimpleAggregateFunction(sum, Int64),
    hashed_success_cached_input_tokens SimpleAggregateFunction(sum, Int64),
    hashed_success_cache_write_tokens  SimpleAggregateFunction(sum, Int64),
    hashed_success_output_tokens       SimpleAggregateFunction(sum, Int64),
    latency_n                  SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    latency_s                  SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    ttft_n                     SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    ttft_s                     SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    output_n                   SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    output_s                   SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    max_tokens_n               SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    max_tokens_s               SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    truncated_n                SimpleAggregateFunction(sumMap, Map(UInt16, Int64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, hour, feature, provider, model, interactive, batch);

CREATE MATERIALIZED VIEW usage_hourly_mv TO usage_hourly AS
SELECT
    org_id, toStartOfHour(toDateTime(timestamp, 'UTC')) AS hour, feature, provider, model, interactive, batch,
    sum(toInt64(e.sign)) AS calls,
    sum(toInt64(e.sign) * (e.status = 'success')) AS success_calls,
    sum(toInt64(e.sign) * (e.status != 'success')) AS failed_calls,
    sum(toInt64(e.sign) * (e.status != 'success' AND e.input_tokens + e.output_tokens > 0)) AS billed_failures,
    sum(toInt64(e.sign) * (e.cost_status = 'unpriced')) AS unpriced_calls,
    sum(toInt64(e.sign) * (e.cost_status = 'unpriced') * toInt64(e.input_tokens + e.output_tokens)) AS unpriced_tokens,
    sum(toInt64(e.sign) * (e.prompt_hash != '')) AS hashed_prompts,
    sum(toInt64(e.sign) * (e.prefix_hash != '')) AS hashed_prefixes,
    sum(toInt64(e.sign) * (e.status = 'success' AND ifNull(e.finish_reason, '') = 'length')) AS length_calls,
    sum(toInt64(e.sign) * ifNull(e.status = 'success' AND e.output_tokens >= e.max_tokens, 0)) AS at_max_calls,
    sum(toInt64(e.sign) * toInt64(e.input_tokens)) AS input_tokens,
    sum(toInt64(e.sign) * toInt64(e.output_tokens)) AS output_tokens,
    sum(toInt64(e.sign) * toInt64(e.cached_input_tokens)) AS cached_input_tokens,
    sum(toInt64(e.sign) * toInt64(e.cache_write_tokens)) AS cache_write_tokens,
    sum(toInt64(e.sign) * toInt64(e.reasoning_tokens)) AS reasoning_tokens,
    sum(toInt64(e.sign) * (e.status != 'success') * toInt64(e.input_tokens)) AS failed_input_tokens,
    sum(toInt64(e.sign) * (e.status != 'success') * toInt64(e.cached_input_tokens)) AS failed_cached_input_tokens,
    sum(toInt64(e.sign) * (e.status != 'success') * toInt64(e.cache_write_tokens)) AS failed_cache_write_tokens,
    sum(toInt64(e.sign) * (e.status != 'success') * toInt64(e.output_tokens)) AS failed_output_tokens,
    sum(toInt64(e.sign) * (e.status = 'success') * toInt64(e.output_tokens)) AS success_output_tokens,
    sumIf(toFloat64(e.sign) * e.output_tokens * e.output_tokens, e.status = 'success') AS success_output_squares,
    maxIf(e.output_tokens, e.sign = 1 AND e.status = 'success') AS success_output_max,
    sum(if(e.sign = 1, coalesce(e.cost_usd, toDecimal64(0, 9)), -coalesce(e.cost_usd, toDecimal64(0, 9)))) AS cost_usd,
    sumIf(if(e.sign = 1, coalesce(e.cost_usd, toDecimal64(0, 9)), -coalesce(e.cost_usd, toDecimal64(0, 9))), e.status != 'success') AS failed_cost_usd,
    sum(toInt64(e.sign) * (e.status = 'success' AND e.prompt_hash != '')) AS hashed_success_calls,
    sumIf(if(e.sign = 1, coalesce(e.cost_usd, toDecimal64(0, 9)), -coalesce(e.cost_usd, toDecimal64(0, 9))), e.status = 'success' AND e.prompt_hash != '') AS hashed_success_cost_usd,
    sum(toInt64(e.sign) * (e.status = 'success' AND e.prompt_hash != '') * toInt64(e.input_tokens)) AS hashed_success_input_tokens,
    sum(toInt64(e.sign) * (e.status = 'success' AND e.prompt_hash != '') * toInt64(e.cached_input_tokens)) AS hashed_success_cached_input_tokens,
    sum(toInt64(e.sign) * (e.status = 'success' AND e.prompt_hash != '') * toInt64(e.cache_write_tokens)) AS hashed_success_cache_write_tokens,
    sum(toInt64(e.sign) * (e.status = 'success' AND e.prompt_hash != '') * toInt64(e.output_tokens)) AS hashed_success_output_tokens,
    sumMapIf(map(if(e.latency_ms = 0, 0, toUInt16(1 + floor(log(greatest(e.latency_ms, 1)) / log(1.01)))), toInt64(e.sign)), e.latency_ms > 0) AS latency_n,
    sumMapIf(map(if(e.latency_ms = 0, 0, toUInt16(1 + floor(log(greatest(e.latency_ms, 1)) / log(1.01)))), toInt64(e.sign) * e.latency_ms), e.latency_ms > 0) AS latency_s,
    sumMapIf(map(if(assumeNotNull(e.ttft_ms) = 0, 0, toUInt16(1 + floor(log(greatest(assumeNotNull(e.ttft_ms), 1)) / log(1.01)))), toInt64(e.sign)), e.ttft_ms IS NOT NULL) AS ttft_n,
    sumMapIf(map(if(assumeNotNull(e.ttft_ms) = 0, 0, toUInt16(1 + floor(log(greatest(assumeNotNull(e.ttft_ms), 1)) / log(1.01)))), toInt64(e.sign) * assumeNotNull(e.ttft_ms)), e.ttft_ms IS NOT NULL) AS ttft_s,
    sumMapIf(map(if(e.output_tokens = 0, 0, toUInt16(1 + floor(log(greatest(e.output_tokens, 1)) / log(1.01)))), toInt64(e.sign)), e.status = 'success') AS output_n,
    sumMapIf(map(if(e.output_tokens = 0, 0, toUInt16(1 + floor(log(greatest(e.output_tokens, 1)) / log(1.01)))), toInt64(e.sign) * toInt64(e.output_tokens)), e.status = 'success') AS output_s,
    sumMapIf(map(if(assumeNotNull(e.max_tokens) = 0, 0, toUInt16(1 + floor(log(greatest(assumeNotNull(e.max_tokens), 1)) / log(1.01)))), toInt64(e.sign)), e.max_tokens IS NOT NULL) AS max_tokens_n,
    sumMapIf(map(if(assumeNotNull(e.max_tokens) = 0, 0, toUInt16(1 + floor(log(greatest(assumeNotNull(e.max_tokens), 1)) / log(1.01)))), toInt64(e.sign) * assumeNotNull(e.max_tokens)), e.max_tokens IS NOT NULL) AS max_tokens_s,
    sumMapIf(map(if(e.output_tokens = 0, 0, toUInt16(1 + floor(log(greatest(e.output_tokens, 1)) / log(1.01)))), toInt64(e.sign)),
             e.status = 'success' AND (ifNull(e.finish_reason, '') = 'length' OR ifNull(e.output_tokens >= e.max_tokens, 0))) AS truncated_n
FROM usage_events AS e
GROUP BY org_id, hour, feature, provider, model, interactive, batch;

-- The same per day, fed from usage_hourly's own inserts: long ranges read a row per day.
CREATE TABLE usage_daily_rollup AS usage_hourly;

CREATE MATERIALIZED VIEW usage_daily_rollup_mv TO usage_daily_rollup AS
SELECT
    org_id, toStartOfDay(h.hour, 'UTC') AS hour, feature, provider, model, interactive, batch,
    sum(h.calls) AS calls,
    sum(h.success_calls) AS success_calls,
    sum(h.failed_calls) AS failed_calls,
    sum(h.billed_failures) AS billed_failures,
    sum(h.unpriced_calls) AS unpriced_calls,
    sum(h.unpriced_tokens) AS unpriced_tokens,
    sum(h.hashed_prompts) AS hashed_prompts,
    sum(h.hashed_prefixes) AS hashed_prefixes,
    sum(h.length_calls) AS length_calls,
    sum(h.at_max_calls) AS at_max_calls,
    sum(h.input_tokens) AS input_tokens,
    sum(h.output_tokens) AS output_tokens,
    sum(h.cached_input_tokens) AS cached_input_tokens,
    sum(h.cache_write_tokens) AS cache_write_tokens,
    sum(h.reasoning_tokens) AS reasoning_tokens,
    sum(h.failed_input_tokens) AS failed_input_tokens,
    sum(h.failed_cached_input_tokens) AS failed_cached_input_tokens,
    sum(h.failed_cache_write_tokens) AS failed_cache_write_tokens,
    sum(h.failed_output_tokens) AS failed_output_tokens,
    sum(h.success_output_tokens) AS success_output_tokens,
    sum(h.success_output_squares) AS success_output_squares,
    max(h.success_output_max) AS success_output_max,
    sum(h.cost_usd) AS cost_usd,
    sum(h.failed_cost_usd) AS failed_cost_usd,
    sum(h.hashed_success_calls) AS hashed_success_calls,
    sum(h.hashed_success_cost_usd) AS hashed_success_cost_usd,
    sum(h.hashed_success_input_tokens) AS hashed_success_input_tokens,
    sum(h.hashed_success_cached_input_tokens) AS hashed_success_cached_input_tokens,
    sum(h.hashed_success_cache_write_tokens) AS hashed_success_cache_write_tokens,
    sum(h.hashed_success_output_tokens) AS hashed_success_output_tokens,
    sumMap(h.latency_n) AS latency_n,
    sumMap(h.latency_s) AS latency_s,
    sumMap(h.ttft_n) AS ttft_n,
    sumMap(h.ttft_s) AS ttft_s,
    sumMap(h.output_n) AS output_n,
    sumMap(h.output_s) AS output_s,
    sumMap(h.max_tokens_n) AS max_tokens_n,
    sumMap(h.max_tokens_s) AS max_tokens_s,
    sumMap(h.truncated_n) AS truncated_n
FROM usage_hourly AS h
GROUP BY org_id, hour, feature, provider, model, interactive, batch;

-- Per org x workload x prompt (keyed by a 64-bit hash of prompt_hash: grouping 600k
-- prompts by a number is twice as fast), its first successful call ever: what the profile's
-- repeats subtract from the rollup's hashed calls. Earliest by `first_key`: the time in ms,
-- then 21 bits of a hash of the event id for calls in the same ms (one Int64 key: scalar
-- argMin states merge ~5x faster than tuples). A version later cancelled stays in the
-- state; reads see its event among the cancellations and recompute that prompt from the
-- calls (profile.py).
CREATE TABLE usage_prompt_firsts
(
    org_id             String,
    prompt_key         UInt64,
    prompt_hash        SimpleAggregateFunction(any, String),
    feature            LowCardinality(String),
    provider           LowCardinality(String),
    model              LowCardinality(String),
    interactive        Bool,
    batch              Bool,
    first_key          SimpleAggregateFunction(min, Int64),
    first_event        AggregateFunction(argMin, UInt64, Int64),
    first_cost         AggregateFunction(argMin, Decimal(18, 9), Int64),
    first_input        AggregateFunction(argMin, UInt64, Int64),
    first_cached_input AggregateFunction(argMin, UInt64, Int64),
    first_cache_write  AggregateFunction(argMin, UInt64, Int64),
    first_output       AggregateFunction(argMin, UInt64, Int64)
)
ENGINE = AggregatingMergeTree
ORDER BY (org_id, prompt_key, feature, provider, model, interactive, batch);

CREATE MATERIALIZED VIEW usage_prompt_firsts_mv TO usage_prompt_firsts AS
SELECT org_id, cityHash64(e.prompt_hash) AS prompt_key, any(e.prompt_hash) AS prompt_hash, feature, provider, model,
       interactive, batch, min(toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_key,
       argMinState(cityHash64(event_id), toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_event,
       argMinState(coalesce(cost_usd, toDecimal64(0, 9)), toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_cost,
       argMinState(input_tokens, toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_input,
       argMinState(cached_input_tokens, toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_cached_input,
       argMinState(cache_write_tokens, toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_cache_write,
       argMinState(output_tokens, toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)) AS first_output
FROM usage_events AS e
WHERE e.sign = 1 AND e.status = 'success' AND e.prompt_hash != ''
GROUP BY org_id, prompt_key, feature, provider, model, interactive, batch;

-- Per org x workload x prefix hash x 5 minutes, its successful calls: what the cache lever
-- reads. The first and last call's time per slot give every gap between slots exactly;
-- gaps within a slot are shorter than any cache lifetime the profile counts (>= 5 min).
-- Like usage_prompt_firsts, min/max cannot be taken back: a prefix with a cancelled call is
-- read from the calls instead (profile.py).
CREATE TABLE usage_prefix_slots
(
    org_id              String,
    feature             LowCardinality(String),
    provider            LowCardinality(String),
    model               LowCardinality(String),
    interactive         Bool,
    batch               Bool,
    prefix_hash         String,
    slot                DateTime('UTC'),
    calls               SimpleAggregateFunction(sum, Int64),
    input_sum           SimpleAggregateFunction(sum, Int64),
    cached_sum          SimpleAggregateFunction(sum, Int64),
    min_input           SimpleAggregateFunction(min, UInt64),
    first_ms            SimpleAggregateFunction(min, Int64),
    last_ms             SimpleAggregateFunction(max, Int64),
    hint_n              SimpleAggregateFunction(sumMap, Map(UInt16, Int64)),
    hint_s              SimpleAggregateFunction(sumMap, Map(UInt16, Int64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(slot)
ORDER BY (org_id, slot, feature, provider, model, interactive, batch, prefix_hash);

CREATE MATERIALIZED VIEW usage_prefix_slots_mv TO usage_prefix_slots AS
SELECT
    org_id, feature, provider, model, interactive, batch, prefix_hash, toStartOfFiveMinutes(toDateTime(timestamp, 'UTC')) AS slot,
    toInt64(count()) AS calls,
    sum(toInt64(e.input_tokens)) AS input_sum,
    sum(toInt64(e.cached_input_tokens)) AS cached_sum,
    min(e.input_tokens) AS min_input,
    min(toUnixTimestamp64Milli(e.timestamp)) AS first_ms,
    max(toUnixTimestamp64Milli(e.timestamp)) AS last_ms,
    sumMapIf(map(if(toUInt32OrZero(e.metadata['prefix_tokens']) = 0, 0, toUInt16(1 + floor(log(greatest(toUInt32OrZero(e.metadata['prefix_tokens']), 1)) / log(1.01)))), toInt64(1)), mapContains(e.metadata, 'prefix_tokens')) AS hint_n,
    sumMapIf(map(if(toUInt32OrZero(e.metadata['prefix_tokens']) = 0, 0, toUInt16(1 + floor(log(greatest(toUInt32OrZero(e.metadata['prefix_tokens']), 1)) / log(1.01)))), toInt64(toUInt32OrZero(e.metadata['prefix_tokens']))), mapContains(e.metadata, 'prefix_tokens')) AS hint_s
FROM usage_events AS e
WHERE e.sign = 1 AND e.status = 'success' AND e.prefix_hash != ''
GROUP BY org_id, feature, provider, model, interactive, batch, prefix_hash, slot;

-- The calls as they are (one per event id), each a +1 row: the views fill the rollups.
INSERT INTO usage_events
SELECT event_id, org_id, timestamp, user_id, feature, provider, model, input_tokens, output_tokens, cached_input_tokens,
       cache_write_tokens, reasoning_tokens, latency_ms, ttft_ms, status, provided_cost_usd, computed_cost_usd, cost_usd,
       cost_status, price_version, prompt_hash, prefix_hash, max_tokens, finish_reason, interactive, batch, metadata,
       ingested_at, accepted_at, 1 AS sign
FROM usage_events_0007 FINAL;

DROP TABLE usage_events_0007;
