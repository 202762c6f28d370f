// Exact money for the dashboard: amounts arrive as decimal strings ("12.345678"); sums and
// shares are computed on integers (BigInt, 1e-12 dollars), shown to the cent.
"use strict";

const NetraMoney = (() => {
  const PLACES = 12;
  const ONE = 10n ** BigInt(PLACES);
  const CENT = ONE / 100n;

  // A decimal string (or number-like) to exact units; null when it is not an amount.
  function parse(value) {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(value ?? "").trim());
    if (!m) return null;
    const units = BigInt(m[2]) * ONE + BigInt((m[3] || "").slice(0, PLACES).padEnd(PLACES, "0"));
    return m[1] ? -units : units;
  }

  const sum = (values) => values.reduce((total, v) => total + (typeof v === "bigint" ? v : parse(v) ?? 0n), 0n);

  // Half a cent rounds away from zero, as Python's ROUND_HALF_UP does.
  function cents(units) {
    const negative = units < 0n;
    const whole = ((negative ? -units : units) + CENT / 2n) / CENT;
    return negative ? -whole : whole;
  }

  function usd(units) {
    const c = cents(units);
    const negative = c < 0n;
    const abs = negative ? -c : c;
    const dollars = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${negative ? "−" : ""}$${dollars}.${(abs % 100n).toString().padStart(2, "0")}`;
  }

  // A part of a total in percent, to one decimal ("37.5%"); "—" without a total.
  function share(part, total) {
    if (total <= 0n) return "—";
    const tenths = (part * 1000n + total / 2n) / total;
    return `${tenths / 10n}.${tenths % 10n}%`;
  }

  const toNumber = (units) => Number(units) / Number(ONE);

  return { parse, sum, cents, usd, share, toNumber, ONE };
})();
