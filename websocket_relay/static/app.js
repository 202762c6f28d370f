// Netra web chat: sign-in, threads, composer, a live timeline per run, reports.
// No build step: plain browser JavaScript talking to auth, chat and this relay.
"use strict";

const state = { config: null, tokens: null, threadId: null, socket: null, retry: 0, creating: null };
const $ = (id) => document.getElementById(id);
const TIMELINE = {
  agent_started: (p) => `${p.agent || "agent"} started`,
  agent_thinking: (p) => `${p.agent || "agent"}: ${p.message || "thinking…"}`,
  tool_executing: (p) => `running ${p.tool || "a tool"}…`,
  tool_completed: (p) => `${p.tool || "tool"} done`,
  agent_completed: (p) => `${p.agent || "agent"} done${p.message ? `: ${p.message}` : ""}`,
  agent_error: (p) => `error: ${p.message || p.code || "the run failed"}`,
};

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
  state.tokens = saved ? JSON.parse(saved) : null;
}

function saveTokens(tokens) {
  state.tokens = { access_token: tokens.access_token, refresh_token: tokens.refresh_token };
  sessionStorage.setItem("netra.tokens", JSON.stringify(state.tokens));
}

function userId() {
  try { return JSON.parse(atob(state.tokens.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sub; } catch { return "anon"; }
}

async function refresh() {
  const response = await fetch(`${state.config.auth_url}/auth/refresh`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: state.tokens.refresh_token }),
  });
  if (!response.ok) { signOut(); throw new Error("session ended"); }
  saveTokens(await response.json());
}

