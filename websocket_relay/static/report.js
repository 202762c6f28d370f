// Renders a final_report (contract: ARCHITECTURE.md, "final_report.payload.report") as
// DOM nodes: headline numbers, recommendations table, savings-by-lever and spend-by-model
// charts. Numbers are shown as given (computed server-side); nothing is recomputed here.
"use strict";

const NetraReport = (() => {
  // Amounts arrive as exact decimal strings ("12.34"); they are only formatted here.
  const num = (v) => (v === null || v === undefined || v === "" ? NaN : Number(v));
  const usd = (v) => (Number.isFinite(num(v)) ? num(v).toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 }) : "—");
  const pct = (v) => (Number.isFinite(num(v)) ? `${num(v).toFixed(1)}%` : "—");

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  function barChart(title, rows) {
    // rows: [{label, value}] -> an accessible SVG bar chart.
    const width = 420, bar = 18, gap = 6, labelWidth = 150;
    rows = rows.map((r) => ({ label: r.label, value: num(r.value) || 0 }));
    const max = Math.max(...rows.map((r) => r.value), 1);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `${title}: ` + rows.map((r) => `${r.label} ${usd(r.value)}`).join(", "));
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(rows.length * (bar + gap) + 4));
    rows.forEach((row, i) => {
      const y = i * (bar + gap);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", "0"); label.setAttribute("y", String(y + bar - 5));
      label.textContent = row.label;
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(labelWidth)); rect.setAttribute("y", String(y));
      rect.setAttribute("height", String(bar));
      rect.setAttribute("width", String(Math.max(1, ((width - labelWidth - 80) * row.value) / max)));
      const value = document.createElementNS(ns, "text");
      value.setAttribute("x", String(labelWidth + 4 + ((width - labelWidth - 80) * row.value) / max));
      value.setAttribute("y", String(y + bar - 5));
      value.textContent = usd(row.value);
      svg.append(label, rect, value);
    });
    return el("figure", {}, el("figcaption", {}, title), svg);
  }

  function render(report) {
    const box = el("section", { class: "report", "aria-label": "Optimization report" });
    const period = report.period || {};
    const day = (v) => (v ? String(v).slice(0, 10) : "?");
    box.append(el("h3", {}, "Report"));
    box.append(el("p", {}, `${day(period.from)} → ${day(period.to)} (${period.days ?? "?"} days): spend ${usd(report.total_spend_usd)}, ` +
      `projected savings ${usd(report.projected_savings_usd)} (${pct(report.projected_savings_pct)}).`));
    // The summary leads; every figure in it comes from the numbers below.
    if (report.narrative) box.append(el("p", { class: "narrative" }, report.narrative));
    const recs = Array.isArray(report.recommendations) ? report.recommendations : [];
    if (recs.length) {
      const head = el("tr", {}, el("th", {}, "Recommendation"), el("th", {}, "Lever"), el("th", { class: "num" }, "Calls"),
        el("th", { class: "num" }, "Current"), el("th", { class: "num" }, "Projected"), el("th", { class: "num" }, "Savings"),
        el("th", {}, "Confidence"), el("th", {}, "Risk"));
      const body = recs.map((r) => el("tr", {}, el("td", {}, r.title || r.id), el("td", {}, r.lever), el("td", { class: "num" }, r.affected_calls ?? "—"),
        el("td", { class: "num" }, usd(r.current_cost_usd)), el("td", { class: "num" }, usd(r.projected_cost_usd)),
        el("td", { class: "num" }, `${usd(r.savings_usd)} (${pct(r.savings_pct)})`), el("td", {}, r.confidence ?? "—"), el("td", {}, r.risk ?? "—")));
      box.append(el("table", {}, el("caption", {}, "Recommendations, by savings"), el("thead", {}, head), el("tbody", {}, ...body)));
      const byLever = {};
      for (const r of recs) byLever[r.lever] = (byLever[r.lever] || 0) + (num(r.savings_usd) || 0);
      box.append(barChart("Savings by lever", Object.entries(byLever).map(([label, value]) => ({ label, value }))));
      for (const r of recs) {
        const details = el("details", { class: "recommendation" }, el("summary", {}, `${r.title || r.id}: evidence and rollout`));
        const evidence = Array.isArray(r.evidence) ? r.evidence : [];
        if (evidence.length) details.append(el("ul", { "aria-label": "Evidence" }, ...evidence.map((e) => el("li", {}, String(e)))));
        const steps = Array.isArray(r.actions) ? r.actions : [];
        if (steps.length) details.append(el("ol", { "aria-label": "Rollout" }, ...steps.map((a) => el("li", {}, `${a.phase}: ${a.detail}`))));
        box.append(details);
      }
    }
    const findings = Array.isArray(report.latency_findings) ? report.latency_findings : [];
    const byModel = Array.isArray(report.latency_by_model) ? report.latency_by_model : [];
    if (findings.length || byModel.length) box.append(el("h4", {}, "Latency"));
    if (findings.length) box.append(el("ul", { "aria-label": "Latency findings" }, ...findings.map((f) => el("li", {}, f.finding || String(f)))));
    if (byModel.length) {
      const ms = (v) => (Number.isFinite(num(v)) ? `${(num(v) / 1000).toFixed(2)} s` : "—");
      const head = el("tr", {}, el("th", {}, "Model"), el("th", { class: "num" }, "Calls"), el("th", { class: "num" }, "p50"),
        el("th", { class: "num" }, "p95"), el("th", { class: "num" }, "p95 to first token"));
      const rows = byModel.map((m) => el("tr", {}, el("td", {}, m.model), el("td", { class: "num" }, m.calls ?? "—"),
        el("td", { class: "num" }, ms(m.p50_latency_ms)), el("td", { class: "num" }, ms(m.p95_latency_ms)), el("td", { class: "num" }, ms(m.p95_ttft_ms))));
      box.append(el("table", {}, el("caption", {}, "Latency by model"), el("thead", {}, head), el("tbody", {}, ...rows)));
    }
    if (Array.isArray(report.spend_by_model) && report.spend_by_model.length) {
      // A model the price catalog does not know is labelled, never shown as a plain $0.
      box.append(barChart("Spend by model", report.spend_by_model.map((m) => ({
        label: m.unpriced_calls && m.unpriced_calls === m.calls ? `${m.model} (unpriced)` : m.model, value: m.cost_usd }))));
    }
    for (const warning of report.warnings || []) box.append(el("p", { class: "error" }, String(warning)));
    const next = Array.isArray(report.next_steps) ? report.next_steps : [];
    if (next.length) {
      box.append(el("h4", {}, "Next steps"));
      box.append(el("ul", { "aria-label": "Next steps" }, ...next.map((n) => el("li", {}, String(n)))));
    }
    return box;
  }

  return { render };
})();
