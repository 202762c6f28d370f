// Settings: who is signed in, the org's monthly LLM budget (chat's /api/settings) and the
// org's API keys (auth's /auth/api-keys): a new key is shown once, with a copy button; and
// the org's own model names, each mapped to a catalog model (analytics' /api/usage/model-names).
"use strict";

const NetraSettings = (() => {
  let ctx = null;
  const { byId: $, el } = NetraDom;
  const when = (iso) => (iso ? new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", year: "numeric", hour: "numeric", minute: "2-digit" }) : "never");
  const BUDGET = /^\d{1,10}(\.\d{1,2})?$/;

  function init(context) {
    ctx = context;
    $("budget-form").addEventListener("submit", (event) => { event.preventDefault(); saveBudget().catch(fail("budget-message")); });
    $("key-form").addEventListener("submit", (event) => { event.preventDefault(); createKey().catch(fail("keys-error")); });
    $("aliases-form").addEventListener("submit", (event) => { event.preventDefault(); saveAliases().catch(fail("aliases-error")); });
    $("alias-add").addEventListener("click", () => { $("aliases").append(aliasRow("", "")); });
  }

  const fail = (id) => (error) => { $(id).textContent = error.message || String(error); };

  async function show() {
    const who = ctx.claims();
    $("account").replaceChildren(
      el("dt", {}, "Email"), el("dd", {}, who.email || "—"),
      ...(who.name ? [el("dt", {}, "Name"), el("dd", {}, who.name)] : []),
      el("dt", {}, "Organization"), el("dd", { class: "mono" }, who.org_id || "—"));
    $("new-key").hidden = true; $("new-key").replaceChildren();
    $("keys-message").textContent = ""; $("keys-error").textContent = ""; $("budget-message").textContent = "";
    $("aliases-message").textContent = ""; $("aliases-error").textContent = "";
    await Promise.all([loadBudget(), loadKeys(), loadAliases()]);
  }

  async function loadBudget() {
    // Held until the stored value is in: a value typed meanwhile would be overwritten by it,
    // and then saved instead of what was typed.
    const controls = [$("budget"), $("budget-form").querySelector("button[type=submit]")];
    controls.forEach((c) => { c.disabled = true; });
    try {
      const settings = await ctx.chat("/api/settings");
      $("budget").value = settings.monthly_budget_usd ?? "";
    } finally {
      controls.forEach((c) => { c.disabled = false; });
    }
  }

  async function saveBudget() {
    const raw = $("budget").value.trim().replace(/^\$/, "").replace(/,/g, "");
    if (raw !== "" && !BUDGET.test(raw)) {
      $("budget-message").textContent = "A budget is an amount in dollars with at most 2 decimals, such as 1500 or 1500.50.";
      return;
    }
    const saved = await ctx.chat("/api/settings", { method: "PUT", body: JSON.stringify({ monthly_budget_usd: raw === "" ? null : raw }) });
    $("budget").value = saved.monthly_budget_usd ?? "";
    $("budget-message").textContent = saved.monthly_budget_usd === null ? "No monthly budget." : `Saved: ${NetraMoney.usd(NetraMoney.parse(saved.monthly_budget_usd))} a month.`;
  }

  // Four columns, so the list reads at 390 px too: the key's prefix and scopes sit under its name.
  async function loadKeys() {
    const { api_keys: keys } = await ctx.auth("/auth/api-keys");
    const rows = keys.map((k) => el("tr", { "data-key-id": k.id, class: k.revoked_at ? "revoked" : null },
      el("td", {}, el("span", { class: "name" }, k.name), " ",
        el("span", { class: "sub" }, el("span", { class: "mono" }, k.display), ` · ${k.permissions.join(", ")}`)),
      el("td", {}, when(k.created_at)), el("td", {}, when(k.last_used_at)),
      el("td", {}, k.revoked_at ? `revoked ${when(k.revoked_at)}` : el("span", { class: "active" }, "active ", revokeButton(k)))));
    const head = ["Key", "Created", "Last used", "Status"];
    $("keys").replaceChildren(keys.length
      ? el("div", { class: "table-wrap", tabindex: "0", role: "group", "aria-label": "API keys" },
        el("table", {}, el("caption", {}, "API keys"), el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, ...rows)))
      : el("p", { class: "hint" }, "No API keys yet."));
  }

  function revokeButton(key) {
    const b = el("button", { type: "button", class: "danger", "aria-label": `Revoke ${key.name}` }, "Revoke");
    b.addEventListener("click", () => revoke(key).catch(fail("keys-error")));
    return b;
  }

  async function revoke(key) {
    if (!confirm(`Revoke “${key.name}”? Services sending usage with it will be refused.`)) return;
    await ctx.auth(`/auth/api-keys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
    $("keys-message").textContent = `Revoked “${key.name}”.`;
    await loadKeys();
  }

  async function createKey() {
    $("keys-error").textContent = "";
    const name = $("key-name").value.trim();
    if (!name) { $("keys-error").textContent = "Name the key after where it will be used."; return; }
    const scopes = [...document.querySelectorAll('#key-form input[name="scopes"]:checked')].map((box) => box.value);
    if (!scopes.length) { $("keys-error").textContent = "Choose what the key may do: send usage, read it, or both."; return; }
    const key = await ctx.auth("/auth/api-keys", { method: "POST", body: JSON.stringify({ name, scopes }) });
    $("key-name").value = "";
    document.querySelectorAll('#key-form input[name="scopes"]').forEach((box) => { box.checked = box.value === "usage:write"; });
    showOnce(key);
    await loadKeys();
  }

  // The secret exists in the page only here: not stored, gone once the view is left.
  function showOnce(key) {
    const field = el("input", { id: "new-key-value", type: "text", readonly: "", class: "mono", value: key.key, "aria-describedby": "new-key-note" });
    const copy = el("button", { type: "button" }, "Copy key");
    const copied = el("span", { class: "hint", role: "status" });
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(key.key).then(() => { copied.textContent = "Copied."; },
        () => { field.select(); copied.textContent = "Selected: press Ctrl+C (⌘C) to copy."; });
    });
    const analytics = ctx.analyticsUrl || "<analytics URL>";
    const curl = `curl -X POST ${analytics}/api/usage \\\n  -H "Authorization: Bearer ${key.key}" \\\n  -H "Content-Type: application/x-ndjson" \\\n` +
      `  --data-binary '{"event_id":"call-1","timestamp":"${new Date().toISOString().slice(0, 19)}Z","provider":"openai","model":"gpt-4o-mini","input_tokens":1200,"output_tokens":300,"feature":"support"}'`;
    // Snippets for what the key may do only: a read key gets the summary call.
    const reading = key.permissions.includes("usage:read") ? [
      el("p", { class: "hint" }, "Read the org's usage with it:"),
      el("pre", { class: "snippet", tabindex: "0", "aria-label": "Example: read usage with curl" },
        `curl "${analytics}/api/usage/summary?group_by=model" \\\n  -H "Authorization: Bearer ${key.key}"`)] : [];
    const writing = key.permissions.includes("usage:write") ? [
      el("p", { class: "hint" }, "Send usage with it, one JSON event per line:"),
      el("pre", { class: "snippet", tabindex: "0", "aria-label": "Example: send usage with curl" }, curl),
      el("p", { class: "hint" }, "Or point an OpenTelemetry exporter at Netra (OTLP/HTTP traces):"),
      el("pre", { class: "snippet", tabindex: "0", "aria-label": "Example: export OpenTelemetry traces to Netra" },
        `export OTEL_EXPORTER_OTLP_ENDPOINT=${analytics}\nexport OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20${key.key}"`),
      el("p", { class: "hint" }, "Or send an export file (OpenAI, Anthropic, LiteLLM, Langfuse; the format is detected) with the netra CLI:"),
      el("pre", { class: "snippet", tabindex: "0", "aria-label": "Example: import an export file" },
        `NETRA_API_KEY=${key.key} netra import spend-logs.json`)] : [];
    $("new-key").replaceChildren(
      el("p", { id: "new-key-note", class: "warning" }, `Your new key “${key.name}”. Copy it now: it is shown only once.`),
      el("div", { class: "inline-form" }, el("label", { for: "new-key-value" }, "New API key"), field, copy, copied),
      ...writing, ...reading);
    $("new-key").hidden = false;
    field.focus(); field.select();
  }

  // --- model names: one row per name, an empty row to add one ---------------------------

  const aliasesUrl = () => `${ctx.analyticsUrl}/api/usage/model-names`;

  function aliasRow(name, model) {
    const n = $("aliases").children.length + 1;
    return el("tr", {},
      el("td", {}, el("input", { type: "text", class: "alias-name mono", maxlength: "200", autocomplete: "off", value: name,
        size: "14", placeholder: "prod-gpt4o-eu", "aria-label": `Name as sent ${n}` })),
      el("td", {}, el("input", { type: "text", class: "alias-model mono", maxlength: "200", autocomplete: "off", value: model,
        size: "14", placeholder: "gpt-4o", "aria-label": `Catalog model ${n}` })));
  }

  function showAliases(aliases) {
    $("aliases").replaceChildren();
    for (const [name, model] of [...Object.entries(aliases), ["", ""]]) $("aliases").append(aliasRow(name, model));
  }

  async function loadAliases() {
    if (!ctx.analyticsUrl) { $("aliases-form").hidden = true; return; }
    showAliases((await ctx.api(aliasesUrl())).aliases);
  }

  async function saveAliases() {
    $("aliases-error").textContent = ""; $("aliases-message").textContent = "";
    const aliases = {};
    for (const row of $("aliases").children) {
      const name = row.querySelector(".alias-name").value.trim(), model = row.querySelector(".alias-model").value.trim();
      if (!name && !model) continue;
      if (!name || !model) { $("aliases-error").textContent = "Each row needs both a name as sent and a catalog model."; return; }
      aliases[name] = model;
    }
    const saved = await ctx.api(aliasesUrl(), { method: "PUT", body: JSON.stringify({ aliases }) });
    showAliases(saved.aliases);
    const count = Object.keys(saved.aliases).length;
    $("aliases-message").textContent = count ? `Saved ${count} model name${count === 1 ? "" : "s"}.` : "No model names.";
  }

  return { init, show };
})();
