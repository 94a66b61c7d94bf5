// The Uvian Worker dashboard: one page, views by the URL's hash, everything through the worker's
// own HTTP API (the same routes as any client) and live updates from its /events stream.
// No framework and no build step; the DOM is built with textContent only, never from HTML strings.
"use strict";

const state = { session: null, events: null, view: null, listeners: new Set(), taskTypes: [] };

// ---------------------------------------------------------------------------------------------
// Helpers

/** An element: `el("td", {class: "mono"}, "text", child, …)`; attributes set, children appended as text or nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function cookie(name) {
  const found = document.cookie.split(";").map((c) => c.trim()).find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
}

class APIError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error && body.error.code;
  }
}

/** Calls the API as the dashboard: its header, the CSRF token of its session, JSON both ways. */
async function api(method, path, body) {
  const headers = { "X-Uvian-Dashboard": "1" };
  const csrf = cookie("uvw_csrf");
  if (csrf) headers["X-Uvian-CSRF"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.status === 401) { showLogin(); throw new APIError(401, data); }
  if (!response.ok) throw new APIError(response.status, data);
  return data;
}

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  const ago = Math.abs(seconds) < 60 ? `${Math.abs(seconds)} s` : Math.abs(seconds) < 3600 ? `${Math.round(Math.abs(seconds) / 60)} min`
    : Math.abs(seconds) < 86400 ? `${Math.round(Math.abs(seconds) / 3600)} h` : `${Math.round(Math.abs(seconds) / 86400)} d`;
  return el("time", { datetime: iso, title: date.toLocaleString() }, seconds >= 0 ? `${ago} ago` : `in ${ago}`);
}

const badge = (text) => el("span", { class: `badge ${text}` }, text);
const json = (value) => el("pre", { class: "mono" }, JSON.stringify(value, null, 2));
const readOnly = () => state.session && state.session.read_only;

/** Says what an action came to; kept for a few seconds, so the view's re-render after it shows it too. */
function notice(message, isError = false) {
  state.flash = { message, isError, until: Date.now() + 6000 };
  showFlash();
}

function showFlash() {
  const box = document.getElementById("notice");
  if (!box || !state.flash || state.flash.until < Date.now()) return;
  const { message, isError } = state.flash;
  box.replaceChildren(el("p", { class: isError ? "notice error" : "notice", role: isError ? "alert" : "status" }, message));
}

/** Runs an action button's call, showing what came of it; re-renders the view after. */
async function act(label, call) {
  try {
    await call();
    notice(`${label}: done`);
  } catch (error) {
    notice(`${label}: ${error.message}`, true);
  }
  render();
}

function button(label, onclick, kind = "") {
  return el("button", { type: "button", class: kind, onclick, hidden: readOnly() }, label);
}

// ---------------------------------------------------------------------------------------------
// Live updates: one EventSource; views listen while they are shown.

function connectEvents() {
  if (state.events) state.events.close();
  const source = new EventSource("/events");
  state.events = source;
  const live = document.getElementById("live");
  source.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  source.onerror = () => { live.textContent = "reconnecting"; live.classList.remove("on"); };
  for (const type of ["task.pending", "task.processing", "task.progress", "task.completed", "task.failed", "task.cancelled",
                      "task.retrying", "task.removed"]) {
    source.addEventListener(type, (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      for (const listener of state.listeners) listener(type, event);
    });
  }
}

function listen(listener) { state.listeners.add(listener); }

// ---------------------------------------------------------------------------------------------
// Views

