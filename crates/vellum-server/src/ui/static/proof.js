// The proofing page: the preview, page viewer or frame-stepping video player of a version
// with its annotation layer; drawing a mark (point, rectangle, arrow, ellipse, freehand) and
// commenting on it, its page or its frame; the comment list in step with the canvas; and the
// compare view (synchronised zoom, scroll, page and playback, overlay with opacity, the
// computed changed areas and heat-map). Everything goes through the JSON API; comment HTML
// comes from the server with every character of the text escaped.

const root = document.getElementById("proof");
const SVG = "http://www.w3.org/2000/svg";
const guest = root?.dataset.guest === "1";
const csrf = root?.dataset.csrf ?? "";
const me = root?.dataset.me ?? "";
const mayComment = root?.dataset.mayComment === "true";
const compareWith = Number(root?.dataset.compare) || 0;

let tool = "rect";
let pending = null; // the mark being attached to the next comment
let selected = null; // id of the selected comment

// ---- time -------------------------------------------------------------------------------

function parseRate(s) {
  if (!s) return null;
  const [n, d] = s.split("/").map(Number);
  return n > 0 ? { num: n, den: d > 0 ? d : 1 } : null;
}

// SMPTE timecode of a frame, with the clip's start timecode (drop-frame when it says so).
function clock(rate, startTc) {
  const fps = rate.num / rate.den;
  const nominal = Math.round(fps);
  const df = startTc ? startTc.includes(";") : Math.abs(fps - 29.97) < 0.01 || Math.abs(fps - 59.94) < 0.01;
  const drop = df ? Math.round(nominal / 15) : 0;
  const perMin = nominal * 60 - drop;
  const per10 = nominal * 600 - drop * 9;
  let start = 0;
  const m = startTc?.match(/^(\d\d):(\d\d):(\d\d)[:;.](\d\d)$/);
  if (m) {
    const [h, mi, s, f] = m.slice(1).map(Number);
    const minutes = h * 60 + mi;
    start = (minutes * 60 + s) * nominal + f - drop * (minutes - Math.floor(minutes / 10));
  }
  const pad = (n) => String(n).padStart(2, "0");
  return (frame) => {
    let total = start + frame;
    if (drop) {
      const d = Math.floor(total / per10);
      const r = total % per10;
      total += drop * 9 * d + (r > drop ? drop * Math.floor((r - drop) / perMin) : 0);
    }
    const f = total % nominal;
    const secs = Math.floor(total / nominal);
    return `${pad(Math.floor(secs / 3600) % 24)}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}${df ? ";" : ":"}${pad(f)}`;
  };
}

// ---- API --------------------------------------------------------------------------------

async function call(method, url, body) {
  const headers = { accept: "application/json" };
  if (!guest) headers["x-csrf-token"] = csrf;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (!res.ok && res.status !== 202) throw new Error(json?.error?.message ?? `the server answered ${res.status}`);
  return { status: res.status, json, retry: Number(res.headers.get("retry-after")) || 2 };
}

// ---- one version on screen --------------------------------------------------------------

class Stage {
  constructor(el) {
    const d = el.dataset;
    this.el = el;
    this.side = d.side;
    this.kind = d.kind;
    this.version = Number(d.version);
    this.api = d.api;
    this.pages = Number(d.pages) || 0;
    this.page = 1;
    this.rate = parseRate(d.rate);
    this.frames = Number(d.frames) || 0;
    this.offset = Number(d.frameOffset) || 0;
    this.tc = this.rate ? clock(this.rate, d.startTc) : null;
    this.comments = [];
    this.regions = [];
    this.viewport = el.querySelector(".proof-viewport");
    this.box = el.querySelector(".proof-media");
    this.build();
  }

  rendition(name) {
    return `${this.api}/renditions/${name}`;
  }

