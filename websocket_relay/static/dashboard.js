// The dashboard: spend per day stacked by feature or model, top features and models, calls
// the catalog could not price, and this month against the org's budget. Every figure comes
// from analytics (/api/usage/timeseries, /summary, /unpriced) and is only summed here,
// exactly (NetraMoney), never recomputed from tokens.
"use strict";

const NetraDashboard = (() => {
  const M = NetraMoney;
  const RANGES = [7, 30, 90];
  const STACKED = 6; // the largest keys get their own colour, the rest stack as "Other"
  const TOP = 10;
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const NS = "http://www.w3.org/2000/svg";
  let ctx = null;
  let loading = 0; // bumped per load: a slower, older answer is dropped

  const { byId: $, el } = NetraDom;
  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const count = (n) => Number(n || 0).toLocaleString("en-US");
  const dayName = (iso, year = false) => {
    const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
    return `${MONTHS[m - 1]} ${d}${year ? `, ${y}` : ""}`;
  };

  // The range asked of analytics: whole UTC days, the last one being today (up to now).
  function rangeOf(days, now = new Date()) {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
    return { from: start.toISOString(), to: now.toISOString() };
  }
  function monthToDate(now = new Date()) {
    return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(), to: now.toISOString() };
  }
  // Today's bucket holds only the spend up to the range's end: it is drawn and named as a
  // partial day, never read as a whole one (a Monday morning is not a fall).
  function todayOf(range) {
    const until = range.to.slice(11, 16);
    return { day: range.to.slice(0, 10), until, words: `today (so far, to ${until} UTC)` };
  }
  function daysOf(range) {
    const days = [];
    for (let d = new Date(range.from); d.toISOString() < range.to; d.setUTCDate(d.getUTCDate() + 1)) days.push(d.toISOString().slice(0, 10));
    return days;
  }

  function init(context) {
    ctx = context;
    for (const input of document.querySelectorAll('#dashboard input[name="days"], #dashboard input[name="by"]')) {
      input.addEventListener("change", () => {
        ctx.setParams(controls());
        load().catch(ctx.showError);
      });
    }
  }

  function controls() {
    return { days: Number(document.querySelector('#dashboard input[name="days"]:checked').value),
             by: document.querySelector('#dashboard input[name="by"]:checked').value };
  }

  function setControls({ days, by }) {
    days = RANGES.includes(Number(days)) ? Number(days) : 30;
    by = by === "model" ? "model" : "feature";
    document.querySelector(`#dashboard input[name="days"][value="${days}"]`).checked = true;
    document.querySelector(`#dashboard input[name="by"][value="${by}"]`).checked = true;
    return { days, by };
  }

  async function show(params) {
    setControls(params || {});
    await load();
  }

  async function load() {
    const mine = ++loading;
    const { days, by } = controls();
    const range = rangeOf(days);
    const month = monthToDate(new Date(range.to));
    $("dashboard-error").textContent = "";
    $("dashboard-status").textContent = "Loading usage…";
    if (!ctx.analyticsUrl) {
      $("dashboard-status").textContent = "";
      $("dashboard-error").textContent = "The dashboard needs the analytics service, and this deployment does not name it.";
      return;
    }
    let answers;
    try {
      answers = await Promise.all([
        ctx.analytics("/api/usage/timeseries", { ...range, interval: "day", group_by: by }),
        ctx.analytics("/api/usage/summary", { ...range, group_by: "feature" }),
        ctx.analytics("/api/usage/summary", { ...range, group_by: "model" }),
        ctx.analytics("/api/usage/unpriced", range),
        ctx.analytics("/api/usage/summary", { ...month, group_by: "model" }),
        ctx.settings().catch(() => ({ monthly_budget_usd: null, unavailable: true })),
      ]);
    } catch (error) {
      if (mine !== loading) return;
      $("dashboard-status").textContent = "";
      throw error;
    }
    if (mine !== loading) return;
    const [series, features, models, unpriced, mtd, settings] = answers;
    const body = $("dashboard-body");
    body.dataset.from = range.from; body.dataset.to = range.to;
    body.dataset.monthFrom = month.from;
    const rangeWords = `last ${days} days`;
    body.replaceChildren(
      figures(features, unpriced, mtd, settings, rangeWords),
      ...(features.totals.calls ? [
        stackedChart(series, by === "model" ? models : features, range, by, rangeWords),
        el("div", { class: "tables" },
          topTable("Top features", "Feature", features),
          topTable("Top models", "Model", models)),
      ] : [el("p", { class: "empty" }, `No usage in the ${rangeWords}. Create an API key in `, settingsLink(), " and send your LLM calls to Netra.")]),
      ...(unpriced.calls ? [unpricedTable(unpriced)] : []),
    );
    $("dashboard-status").textContent = `Showing the ${rangeWords}, today up to ${todayOf(range).until} UTC.`;
  }

  function settingsLink() {
    const a = el("a", { href: "?view=settings" }, "Settings");
    a.addEventListener("click", (event) => { event.preventDefault(); ctx.go("settings"); });
    return a;
  }

  function figure(label, value, detail, cls) {
    return el("div", { class: `figure ${cls || ""}` }, el("dt", {}, label), el("dd", {}, el("span", { class: "value" }, value), detail ? el("span", { class: "detail" }, detail) : null));
  }

  function figures(summary, unpriced, mtd, settings, rangeWords) {
    const spend = M.parse(summary.totals.cost_usd) ?? 0n;
    const unknown = summary.unpriced.calls;
    const list = el("dl", { class: "figures", "aria-label": "Key figures" },
      figure(`Spend, ${rangeWords}`, M.usd(spend), unknown ? `+ ${count(unknown)} calls at unknown price` : null, "spend"),
      figure("Calls", count(summary.totals.calls), null, "calls"),
      figure("Unpriced calls", count(unpriced.calls), unpriced.calls ? "unknown price: counted in calls, not in spend" : "every call priced", "unpriced"),
      budgetFigure(mtd, settings));
    return list;
  }

  function budgetFigure(mtd, settings) {
    const spent = M.parse(mtd.totals.cost_usd) ?? 0n;
    const budget = M.parse(settings.monthly_budget_usd);
    const month = MONTHS[new Date(mtd.from).getUTCMonth()];
    if (budget === null) {
      const detail = settings.unavailable ? el("span", {}, "budget unavailable") : el("span", {}, "no budget set · ", settingsLink());
      return figure(`${month} to date`, M.usd(spent), detail, "budget");
    }
    const used = budget > 0n ? Number((spent * 1000n) / budget) / 10 : null;
    const over = spent > budget;
    // A little spent is never "0.0%" of the budget.
    const part = budget <= 0n ? "—" : spent > 0n && spent * 2000n < budget ? "< 0.1%" : M.share(spent, budget);
    const box = figure(`${month} to date`, M.usd(spent), `of ${M.usd(budget)} budget · ${part}`, `budget${over ? " over" : ""}`);
    const meter = el("progress", { max: "100", value: String(Math.min(100, used ?? 100)), "aria-label": `${month} spend against the monthly budget` });
    box.querySelector("dd").append(meter);
    return box;
  }

  // Keys ranked by their spend over the range; past STACKED, they stack as one "Other".
  // `summary` (the same range, grouped the same way) says which keys have calls nobody priced.
  function stackedChart(series, summary, range, by, rangeWords) {
    const groups = new Map(summary.groups.map((g) => [g.key, g]));
    const days = daysOf(range);
    const totals = new Map();
    for (const s of series.series) totals.set(s.key, M.sum(s.points.map((p) => p.cost_usd)));
    const ranked = [...totals.entries()].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : String(a[0]).localeCompare(String(b[0]))));
    const named = ranked.slice(0, STACKED).map(([key]) => key);
    const slot = (key) => (named.includes(key) ? named.indexOf(key) : STACKED);
    const cells = new Map(days.map((d) => [d, new Array(STACKED + 1).fill(0n)]));
    for (const s of series.series) {
      for (const p of s.points) {
        const row = cells.get(p.bucket.slice(0, 10));
        if (row) row[slot(s.key)] += M.parse(p.cost_usd) ?? 0n;
      }
    }
    const layers = [...named.map((key, i) => ({ label: label(key), i, group: groups.get(key) })),
      ...(ranked.length > STACKED ? [{ label: `Other (${ranked.length - STACKED})`, i: STACKED }] : [])];
    // A layer's total as its summary row says it: "unknown price" for a key nobody prices, never $0.00.
    const layerTotal = (l) => (l.group ? cost(l.group) : M.usd(M.sum(days.map((d) => cells.get(d)[l.i]))));
    const words = (node) => (typeof node === "string" ? node : node.textContent);
    const today = todayOf(range);
    const partial = (d) => d === today.day;
    const dayWords = (d) => `${dayName(d, true)}${partial(d) ? `, ${today.words}` : ""}`;
    const dayTotals = days.map((d) => M.sum(cells.get(d)));
    const max = Math.max(...dayTotals.map(M.toNumber), 0.01);
    const height = 200, top = 22, bottom = 24;
    const chart = svg("svg", { class: "chart stacked", role: "img", width: "100%", height: top + height + bottom });
    const grand = M.sum(dayTotals);
    const todayAt = days.indexOf(today.day);
    chart.setAttribute("aria-label", `Spend per day by ${by}, ${rangeWords}: ${M.usd(grand)} in all; ` +
      layers.map((l) => `${l.label} ${words(layerTotal(l))}`).join(", ") +
      (todayAt < 0 ? "" : `. Today is not over: ${M.usd(dayTotals[todayAt])} so far, to ${today.until} UTC`));
    // Stripes in the panel's colour, laid over today's bar whatever its layers' colours.
    const hatch = svg("pattern", { id: "partial-day-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    hatch.append(svg("rect", { width: 3, height: 6, class: "hatch" }));
    const defs = svg("defs");
    defs.append(hatch);
    chart.append(defs);
    // The amounts go on after the bars, haloed: drawn first, the bars hid the middle one.
    const amounts = [];
    for (const fraction of [1, 0.5, 0]) {
      const y = top + height * (1 - fraction);
      chart.append(svg("line", { x1: "0", x2: "100%", y1: y, y2: y, class: "axis" }));
      if (fraction) amounts.push(svg("text", { x: 0, y: y - 4, class: "tick amount" }, M.usd(M.parse((max * fraction).toFixed(2)))));
    }
    const step = 100 / days.length;
    days.forEach((d, i) => {
      const bar = { x: `${i * step + step * 0.1}%`, width: `${step * 0.8}%` };
      const day = svg("g", { class: partial(d) ? "day partial" : "day", "data-day": d, "aria-label": `${dayWords(d)}: ${M.usd(dayTotals[i])}` });
      day.append(svg("title", {}, `${dayWords(d)}: ${M.usd(dayTotals[i])}`));
      // Today's whole column is outlined, so a day with little spent yet still shows as open.
      if (partial(d)) day.append(svg("rect", { x: `${i * step}%`, y: top, width: `${step}%`, height, class: "open-day" }));
      let y = top + height;
      for (const layer of layers) {
        const units = cells.get(d)[layer.i];
        if (units <= 0n) continue;
        const h = (M.toNumber(units) / max) * height;
        y -= h;
        const rect = svg("rect", { ...bar, y, height: Math.max(h, 0.5), class: `s${layer.i}` });
        rect.append(svg("title", {}, `${dayWords(d)} · ${layer.label}: ${M.usd(units)}`));
        day.append(rect);
      }
      if (partial(d) && y < top + height) day.append(svg("rect", { ...bar, y, height: top + height - y, class: "hatched" }));
      chart.append(day);
    });
    chart.append(...amounts);
    const ticks = [[0, "start"], [Math.floor((days.length - 1) / 2), "middle"], [days.length - 1, "end"]];
    for (const [i, anchor] of ticks) {
      const x = anchor === "start" ? "0" : anchor === "end" ? "100%" : `${(i + 0.5) * step}%`;
      chart.append(svg("text", { x, y: top + height + 17, "text-anchor": anchor, class: "tick" }, `${dayName(days[i])}${partial(days[i]) ? " so far" : ""}`));
    }
    const legend = el("ul", { class: "legend", "aria-label": "Legend" }, ...layers.map((l) =>
      el("li", {}, el("span", { class: `swatch s${l.i}`, "aria-hidden": "true" }), `${l.label} `, el("span", { class: "num" }, words(layerTotal(l))))));
    const note = todayAt < 0 ? null : el("p", { class: "hint partial-note" },
      el("span", { class: "swatch partial", "aria-hidden": "true" }), `Today is not over: its bar is spend so far, to ${today.until} UTC.`);
    const dayCell = (d) => (partial(d) ? el("span", {}, dayName(d, true), " ", el("span", { class: "sub" }, today.words)) : dayName(d, true));
    const daily = el("details", { class: "daily" }, el("summary", {}, "Spend per day as a table"),
      table(`Spend per day, ${rangeWords}`, [["Day", false], ["Spend", true]], days.map((d, i) => [dayCell(d), M.usd(dayTotals[i])]).reverse()));
    return el("section", { class: "card chart-card", "aria-labelledby": "per-day-title" },
      el("h3", { id: "per-day-title" }, `Spend per day by ${by}`), chart, legend, note, daily);
  }

  const label = (key) => (key === null || key === undefined || key === "" ? "(none)" : String(key));

  function table(caption, header, rows) {
    return el("div", { class: "table-wrap", tabindex: "0", role: "group", "aria-label": caption },
      el("table", {}, el("caption", {}, caption),
        el("thead", {}, el("tr", {}, ...header.map(([h, num]) => el("th", { scope: "col", class: num ? "num" : null }, h)))),
        el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c, j) => el("td", { class: header[j][1] ? "num" : null }, c)))))));
  }

  // A group's cost to the cent and its share of the range's priced spend; a group whose every
  // call is unpriced has an unknown price, never $0.00.
  function cost(group) {
    const units = M.parse(group.cost_usd) ?? 0n;
    if (group.unpriced_calls && group.unpriced_calls >= group.calls) return "unknown price";
    if (!group.unpriced_calls) return M.usd(units);
    return el("span", {}, M.usd(units), " ", el("span", { class: "sub" }, `+ ${count(group.unpriced_calls)} unpriced`));
  }

  function topTable(title, what, summary) {
    const total = M.parse(summary.totals.cost_usd) ?? 0n;
    const groups = summary.groups;
    const rows = groups.slice(0, TOP).map((g) => {
      const allUnpriced = g.unpriced_calls && g.unpriced_calls >= g.calls;
      return [label(g.key), count(g.calls), cost(g), allUnpriced ? "—" : M.share(M.parse(g.cost_usd) ?? 0n, total)];
    });
    if (groups.length > TOP) {
      const rest = groups.slice(TOP);
      const units = M.sum(rest.map((g) => g.cost_usd));
      rows.push([`${rest.length} more`, count(rest.reduce((n, g) => n + g.calls, 0)), M.usd(units), M.share(units, total)]);
    }
    return el("section", { class: "card" }, table(title, [[what, false], ["Calls", true], ["Cost", true], ["Share", true]], rows));
  }

  function unpricedTable(unpriced) {
    // The provider and features under the model's name: four columns read at 390 px.
    const rows = unpriced.models.map((m) => [el("span", {}, m.model, " ", el("span", { class: "sub" }, [m.provider, ...m.features].join(" · "))),
      count(m.calls), count(m.input_tokens + m.output_tokens), "unknown price"]);
    return el("section", { class: "card unpriced", "aria-labelledby": "unpriced-title" },
      el("h3", { id: "unpriced-title" }, "Calls at unknown price"),
      el("p", { class: "hint" }, `${count(unpriced.calls)} calls use models the price catalog does not know: they are left out of the spend above. Send cost_usd with each call, or ask us to add the model.`),
      table("Unpriced calls by model", [["Model", false], ["Calls", true], ["Tokens", true], ["Cost", true]], rows));
  }

  return { init, show, load, rangeOf };
})();
