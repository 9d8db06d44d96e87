// Live rooms over Socket.IO: snapshot first, then events in seq order; a gap, a new
// epoch or a reconnect means "fetch a fresh snapshot" — never guess what was missed.
export const EVENTS = ["call.offered", "call.ringing", "call.answered", "call.ended",
  "call.abandoned", "agent.state", "queue.snapshot", "ticket.changed"];

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

export function strings() {
  const el = document.getElementById("cc-strings");
  return el ? JSON.parse(el.textContent) : {};
}

export function connectLive(namespace, { onSnapshot, onEvent, onStatus }) {
  const rooms = new Map();          // room -> {seq, epoch}
  let syncing = true;
  let buffer = [];
  const socket = io(namespace, { auth: { csrf_token: csrfToken() } });

  function sync() {
    syncing = true;
    buffer = [];
    onStatus("syncing");
    socket.timeout(5000).emit("snapshot", null, (err, records) => {
      if (err || !Array.isArray(records)) { setTimeout(sync, 1000); return; }
      rooms.clear();
      for (const rec of records) {
        rooms.set(rec.room, { seq: rec.seq, epoch: rec.epoch });
        onSnapshot(rec);
      }
      const pending = buffer.sort((a, b) => a[1].seq - b[1].seq);
      syncing = false;
      buffer = [];
      onStatus("live");
      for (const [name, data] of pending) accept(name, data);
    });
  }

  function accept(name, data) {
    if (!data || !data.room || data.seq === undefined) { onEvent(name, data); return; }
    if (syncing) { buffer.push([name, data]); return; }
    const known = rooms.get(data.room);
    if (!known) { sync(); return; }
    if (data.epoch === known.epoch && data.seq <= known.seq) return;   // already in the snapshot
    if (data.epoch !== known.epoch || data.seq !== known.seq + 1) { sync(); return; }  // a gap
    known.seq = data.seq;
    onEvent(name, data);
  }

  socket.on("connect", sync);
  socket.on("disconnect", () => onStatus("offline"));
  socket.on("connect_error", (err) => onStatus("error", err && err.message));
  for (const name of EVENTS) socket.on(name, (data) => accept(name, data));
  return { socket, resync: sync };
}

export async function api(method, url, body) {
  const opts = { method, headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error((data.error && data.error.message) || res.statusText);
    err.code = data.error && data.error.code;
    throw err;
  }
  return data;
}

export function clock(serverNow) {
  // Seconds on the server's clock, whatever the browser's clock says.
  const offset = serverNow - Date.now() / 1000;
  return () => Date.now() / 1000 + offset;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return m ? `${m}:${String(s % 60).padStart(2, "0")}` : `${s}s`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}