  build() {
    if (this.kind === "video") {
      this.media = document.createElement("video");
      this.media.src = this.rendition("proxy");
      this.media.poster = this.rendition("poster");
      this.media.preload = "auto";
      this.media.muted = true;
      this.media.playsInline = true;
      this.media.addEventListener("timeupdate", () => this.moved());
      this.media.addEventListener("seeked", () => this.moved());
    } else if (this.kind === "image" || this.kind === "pages") {
      this.media = document.createElement("img");
      this.media.alt = `Version ${this.version}`;
      this.media.src = this.kind === "pages" ? this.rendition(`page-${this.page}`) : this.rendition("preview");
    } else {
      return;
    }
    this.media.className = "proof-picture";
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("viewBox", "0 0 1 1");
    this.svg.setAttribute("preserveAspectRatio", "none");
    this.svg.classList.add("annot");
    this.svg.innerHTML =
      '<defs><marker id="head-' + this.side + '" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="currentColor"/></marker></defs>';
    this.box.append(this.media, this.svg);
    if (this.side === "b" && mayComment) {
      this.enableDrawing();
      this.enableKeyboardMarks();
    }
    this.svg.addEventListener("click", (e) => {
      const id = e.target.closest("[data-id]")?.dataset.id;
      if (id) select(id, { from: "canvas" });
    });
  }

  get frame() {
    if (!this.rate || !this.media) return 0;
    const f = Math.floor((this.media.currentTime * this.rate.num) / this.rate.den + 1e-6);
    return this.frames ? Math.min(f, this.frames - 1) : f;
  }

  seek(frame) {
    if (!this.rate) return;
    const max = this.frames ? this.frames - 1 : Infinity;
    const f = Math.max(0, Math.min(max, frame));
    this.media.pause();
    // The middle of the frame, so rounding never lands on its neighbour.
    this.media.currentTime = ((f + 0.5) * this.rate.den) / this.rate.num;
  }

  setPage(k) {
    if (this.kind !== "pages") return;
    this.page = Math.max(1, Math.min(this.pages || 1, k));
    this.media.src = this.rendition(`page-${this.page}`);
    this.draw();
  }

  moved() {
    this.draw();
    controls.update();
  }

  // The comments drawn now: on this page, and (video) on this frame.
  visible(c) {
    const a = c.anchor;
    if (!a || c.status === "retracted") return false;
    if (this.kind === "pages" && (a.page ?? 1) !== this.page) return false;
    if (this.kind === "video" && a.frame !== undefined && a.frame !== null) {
      const f = this.frame;
      if (f < a.frame || f > (a.frame_end ?? a.frame)) return false;
    }
    return Boolean(a.shape);
  }

  draw() {
    if (!this.svg) return;
    this.svg.querySelectorAll(".mark, .diff-box").forEach((n) => n.remove());
    for (const r of this.regions.filter((r) => r.page === this.page)) {
      for (const b of r.regions) {
        const rect = shape("rect", { x: b.x, y: b.y, width: b.w, height: b.h });
        rect.classList.add("diff-box");
        this.svg.append(rect);
      }
    }
    for (const c of this.comments.filter((c) => this.visible(c))) {
      const g = markOf(c.anchor.shape, this.side);
      g.dataset.id = c.id;
      g.classList.add("mark");
      if (c.id === selected) g.classList.add("selected");
      if (c.status === "resolved") g.classList.add("resolved");
      const title = document.createElementNS(SVG, "title");
      title.textContent = c.body;
      g.append(title);
      this.svg.append(g);
    }
    if (pending?.shape && this.side === "b") {
      const g = markOf(pending.shape, this.side);
      g.classList.add("mark", "pending");
      this.svg.append(g);
    }
  }