async function overview(view) {
  const [queue, hour, day, workers] = await Promise.all([api("GET", "/queue"), api("GET", "/stats?window=hour"),
    api("GET", "/stats?window=day"), api("GET", "/workers").catch(() => ({ workers: [] }))]);
  const cards = el("div", { class: "cards" },
    Object.entries(queue.jobs).sort().map(([name, n]) => el("div", { class: "card" }, el("div", { class: "n" }, n), el("div", { class: "k" }, name))),
    el("div", { class: "card" }, el("div", { class: "n" }, queue.paused ? "paused" : "running"), el("div", { class: "k" }, "queue")),
    el("div", { class: "card" }, el("div", { class: "n" }, queue.oldest_waiting ? `${Math.round(queue.oldest_waiting.age_seconds)} s` : "—"),
      el("div", { class: "k" }, "oldest waiting")));
  const types = el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Task type"), ...["pending", "processing", "completed", "failed", "cancelled"].map((s) => el("th", {}, s)))),
    el("tbody", {}, Object.entries(queue.task_types).sort().map(([type, counts]) =>
      el("tr", {}, el("td", {}, el("a", { href: `#/tasks?task_type=${encodeURIComponent(type)}` }, type)),
        ...["pending", "processing", "completed", "failed", "cancelled"].map((s) => el("td", {}, counts[s] || 0))))));
  view.replaceChildren(
    el("h1", {}, "Overview"), el("div", { id: "notice" }),
    cards,
    el("div", { class: "actions" },
      queue.paused ? button("Resume the queue", () => act("Resume", () => api("POST", "/queue/resume")), "primary")
                   : button("Pause the queue", () => act("Pause", () => api("POST", "/queue/pause")))),
    el("div", { class: "grid2" }, chartPanel("Last hour (per minute)", hour), chartPanel("Last day (per hour)", day)),
    el("h2", {}, "Task types"), el("div", { class: "panel" }, types),
    el("h2", {}, "Workers"), el("div", { class: "panel" }, workersTable(workers.workers)));
  let pending = false;
  listen((type) => {
    if (pending || !["task.completed", "task.failed", "task.pending"].includes(type)) return;
    pending = true;
    setTimeout(() => { if (state.view === "overview") render(); }, 2000);
  });
}

