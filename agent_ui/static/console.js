// Agent console: state bar, screen-pop, call control, ticket form, work lists.
import { api, clock, connectLive, duration, el, strings } from "./live.js";

const T = strings();
const root = document.getElementById("console");
const EXT = root.dataset.extension;
const WRAPUP = Number(root.dataset.wrapup || 15);
const $ = (id) => document.getElementById(id);
let now = () => Date.now() / 1000;
let calls = {};          // linkedid -> call (this agent's room)
let agent = null;        // {state, reason, since}
let current = null;      // linkedid shown in the pop
let ended = false;

function say(id, text, bad = false) {
  const p = $(id);
  p.textContent = text || "";
  p.classList.toggle("bad", bad);
}

// -- state bar ---------------------------------------------------------------------
function renderState() {
  const s = agent ? agent.state : "offline";
  const badge = $("state-badge");
  badge.className = `state ${s}`;
  badge.textContent = (T[`state.${s}`] || s) + (s === "paused" && agent.reason ? `（${agent.reason}）` : "");
  let detail = "";
  if (s === "wrap_up") detail = duration(Math.max(0, WRAPUP - (now() - agent.since)));
  else if (agent) detail = duration(now() - agent.since);
  $("state-detail").textContent = detail;
}

async function setState(state, reason) {
  try {
    await api("POST", "/console/api/state", { state, reason });
    say("console-msg", "");
  } catch (e) { say("console-msg", e.message, true); }
}

// -- the call and its pop ----------------------------------------------------------
function liveCall() {
  const list = Object.values(calls);
  return list.find((c) => c.phase === "talking") || list.find((c) => c.phase === "ringing") || null;
}

function renderCall() {
  const call = liveCall();
  if (call && call.linkedid !== current) loadPop(call);
  if (!call && current) ended = true;
  const title = !current ? T["console.waiting_call"] : ended ? T["console.ended"]
    : calls[current] && calls[current].phase === "talking" ? T["console.active"] : T["console.incoming"];
  $("call-title").textContent = title;
  $("call-panel").className = `card call ${!current ? "" : ended ? "ended" : calls[current].phase}`;
  const answer = $("btn-answer");
  if (answer) answer.disabled = !(current && !ended && calls[current].phase === "ringing");
  $("btn-hangup").disabled = !current || ended;
  $("btn-transfer").disabled = !current || ended;
  tickTimers();
}

function tickTimers() {
  const call = current && !ended ? calls[current] : null;
  $("talk-timer").textContent = call && call.phase === "talking" ? duration(now() - call.phase_since) : "—";
  if (call && call.phase !== "talking") $("pop-wait").textContent = duration(now() - (call.queued_at || call.since));
}

async function loadPop(call) {
  current = call.linkedid;
  ended = false;
  $("pop").hidden = false;
  $("pop-number").textContent = call.caller_number || "";
  $("pop-name").textContent = call.caller_name || "";
  $("pop-queue").textContent = call.queue || "";
  $("pop-ivr").textContent = (call.ivr_vars && call.ivr_vars.CC_IVR_PATH) || "";
  $("pop-residents").replaceChildren();
  try {
    const pop = await api("GET", `/console/api/pop/${encodeURIComponent(call.linkedid)}`);
    if (pop.linkedid !== current) return;
    renderPop(pop);
    prefill(pop);
  } catch (e) { say("console-msg", e.message, true); }
}

function renderPop(pop) {
  $("pop-number").textContent = pop.caller_number;
  $("pop-ivr").textContent = [pop.ivr.label, pop.ivr.path && `(${pop.ivr.path})`].filter(Boolean).join(" ");
  $("pop-queue").textContent = pop.queue.label;
  const list = $("pop-residents");
  list.replaceChildren();
  if (!pop.residents.length) list.append(el("li", { class: "muted" }, T["console.unknown_caller"]));
  for (const r of pop.residents) {
    const tags = r.tags.map((t) => el("span", { class: t.alert ? "tag alert" : "tag" }, t.tag));
    const tickets = el("ul", { class: "last-tickets" }, ...r.last_tickets.map((t) =>
      el("li", {}, `${t.number} · ${t.category || ""} · `, el("span", { class: `st ${t.status}` }, t.status))));
    list.append(el("li", { class: "resident", "data-id": r.id },
      el("b", {}, r.name), " ", ...tags, el("div", { class: "muted" }, `${r.address} · ${r.grid} · ${r.phone_masked}`),
      el("div", {}, T["console.last_tickets"]), tickets));
  }
  const sel = $("t-resident");
  sel.replaceChildren(el("option", { value: "" }, T["console.none"]),
    ...pop.residents.map((r) => el("option", { value: r.id }, `${r.name} · ${r.address}`)));
}