  enableDrawing() {
    let start = null;
    let points = [];
    const at = (e) => {
      const r = this.svg.getBoundingClientRect();
      const clamp = (v) => Math.round(Math.max(0, Math.min(1, v)) * 10000) / 10000;
      return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)];
    };
    this.svg.addEventListener("pointerdown", (e) => {
      if (tool === "none" || e.target.closest("[data-id]")) return;
      e.preventDefault();
      this.svg.setPointerCapture(e.pointerId);
      start = at(e);
      points = [start];
      if (tool === "point") {
        setPending({ type: "point", points: [start] });
        start = null;
      }
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!start) return;
      const p = at(e);
      if (tool === "path") points.push(p);
      else points = [start, p];
      pending = { shape: { type: tool, points: [...points] } };
      this.draw();
    });
    this.svg.addEventListener("pointerup", (e) => {
      if (!start) return;
      const p = at(e);
      const moved = Math.abs(p[0] - start[0]) + Math.abs(p[1] - start[1]) > 0.005;
      if (!moved) setPending({ type: "point", points: [start] });
      else if (tool === "path") setPending({ type: "path", points: points.length > 1 ? points : [start, p] });
      else setPending({ type: tool, points: [start, p] });
      start = null;
    });
  }

  // Marking by keyboard, on the focused preview: Shift+arrows move a cross (Alt for fine
  // steps), Enter places a point, or a shape's first and then second corner.
  enableKeyboardMarks() {
    let cursor = [0.5, 0.5];
    let first = null;
    const cross = shape("circle", { r: 0.01, class: "kbd-cursor" });
    const show = () => {
      cross.setAttribute("cx", cursor[0]);
      cross.setAttribute("cy", cursor[1]);
      if (!cross.isConnected) this.svg.append(cross);
    };
    this.viewport.addEventListener("focus", show);
    this.viewport.addEventListener("blur", () => cross.remove());
    this.viewport.addEventListener("keydown", (e) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (e.shiftKey && moves[e.key]) {
        const step = e.altKey ? 0.005 : 0.02;
        const clamp = (v) => Math.round(Math.max(0, Math.min(1, v)) * 10000) / 10000;
        cursor = [clamp(cursor[0] + moves[e.key][0] * step), clamp(cursor[1] + moves[e.key][1] * step)];
        show();
      } else if (e.key === "Enter" && tool !== "none") {
        if (tool === "point") setPending({ type: "point", points: [cursor] });
        else if (!first) first = cursor;
        else {
          setPending({ type: tool, points: [first, cursor] });
          first = null;
        }
        show();
      } else {
        return;
      }
      e.preventDefault();
      e.stopPropagation();
    });
  }

  async load() {
    // A guest's link answers with its version's comments; members list them per version.
    const r = await call("GET", guest ? this.api : `${this.api}/comments`);
    this.comments = r.json?.comments ?? [];
    this.draw();
  }
}

function shape(name, attrs) {
  const n = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  n.setAttribute("vector-effect", "non-scaling-stroke");
  return n;
}

function markOf(s, side) {
  const g = document.createElementNS(SVG, "g");
  const [[x0, y0], [x1, y1] = [x0, y0]] = s.points;
  const lo = (a, b) => Math.min(a, b);
  if (s.type === "rect") g.append(shape("rect", { x: lo(x0, x1), y: lo(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) }));
  else if (s.type === "ellipse")
    g.append(shape("ellipse", { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, rx: Math.abs(x1 - x0) / 2, ry: Math.abs(y1 - y0) / 2 }));
  else if (s.type === "arrow") g.append(shape("line", { x1: x0, y1: y0, x2: x1, y2: y1, "marker-end": `url(#head-${side})` }));
  else if (s.type === "path") g.append(shape("polyline", { points: s.points.map((p) => p.join(",")).join(" ") }));
  else g.append(shape("circle", { cx: x0, cy: y0, r: 0.012, class: "pin" }));
  return g;
}

// ---- the page -----------------------------------------------------------------------------

const stages = [...(root?.querySelectorAll(".proof-stage") ?? [])].map((el) => new Stage(el));
const main = stages.find((s) => s.side === "b");
const other = stages.find((s) => s.side === "a");
const list = root?.querySelector(".comment-list");
const form = root?.querySelector(".comment-form");

function describe(anchor, stage) {
  const parts = [];
  if (anchor?.page) parts.push(`page ${anchor.page}`);
  if (anchor?.frame !== undefined && anchor?.frame !== null && stage.tc) {
    parts.push(`frame ${anchor.frame + stage.offset} (${stage.tc(anchor.frame)})`);
  }
  if (anchor?.shape) parts.push(anchor.shape.type);
  return parts.join(" · ");
}

function setPending(s) {
  pending = s ? { shape: s } : null;
  main.draw();
  showPinned();
}

function anchorNow() {
  const a = {};
  if (pending?.shape) a.shape = pending.shape;
  if (main.kind === "pages") a.page = main.page;
  if (main.kind === "video") a.frame = main.frame;
  return Object.keys(a).length ? a : undefined;
}

function showPinned() {
  const hint = form?.querySelector(".pinned");
  if (!hint) return;
  const a = anchorNow();
  hint.textContent = a ? `Pinned to ${describe(a, main)}` : "On the whole version";
}