function chartPanel(title, stats) {
  const total = stats.completed + stats.failed;
  const rate = total ? `${(100 * stats.failed / total).toFixed(1)} % failed` : "no tasks finished";
  const width = 600, height = 140, max = Math.max(1, ...stats.buckets.map((b) => b.completed + b.failed));
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title}: ${stats.completed} completed, ${stats.failed} failed` });
  const step = width / stats.buckets.length;
  stats.buckets.forEach((bucket, index) => {
    const ok = (bucket.completed / max) * (height - 20), bad = (bucket.failed / max) * (height - 20);
    const x = index * step + 1, w = Math.max(1, step - 2);
    if (ok) chart.append(svg("rect", { class: "completed", x, y: height - 14 - ok, width: w, height: ok }));
    if (bad) chart.append(svg("rect", { class: "failed", x, y: height - 14 - ok - bad, width: w, height: bad }));
  });
  chart.append(svg("line", { class: "axis", x1: 0, y1: height - 14, x2: width, y2: height - 14 }));
  const label = svg("text", { x: 2, y: height - 2 });
  label.textContent = `max ${max} per ${stats.bucket_seconds === 60 ? "minute" : "hour"}`;
  chart.append(label);
  return el("div", { class: "panel" }, el("h2", {}, title), chart,
    el("p", { class: "legend" }, el("span", { class: "c" }, `■ ${stats.completed} completed`), " ", el("span", { class: "f" }, `■ ${stats.failed} failed`), ` · ${rate}`));
}

function workersTable(workers) {
  if (!workers.length) return el("p", { class: "muted" }, "No heartbeat from any worker yet.");
  return el("table", {}, el("thead", {}, el("tr", {}, ["Worker", "Host", "Running", "Slots", "Draining", "Version", "Started", "Heartbeat"]
      .map((h, i) => el("th", { class: i > 4 ? "optional" : null }, h)))),
    el("tbody", {}, workers.map((w) => el("tr", {}, el("td", { class: "mono" }, w.worker_id), el("td", {}, `${w.host} (pid ${w.pid})`),
      el("td", {}, w.running), el("td", {}, w.slots), el("td", {}, w.draining ? "yes" : "no"), el("td", { class: "optional" }, w.version),
      el("td", { class: "optional" }, when(w.started_at)), el("td", { class: "optional" }, when(w.last_heartbeat))))));
}

async function tasks(view, params) {
  const filters = new URLSearchParams(params);
  const plugins = await api("GET", "/plugins");
  state.taskTypes = plugins.plugins.flatMap((p) => p.task_types.map((t) => t.name)).sort();
  const query = new URLSearchParams();
  for (const name of ["q", "status", "task_type"]) if (filters.get(name)) query.set(name, filters.get(name));
  query.set("limit", "50");
  const page = await api("GET", `/tasks?${query}`);
  const body = el("tbody", { id: "task-rows" }, page.tasks.map(taskRow));
  let cursor = page.next_cursor;
  const more = el("button", { type: "button", hidden: !cursor, onclick: async () => {
    const next = new URLSearchParams(query); next.set("cursor", cursor);
    const nextPage = await api("GET", `/tasks?${next}`);
    body.append(...nextPage.tasks.map(taskRow));
    cursor = nextPage.next_cursor; more.hidden = !cursor;
  } }, "Load more");

  const search = el("form", { class: "inline", role: "search", onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(e.target), next = new URLSearchParams();
    for (const [name, value] of data) if (value) next.set(name, value);
    location.hash = `#/tasks?${next}`;
  } },
    el("label", {}, "Search", el("input", { name: "q", type: "search", value: filters.get("q") || "", placeholder: "words in parameters, results, errors" })),
    el("label", {}, "Status", el("select", { name: "status" }, el("option", { value: "" }, "any"),
      ["pending", "processing", "completed", "failed", "cancelled"].map((s) => el("option", { value: s, selected: filters.get("status") === s }, s)))),
    el("label", {}, "Task type", el("select", { name: "task_type" }, el("option", { value: "" }, "any"),
      state.taskTypes.map((t) => el("option", { value: t, selected: filters.get("task_type") === t }, t)))),
    el("button", { type: "submit", class: "primary" }, "Search"));

  const submitForm = el("form", { id: "submit-form", hidden: readOnly(), onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    let parameters;
    try { parameters = JSON.parse(data.get("parameters") || "{}"); } catch (error) { return notice(`Parameters: ${error.message}`, true); }
    try {
      const answer = await api("POST", "/execute", { task_type: data.get("task_type"), parameters });
      notice(`Task ${answer.task_id} submitted`);
    } catch (error) { notice(`Submit: ${error.message}`, true); }
  } },
    el("h2", {}, "Submit a task"),
    el("div", { class: "inline" }, el("label", { for: "submit-type" }, "Task type "),
      el("select", { id: "submit-type", name: "task_type" }, state.taskTypes.map((t) => el("option", { value: t }, t)))),
    el("label", { for: "submit-parameters" }, "Parameters (JSON)"),
    el("textarea", { id: "submit-parameters", name: "parameters" }, "{}"),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, "Submit")));

  view.replaceChildren(el("h1", {}, "Tasks"), el("div", { id: "notice" }), search,
    el("p", { class: "muted" }, `${page.total} task${page.total === 1 ? "" : "s"}`),
    el("div", { class: "panel" }, el("table", {}, el("thead", {}, el("tr", {},
      el("th", {}, "Task"), el("th", {}, "Type"), el("th", {}, "Status"), el("th", { class: "optional" }, "Attempts"), el("th", { class: "optional" }, "Created"))), body)),
    more, el("div", { class: "panel" }, submitForm));

  // Live: a new task that the filters let through comes in on top; a known one changes in place.
  listen((type, event) => {
    const row = document.querySelector(`tr[data-task="${CSS.escape(event.task_id)}"]`);
    const status = type.slice("task.".length);
    if (row) {
      if (type === "task.removed") return row.remove();
      if (["pending", "processing", "completed", "failed", "cancelled"].includes(status)) row.querySelector(".status").replaceChildren(badge(status));
    } else if (type === "task.pending" && !filters.get("q") && !["processing", "completed", "failed", "cancelled"].includes(filters.get("status"))
               && (!filters.get("task_type") || filters.get("task_type") === event.task_type)) {
      body.prepend(taskRow({ task_id: event.task_id, task_type: event.task_type, status: "pending", attempts: 0, created_at: event.timestamp }));
    }
  });
}

function taskRow(task) {
  return el("tr", { "data-task": task.task_id },
    el("td", { class: "mono" }, el("a", { href: `#/task/${encodeURIComponent(task.task_id)}` }, task.task_id)),
    el("td", {}, task.task_type), el("td", { class: "status" }, badge(task.status)),
    el("td", { class: "optional" }, task.attempts), el("td", { class: "optional" }, when(task.created_at)));
}