function prefill(pop) {
  const p = pop.prefill;
  $("t-phone").value = p.caller_phone || "";
  $("t-type").value = p.type;
  $("t-resident").value = p.resident_id || "";
  $("t-address").value = p.address || "";
  if (p.region_id) $("t-region").value = p.region_id;
  $("ticket-form").dataset.linkedid = p.call_linkedid || "";
  $("ticket-form").dataset.priority = p.priority;
  refreshHints();
}

async function callAction(action, extra = {}) {
  try {
    await api("POST", `/console/api/call/${action}`, { linkedid: current, ...extra });
    say("console-msg", "");
  } catch (e) { say("console-msg", e.message, true); }
}

// -- ticket form -------------------------------------------------------------------
function formBody(action) {
  const v = (id) => $(id).value.trim();
  const num = (id) => (v(id) ? Number(v(id)) : null);
  const body = { action, type: v("t-type"), description: v("t-description"), region_id: num("t-region"),
    category_id: num("t-category"), resident_id: num("t-resident"), address: v("t-address"),
    priority: $("ticket-form").dataset.priority || "normal" };
  if (v("t-phone")) body.caller_phone = v("t-phone");
  if ($("ticket-form").dataset.linkedid) body.call_linkedid = $("ticket-form").dataset.linkedid;
  if (action === "resolve") body.result = v("t-result");
  if (action === "dispatch") {
    const pick = document.querySelector('input[name="target"]:checked');
    body.target = pick ? { kind: pick.dataset.kind, id: Number(pick.value) } : null;
  }
  return body;
}

async function fileTicket(action) {
  try {
    const t = await api("POST", "/console/api/tickets", formBody(action));
    say("ticket-msg", (T["console.filed"] || "{number}").replace("{number}", t.number));
    $("ticket-form").reset();
    delete $("ticket-form").dataset.linkedid;
    loadWorklists();
  } catch (e) { say("ticket-msg", e.message, true); }
}

let hintTimer = null;
function refreshHints() {
  clearTimeout(hintTimer);
  hintTimer = setTimeout(async () => {
    const q = new URLSearchParams({ resident_id: $("t-resident").value, phone: $("t-phone").value,
      category_id: $("t-category").value, address: $("t-address").value });
    try {
      const dup = await api("GET", `/console/api/duplicates?${q}`);
      $("duplicates").replaceChildren(...dup.items.map((d) => el("li", {}, `${d.number} · ${d.category} · ${d.status} · ${d.address}`)));
      if ($("t-region").value) {
        const s = await api("GET", `/console/api/suggest?${new URLSearchParams({ region_id: $("t-region").value,
          category_id: $("t-category").value, type: $("t-type").value })}`);
        $("suggestions").replaceChildren(...s.items.map((x, i) => el("li", {},
          el("label", {}, el("input", { type: "radio", name: "target", value: x.id, checked: i === 0, "data-kind": x.kind }),
            ` ${x.name} `, el("small", { class: "muted" }, x.reason)))));
      }
    } catch (e) { say("ticket-msg", e.message, true); }
  }, 250);
}

let catalogTimer = null;
function searchCatalog() {
  clearTimeout(catalogTimer);
  catalogTimer = setTimeout(async () => {
    const q = $("catalog-q").value.trim();
    if (!q) { $("catalog-results").replaceChildren(); return; }
    const res = await api("GET", `/console/api/catalog?q=${encodeURIComponent(q)}`);
    $("catalog-results").replaceChildren(...res.items.map((h) => {
      const b = el("button", { type: "button", class: "link" }, `${h.name}`);
      b.addEventListener("click", () => { if (h.category_id) $("t-category").value = h.category_id; refreshHints(); });
      return el("li", {}, b, el("small", { class: "muted" }, ` ${h.category} · ${h.summary || ""}`));
    }));
  }, 200);
}

async function newResident() {
  try {
    const r = await api("POST", "/console/api/residents", { name: $("nr-name").value, address: $("nr-address").value,
      phone: $("t-phone").value, region_id: $("t-region").value ? Number($("t-region").value) : null });
    $("t-resident").append(el("option", { value: r.id }, `${r.name} · ${r.address}`));
    $("t-resident").value = r.id;
    $("t-address").value = r.address;
    $("new-resident").open = false;
  } catch (e) { say("ticket-msg", e.message, true); }
}

