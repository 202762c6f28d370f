// Netra web chat: sign-in, threads, composer, a live timeline per run, reports.
// No build step: plain browser JavaScript talking to auth, chat and this relay.
"use strict";

const state = {
  config: null, tokens: null, threadId: null, socket: null, retry: 0,
  refreshing: null, // the one token refresh in flight, shared by every request that got a 401
  opening: 0, // bumped by each openThread: a slower, older open drops its answers
  draft: null, // {threadId, text, key}: one Idempotency-Key per message, across all its retries
  sending: false,
  view: "chat",
  dashboard: { days: 30, by: "feature" }, // the dashboard's last choices, for its link
};
const $ = (id) => document.getElementById(id);
const TIMELINE = {
  agent_started: (p) => `${p.agent || "agent"} started`,
  agent_thinking: (p) => `${p.agent || "agent"}: ${p.message || "thinking…"}`,
  tool_executing: (p) => `running ${p.tool || "a tool"}…`,
  tool_completed: (p) => `${p.tool || "tool"} done`,
  agent_completed: (p) => `${p.agent || "agent"} done${p.message ? `: ${p.message}` : ""}`,
  agent_error: (p) => `error: ${p.message || p.code || "the run failed"}`,
  answer_ready: () => "answer ready",
};
const FOLLOW_UP_HINT = "Follow-ups continue this thread: “and last week?”, “by model instead”, “only the top two”.";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status; this.code = code; this.retryAfter = retryAfter;
  }
}

// --- tokens ---------------------------------------------------------------------------

function loadTokens() {
  const fromHash = new URLSearchParams(location.hash.slice(1));
  if (fromHash.get("access_token")) {
    saveTokens({ access_token: fromHash.get("access_token"), refresh_token: fromHash.get("refresh_token") });
    history.replaceState(null, "", location.pathname);
  } else if (fromHash.get("error")) {
    $("signin-error").textContent = fromHash.get("error_description") || fromHash.get("error");
    history.replaceState(null, "", location.pathname);
  }
  const saved = sessionStorage.getItem("netra.tokens");
  try { state.tokens = saved ? JSON.parse(saved) : null; } catch { state.tokens = null; }
}

function saveTokens(tokens) {
  state.tokens = { access_token: tokens.access_token, refresh_token: tokens.refresh_token };
  sessionStorage.setItem("netra.tokens", JSON.stringify(state.tokens));
}

function claims() {
  try { return JSON.parse(atob(state.tokens.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))); } catch { return {}; }
}

function userId() { return claims().sub || "anon"; }

// Refresh tokens rotate and a reused one revokes the session: however many requests got a
// 401 together, one refresh runs and they all wait for it.
function refreshOnce(staleAccessToken) {
  if (!state.tokens) return Promise.reject(new ApiError(401, "signed_out", "Sign in first."));
  if (state.tokens.access_token !== staleAccessToken) return Promise.resolve(); // already refreshed
  if (!state.refreshing) {
    state.refreshing = (async () => {
      const response = await fetch(`${state.config.auth_url}/auth/refresh`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: state.tokens.refresh_token }),
      });
      if (!response.ok) { signOut(); throw new ApiError(401, "session_ended", "Your session ended: sign in again."); }
      saveTokens(await response.json());
    })().finally(() => { state.refreshing = null; });
  }
  return state.refreshing;
}