async function taskDetail(view, id) {
  const [task, logs] = await Promise.all([api("GET", `/task/${encodeURIComponent(id)}`), api("GET", `/task/${encodeURIComponent(id)}/logs`)]);
  const path = `/task/${encodeURIComponent(id)}`;
  const finished = ["completed", "failed", "cancelled"].includes(task.status);
  const actions = el("div", { class: "actions" },
    ["failed", "cancelled"].includes(task.status) && button("Retry", () => act("Retry", () => api("POST", `${path}/retry`)), "primary"),
    task.status === "completed" && button("Run again", () => act("Run again", () => api("POST", `${path}/retry?force=true`))),
    task.status === "pending" && task.run_at && button("Run now", () => act("Promote", () => api("POST", `${path}/promote`))),
    !finished && button("Cancel", () => act("Cancel", () => api("DELETE", path)), "danger"),
    finished && button("Remove", () => act("Remove", async () => { await api("DELETE", `${path}?purge=true`); location.hash = "#/tasks"; }), "danger"));
  const events = el("ul", { id: "task-events", class: "mono" });
  const fields = el("dl", { class: "fields" },
    ...[["Status", badge(task.status)], ["Task type", task.task_type], ["Attempts", `${task.attempts} of ${task.options.attempts}`],
        ["Progress", el("progress", { max: 1, value: task.progress || 0 }, `${Math.round((task.progress || 0) * 100)} %`)],
        ["Worker", task.worker_id || "—"], ["Created", when(task.created_at)], ["Started", when(task.started_at)],
        ["Finished", when(task.finished_at)], ["Runs at", task.run_at ? when(task.run_at) : "—"],
        ["Parent", task.parent_id ? el("a", { href: `#/task/${encodeURIComponent(task.parent_id)}` }, task.parent_id) : "—"]]
      .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  view.replaceChildren(
    el("h1", {}, "Task ", el("span", { class: "mono" }, task.task_id)), el("div", { id: "notice" }), actions,
    el("div", { class: "panel" }, fields),
    el("div", { class: "grid2" },
      el("div", { class: "panel" }, el("h2", {}, "Parameters"), json(task.parameters)),
      el("div", { class: "panel" }, el("h2", {}, task.error ? "Error" : "Result"), task.error ? el("pre", { class: "error" }, task.error) : json(task.result))),
    el("div", { class: "panel" }, el("h2", {}, "Options"), json(task.options)),
    task.children && task.children.length ? el("div", { class: "panel" }, el("h2", {}, "Children"), el("ul", {}, task.children.map((c) =>
      el("li", {}, el("a", { href: `#/task/${encodeURIComponent(c.task_id)}`, class: "mono" }, c.task_id), " ", c.task_type, " ", badge(c.status))))) : null,
    el("div", { class: "panel" }, el("h2", {}, `Logs (${logs.total})`), logs.logs.length
      ? el("pre", { id: "task-logs" }, logs.logs.map((l) => `${l.at} ${l.level.padEnd(7)} ${l.message}`).join("\n"))
      : el("p", { class: "muted" }, "Nothing logged.")),
    el("div", { class: "panel" }, el("h2", {}, "Webhooks"), (task.webhooks || []).length
      ? el("table", {}, el("tbody", {}, task.webhooks.map((w) => el("tr", {}, el("td", { class: "mono" }, w.url), el("td", {}, badge(w.state)),
          el("td", {}, `${w.attempts} tr${w.attempts === 1 ? "y" : "ies"}`), el("td", {}, w.last_error || (w.last_status ? `HTTP ${w.last_status}` : ""))))))
      : el("p", { class: "muted" }, "No webhook for this task.")),
    el("div", { class: "panel" }, el("h2", {}, "Live events"), events));
  listen((type, event) => {
    if (event.task_id !== id) return;
    events.append(el("li", {}, `${event.timestamp || ""} ${type} ${event.data ? JSON.stringify(event.data) : ""}`));
    if (type === "task.progress" && event.data) view.querySelector("progress").value = event.data.progress;
    if (["task.completed", "task.failed", "task.cancelled", "task.processing", "task.pending"].includes(type)) {
      setTimeout(() => { if (state.view === "task" && location.hash.endsWith(encodeURIComponent(id))) render(); }, 300);
    }
  });
}

async function plugins(view) {
  const data = await api("GET", "/plugins");
  view.replaceChildren(el("h1", {}, "Plugins"), el("div", { id: "notice" }),
    ...data.plugins.map((p) => el("div", { class: "panel" },
      el("h2", {}, p.name, " ", badge(p.state), " ", p.version ? el("span", { class: "muted" }, `v${p.version}`) : null),
      p.error ? el("p", { class: "error" }, p.error) : null,
      p.state === "loaded" ? el("dl", { class: "fields" }, ...[["Generation", p.generation], ["In flight", p.in_flight],
          ["Isolation", p.isolation], ["Processes", p.processes ? `${p.processes.pids.length} live, ${p.processes.busy} busy, ${p.processes.died} died` : "in the worker"],
          ["Runtime", p.runtime], ["SHA-256", el("span", { class: "mono" }, p.sha256)], ["File", el("span", { class: "mono" }, p.file)],
          ["Last reload error", p.last_reload_error || "—"]].flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])) : null,
      p.task_types.length ? el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Task type"), el("th", { class: "optional" }, "Description"), el("th", {}, "Schema"))),
        el("tbody", {}, p.task_types.map((t) => el("tr", {}, el("td", {}, t.name), el("td", { class: "optional" }, t.description || ""),
          el("td", {}, t.params_schema ? el("details", {}, el("summary", {}, "schema"), json(t.params_schema)) : "—"))))) : null,
      el("div", { class: "actions" }, button("Reload", () => act(`Reload ${p.name}`, () => api("POST", `/plugins/${encodeURIComponent(p.name)}/reload`)))))));
}