// -- work lists --------------------------------------------------------------------
async function loadWorklists() {
  let wl;
  try { wl = await api("GET", "/console/api/worklists"); } catch (e) { return; }
  $("wl-mine").replaceChildren(...wl.mine.map((t) => el("li", {}, `${t.number} · ${t.category} · ${t.status}`)));
  $("wl-revisits").replaceChildren(...wl.revisits.map((t) => {
    const dial = el("button", { type: "button" }, T["wl.call_back"]);
    dial.addEventListener("click", () => callAction("dial", { ticket: t.number }));
    const score = el("select", {}, ...[5, 4, 3, 2, 1].map((n) => el("option", { value: n }, String(n))));
    const save = el("button", { type: "button" }, T["wl.save_score"]);
    save.addEventListener("click", async () => {
      try { await api("POST", `/console/api/revisit/${t.number}`, { score: Number(score.value) }); loadWorklists(); }
      catch (e) { say("console-msg", e.message, true); }
    });
    return el("li", {}, `${t.number} · ${t.resident} ${t.phone_masked} `, dial, score, save);
  }));
  $("wl-missed").replaceChildren(...wl.missed.map((c) => {
    const dial = el("button", { type: "button" }, T["wl.call_back"]);
    dial.addEventListener("click", () => callAction("dial", { call_id: c.id }));
    return el("li", {}, el("input", { type: "checkbox", value: c.id, class: "missed" }),
      ` ${c.caller_masked} · ${c.queue} · ${c.started_at.slice(11, 16)} `, dial);
  }));
}

async function markHandled() {
  const ids = [...document.querySelectorAll("input.missed:checked")].map((i) => Number(i.value));
  if (!ids.length) return;
  try { await api("POST", "/console/api/missed/handled", { ids }); loadWorklists(); }
  catch (e) { say("console-msg", e.message, true); }
}

// -- live --------------------------------------------------------------------------
let joinedOnOpen = false;
function onSnapshot(rec) {
  now = clock(rec.now);
  calls = rec.state.calls;
  agent = rec.state.agents[EXT] || null;
  if (current && !calls[current]) ended = true;   // closed while we were away: never show it live
  renderState();
  renderCall();
  // Logging in at this desk means taking calls: join the queues once, as the PBX has us offline.
  if (!joinedOnOpen && (!agent || agent.state === "offline")) { joinedOnOpen = true; setState("login"); }
}

function onEvent(name, data) {
  if (name === "agent.state") {
    agent = { state: data.state, reason: data.reason, since: now() };
    if (data.state !== "ringing" && data.state !== "on_call") {
      for (const [lid, c] of Object.entries(calls)) if (c.phase !== "talking") delete calls[lid];
    }
    renderState();
  } else if (name === "call.ringing" && data.extension === EXT) {
    calls[data.linkedid] = { ...(calls[data.linkedid] || { since: now() }), ...data, phase: "ringing" };
  } else if (name === "call.answered") {
    if (data.extension === EXT) calls[data.linkedid] = { ...calls[data.linkedid], ...data, phase: "talking", phase_since: now() };
    else delete calls[data.linkedid];
  } else if (name === "call.ended" || name === "call.abandoned") {
    delete calls[data.linkedid];
    loadWorklists();
  }
  renderCall();
}

function onStatus(status) { $("conn-status").className = `conn ${status}`; }

const keys = { a: () => callAction("answer"), h: () => callAction("hangup"),
  t: () => $("transfer-target").focus(), r: () => setState("ready"),
  p: () => setState("paused", $("pause-reason").value), l: () => setState("login"),
  k: () => $("catalog-q").focus(), s: () => fileTicket("save"), e: () => fileTicket("resolve"),
  d: () => fileTicket("dispatch") };
document.addEventListener("keydown", (ev) => {
  const fn = ev.altKey && !ev.ctrlKey && keys[ev.key.toLowerCase()];
  if (fn) { ev.preventDefault(); fn(); }
});

const on = (id, fn) => $(id) && $(id).addEventListener("click", fn);
on("btn-login", () => setState("login"));
on("btn-ready", () => setState("ready"));
on("btn-pause", () => setState("paused", $("pause-reason").value));
on("btn-logoff", () => setState("logoff"));
on("btn-answer", () => callAction("answer"));
on("btn-hangup", () => callAction("hangup"));
on("btn-transfer", () => callAction("transfer", { target: $("transfer-target").value }));
on("btn-dial", () => callAction("dial", { number: $("dial-number").value }));
on("btn-save", () => fileTicket("save"));
on("btn-resolve", () => fileTicket("resolve"));
on("btn-dispatch", () => fileTicket("dispatch"));
on("btn-new-resident", newResident);
on("btn-missed-handled", markHandled);
$("catalog-q").addEventListener("input", searchCatalog);
for (const id of ["t-category", "t-region", "t-resident", "t-type", "t-address"]) $(id).addEventListener("change", refreshHints);
setInterval(() => { renderState(); tickTimers(); }, 1000);
loadWorklists();
if (EXT) connectLive("/agent", { onSnapshot, onEvent, onStatus });