function retryAfterSeconds(response, body) {
  const raw = response.headers.get("Retry-After"); // null when not exposed cross-origin (Number(null) would be 0)
  const header = raw === null || raw.trim() === "" ? NaN : Number(raw);
  if (Number.isFinite(header) && header >= 0) return header;
  // Cross-origin, the header is readable only if the API exposes it; chat also says it in words.
  const error = (body && body.error) || {};
  const said = error.retry_after ?? (/retry in (\d+) s/.exec(error.message || "") || [])[1];
  const seconds = said === undefined || said === null ? NaN : Number(said);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

async function api(path, options = {}, retried = false) {
  if (state.refreshing) await state.refreshing.catch(() => {});
  if (!state.tokens) throw new ApiError(401, "signed_out", "Sign in first.");
  const token = state.tokens.access_token;
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${token}` };
  if (options.body) headers["Content-Type"] = "application/json";
  // A path is chat's; auth and analytics are called with their full URL.
  const url = /^https?:\/\//.test(path) ? path : `${state.config.chat_url}${path}`;
  const response = await fetch(url, { ...options, headers });
  if (response.status === 401 && !retried) { await refreshOnce(token); return api(path, options, true); }
  if (response.status === 204) return null;
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new ApiError(response.status, error.code, error.message || `HTTP ${response.status}`, retryAfterSeconds(response, body));
  }
  return body;
}

// --- sign-in ----------------------------------------------------------------------------

function showSignIn() {
  $("signin").hidden = false; $("workspace").hidden = true; $("signout").hidden = true; $("whoami").hidden = true;
  $("dashboard").hidden = true; $("settings").hidden = true; $("views").hidden = true;
  $("connection").hidden = true;
  $("devlogin").hidden = !state.config.dev_login;
}

async function devLogin(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    const response = await fetch(`${state.config.auth_url}/auth/dev/login`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: $("dev-email").value }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { $("signin-error").textContent = (body.error && body.error.message) || `HTTP ${response.status}`; return; }
    saveTokens(body);
    start();
  } catch (error) {
    $("signin-error").textContent = error.message;
  }
}

function providerLogin(provider) {
  const back = `${location.origin}/`;
  location.assign(`${state.config.auth_url}/auth/login/${provider}?redirect_uri=${encodeURIComponent(back)}`);
}

function signOut() {
  if (state.tokens) fetch(`${state.config.auth_url}/auth/logout`, { method: "POST", headers: { Authorization: `Bearer ${state.tokens.access_token}` } }).catch(() => {});
  sessionStorage.removeItem("netra.tokens");
  state.tokens = null; state.threadId = null; state.draft = null;
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close(1000);
  setConnection("offline");
  $("messages").replaceChildren(); $("thread-list").replaceChildren();
  $("dashboard-body").replaceChildren(); $("keys").replaceChildren(); $("new-key").replaceChildren(); $("account").replaceChildren();
  showSignIn();
}

// --- threads and messages ---------------------------------------------------------------

async function loadThreads() {
  const { threads } = await api("/api/threads?limit=100");
  $("thread-list").replaceChildren(...threads.map(threadItem));
}

function threadItem(t) {
  const item = document.createElement("li");
  item.dataset.threadId = t.thread_id;
  item.setAttribute("aria-current", String(t.thread_id === state.threadId));
  const open = button("", () => openThread(t.thread_id).catch(showError), "open");
  open.title = t.title || "Untitled thread";
  // Clamped inside the button's padding: clamped on the button itself, a third line peeked
  // out through the padding, cut in half.
  const label = document.createElement("span");
  label.textContent = open.title;
  open.append(label);
  // The title gets the row; its actions wait in a menu.
  const menu = document.createElement("details");
  menu.className = "menu";
  const toggle = document.createElement("summary");
  toggle.textContent = "⋯";
  toggle.setAttribute("aria-label", `Actions for ${t.title || "thread"}`);
  const rename = button("Rename", () => { menu.open = false; renameThread(t).catch(showError); }, "small");
  rename.setAttribute("aria-label", `Rename ${t.title || "thread"}`);
  const remove = button("Delete", () => { menu.open = false; deleteThread(t).catch(showError); }, "small");
  remove.setAttribute("aria-label", `Delete ${t.title || "thread"}`);
  const actions = document.createElement("div");
  actions.className = "menu-items";
  actions.append(rename, remove);
  menu.append(toggle, actions);
  item.append(open, menu);
  return item;
}

// One thread changed: its row is replaced (or added on top), not the whole list refetched.
function upsertThread(t) {
  const existing = $("thread-list").querySelector(`li[data-thread-id="${CSS.escape(String(t.thread_id))}"]`);
  if (existing) existing.replaceWith(threadItem(t)); else $("thread-list").prepend(threadItem(t));
}

function dropThread(threadId) {
  $("thread-list").querySelector(`li[data-thread-id="${CSS.escape(String(threadId))}"]`)?.remove();
  if (state.threadId === threadId) { state.threadId = null; $("messages").replaceChildren(); $("thread-title").textContent = "Pick or start a thread"; showUrl(null); updateComposer(); }
}

function button(text, onClick, cls) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.className = cls || ""; b.addEventListener("click", onClick);
  return b;
}

function showError(error) { $("error").textContent = error.message || String(error); }

// A new thread exists once its first message is sent: "New thread" leaves no empty ones.
function newThread() {
  state.opening++;
  state.threadId = null;
  $("messages").replaceChildren();
  $("thread-title").textContent = "New thread";
  for (const item of $("thread-list").children) item.setAttribute("aria-current", "false");
  showUrl(null);
  updateComposer();
  $("message-text").focus();
}

// The open thread is in the URL, so a reload (or a shared link) reopens it.
function showUrl(threadId) {
  if (state.view !== "chat") return;
  const url = threadId ? `${location.pathname}?thread=${encodeURIComponent(threadId)}` : location.pathname;
  if (`${location.pathname}${location.search}` !== url) history.replaceState(null, "", url);
}

// --- views: chat, dashboard, settings, each with its own URL ---------------------------------

const VIEWS = { chat: "workspace", dashboard: "dashboard", settings: "settings" };

function viewFromUrl() {
  const view = new URLSearchParams(location.search).get("view");
  return VIEWS[view] ? view : "chat";
}

function viewUrl(view, params = {}) {
  if (view === "chat") return state.threadId ? `${location.pathname}?thread=${encodeURIComponent(state.threadId)}` : location.pathname;
  const query = new URLSearchParams({ view, ...params });
  return `${location.pathname}?${query}`;
}

// `push`: a new history entry (a click); without it the URL is only brought up to date.
function go(view, push = true) {
  const url = viewUrl(view, view === "dashboard" ? dashboardParams() : {});
  if (push && `${location.pathname}${location.search}` !== url) history.pushState(null, "", url);
  return showView(view);
}

function dashboardParams() {
  const asked = new URLSearchParams(location.search);
  const current = viewFromUrl() === "dashboard" ? { days: asked.get("days"), by: asked.get("by") } : {};
  return { days: String(current.days || state.dashboard.days), by: current.by || state.dashboard.by };
}

async function showView(view) {
  state.view = view;
  for (const [name, id] of Object.entries(VIEWS)) $(id).hidden = name !== view;
  for (const link of document.querySelectorAll("#views a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  document.title = { chat: "Netra — cut your LLM bill", dashboard: "Dashboard — Netra", settings: "Settings — Netra" }[view];
  if (view === "dashboard") {
    const asked = new URLSearchParams(location.search);
    await NetraDashboard.show({ days: asked.get("days") || state.dashboard.days, by: asked.get("by") || state.dashboard.by });
  } else if (view === "settings") {
    await NetraSettings.show();
  } else {
    const asked = new URLSearchParams(location.search).get("thread");
    if (asked && asked !== state.threadId) await openThread(asked);
    else showUrl(state.threadId);
  }
}

function analytics(path, params) {
  return api(`${state.config.analytics_url}${path}?${new URLSearchParams(params)}`);
}

async function renameThread(thread) {
  const title = prompt("New name", thread.title || "");
  if (!title || !title.trim()) return;
  const renamed = await api(`/api/threads/${thread.thread_id}`, { method: "PATCH", body: JSON.stringify({ title }) });
  upsertThread(renamed);
  if (state.threadId === thread.thread_id) $("thread-title").textContent = renamed.title || "New thread";
}

async function deleteThread(thread) {
  if (!confirm(`Delete “${thread.title || "this thread"}”?`)) return;
  await api(`/api/threads/${thread.thread_id}`, { method: "DELETE" });
  dropThread(thread.thread_id);
}

async function openThread(threadId) {
  const opening = ++state.opening;
  state.threadId = threadId;
  showUrl(threadId);
  const current = () => opening === state.opening && state.threadId === threadId;
  $("messages").replaceChildren();
  for (const item of $("thread-list").children) item.setAttribute("aria-current", String(item.dataset.threadId === threadId));
  let thread, messages;
  try {
    [thread, { messages }] = await Promise.all([api(`/api/threads/${threadId}`), api(`/api/threads/${threadId}/messages?limit=200`)]);
  } catch (error) {
    if (error.status === 404 && current()) { state.threadId = null; showUrl(null); $("thread-title").textContent = "Pick or start a thread"; return; }
    throw error;
  }
  if (!current()) return; // another thread was opened meanwhile: its answers, not these, belong on screen
  $("thread-title").textContent = thread.title || "New thread";
  $("messages").replaceChildren();
  for (const message of messages) {
    addMessage(message);
    if (message.run_id) api(`/api/runs/${message.run_id}`).then((run) => { if (current()) showRunState(run); }).catch(() => {});
  }
  updateComposer();
  upsertThread(thread);
  for (const item of $("thread-list").children) item.setAttribute("aria-current", String(item.dataset.threadId === threadId));
}

function addMessage(message) {
  if (!message || document.querySelector(`[data-message-id="${CSS.escape(String(message.message_id))}"]`)) return;
  const item = document.createElement("li");
  item.className = "message"; item.dataset.messageId = message.message_id;
  if (message.run_id) item.dataset.runId = message.run_id;
  const text = document.createElement("p");
  text.className = "text"; text.textContent = message.text;
  const timeline = document.createElement("ol");
  timeline.className = "timeline"; timeline.setAttribute("aria-label", "Progress");
  timeline.tabIndex = 0; // once collapsed it scrolls: reachable by keyboard
  item.append(text, timeline);
  $("messages").append(item);
  updateComposer();
}

function updateComposer() {
  const ongoing = $("messages").children.length > 0;
  $("message-text").placeholder = ongoing ? "Ask a follow-up — “and last week?”, “by model instead”…"
    : "We spend $40k a month on LLM calls — where does it go and how do we cut 30%?";
  $("composer-hint").textContent = ongoing ? FOLLOW_UP_HINT : "Ask about spend, changes, what-ifs, latency or a forecast.";
}

function runBox(runId) {
  return document.querySelector(`.message[data-run-id="${CSS.escape(String(runId))}"]`);
}

function showReport(box, report) {
  // Marked a follow-up only when the answer took something from the turn before ("and what if
  // we only do the top two?"): a new question later in a thread stands on its own.
  if (NetraReport.continues(report) && !box.querySelector(".tag")) {
    box.classList.add("follow-up");
    const tag = document.createElement("span");
    tag.className = "tag"; tag.textContent = "follow-up";
    box.prepend(tag);
  }
  box.append(NetraReport.render(report, { ask }));
  box.classList.add("done");
  // The collapsed progress ends on its outcome, not on a step that looks stalled.
  addTimeline(box, "answer_ready", {}, Number.MAX_SAFE_INTEGER);
  const timeline = box.querySelector(".timeline");
  timeline.scrollTop = timeline.scrollHeight;
  $("announce").textContent = "Answer ready.";
}

function seconds(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : Date.now() / 1000;
}

function showRunState(run) {
  const box = runBox(run.run_id);
  if (!box) return;
  // The progress stored with the run: each step's start and end, as the live events said them.
  for (const step of Array.isArray(run.steps) ? run.steps : []) {
    if (step.dispatched_at || step.started_at) addTimeline(box, "agent_started", { agent: step.name }, seconds(step.dispatched_at || step.started_at));
    if (step.status === "completed") addTimeline(box, "agent_completed", { agent: step.name }, seconds(step.completed_at));
  }
  // A completed run's result is its final report.
  if (run.result && !box.querySelector(".report")) showReport(box, run.result);
  if (run.status === "failed" && !box.querySelector('[data-type="agent_error"]')) addTimeline(box, "agent_error", run.error || {});
}

function addTimeline(box, type, payload, ts = Date.now() / 1000) {
  // A step's start or end is shown once, whether it came live or from the stored run.
  const key = type === "agent_started" || type === "agent_completed" || type === "answer_ready" ? `${type}:${payload.agent || ""}` : null;
  if (key && [...box.querySelectorAll(".timeline li")].some((li) => li.dataset.key === key)) return;
  // Pub/Sub may deliver a run's events out of order: place each by the time its agent
  // produced it, not by arrival.
  const entry = document.createElement("li");
  if (key) entry.dataset.key = key;
  entry.dataset.type = type;
  entry.dataset.ts = String(ts);
  entry.textContent = NetraReport.centsInText(TIMELINE[type](payload));
  const timeline = box.querySelector(".timeline");
  const later = [...timeline.children].find((other) => Number(other.dataset.ts) > ts);
  timeline.insertBefore(entry, later || null);
}

// --- sending: one Idempotency-Key per message, whatever happens to its requests -----------

const MAX_TRIES = 6;

function notice(text) { $("notice").textContent = text; }

// The key of the message being sent: the same text to the same thread keeps its key until
// it is accepted, so a retry (ours or the user's Send again) can never start a second run.
function draftKey(threadId, text) {
  if (!state.draft || state.draft.threadId !== threadId || state.draft.text !== text) state.draft = { threadId, text, key: crypto.randomUUID() };
  return state.draft.key;
}

async function postMessage(threadId, text) {
  const key = draftKey(threadId, text);
  for (let attempt = 1; ; attempt++) {
    try {
      return await api(`/api/threads/${threadId}/messages`, { method: "POST", body: JSON.stringify({ text }), headers: { "Idempotency-Key": key } });
    } catch (error) {
      // 429: refused, wait as told. 503: maybe saved but not queued; the same key finishes it.
      const retriable = error.status === 429 || error.status === 503 || error.status === undefined;
      if (!retriable || attempt >= MAX_TRIES) throw error;
      const wait = Math.min(60, error.retryAfter ?? Math.min(2 ** attempt, 16));
      notice(error.status === 429
        ? `Netra is busy (too many messages this minute): sending again in ${wait} s. Your message will be sent once.`
        : `Netra could not take the message yet: trying again in ${wait} s. Your message will be sent once.`);
      await sleep(wait * 1000);
      notice("Sending again…");
    }
  }
}

async function sendText(text) {
  if (!state.tokens) { showSignIn(); return; }
  if (!text || state.sending) return;
  state.sending = true;
  $("send").disabled = true;
  $("error").textContent = "";
  try {
    if (!state.threadId) {
      const thread = await api("/api/threads", { method: "POST", body: "{}" });
      state.opening++; state.threadId = thread.thread_id; showUrl(thread.thread_id);
    }
    const threadId = state.threadId;
    const ids = await postMessage(threadId, text);
    state.draft = null;
    notice("");
    if (state.threadId !== threadId) return; // the user moved on: the message shows when that thread is opened
    addMessage({ message_id: ids.message_id, run_id: ids.run_id, text });
    runBox(ids.run_id)?.scrollIntoView({ block: "start", behavior: "smooth" });
    if ($("message-text").value.trim() === text) $("message-text").value = "";
    const thread = await api(`/api/threads/${threadId}`);
    upsertThread(thread);
    if (state.threadId === threadId) $("thread-title").textContent = thread.title || "New thread";
  } catch (error) {
    notice("");
    $("error").textContent = error.status === 429 || error.status === 503
      ? `${error.message} Press Send to try again: it will not be sent twice.` : error.message;
  } finally {
    state.sending = false;
    $("send").disabled = false;
  }
}

function send(event) {
  event.preventDefault();
  const box = $("message-text");
  const text = box.value.trim();
  if (!text) {
    // Only spaces pass the box's `required`: emptied, the browser says what is missing.
    box.value = "";
    box.reportValidity();
    return Promise.resolve();
  }
  return sendText(text);
}

// A question picked from a report (an example) is asked in the same thread.
function ask(text) {
  $("message-text").value = text;
  return sendText(text);
}

// --- live events --------------------------------------------------------------------------

function setConnection(stateName) {
  const badge = $("connection");
  badge.dataset.state = stateName; badge.textContent = stateName;
}

function lastEventKey() { return `netra.lastEvent.${userId()}`; }

async function connect() {
  if (!state.tokens) return;
  setConnection("connecting");
  let ticket;
  try { ticket = (await api("/api/ws-ticket", { method: "POST" })).ticket; } catch { return scheduleReconnect(); }
  if (!state.tokens) return;
  const wsUrl = `${location.origin.replace(/^http/, "ws")}/ws?ticket=${encodeURIComponent(ticket)}`;
  const socket = new WebSocket(wsUrl);
  state.socket = socket;
  socket.addEventListener("open", () => {
    state.retry = 0;
    setConnection("live");
    const last = localStorage.getItem(lastEventKey());
    socket.send(JSON.stringify(last ? { type: "resume", last_event_id: last } : { type: "ping" }));
  });
  socket.addEventListener("message", (message) => {
    try { onEvent(JSON.parse(message.data)); } catch (error) { console.warn("event not shown", error); }
  });
  socket.addEventListener("close", (closed) => {
    if (state.socket !== socket) return;
    setConnection("offline");
    if (closed.code === 4003) { signOut(); $("signin-error").textContent = "Your session ended: sign in again."; return; } // logged out elsewhere
    if (closed.code === 4008) showError("Too many Netra tabs are open: close some, this one reconnects in a while.");
    if (closed.code !== 1000 && state.tokens) scheduleReconnect(closed.code === 4008 ? 6 : 0);
  });
}

function scheduleReconnect(atLeast = 0) {
  if (!state.tokens) return;
  setConnection("offline");
  state.retry = Math.max(state.retry, atLeast);
  const delay = Math.min(30000, 500 * 2 ** state.retry++) * (0.5 + Math.random() / 2);
  setTimeout(connect, delay);
}

function onEvent(event) {
  if (event.event_id) localStorage.setItem(lastEventKey(), event.event_id);
  const box = event.run_id ? runBox(event.run_id) : null;
  if (TIMELINE[event.type] && event.type !== "answer_ready" && box) addTimeline(box, event.type, event.payload || {}, event.ts);
  if (event.type === "final_report" && box && !box.querySelector(".report")) {
    showReport(box, (event.payload && event.payload.report) || {});
    // The latest question was sent at the foot of the page, where it could not scroll to the
    // top: the answer would grow below the fold. Bring it into view (not an older run's answer).
    if (box === $("messages").lastElementChild) box.scrollIntoView({ block: "start", behavior: "smooth" });
  }
  if (event.type === "message_created" && event.thread_id === state.threadId) addMessage(event.payload.message);
  if (event.type === "thread_updated") {
    const p = event.payload || {};
    if (p.deleted) dropThread(p.thread_id || event.thread_id);
    else if (p.thread && p.thread.thread_id) upsertThread(p.thread);
    else loadThreads().catch(showError);
  }
}

// --- start --------------------------------------------------------------------------------

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  // The button says what pressing it does.
  $("theme").textContent = theme === "dark" ? "Light mode" : "Dark mode";
  localStorage.setItem("netra.theme", theme);
}

async function start() {
  $("signin").hidden = true; $("signout").hidden = false; $("connection").hidden = false; $("views").hidden = false;
  const view = viewFromUrl();
  for (const [name, id] of Object.entries(VIEWS)) $(id).hidden = name !== view;
  const who = claims();
  $("whoami").textContent = who.email || who.name || "";
  $("whoami").hidden = !$("whoami").textContent;
  updateComposer();
  connect();
  // The view starts with the thread list, not after it: a link clicked meanwhile stays clicked.
  const shown = showView(view).catch(viewError);
  try { await loadThreads(); } catch (error) { showError(error); }
  await shown;
}

function viewError(error) {
  const target = { dashboard: "dashboard-error", settings: "keys-error" }[state.view] || "error";
  $(target).textContent = error.message || String(error);
}

async function main() {
  const theme = localStorage.getItem("netra.theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  applyTheme(theme);
  $("theme").addEventListener("click", () => applyTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"));
  $("signout").addEventListener("click", signOut);
  $("devlogin").addEventListener("submit", devLogin);
  document.querySelectorAll("[data-provider]").forEach((b) => b.addEventListener("click", () => providerLogin(b.dataset.provider)));
  $("new-thread").addEventListener("click", newThread);
  $("composer").addEventListener("submit", (event) => { send(event).catch(showError); });
  // Enter sends; Shift+Enter adds a line (and Enter that confirms an IME composition does neither).
  $("message-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  window.addEventListener("unhandledrejection", (event) => { showError(event.reason || "Something went wrong"); });
  for (const link of document.querySelectorAll("#views a")) {
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return; // a new tab keeps its default
      event.preventDefault();
      go(link.dataset.view).catch(viewError);
    });
  }
  window.addEventListener("popstate", () => { if (state.tokens) showView(viewFromUrl()).catch(viewError); });
  const context = {
    api, analytics, analyticsUrl: null, showError: viewError, go: (view) => go(view).catch(viewError),
    claims, chat: (path, options) => api(path, options), auth: (path, options) => api(`${state.config.auth_url}${path}`, options),
    settings: () => api("/api/settings"),
    setParams: (params) => {
      state.dashboard = params;
      history.replaceState(null, "", viewUrl("dashboard", { days: String(params.days), by: params.by }));
    },
  };
  NetraDashboard.init(context);
  NetraSettings.init(context);
  state.config = await (await fetch("/config.json")).json();
  context.analyticsUrl = state.config.analytics_url || null;
  loadTokens();
  if (state.tokens) start(); else showSignIn();
}

main().catch((error) => { document.body.prepend(Object.assign(document.createElement("p"), { className: "error", textContent: `Netra could not start: ${error.message}` })); });