async function api(path, options = {}, retried = false) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${state.tokens.access_token}` };
  if (options.body) headers["Content-Type"] = "application/json";
  const response = await fetch(`${state.config.chat_url}${path}`, { ...options, headers });
  if (response.status === 401 && !retried) { await refresh(); return api(path, options, true); }
  if (response.status === 204) return null;
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

// --- sign-in ----------------------------------------------------------------------------

function showSignIn() {
  $("signin").hidden = false; $("workspace").hidden = true; $("signout").hidden = true;
  $("devlogin").hidden = !state.config.dev_login;
}

async function devLogin(event) {
  event.preventDefault();
  const response = await fetch(`${state.config.auth_url}/auth/dev/login`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: $("dev-email").value }),
  });
  const body = await response.json();
  if (!response.ok) { $("signin-error").textContent = body.error.message; return; }
  saveTokens(body);
  start();
}

function providerLogin(provider) {
  const back = `${location.origin}/`;
  location.assign(`${state.config.auth_url}/auth/login/${provider}?redirect_uri=${encodeURIComponent(back)}`);
}

function signOut() {
  if (state.tokens) fetch(`${state.config.auth_url}/auth/logout`, { method: "POST", headers: { Authorization: `Bearer ${state.tokens.access_token}` } }).catch(() => {});
  sessionStorage.removeItem("netra.tokens");
  state.tokens = null;
  if (state.socket) state.socket.close(1000);
  showSignIn();
}

// --- threads and messages ---------------------------------------------------------------

async function loadThreads() {
  const { threads } = await api("/api/threads?limit=100");
  const list = $("thread-list");
  list.replaceChildren(...threads.map((t) => {
    const item = document.createElement("li");
    item.dataset.threadId = t.thread_id;
    item.setAttribute("aria-current", String(t.thread_id === state.threadId));
    const open = button(t.title || "Untitled thread", () => openThread(t.thread_id), "open");
    const rename = button("Rename", () => renameThread(t), "small");
    rename.setAttribute("aria-label", `Rename ${t.title || "thread"}`);
    const remove = button("Delete", () => deleteThread(t), "small");
    remove.setAttribute("aria-label", `Delete ${t.title || "thread"}`);
    item.append(open, rename, remove);
    return item;
  }));
}

function button(text, onClick, cls) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.className = cls || ""; b.addEventListener("click", onClick);
  return b;
}

async function newThread() {
  // A message sent while the thread is being created waits for it instead of making another.
  state.creating = api("/api/threads", { method: "POST", body: "{}" }).then((thread) => openThread(thread.thread_id));
  try { await state.creating; } finally { state.creating = null; }
  $("message-text").focus();
}

async function renameThread(thread) {
  const title = prompt("New name", thread.title || "");
  if (title && title.trim()) { await api(`/api/threads/${thread.thread_id}`, { method: "PATCH", body: JSON.stringify({ title }) }); await loadThreads(); }
}

async function deleteThread(thread) {
  if (!confirm(`Delete “${thread.title || "this thread"}”?`)) return;
  await api(`/api/threads/${thread.thread_id}`, { method: "DELETE" });
  if (state.threadId === thread.thread_id) { state.threadId = null; $("messages").replaceChildren(); $("thread-title").textContent = "Pick or start a thread"; }
  await loadThreads();
}

async function openThread(threadId) {
  state.threadId = threadId;
  const [thread, { messages }] = await Promise.all([api(`/api/threads/${threadId}`), api(`/api/threads/${threadId}/messages?limit=200`)]);
  $("thread-title").textContent = thread.title || "New thread";
  $("messages").replaceChildren();
  for (const message of messages) {
    addMessage(message);
    if (message.run_id) api(`/api/runs/${message.run_id}`).then(showRunState).catch(() => {});
  }
  await loadThreads();
}

function addMessage(message) {
  if (document.querySelector(`[data-message-id="${message.message_id}"]`)) return;
  const item = document.createElement("li");
  item.className = "message"; item.dataset.messageId = message.message_id;
  if (message.run_id) item.dataset.runId = message.run_id;
  const text = document.createElement("p");
  text.className = "text"; text.textContent = message.text;
  const timeline = document.createElement("ol");
  timeline.className = "timeline"; timeline.setAttribute("aria-label", "Progress");
  item.append(text, timeline);
  $("messages").append(item);
}

function runBox(runId) {
  return document.querySelector(`.message[data-run-id="${runId}"]`);
}

function showReport(box, report) {
  box.append(NetraReport.render(report));
  box.classList.add("done");
}

function showRunState(run) {
  const box = runBox(run.run_id);
  if (!box) return;
  // A completed run's result is its final report.
  if (run.result && !box.querySelector(".report")) showReport(box, run.result);
  if (run.status === "failed" && !box.querySelector('[data-type="agent_error"]')) addTimeline(box, "agent_error", run.error || {});
}

function addTimeline(box, type, payload, ts = Date.now() / 1000) {
  // Pub/Sub may deliver a run's events out of order: place each by the time its agent
  // produced it, not by arrival.
  const entry = document.createElement("li");
  entry.dataset.type = type;
  entry.dataset.ts = String(ts);
  entry.textContent = TIMELINE[type](payload);
  const timeline = box.querySelector(".timeline");
  const later = [...timeline.children].find((other) => Number(other.dataset.ts) > ts);
  timeline.insertBefore(entry, later || null);
}

async function send(event) {
  event.preventDefault();
  const text = $("message-text").value.trim();
  if (!text) return;
  $("error").textContent = "";
  try {
    if (state.creating) await state.creating;
    if (!state.threadId) { const thread = await api("/api/threads", { method: "POST", body: "{}" }); state.threadId = thread.thread_id; }
    const key = crypto.randomUUID();
    const ids = await api(`/api/threads/${state.threadId}/messages`, { method: "POST", body: JSON.stringify({ text }), headers: { "Idempotency-Key": key } });
    addMessage({ message_id: ids.message_id, run_id: ids.run_id, text });
    $("message-text").value = "";
    $("thread-title").textContent = (await api(`/api/threads/${state.threadId}`)).title || "New thread";
    await loadThreads();
  } catch (error) {
    $("error").textContent = error.message;
  }
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
  const wsUrl = `${location.origin.replace(/^http/, "ws")}/ws?ticket=${encodeURIComponent(ticket)}`;
  const socket = new WebSocket(wsUrl);
  state.socket = socket;
  socket.addEventListener("open", () => {
    state.retry = 0;
    setConnection("live");
    const last = localStorage.getItem(lastEventKey());
    socket.send(JSON.stringify(last ? { type: "resume", last_event_id: last } : { type: "ping" }));
  });
  socket.addEventListener("message", (message) => onEvent(JSON.parse(message.data)));
  socket.addEventListener("close", (closed) => {
    if (state.socket !== socket) return;
    setConnection("offline");
    if (closed.code !== 1000 && state.tokens) scheduleReconnect();
  });
}

function scheduleReconnect() {
  setConnection("offline");
  const delay = Math.min(30000, 500 * 2 ** state.retry++) * (0.5 + Math.random() / 2);
  setTimeout(connect, delay);
}

function onEvent(event) {
  if (event.event_id) localStorage.setItem(lastEventKey(), event.event_id);
  const box = event.run_id ? runBox(event.run_id) : null;
  if (TIMELINE[event.type] && box) addTimeline(box, event.type, event.payload || {}, event.ts);
  if (event.type === "final_report" && box && !box.querySelector(".report")) showReport(box, event.payload.report || {});
  if (event.type === "message_created" && event.thread_id === state.threadId) addMessage(event.payload.message);
  if (event.type === "thread_updated") loadThreads().catch(() => {});
}

// --- start --------------------------------------------------------------------------------

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  $("theme").setAttribute("aria-pressed", String(theme === "dark"));
  localStorage.setItem("netra.theme", theme);
}

async function start() {
  $("signin").hidden = true; $("workspace").hidden = false; $("signout").hidden = false;
  try { await loadThreads(); } catch (error) { $("error").textContent = error.message; }
  connect();
}

async function main() {
  state.config = await (await fetch("/config.json")).json();
  const theme = localStorage.getItem("netra.theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  applyTheme(theme);
  $("theme").addEventListener("click", () => applyTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"));
  $("signout").addEventListener("click", signOut);
  $("devlogin").addEventListener("submit", devLogin);
  document.querySelectorAll("[data-provider]").forEach((b) => b.addEventListener("click", () => providerLogin(b.dataset.provider)));
  $("new-thread").addEventListener("click", () => newThread().catch((e) => { $("error").textContent = e.message; }));
  $("composer").addEventListener("submit", send);
  loadTokens();
  if (state.tokens) start(); else showSignIn();
}

main();
