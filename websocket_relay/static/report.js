// Renders a final_report (contract: docs/architecture.md, "final_report.payload.report": a union
// tagged by `kind`) as DOM nodes: the resolved query in a line, the narrative, then a table
// and a chart per kind. Numbers are shown as given (computed server-side); nothing is
// recomputed here, only formatted.
"use strict";

const NetraReport = (() => {
  // --- formatting: amounts arrive as exact decimal strings ("12.345678") ---------------------
  const num = (v) => (v === null || v === undefined || v === "" ? NaN : Number(v));
  const known = (v) => Number.isFinite(num(v));
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // To the cent from the decimal string itself (NetraMoney, half a cent away from zero as the
  // server rounds): through a float, "1.005" is 1.00499… and would show $1.00.
  const exact = (v) => (typeof NetraMoney === "object" ? NetraMoney.parse(typeof v === "number" ? String(v) : v) : null);
  const absUsd = (v) => {
    const units = exact(v);
    return units === null ? money.format(Math.abs(num(v))) : NetraMoney.usd(units < 0n ? -units : units);
  };
  // A missing amount is a price nobody knows, never $0.00.
  const usd = (v) => (known(v) ? `${num(v) < 0 ? "−" : ""}${absUsd(v)}` : "unknown price");
  const signedUsd = (v) => (known(v) ? `${num(v) > 0 ? "+" : num(v) < 0 ? "−" : ""}${absUsd(v)}` : "—");
  const pct = (v) => (known(v) ? `${num(v).toFixed(1)}%` : "—");
  const dayCount = (n) => `${count(n)} day${num(n) === 1 ? "" : "s"}`;
  const signedPct = (v) => (known(v) ? `${num(v) > 0 ? "+" : num(v) < 0 ? "−" : ""}${Math.abs(num(v)).toFixed(1)}%` : "—");
  const count = (v) => (known(v) ? num(v).toLocaleString("en-US") : "—");
  // A no-break space: "1.20 s" never splits over two lines in a narrow column.
  const ms = (v) => (!known(v) ? "—" : num(v) >= 1000 ? `${(num(v) / 1000).toFixed(2)}\u00a0s` : `${Math.round(num(v))}\u00a0ms`);
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const day = (v, year = true) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v || ""));
    return m ? `${MONTHS[Number(m[2]) - 1]} ${Number(m[3])}${year ? `, ${m[1]}` : ""}` : "?";
  };
  // A period's `to` is exclusive when it is a date (netra_agents.query.Period): people read
  // the last day in it. An instant ("…T00:00:00Z") is shown as it is.
  const lastDay = (to) => {
    const m = /^(\d{4}-\d{2}-\d{2})(?:T00:00(?::00(?:\.0+)?)?(?:Z|\+00:00)?)?$/.exec(String(to || ""));
    if (!m) return to;
    const d = new Date(`${m[1]}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - 1);
    return d.toISOString().slice(0, 10);
  };
  const span = (from, to) => {
    const last = lastDay(to);
    if (String(from).slice(0, 10) === String(last).slice(0, 10)) return day(from);
    const sameYear = String(from).slice(0, 4) === String(last).slice(0, 4);
    return `${day(from, !sameYear)} – ${day(last)}`;
  };
  // Money in free text (progress lines, warnings) to the cent: "$252.428179" → "$252.43".
  const centsInText = (text) => String(text).replace(/\$(-?[\d,]*\d)\.(\d{3,})/g, (_, whole, frac) => usd(`${whole.replace(/,/g, "")}.${frac}`));
  // "1. Do this" in a numbered list would read "1. 1. Do this".
  const unnumbered = (text) => String(text).replace(/^\s*(\d+[.)]|[-•*])\s+/, "");

  const LEVERS = {
    model_rightsizing: "Cheaper model",
    response_caching: "Response caching",
    prompt_caching: "Prompt caching",
    batching: "Batch API",
    output_caps: "Output caps",
    error_waste: "Retries and errors",
    reasoning_effort: "Reasoning effort",
  };
  const words = (id) => String(id || "").replace(/[_-]+/g, " ").replace(/^./, (c) => c.toUpperCase());
  const leverName = (id) => LEVERS[id] || words(id);
  // Flex is the batching lever on the synchronous API at batch prices (the optimizer's
  // change.service_tier "flex"), not the batch API: it is named as what the team would turn on.
  const leverOf = (x) => (x && x.change && x.change.service_tier === "flex" ? "Flex processing" : leverName(x && x.lever));
  // An amount worth a sentence: nothing saved (or less than half a cent) says nothing "a month".
  const someMoney = (v) => known(v) && absUsd(v) !== absUsd("0");
  const METRICS = { spend: "Spend", calls: "Calls", tokens: "Tokens", latency: "Latency", error_rate: "Error rate" };
  const EFFECTS = {
    volume: "more or fewer calls",
    mix: "pricier or cheaper models",
    size: "more or fewer tokens per call",
    new: "new this period",
    gone: "no longer used",
  };
  const KINDS = {
    plan: "Optimization report",
    breakdown: "Breakdown report",
    change: "Change report",
    what_if: "What-if report",
    latency: "Latency report",
    forecast: "Forecast report",
    overview: "Overview",
    guidance: "Getting started",
    clarify: "A question back",
  };

  // --- DOM ----------------------------------------------------------------------------------
  const { el } = NetraDom;
  const list = (value) => (Array.isArray(value) ? value : []);
  const text = (item) => (item && typeof item === "object" ? item.finding || item.text || item.message || item.title || JSON.stringify(item) : String(item));

  // A table whose header cells are [label, numeric?]; rows are arrays of cells (string or
  // {text, num, cls}). It scrolls inside its own box on a narrow screen, never the page.
  function table(caption, header, rows, rowClass = () => null) {
    const head = el("tr", {}, ...header.map(([label, isNum]) => el("th", { scope: "col", class: isNum ? "num" : null }, label)));
    const body = rows.map((cells, i) => el("tr", { class: rowClass(i) },
      ...cells.map((cell, j) => el("td", { class: header[j] && header[j][1] ? "num" : null }, cell))));
    // Focusable, so a keyboard can scroll it too.
    return el("div", { class: "table-wrap", tabindex: "0", role: "group", "aria-label": caption },
      el("table", {}, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, ...body)));
  }

  const NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs = {}, content) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (content !== undefined) node.textContent = content;
    return node;
  }
  const short = (label, max = 34) => (label.length > max ? `${label.slice(0, max - 1)}…` : label);

  // Horizontal bars, one row each: the label and its value on a line, the bar under it.
  // Positions are percentages of the figure's width, so text keeps its size at any width
  // and a long name never runs into its bar.
  function barChart(title, rows, format = usd) {
    rows = rows.map((r) => ({ ...r, label: String(r.label), v: num(r.value) }));
    const max = Math.max(...rows.map((r) => (Number.isFinite(r.v) ? Math.abs(r.v) : 0)), 1e-9);
    const rowHeight = 40;
    const chart = svg("svg", { class: "chart", role: "img", width: "100%", height: rows.length * rowHeight + 4 });
    chart.setAttribute("aria-label", `${title}: ` + rows.map((r) => `${r.label} ${r.shown || format(r.value)}`).join(", "));
    rows.forEach((row, i) => {
      const y = i * rowHeight;
      const label = svg("text", { x: 0, y: y + 14, class: "label" }, short(row.label));
      label.append(svg("title", {}, row.label));
      const value = svg("text", { x: "100%", y: y + 14, "text-anchor": "end", class: "value" }, row.shown || format(row.value));
      const width = Number.isFinite(row.v) ? Math.max(0.4, (100 * Math.abs(row.v)) / max) : 0;
      chart.append(label, value, svg("rect", { x: 0, y: y + 20, height: 14, rx: 2, width: `${width}%`, class: row.cls || "bar" }));
    });
    return el("figure", {}, el("figcaption", {}, title), chart);
  }

  // Diverging bars around a centre line: increases to the right, decreases to the left.
  function divergingChart(title, rows) {
    rows = rows.map((r) => ({ label: String(r.label), v: num(r.value) || 0 }));
    const max = Math.max(...rows.map((r) => Math.abs(r.v)), 1e-9);
    const rowHeight = 40;
    const chart = svg("svg", { class: "chart", role: "img", width: "100%", height: rows.length * rowHeight + 4 });
    chart.setAttribute("aria-label", `${title}: ` + rows.map((r) => `${r.label} ${signedUsd(r.v)}`).join(", "));
    chart.append(svg("line", { x1: "50%", x2: "50%", y1: 18, y2: rows.length * rowHeight, class: "axis" }));
    rows.forEach((row, i) => {
      const y = i * rowHeight;
      const label = svg("text", { x: 0, y: y + 14, class: "label" }, short(row.label, 40));
      label.append(svg("title", {}, row.label));
      const half = (50 * Math.abs(row.v)) / max;
      chart.append(label, svg("text", { x: "100%", y: y + 14, "text-anchor": "end", class: "value" }, signedUsd(row.v)),
        svg("rect", { x: `${row.v >= 0 ? 50 : 50 - half}%`, y: y + 20, height: 14, rx: 2, width: `${Math.max(0.4, half)}%`,
          class: row.v > 0 ? "bar up" : "bar down" }));
    });
    return el("figure", {}, el("figcaption", {}, title), chart);
  }

  // A line over a daily series ({date, value, marked?}); marked points are dots (spikes,
  // projected days). The line is drawn in a stretched inner box; labels stay unstretched.
  function lineChart(title, points, format = usd) {
    points = points.map((p) => ({ ...p, v: num(p.value) })).filter((p) => Number.isFinite(p.v));
    const height = 150, top = 22, bottom = 22;
    const chart = svg("svg", { class: "chart line", role: "img", width: "100%", height });
    chart.setAttribute("aria-label", `${title}: ` + points.map((p) => `${day(p.date)} ${format(p.v)}${p.marked ? ` (${p.marked})` : ""}`).join(", "));
    if (!points.length) return el("figure", {}, el("figcaption", {}, title), chart);
    const max = Math.max(...points.map((p) => p.v), 1e-9);
    const top_ = max * 1.15; // headroom: a flat series does not sit on the frame
    const inner = svg("svg", { x: 0, y: top, width: "100%", height: height - top - bottom, viewBox: "0 0 100 100", preserveAspectRatio: "none" });
    const xOf = (i) => (points.length === 1 ? 50 : (100 * i) / (points.length - 1));
    const yOf = (v) => 100 - (100 * v) / top_;
    const solid = points.filter((p) => !p.projected);
    const path = (ps) => ps.map((p) => `${xOf(points.indexOf(p)).toFixed(2)},${yOf(p.v).toFixed(2)}`).join(" ");
    if (solid.length) inner.append(svg("polyline", { points: path(solid), class: "series", "vector-effect": "non-scaling-stroke" }));
    const ahead = points.filter((p, i) => p.projected || (points[i + 1] && points[i + 1].projected));
    if (ahead.length > 1) inner.append(svg("polyline", { points: path(ahead), class: "series projected", "vector-effect": "non-scaling-stroke" }));
    inner.append(svg("line", { x1: 0, x2: 100, y1: 100, y2: 100, class: "axis", "vector-effect": "non-scaling-stroke" }));
    chart.append(inner);
    points.forEach((p, i) => {
      const cy = top + ((height - top - bottom) * yOf(p.v)) / 100;
      if (p.marked) chart.append(svg("circle", { cx: `${xOf(i)}%`, cy, r: 4, class: "mark" }));
      else if (points.length <= 31) chart.append(svg("circle", { cx: `${xOf(i)}%`, cy, r: 2.5, class: p.projected ? "dot projected" : "dot" }));
    });
    chart.append(svg("text", { x: 0, y: 14, class: "value" }, `max ${format(max)}`),
      svg("text", { x: 0, y: height - 4, class: "label" }, day(points[0].date)),
      svg("text", { x: "100%", y: height - 4, "text-anchor": "end", class: "label" }, day(points[points.length - 1].date)));
    return el("figure", {}, el("figcaption", {}, title), chart);
  }

  // --- the query, as understood ----------------------------------------------------------------
  function scenarioWords(s) {
    if (!s) return "";
    if (typeof s === "string") return s;
    const feature = s.feature ? `${s.feature}` : "all workloads";
    if (s.type === "move_model") return `Move ${feature}${s.from_model ? ` from ${s.from_model}` : ""} to ${s.to_model || "another model"}`;
    if (s.type === "cache" && s.mode === "prompt") return `Turn on prompt caching for ${feature}`;
    if (s.type === "cache") return `Cache the repeated prompts of ${feature}`;
    if (s.type === "traffic_growth") {
      const scope = s.feature ? `${s.feature}'s traffic` : "All traffic";
      return s.factor === 0 ? `Turn off ${s.feature || "everything"}` : `${scope} at ${s.factor}× today's`;
    }
    if (s.type === "batch") return `Move ${feature} to a batch API`;
    if (s.type === "top_n") return `Apply only the top ${s.n || "N"} recommendations of the plan`;
    return s.description || words(s.type);
  }

  function periodWords(period) {
    if (!period) return "";
    if (period.label) return period.label;
    return span(period.from, period.to);
  }

  // "Spend by feature · last 7 days · doc-qa": what was understood, in one line.
  function querySummary(report) {
    const q = report.query || {};
    // What was asked (a guidance answer to a breakdown question says "Spend by …"); a report
    // from before the kinds ("analysis") is a plan.
    const kind = KINDS[q.kind] ? q.kind : KINDS[report.kind] ? report.kind : "plan";
    const metric = METRICS[q.metric || report.metric] || "Spend";
    const dims = list(q.dimensions).length ? list(q.dimensions) : report.dimension ? [report.dimension] : [];
    const parts = [];
    if (kind === "breakdown") parts.push(`${metric} by ${dims.join(", then ") || "feature"}`);
    else if (kind === "change") parts.push(`Change in ${metric.toLowerCase()}`);
    else if (kind === "what_if") parts.push(`What if: ${scenarioWords(q.scenario || report.scenario) || "scenario"}`);
    else if (kind === "plan") parts.push("Savings plan");
    else if (kind === "latency") parts.push(dims.length ? `Latency by ${dims.join(", ")}` : "Latency");
    else if (kind === "forecast") parts.push(q.horizon ? `Forecast of ${periodWords(q.horizon)}` : "Forecast");
    else if (kind === "overview") parts.push("Overview");
    else if (kind === "guidance") parts.push("Getting started");
    else if (kind === "clarify") return "";  // nothing was understood yet: the question back says so
    const period = q.period || report.period;
    if (period && kind !== "guidance" && !(kind === "forecast" && q.horizon)) parts.push(periodWords(period));
    if (q.comparison) parts.push(`vs ${periodWords(q.comparison)}`);
    // A name one would type as is reads as a name; any other (spaces, a sentence) is quoted, so a
    // name in the data never reads as Netra's own words.
    const named = (n) => (/^[\w][\w.:/@+-]*$/.test(String(n)) && String(n).length <= 60 ? String(n) : `“${String(n).replace(/["“”]/g, "'")}”`);
    for (const [dim, names] of Object.entries(q.filters || {})) if (list(names).length) parts.push(list(names).map(named).join(", ") + (dim === "feature" ? "" : ` (${dim})`));
    if (q.target && (q.target.pct || q.target.usd || q.target.level_usd)) {
      const month = q.target.per === "month" ? " a month" : "";
      parts.push(q.target.pct ? `target −${q.target.pct}%` : q.target.level_usd ? `target: down to ${usd(q.target.level_usd)}${month}` : `target ${usd(q.target.usd)}${month}`);
    }
    if (q.budget_usd) parts.push(`budget ${usd(q.budget_usd)}`);
    return parts.filter(Boolean).join(" · ");
  }

  // A follow-up keeps what its thread already said: the fields taken from the previous turn.
  const FIELDS = { kind: "kind of answer", dimensions: "breakdown", metric: "measure", filters: "filters", period: "period",
    comparison: "comparison", target: "target", budget_usd: "budget", scenario: "scenario", top_n: "number of rows" };
  const keptFields = (report) => Object.entries((report && report.query && report.query.sources) || {}).filter(([, source]) => source === "context");
  // Whether an answer continued its thread (took a field from the turn before).
  const continues = (report) => keptFields(report).length > 0;
  function followUp(report) {
    const kept = keptFields(report).map(([field]) => FIELDS[field] || words(field).toLowerCase());
    if (!kept.length) return "";
    const said = kept.length === 1 ? kept[0] : `${kept.slice(0, -1).join(", ")} and ${kept[kept.length - 1]}`;
    return `Follow-up: kept the ${said} from the previous question`;
  }

  // --- kinds ---------------------------------------------------------------------------------------
  function renderPlan(box, r) {
    const period = r.period || {};
    box.append(el("p", { class: "figures" }, `${span(period.from, period.to)} (${period.days ?? "?"} days): spend ${usd(r.total_spend_usd)}, ` +
      `projected savings ${usd(r.projected_savings_usd)} (${pct(r.projected_savings_pct)}).` +
      (someMoney(r.projected_savings_monthly_usd) ? ` ${usd(r.projected_savings_monthly_usd)} a month at this rate.` : "")));
    const recs = list(r.recommendations);
    if (r.meets_target === true || r.meets_target === false) {
      const month = r.target_per === "month" ? " a month" : "";
      const asked = r.target_level_usd ? `spend down to ${usd(r.target_level_usd)}${month}` : r.target_reduction_pct ? `${r.target_reduction_pct}% off` : `${usd(r.target_usd)}${month} off`;
      const n = r.recommendations_to_target;
      box.append(el("p", { class: r.meets_target ? "target" : "target warning" }, r.meets_target
        ? `Target (${asked}): ${n ? `met by the first ${n === 1 ? "change" : `${n} changes`}` : n === 0 ? "met already" : "met by all the changes"}; it needs ${usd(r.target_savings_usd)}${month}.`
        : `Target (${asked}): ${usd(r.target_shortfall_usd)}${month} short with every change below; it needs ${usd(r.target_savings_usd)}${month}.`));
    }
    if (recs.length) {
      // Savings next to the title: on a phone the table scrolls, and the saving is what is read.
      box.append(table("Recommendations, by savings",
        [["Recommendation"], ["Savings", true], ["Lever"], ["Calls", true], ["Current", true], ["Projected", true], ["Confidence"], ["Risk"]],
        recs.map((x) => [x.title || x.id, `${usd(x.savings_usd)} (${pct(x.savings_pct)})`, leverOf(x), count(x.affected_calls),
          usd(x.current_cost_usd), usd(x.projected_cost_usd), x.confidence ?? "—", x.risk ?? "—"])));
      const byLever = new Map();
      for (const x of recs) byLever.set(leverOf(x), [...(byLever.get(leverOf(x)) || []), x.savings_usd]);
      // Summed exactly (NetraMoney), then shown to the cent.
      const total = (amounts) => (typeof NetraMoney === "object" ? NetraMoney.usd(NetraMoney.sum(amounts)) : null);
      box.append(barChart("Savings by lever", [...byLever].map(([label, amounts]) => ({
        label, value: amounts.reduce((a, v) => a + (num(v) || 0), 0), shown: total(amounts) }))));
      for (const x of recs) {
        const details = el("details", { class: "recommendation" }, el("summary", {}, `${x.title || x.id}: evidence and rollout`));
        if (list(x.evidence).length) details.append(el("ul", { "aria-label": "Evidence" }, ...list(x.evidence).map((e) => el("li", {}, centsInText(text(e))))));
        if (list(x.actions).length) details.append(el("ol", { "aria-label": "Rollout" }, ...list(x.actions).map((a) => el("li", {}, a.phase ? `${a.phase}: ${a.detail}` : text(a)))));
        box.append(details);
      }
    }
    const findings = list(r.latency_findings);
    const byModel = list(r.latency_by_model);
    if (findings.length || byModel.length) box.append(el("h4", {}, "Latency"));
    if (findings.length) box.append(el("ul", { "aria-label": "Latency findings" }, ...findings.map((f) => el("li", {}, text(f)))));
    if (byModel.length) {
      box.append(table("Latency by model", [["Model"], ["Calls", true], ["p50", true], ["p95", true], ["p95 to first token", true]],
        byModel.map((m) => [m.model, count(m.calls), ms(m.p50_latency_ms), ms(m.p95_latency_ms), ms(m.p95_ttft_ms)])));
    }
    if (list(r.spend_by_model).length) {
      // A model the price catalog does not know is labelled, never shown as a plain $0.
      box.append(barChart("Spend by model", r.spend_by_model.map((m) => {
        const unpriced = m.unpriced_calls && m.unpriced_calls === m.calls;
        return { label: unpriced ? `${m.model} (unpriced)` : m.model, value: unpriced ? null : m.cost_usd, shown: unpriced ? "unknown price" : null };
      })));
    }
  }

  const METRIC_VALUE = {
    spend: (row) => ({ value: row.cost_usd, format: usd }),
    calls: (row) => ({ value: row.calls, format: count }),
    tokens: (row) => ({ value: row.tokens ?? (known(row.input_tokens) ? num(row.input_tokens) + (num(row.output_tokens) || 0) : null), format: count }),
    latency: (row) => ({ value: row.p95_latency_ms ?? row.value, format: ms }),
    error_rate: (row) => ({ value: known(row.error_rate) ? num(row.error_rate) * 100 : row.value, format: pct }),
  };

  function renderBreakdown(box, r) {
    const metric = r.metric || "spend";
    const measure = METRIC_VALUE[metric] || METRIC_VALUE.spend;
    const extra = metric === "spend" || metric === "calls" ? null : METRICS[metric] || words(metric);
    // Top rows, each optionally split by a second dimension (`within`: "by feature, then by model").
    const rows = [];
    const classes = [];
    // The rest row is the one that counts the groups it stands for: a real group may be named
    // "other" (importers name an unknown provider so), and shows as itself.
    const rest = (row) => typeof row.groups === "number";
    const label = (row) => (rest(row) ? (row.groups ? `Other (${row.groups} more)` : "Other") : row.key === null || row.key === undefined ? "(none)" : String(row.key));
    let inner = null;
    for (const row of list(r.rows)) {
      rows.push(row); classes.push(rest(row) ? "other" : null);
      const within = row.within && list(row.within.rows);
      if (within && within.length) inner = row.within.dimension || inner;
      for (const child of within || list(row.children)) { rows.push({ ...child, groups: undefined, key: `↳ ${label(child)}`, parent: label(row) }); classes.push("child"); }
    }
    const unpriced = (row) => row.unpriced_calls && row.unpriced_calls === row.calls;
    const by = `${r.dimension || "group"}${inner ? `, then ${inner}` : ""}`;
    box.append(el("p", { class: "figures" }, `Total ${usd(r.total_cost_usd)} over ${count(r.total_calls)} calls.`));
    box.append(table(`${METRICS[metric] || words(metric)} by ${by}`,
      [[words(r.dimension || "key")], ["Calls", true], ["Cost", true], ["Share", true], ...(extra ? [[extra, true]] : [])],
      // A split row's share is of its parent row ("66.7% of doc-qa").
      rows.map((row) => [label(row), count(row.calls), unpriced(row) ? "unknown price" : usd(row.cost_usd),
        row.parent ? `${pct(row.share_pct)} of ${row.parent}` : pct(row.share_pct),
        ...(extra ? [measure(row).format(measure(row).value)] : [])]),
      (i) => classes[i]));
    const top = rows.filter((_, i) => classes[i] !== "child");
    box.append(barChart(`${METRICS[metric] || words(metric)} by ${r.dimension || "group"}`, top.map((row) => {
      const { value, format } = measure(row);
      const shown = metric === "spend" && unpriced(row) ? "unknown price" : `${format(value)}${known(row.share_pct) ? ` · ${pct(row.share_pct)}` : ""}`;
      return { label: label(row), value: metric === "spend" && unpriced(row) ? null : value, shown, cls: rest(row) ? "bar muted" : "bar" };
    }), measure({}).format));
  }

  // A change's like-for-like figures, when its totals do not compare as they are (the agents'
  // prose.leading_rate): spend per whole day with usage when a period is thin in usage (per
  // calendar day or hour would count its days without usage as days without spend), else per
  // whole day with usage, per (complete) day, per hour covered. The one it leads with is coloured.
  const RATES = ["per_day_covered", "per_day", "per_hour"];
  const rateOf = (r, field) => (r[field] && typeof r[field] === "object" ? r[field] : null);
  const isThin = (r) => ["current", "previous"].some((side) => r.coverage && r.coverage[side] && r.coverage[side].thin === true);
  const leadingRate = (r) => (isThin(r) ? ["per_day_covered"] : RATES).find((f) => rateOf(r, f) && known(r[f].pct)) || null;
  const noUsage = (period) => known(period.calls) && num(period.calls) === 0;
  const periodDays = (p) => Math.round((Date.parse(String(p.to).slice(0, 10)) - Date.parse(String(p.from).slice(0, 10))) / 86400000);
  const hours = (v) => `${num(v).toLocaleString("en-US", { maximumFractionDigits: 2 })} hour${num(v) === 1 ? "" : "s"}`;
  const andList = (items) => (items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`);

  // The headline: the totals, with no % when nothing came before (no rise from nothing) and
  // no sign when a side has no usage at all (the start or the end of the usage, not a change).
  function changeHeadline(r, cur, prev) {
    const amounts = `${usd(prev.cost_usd)} → ${usd(cur.cost_usd)}`;
    if (noUsage(prev) && noUsage(cur)) return `${amounts}: no usage in either period`;
    if (noUsage(prev)) return `${amounts}: no usage in the previous period to compare with`;
    if (noUsage(cur)) return `${amounts}: no usage in this period`;
    return `${amounts}: ${signedUsd(r.delta_usd)} (${signedPct(r.delta_pct)})`;
  }

  // Each rate as a line ("Per whole day with usage: $26.00 → $30.00: +15.4% (…)") and as a table row.
  function changeRates(r) {
    const today = r.partial_today && typeof r.partial_today === "object" ? r.partial_today : null;
    const moved = (rate) => (known(rate.pct) ? `: ${signedPct(rate.pct)}` : "");
    const out = [];
    const covered = rateOf(r, "per_day_covered");
    if (covered) {
      const left = list(covered.left_out).map((d) => day(d, false));
      const notes = [`${dayCount(covered.current_days)} against ${dayCount(covered.previous_days)}`];
      if (left.length) notes.push(`${andList(left)} left out: usage started or stopped during ${left.length === 1 ? "it" : "them"}`);
      if (today) notes.push("today left out: not over");
      out.push({ field: "per_day_covered", label: "Per whole day with usage", rate: covered,
        line: `${usd(covered.previous_usd)} → ${usd(covered.current_usd)}${moved(covered)}`, note: notes.join("; "),
        days: `${dayCount(covered.current_days)} with usage against ${dayCount(covered.previous_days)}` });
    }
    const perDay = rateOf(r, "per_day");
    if (perDay) {
      // With today not over, the current days are the complete ones: today is not in them.
      const label = today ? "Per complete day" : "Per day";
      const against = `${dayCount(perDay.current_days)} against ${dayCount(perDay.previous_days)}`;
      out.push({ field: "per_day", label, rate: perDay,
        line: `${usd(perDay.previous_usd)} → ${usd(perDay.current_usd)}${moved(perDay)}`, note: `${against}${today ? "; today left out: not over" : ""}`,
        days: against });
    }
    const perHour = rateOf(r, "per_hour");
    if (perHour) {
      const against = `${hours(perHour.current_hours)}${today ? " today" : ""} against ${hours(perHour.previous_hours)}`;
      out.push({ field: "per_hour", label: "Per hour covered", rate: perHour,
        line: `${usd(perHour.previous_usd)} → ${usd(perHour.current_usd)}${moved(perHour)}`, note: against, days: against });
    }
    return out;
  }

  // A period's dates, and under them "usage on 2 of 7 days" when either period has days without usage.
  function datesCovered(r, side, period) {
    const dates = span(period.from, period.to);
    const cover = r.coverage && r.coverage.current && r.coverage.previous ? r.coverage : null;
    if (!cover || !["current", "previous"].some((s) => num(cover[s].days_with_data) < num(cover[s].days))) return dates;
    const c = cover[side];
    const soFar = known(c.days) && num(c.days) < periodDays(period) ? " so far" : "";
    return el("span", {}, dates, el("span", { class: "coverage" }, `usage on ${count(c.days_with_data)} of ${dayCount(c.days)}${soFar}`));
  }

  function renderChange(box, r) {
    const cur = r.current || {}, prev = r.previous || {};
    const towards = (v) => (num(v) > 0 ? "up" : num(v) < 0 ? "down" : "flat");
    // The totals are coloured as good or bad news only when they compare as they are: not
    // over periods of different lengths or with today not over (per_day, per_hour), nor
    // when a period has no usage or is thin in it (coverage); the like-for-like figure is.
    const rates = changeRates(r);
    const leading = leadingRate(r);
    const compares = !rates.length && !r.partial_today && !isThin(r) && !noUsage(prev) && !noUsage(cur);
    box.append(el("p", { class: `figures delta ${compares ? towards(r.delta_usd) : "flat"}` }, changeHeadline(r, cur, prev)));
    for (const { field, label, rate, line, note } of rates) {
      box.append(el("p", { class: `per-day delta ${field === leading ? towards(rate.pct) : "flat"}`, "data-rate": field },
        `${label}: ${line} `, el("span", { class: "note" }, `(${note})`)));
    }
    const pctOf = (v) => (known(v) ? ` (${signedPct(v)})` : "");
    const rows = [
      ["Current", datesCovered(r, "current", cur), count(cur.calls), usd(cur.cost_usd)],
      ["Previous", datesCovered(r, "previous", prev), count(prev.calls), usd(prev.cost_usd)],
      ["Change", "", known(cur.calls) && known(prev.calls) ? `${num(cur.calls) - num(prev.calls) >= 0 ? "+" : "−"}${count(Math.abs(num(cur.calls) - num(prev.calls)))}` : "—",
        `${signedUsd(r.delta_usd)}${pctOf(r.delta_pct)}`],
    ];
    for (const { label, rate, days } of rates) rows.push([label, days, "", `${usd(rate.current_usd)} against ${usd(rate.previous_usd)}${pctOf(rate.pct)}`]);
    box.append(table("Current against previous period", [["Period"], ["Dates"], ["Calls", true], ["Cost", true]], rows));
    box.append(barChart("Cost per period", [{ label: `Previous · ${span(prev.from, prev.to)}`, value: prev.cost_usd, cls: "bar muted" },
      { label: `Current · ${span(cur.from, cur.to)}`, value: cur.cost_usd }]));
    const drivers = list(r.drivers);
    if (drivers.length) {
      const effect = (d) => (EFFECTS[d.effect] ? `${words(d.effect)} (${EFFECTS[d.effect]})` : words(d.effect));
      box.append(table("What drove the change", [["Driver"], ["Dimension"], ["Effect"], ["Change", true]],
        drivers.slice(0, 12).map((d) => [String(d.key), words(d.dimension), effect(d), signedUsd(d.delta_usd)])));
      // Each dimension explains the whole change on its own: chart one, never their sum.
      const first = drivers[0].dimension;
      box.append(divergingChart(`Drivers of the change, by ${first || "key"}`, drivers.filter((d) => d.dimension === first).slice(0, 8)
        .map((d) => ({ label: `${d.key} · ${words(d.effect)}`, value: d.delta_usd }))));
    }
    const effects = r.effects && typeof r.effects === "object" ? Object.entries(r.effects) : [];
    if (effects.length) {
      // By model the split reads as the issue asks: more calls, pricier models, more tokens per call.
      const [dimension, parts] = effects.find(([d]) => d === "model") || effects[0];
      const split = Object.entries(parts || {}).filter(([, v]) => known(v) && num(v) !== 0);
      if (split.length) box.append(divergingChart(`How the change splits (by ${dimension})`, split.map(([e, v]) => ({ label: `${words(e)}: ${EFFECTS[e] || e}`, value: v }))));
    }
    const spikes = list(r.spikes);
    if (spikes.length) {
      const typical = (s) => (known(s.times_typical) ? `${num(s.times_typical).toFixed(1)}× a typical day (${usd(s.typical_day_usd)})` : "—");
      box.append(table("Days that spiked", [["Date"], ["Cost", true], ["Against a typical day", true]], spikes.map((s) => [day(s.date), usd(s.cost_usd), typical(s)])));
      const series = list(r.daily || r.series);
      if (series.length > 1) {
        const spiked = new Set(spikes.map((s) => String(s.date).slice(0, 10)));
        box.append(lineChart("Cost per day", series.map((p) => ({ date: p.date, value: p.cost_usd, marked: spiked.has(String(p.date).slice(0, 10)) ? "spike" : null }))));
      } else {
        box.append(barChart("Cost of the days that spiked", spikes.map((s) => ({ label: day(s.date), value: s.cost_usd }))));
      }
    }
  }

  // A scenario that grows traffic costs more: its "saving" is negative, said as an extra cost.
  function adds(r) { return known(r.savings_usd) && Number(r.savings_usd) < 0; }
  function savedWords(r) {
    const amount = adds(r) ? String(r.savings_usd).replace(/^-/, "") : r.savings_usd;
    const share = known(r.savings_pct) ? ` (${pct(Math.abs(r.savings_pct))})` : "";
    return adds(r) ? `costs ${usd(amount)}${share} more` : `saves ${usd(amount)}${share}`;
  }

  function renderWhatIf(box, r) {
    const q = r.query || {};
    const scenario = scenarioWords(r.scenario) || scenarioWords(q.scenario);
    const priced = r.priced !== false && known(r.projected_cost_usd);
    box.append(el("p", { class: "scenario" }, el("strong", {}, "Scenario: "), scenario || "—"));
    box.append(el("p", { class: "figures" }, priced
      ? `${usd(r.current_cost_usd)} → ${usd(r.projected_cost_usd)}: ${savedWords(r)}.`
      : `${usd(r.current_cost_usd)} today; Netra cannot price this scenario.`));
    // Why it cannot be priced, said plainly next to the numbers it replaces.
    if (!priced) for (const a of list(r.assumptions)) box.append(el("p", { class: "warning" }, centsInText(text(a))));
    box.append(table("Scenario priced", [["Figure"], ["Amount", true]], [
      ["Current cost", usd(r.current_cost_usd)],
      ["Projected cost", priced ? usd(r.projected_cost_usd) : "cannot price"],
      [adds(r) ? "Extra cost" : "Saving", priced ? savedWords(r).replace(/^(saves|costs) /, "").replace(/ more$/, "") : "cannot price"],
    ]));
    box.append(barChart("Current and projected cost", [
      { label: "Current", value: r.current_cost_usd, cls: "bar muted" },
      { label: "Projected", value: priced ? r.projected_cost_usd : null, shown: priced ? null : "cannot price" },
    ]));
    const affected = list(r.affected);
    if (affected.length) {
      // "Only the top two" lists the plan's recommendations, which carry no call counts: no empty column.
      const calls = affected.some((a) => known(a.calls ?? a.affected_calls));
      box.append(table("What the scenario changes", [["Workload"], ...(calls ? [["Calls", true]] : []), ["Saving", true]], affected.map((a) => [
        a.title || [a.feature, a.model && `on ${a.model}`, a.to_model && `→ ${a.to_model}`].filter(Boolean).join(" "),
        ...(calls ? [count(a.calls ?? a.affected_calls)] : []), usd(a.savings_usd)])));
    }
    if (priced && list(r.assumptions).length) {
      box.append(el("h4", {}, "Assumptions"));
      box.append(el("ul", { "aria-label": "Assumptions" }, ...r.assumptions.map((a) => el("li", {}, centsInText(text(a))))));
    }
  }

  function renderLatency(box, r) {
    const o = r.overall || {};
    box.append(table("Latency overall", [["Measure"], ["Value", true]], [
      ["p50", ms(o.p50_ms)], ["p95", ms(o.p95_ms)], ["p99", ms(o.p99_ms)], ["p95 time to first token (TTFT)", ms(o.p95_ttft_ms)]]));
    const p = (row, n) => row[`p${n}_ms`] ?? row[`p${n}_latency_ms`];
    for (const [title, rows, dim] of [["by model", list(r.by_model), "Model"], ["by feature", list(r.by_feature), "Feature"]]) {
      if (!rows.length) continue;
      const name = (row) => String(row.key ?? row.model ?? row.feature);
      box.append(table(`Latency ${title}`, [[dim], ["Calls", true], ["p50", true], ["p95", true], ["p99", true], ["p95 TTFT", true]],
        rows.map((row) => [name(row), count(row.calls), ms(p(row, 50)), ms(p(row, 95)), ms(p(row, 99)), ms(row.p95_ttft_ms)])));
      box.append(barChart(`p95 latency ${title}`, rows.map((row) => ({ label: name(row), value: p(row, 95) })), ms));
    }
    if (list(r.findings).length) {
      box.append(el("h4", {}, "What would cut it"));
      box.append(el("ul", { "aria-label": "Latency findings" }, ...r.findings.map((f) => el("li", {}, centsInText(text(f)),
        list(f && f.fixes).length ? el("ul", {}, ...f.fixes.map((x) => el("li", {}, centsInText(text(x))))) : null))));
    }
  }

  // A forecast of days still to come ("next month", "Q1 next year"): the horizon's total and its months.
  function renderForecastAhead(box, r) {
    const h = r.horizon;
    const when = h.label || span(h.from, h.to);
    const projected = known(r.projected_horizon_usd) ? usd(r.projected_horizon_usd) : "no projection yet";
    const hasBudget = known(r.budget_usd);
    box.append(el("p", { class: "figures" }, `Projected ${when}: ${projected}` +
      (hasBudget ? (r.run_out_date ? `; the ${usd(r.budget_usd)} budget runs out on ${day(r.run_out_date)}.` : `; the ${usd(r.budget_usd)} budget lasts through ${when}.`) : ".")));
    box.append(table("Forecast", [["Figure"], ["Value", true]], [
      [`Projected ${when} (${h.days} days)`, projected],
      // Each month's part, by the days it covers (a month begun is only its days to come); one month is the total.
      ...(list(r.horizon_months).length > 1
        ? list(r.horizon_months).map((m) => [`Projected ${m.from && m.to ? span(m.from, m.to) : m.month}`, usd(m.projected_usd)])
        : []),
      ["Month to date", usd(r.month_to_date_usd)],
      ["Backtest error", known(r.backtest_error_pct) ? `±${pct(r.backtest_error_pct)}` : "not enough history"],
      ...(hasBudget ? [["Budget", usd(r.budget_usd)], ["Run-out date", r.run_out_date ? day(r.run_out_date) : `lasts through ${when}`]] : []),
    ]));
    if (r.method) box.append(el("p", { class: "method" }, el("strong", {}, "Method: "), String(r.method)));
    if (list(r.horizon_months).length > 1) {
      box.append(barChart("Projected cost by month", list(r.horizon_months).map((m) => ({ label: m.month, value: m.projected_usd }))));
    }
  }

  function renderForecast(box, r) {
    if (r.horizon) return renderForecastAhead(box, r);
    const hasBudget = known(r.budget_usd);
    const lasts = hasBudget && !r.run_out_date;
    const projected = known(r.projected_month_usd) ? usd(r.projected_month_usd) : "no projection yet";
    box.append(el("p", { class: "figures" }, `Month to date ${usd(r.month_to_date_usd)}; projected month ${projected}` +
      (hasBudget ? (lasts ? `; the ${usd(r.budget_usd)} budget lasts the month.` : `; the ${usd(r.budget_usd)} budget runs out on ${day(r.run_out_date)}.`) : ".")));
    box.append(table("Forecast", [["Figure"], ["Value", true]], [
      ["Month to date", usd(r.month_to_date_usd)],
      ["Projected month", projected],
      ["Backtest error", known(r.backtest_error_pct) ? `±${pct(r.backtest_error_pct)}` : "not enough history"],
      ...(hasBudget ? [["Budget", usd(r.budget_usd)], ["Run-out date", lasts ? "lasts the month" : day(r.run_out_date)]] : []),
    ]));
    if (r.method) box.append(el("p", { class: "method" }, el("strong", {}, "Method: "), String(r.method)));
    const series = list(r.daily || r.series);
    const ahead = list(r.daily_forecast);
    if (series.length + ahead.length > 1) {
      box.append(lineChart(series.length ? "Cost per day (dashed: projected)" : "Projected cost per day, to month end",
        [...series.map((p) => ({ date: p.date, value: p.cost_usd ?? p.value, projected: Boolean(p.projected) })),
          ...ahead.map((p) => ({ date: p.date, value: p.cost_usd, projected: series.length > 0 }))]));
    }
    box.append(barChart("Month to date, projected and budget", [
      { label: "Month to date", value: r.month_to_date_usd },
      { label: "Projected month", value: r.projected_month_usd, shown: known(r.projected_month_usd) ? null : "no projection yet",
        cls: hasBudget && num(r.projected_month_usd) > num(r.budget_usd) ? "bar up" : "bar" },
      ...(hasBudget ? [{ label: "Budget", value: r.budget_usd, cls: "bar muted" }] : []),
    ]));
  }

  function renderOverview(box, r, ask) {
    const h = r.headline_saving;
    const saving = h && typeof h === "object" ? h : { savings_usd: h };
    const savingAmount = saving.savings_usd ?? saving.usd ?? saving.amount_usd;
    const largest = (saving.largest && saving.largest.title) || saving.title;
    box.append(el("p", { class: "figures" }, `Spend ${usd(r.total_spend_usd)}${known(r.total_calls) ? ` over ${count(r.total_calls)} calls` : ""}` +
      (known(savingAmount) && num(savingAmount) > 0 ? `; Netra found ${usd(savingAmount)} of savings${largest ? `, led by “${largest}”` : ""}.` : ".")));
    const features = list(r.top_features);
    if (features.length) {
      const name = (f) => String(f.key ?? f.feature);
      box.append(table("Top features", [["Feature"], ["Calls", true], ["Cost", true], ["Share", true]],
        features.map((f) => [name(f), count(f.calls), usd(f.cost_usd), pct(f.share_pct)])));
      box.append(barChart("Spend by feature", features.map((f) => ({ label: name(f), value: f.cost_usd }))));
    }
    const examples = list(r.examples).map(text);
    if (examples.length) {
      box.append(el("h4", {}, "Try asking"));
      const buttons = examples.map((q) => {
        const b = el("button", { type: "button", class: "example" }, q);
        b.addEventListener("click", () => ask && ask(q));
        return b;
      });
      box.append(el("div", { class: "examples", role: "group", "aria-label": "Example questions" }, ...buttons));
    }
  }

  const EVENT_FIELDS = [
    ["event_id", "your id for the call (a retry with the same id is counted once)"],
    ["timestamp", "when the call was made (ISO 8601)"],
    ["feature", "your name for what the call is for, e.g. doc-qa"],
    ["provider, model", "e.g. openai, gpt-4o-mini"],
    ["input_tokens, output_tokens", "from the provider's usage object"],
    ["latency_ms, ttft_ms", "time to the whole answer and to its first token"],
    ["prompt_hash, prefix_hash", "hashes that let Netra find repeated prompts"],
  ];

  function renderGuidance(box, r) {
    const fields = list(r.fields).length ? r.fields.map((f) => [f.name || text(f), f.description || ""]) : EVENT_FIELDS;
    box.append(table("What to send for each LLM call", [["Field"], ["What it is"]], fields));
  }

  // Netra asks back: each choice is a button that asks its question in the same thread (typing works too).
  function renderClarify(box, r, ask) {
    const choices = list(r.choices).filter((c) => c && c.label && c.question);
    if (!choices.length) return;
    const buttons = choices.map((c) => {
      const b = el("button", { type: "button", class: "choice", "data-kind": text(c.kind), title: text(c.question) }, text(c.label));
      b.addEventListener("click", () => ask && ask(text(c.question)));
      return b;
    });
    box.append(el("div", { class: "choices examples", role: "group", "aria-label": "Choose an answer" }, ...buttons));
  }

  const RENDER = { plan: renderPlan, breakdown: renderBreakdown, change: renderChange, what_if: renderWhatIf, latency: renderLatency,
    forecast: renderForecast, overview: renderOverview, guidance: renderGuidance, clarify: renderClarify };

  // options.ask(text): asks a question in the same thread (overview's example buttons).
  function render(report, options = {}) {
    report = report && typeof report === "object" ? report : {};
    const kind = RENDER[report.kind] ? report.kind : "plan";
    // Named by kind and question: several answers of one kind in a thread stay distinguishable.
    const name = report.question ? `${KINDS[kind]}: ${String(report.question).slice(0, 80)}` : KINDS[kind];
    const box = el("section", { class: `report kind-${kind}`, "aria-label": name, "data-kind": kind });
    const title = kind === "breakdown" ? `${METRICS[report.metric] || "Spend"} by ${report.dimension || "group"}` : KINDS[kind];
    box.append(el("h3", {}, title));
    const understood = querySummary(report);
    if (understood) box.append(el("p", { class: "query", title: "What Netra understood" }, understood));
    const follow = followUp(report);
    if (follow) box.append(el("p", { class: "follow-up" }, follow));
    for (const warning of list(report.warnings)) box.append(el("p", { class: "warning" }, centsInText(text(warning))));
    if (report.narrative) box.append(el("p", { class: "narrative" }, centsInText(report.narrative)));
    RENDER[kind](box, report, options.ask);
    // A next step that only repeats an example question is already a button above.
    const examples = list(report.examples).map(text);
    const next = list(report.next_steps).filter((n) => !examples.some((q) => text(n).includes(q)));
    if (next.length) {
      box.append(el("h4", {}, "Next steps"));
      box.append(el("ol", { class: "next-steps", "aria-label": "Next steps" }, ...next.map((n) => el("li", {}, centsInText(unnumbered(text(n)))))));
    }
    return box;
  }

  return { render, centsInText, leverName, leverOf, usd, continues };
})();