async function schedules(view) {
  const data = await api("GET", "/schedules");
  view.replaceChildren(el("h1", {}, "Schedules"), el("div", { id: "notice" }),
    data.schedules.length ? el("div", { class: "panel" }, el("table", {},
      el("thead", {}, el("tr", {}, ["Schedule", "Task type", "When", "Next runs", "Runs", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, data.schedules.map((s) => el("tr", {},
        el("td", { class: "mono" }, s.id), el("td", {}, s.task_type),
        el("td", { class: "mono" }, s.cron ? `${s.cron} (${s.tz || "UTC"})` : `every ${s.every} ms`),
        el("td", {}, el("ul", {}, (s.upcoming_runs || []).slice(0, 3).map((r) => el("li", {}, when(r))))),
        el("td", {}, s.iteration_count),
        el("td", {}, el("div", { class: "actions" },
          button("Run now", () => act(`Trigger ${s.id}`, () => api("POST", `/schedules/${encodeURIComponent(s.id)}/trigger`))),
          button("Remove", () => act(`Remove ${s.id}`, () => api("DELETE", `/schedules/${encodeURIComponent(s.id)}`)), "danger"))))))))
      : el("p", { class: "muted" }, "No schedule. Add one with PUT /schedules/{id} or `uvian-worker schedules apply`."));
}

async function workers(view) {
  const data = await api("GET", "/workers").catch(() => ({ workers: [] }));
  view.replaceChildren(el("h1", {}, "Workers"), el("div", { class: "panel" }, workersTable(data.workers)));
}

const views = { overview, tasks, task: taskDetail, plugins, schedules, workers };

// ---------------------------------------------------------------------------------------------
// Routing, login

async function render() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = (path || "overview").split("/");
  const view = views[name] ? name : "overview";
  state.view = view;
  state.listeners.clear();
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === (view === "task" ? "tasks" : view)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const main = document.getElementById("view");
  try {
    await views[view](main, view === "task" ? decodeURIComponent(rest.join("/")) : query || "");
    showFlash();
  } catch (error) {
    if (error.status === 401) return;
    main.replaceChildren(el("h1", {}, "Something went wrong"), el("p", { class: "error", role: "alert" }, error.message));
  }
}

function showLogin() {
  document.getElementById("view").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("api-key").focus();
}

async function start() {
  state.session = await (await fetch("/session", { credentials: "same-origin" })).json();
  const about = document.getElementById("about");
  about.textContent = `Uvian Worker ${state.session.version} · worker ${state.session.worker_id} · queue ${state.session.queue} on ${state.session.backend}, store ${state.session.store}`
    + (state.session.read_only ? " · read-only" : "");
  document.getElementById("logout").hidden = !state.session.auth_required || !state.session.authenticated;
  if (state.session.auth_required && !state.session.authenticated) return showLogin();
  document.getElementById("login").hidden = true;
  document.getElementById("view").hidden = false;
  connectEvents();
  await render();
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = document.getElementById("api-key").value;
    const response = await fetch("/session", { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ api_key: key }) });
    if (!response.ok) {
      document.getElementById("login-error").textContent = "That key is not this worker's.";
      return;
    }
    document.getElementById("api-key").value = "";
    await start();
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/session", { method: "DELETE", credentials: "same-origin" });
    if (state.events) state.events.close();
    await start();
  });
  window.addEventListener("hashchange", () => render());
  start();
});
