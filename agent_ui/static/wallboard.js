// Supervisor wallboard: one row per queue of the supervisor's region, pushed live.
import { api, clock, connectLive, duration, el, strings } from "./live.js";

const T = strings();
const $ = (id) => document.getElementById(id);
const views = new Map();    // queue -> {view, at}
let now = () => Date.now() / 1000;

function say(text, bad = false) { $("wb-msg").textContent = text || ""; $("wb-msg").classList.toggle("bad", bad); }

function render() {
  const calls = [];
  const agents = new Map();
  for (const [queue, { view, at }] of views) {
    const row = document.getElementById(`q-${queue}`);
    if (!row) continue;
    const k = view.kpis;
    const age = now() - at;
    const set = (cls, v) => { row.querySelector(`.${cls}`).textContent = v; };
    set("waiting", k.waiting);
    set("longest", k.waiting ? duration(k.longest_wait + age) : "—");
    for (const s of ["ready", "on_call", "paused", "wrap_up"]) set(s, k.agents[s] || 0);
    set("offered", k.offered); set("answered", k.answered); set("abandoned", k.abandoned);
    set("sl", k.service_level === null ? "—" : `${k.service_level}%`);
    set("asa", k.asa === null ? "—" : duration(k.asa));
    set("aht", k.aht === null ? "—" : duration(k.aht));
    const alerts = [...view.alerts];
    if (k.waiting && k.longest_wait + age > view.thresholds.wait_alert_seconds && !alerts.includes("long_wait")) alerts.push("long_wait");
    row.querySelector(".alerts").replaceChildren(...alerts.map((a) => el("span", { class: "badge red" }, T[`wb.alert_${a}`] || a)));
    row.classList.toggle("alert", alerts.length > 0);
    for (const c of view.calls) calls.push({ ...c, queue, wait: c.wait + age, in_phase: c.in_phase + age });
    for (const a of view.agents) agents.set(a.extension, { ...a, in_state: a.in_state + age });
  }
  $("wb-calls").replaceChildren(...calls.sort((a, b) => b.wait - a.wait).map((c) => el("tr", { class: c.phase },
    el("td", {}, c.queue), el("td", {}, c.caller_name || "—"),
    el("td", {}, c.phase === "talking" ? `${T["state.on_call"]} ${c.extension || ""}` : T[`state.${c.phase}`] || c.phase || ""),
    el("td", {}, duration(c.phase === "talking" ? c.in_phase : c.wait)))));
  $("wb-agents").replaceChildren(...[...agents.values()].map(agentRow));
}

function agentRow(a) {
  const btn = (label, fn) => { const b = el("button", { type: "button" }, label); b.addEventListener("click", fn); return b; };
  const state = (T[`state.${a.state}`] || a.state || "") + (a.reason ? `（${a.reason}）` : "");
  return el("tr", { "data-ext": a.extension }, el("td", {}, a.extension), el("td", { class: `state ${a.state}` }, state),
    el("td", {}, duration(a.in_state)), el("td", {}, String(a.calls_today)),
    el("td", {}, ...(a.state === "on_call" ? ["listen", "whisper", "barge"].map((m) => btn(T[`wb.${m}`], () => spy(a.extension, m))) : []),
      btn(T["wb.force_pause"], () => force(a.extension, "pause")), btn(T["wb.force_logoff"], () => force(a.extension, "logoff"))));
}

async function spy(extension, mode) {
  try { await api("POST", "/wallboard/api/spy", { extension, mode }); say(""); } catch (e) { say(e.message, true); }
}

async function force(ext, action) {
  try { await api("POST", `/wallboard/api/agents/${ext}/${action}`, { reason: $("force-reason").value }); say(""); }
  catch (e) { say(e.message, true); }
}

async function loadTickets() {
  try {
    const t = await api("GET", "/wallboard/api/tickets");
    $("t-overdue").textContent = t.overdue;
    $("t-escalated").textContent = t.escalated;
  } catch (e) { say(e.message, true); }
}

function onSnapshot(rec) {
  now = clock(rec.now);
  if (rec.view) views.set(rec.room.slice(6), { view: rec.view, at: now() });
  render();
}

function onEvent(name, data) {
  if (name === "ticket.changed") { loadTickets(); return; }
  if (data.view) views.set(data.room.slice(6), { view: data.view, at: now() });
  render();
}

connectLive("/supervisor", { onSnapshot, onEvent, onStatus: (s) => { $("conn-status").className = `conn ${s}`; if (s === "live") loadTickets(); } });
setInterval(render, 1000);
// Deadlines pass without any event: the overdue count is re-read once a minute.
setInterval(loadTickets, 60000);
