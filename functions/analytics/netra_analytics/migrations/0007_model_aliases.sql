-- An org's own model names (Azure deployment names, a proxy's aliases) -> the catalog
-- model each is priced and grouped as. One row per org holds the whole mapping; a PUT
-- inserts a newer row and reads use FINAL, so every instance sees the latest at once.
CREATE TABLE IF NOT EXISTS model_aliases
(
    org_id     String,
    aliases    Map(String, String),
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY org_id