const controls = {
  el: root?.querySelector(".player-controls"),
  setUp() {
    if (!this.el || !main) return;
    const paged = main.kind === "pages" && main.pages > 1;
    const video = main.kind === "video";
    this.el.hidden = !(paged || video);
    this.el.querySelectorAll(".prev-page, .next-page, .page-label").forEach((n) => (n.hidden = !paged));
    this.el.querySelectorAll(".prev-frame, .next-frame, .play, .timecode").forEach((n) => (n.hidden = !video));
    this.el.querySelector(".prev-page").addEventListener("click", () => turn(-1));
    this.el.querySelector(".next-page").addEventListener("click", () => turn(1));
    this.el.querySelector(".prev-frame").addEventListener("click", () => step(-1));
    this.el.querySelector(".next-frame").addEventListener("click", () => step(1));
    this.el.querySelector(".play").addEventListener("click", () => {
      const play = main.media.paused;
      for (const s of stages) if (s.kind === "video") play ? s.media.play() : s.media.pause();
    });
    this.update();
  },
  update() {
    if (!this.el || !main) return;
    this.el.querySelector(".page-label").textContent = `Page ${main.page} of ${main.pages}`;
    if (main.tc) {
      const f = main.frame;
      this.el.querySelector(".timecode").textContent = `${main.tc(f)} · frame ${f + main.offset}`;
    }
    showPinned();
  },
};

function turn(by) {
  for (const s of stages) s.setPage(main.page + by);
  controls.update();
  if (filter?.value === "page") renderList();
  loadDiff();
}

function step(by) {
  const to = main.frame + by;
  for (const s of stages) if (s.kind === "video") s.seek(to);
}

// Which threads the list shows: a thread stays whole when any of its comments matches.
const filter = root?.querySelector(".comment-filter");
function shown(c) {
  switch (filter?.value ?? "all") {
    case "open":
      return c.status === "open";
    case "resolved":
      return c.status === "resolved";
    case "mine":
      return c.author_id === me;
    case "mentions":
      return c.mentions.includes(me);
    case "page":
      return (c.anchor?.page ?? 1) === main.page;
    default:
      return true;
  }
}

// Threads: each comment under the one it answers.
function renderList() {
  if (!list) return;
  list.replaceChildren();
  const byParent = new Map();
  for (const c of main.comments) {
    const k = c.parent_id ?? "";
    byParent.set(k, [...(byParent.get(k) ?? []), c]);
  }
  const known = new Set(main.comments.map((c) => c.id));
  const matches = (c) => shown(c) || (byParent.get(c.id) ?? []).some(matches);
  const roots = main.comments.filter((c) => (!c.parent_id || !known.has(c.parent_id)) && matches(c));
  const add = (c, depth) => {
    list.append(item(c, depth));
    for (const r of byParent.get(c.id) ?? []) add(r, depth + 1);
  };
  roots.forEach((c) => add(c, 0));
  if (!roots.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = main.comments.length ? "No comments match the filter." : "No comments yet.";
    list.append(li);
  }
}

function item(c, depth) {
  const li = document.createElement("li");
  li.className = `comment ${c.status}`;
  li.id = `comment-${c.id}`;
  li.dataset.id = c.id;
  li.tabIndex = 0;
  li.style.marginInlineStart = `${Math.min(depth, 4) * 1.25}rem`;
  if (c.id === selected) li.classList.add("selected");
  const meta = document.createElement("p");
  meta.className = "muted";
  const who = c.author_id === me ? "You" : c.author_name || "Someone";
  const bits = [who, describe(c.anchor, main), c.status];
  if (c.origin_version !== main.version) bits.push(`from version ${c.origin_version}`);
  meta.textContent = bits.filter(Boolean).join(" · ");
  if (c.region_changed !== null && c.region_changed !== undefined) {
    const badge = document.createElement("span");
    badge.className = c.region_changed ? "badge changed" : "badge unchanged";
    badge.textContent = c.region_changed ? "area changed" : "area unchanged";
    meta.append(" ", badge);
  }
  const body = document.createElement("div");
  body.className = "comment-body";
  // Server-made HTML: every character of the comment's text is escaped there.
  body.innerHTML = c.body_html;
  if (c.status === "retracted") body.textContent = "Its author retracted this comment.";
  li.append(meta, body);
  const actions = document.createElement("div");
  actions.className = "comment-actions";
  if (mayComment && c.status !== "retracted") actions.append(button("Reply", () => reply(c)));
  if (!guest && mayComment && c.status === "open") actions.append(button("Resolve", () => setStatus(c, "resolve")));
  if (!guest && mayComment && c.status === "resolved") actions.append(button("Reopen", () => setStatus(c, "reopen")));
  if (!guest && c.author_id === me && c.status !== "retracted") {
    actions.append(button("Edit", () => edit(li, c)));
    actions.append(
      button("Retract", () => {
        if (confirm("Retract this comment? Its text is hidden; the record stays.")) setStatus(c, "retract");
      }),
    );
  }
  li.append(actions);
  li.addEventListener("click", (e) => {
    if (!e.target.closest("button, a")) select(c.id, { from: "list" });
  });
  return li;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function select(id, { from } = {}) {
  selected = id;
  const c = main.comments.find((x) => x.id === id);
  if (c?.anchor?.page && main.kind === "pages" && c.anchor.page !== main.page) {
    for (const s of stages) s.setPage(c.anchor.page);
    controls.update();
    loadDiff();
  }
  if (c?.anchor?.frame !== undefined && c?.anchor?.frame !== null && main.kind === "video") {
    for (const s of stages) if (s.kind === "video") s.seek(c.anchor.frame);
  }
  list?.querySelectorAll(".comment").forEach((li) => li.classList.toggle("selected", li.dataset.id === id));
  const li = list?.querySelector(`[data-id="${CSS.escape(id)}"]`);
  if (from === "canvas") li?.scrollIntoView({ block: "nearest" });
  if (from === "canvas" || from === "key") li?.focus();
  stages.forEach((s) => s.draw());
}

// Editing one's own comment in place; the earlier text stays in its history.
function edit(li, c) {
  const body = li.querySelector(".comment-body");
  const box = document.createElement("form");
  box.className = "edit-comment";
  const text = document.createElement("textarea");
  text.value = c.body;
  text.rows = 3;
  text.maxLength = 10000;
  text.setAttribute("aria-label", "Edit comment");
  const error = document.createElement("p");
  error.className = "error";
  error.hidden = true;
  const save = document.createElement("button");
  save.type = "submit";
  save.textContent = "Save";
  box.append(text, save, button("Cancel", () => renderList()), error);
  box.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call("PATCH", `/api/v1/comments/${c.id}`, { body: text.value });
      await refresh();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  body.replaceWith(box);
  text.focus();
}

function reply(c) {
  form.elements.parent_id.value = c.id;
  form.querySelector(".cancel-reply").hidden = false;
  form.querySelector("textarea").focus();
}

async function setStatus(c, action) {
  try {
    const body = action === "resolve" ? { version: main.version } : undefined;
    await call("POST", `/api/v1/comments/${c.id}/${action}`, body);
    await refresh();
  } catch (e) {
    alert(e.message);
  }
}

async function refresh() {
  await Promise.all(stages.map((s) => s.load()));
  renderList();
}

function setUpForm() {
  if (!form) return;
  const buttons = [...form.querySelectorAll("[data-tool]")];
  const choose = (t) => {
    tool = t;
    buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tool === t)));
  };
  buttons.forEach((b) => b.addEventListener("click", () => choose(b.dataset.tool)));
  form.chooseTool = choose;
  form.querySelector(".cancel-reply").addEventListener("click", () => {
    form.elements.parent_id.value = "";
    form.querySelector(".cancel-reply").hidden = true;
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const error = form.querySelector(".form-error");
    error.hidden = true;
    const parent = form.elements.parent_id.value;
    const body = { body: form.elements.body.value };
    if (parent) body.parent_id = parent;
    const anchor = parent ? undefined : anchorNow();
    if (anchor) body.anchor = anchor;
    try {
      const r = await call("POST", `${main.api}/comments`, body);
      form.reset();
      form.elements.parent_id.value = "";
      form.querySelector(".cancel-reply").hidden = true;
      setPending(null);
      selected = r.json?.id ?? null;
      await refresh();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  showPinned();
}

// ---- compare ------------------------------------------------------------------------------

let diff = null;
async function loadDiff() {
  if (!other || guest) return;
  const status = root.querySelector(".compare-status");
  const id = root.dataset.asset;
  if (!diff) {
    const r = await call("GET", `/api/v1/assets/${id}/compare?a=${other.version}&b=${main.version}`).catch((e) => {
      status.textContent = e.message;
      return null;
    });
    if (!r) return;
    if (r.status === 202) {
      status.textContent = "Computing the difference…";
      setTimeout(loadDiff, r.retry * 1000);
      return;
    }
    diff = r.json;
    // Carried comments learn from the same result whether their area changed.
    await refresh();
  }
  const page = diff.pages.find((p) => p.page === main.page);
  other.regions = main.regions = diff.pages;
  const n = page?.regions.length ?? 0;
  status.textContent = page
    ? `${n} changed ${n === 1 ? "area" : "areas"} on this page · ${(page.changed_fraction * 100).toFixed(1)}% of pixels` +
      (diff.text ? ` · text: ${diff.text.insertions} words added, ${diff.text.deletions} removed` : "")
    : "This page is not in both versions.";
  stages.forEach((s) => s.draw());
  const heat = root.querySelector(".heatmap");
  if (heat?.checked && other.media) other.media.src = `/api/v1/assets/${id}/compare/heatmap?a=${other.version}&b=${main.version}&page=${main.page}`;
}

function setUpCompare() {
  if (!other) return;
  const panes = root.querySelector(".compare-panes");
  const zoom = root.querySelector(".zoom");
  const opacity = root.querySelector(".opacity");
  zoom.addEventListener("input", () => stages.forEach((s) => (s.box.style.width = `${Number(zoom.value) * 100}%`)));
  root.querySelector(".overlay").addEventListener("change", (e) => panes.classList.toggle("overlaid", e.target.checked));
  opacity.addEventListener("input", () => main.el.style.setProperty("--overlay-opacity", opacity.value));
  main.el.style.setProperty("--overlay-opacity", opacity.value);
  root.querySelector(".heatmap").addEventListener("change", (e) => {
    const id = root.dataset.asset;
    other.media.src = e.target.checked
      ? `/api/v1/assets/${id}/compare/heatmap?a=${other.version}&b=${main.version}&page=${main.page}`
      : other.kind === "pages"
        ? other.rendition(`page-${other.page}`)
        : other.rendition(other.kind === "video" ? "poster" : "preview");
  });
  // Scrolling one side scrolls the other to the same place.
  let syncing = false;
  for (const s of stages) {
    s.viewport.addEventListener("scroll", () => {
      if (syncing) return;
      syncing = true;
      for (const t of stages) if (t !== s) t.viewport.scrollTo(s.viewport.scrollLeft, s.viewport.scrollTop);
      requestAnimationFrame(() => (syncing = false));
    });
  }
  loadDiff();
}

// ---- keyboard ---------------------------------------------------------------------------

function nextComment(by) {
  const ids = [...(list?.querySelectorAll(".comment") ?? [])].map((li) => li.dataset.id);
  if (!ids.length) return;
  const at = ids.indexOf(selected);
  select(ids[(at + by + ids.length) % ids.length], { from: "key" });
}

document.addEventListener("keydown", (e) => {
  if (!main || e.target.closest?.("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const c = main.comments.find((x) => x.id === selected);
  const keys = {
    ArrowLeft: () => step(-1),
    ArrowRight: () => step(1),
    ",": () => step(-1),
    ".": () => step(1),
    PageUp: () => turn(-1),
    PageDown: () => turn(1),
    j: () => nextComment(1),
    k: () => nextComment(-1),
    r: () => c && c.status === "open" && !guest && setStatus(c, "resolve"),
  };
  const tools = ["none", "point", "rect", "arrow", "ellipse", "path"];
  if (/^[0-5]$/.test(e.key) && form?.chooseTool) form.chooseTool(tools[Number(e.key)]);
  else if (keys[e.key] && (main.kind === "video" || !["ArrowLeft", "ArrowRight", ",", "."].includes(e.key))) keys[e.key]();
  else return;
  e.preventDefault();
});

if (main) {
  filter?.addEventListener("change", renderList);
  controls.setUp();
  setUpForm();
  setUpCompare();
  refresh().then(() => {
    const hash = location.hash.match(/^#comment-(.+)$/);
    if (hash) select(hash[1], { from: "canvas" });
  });
  root.classList.add("ready");
}
