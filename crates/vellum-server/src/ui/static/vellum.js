// Vellum's one ES module. Everything works without it; it only makes forms nicer:
// adding and removing workflow stages, showing the quorum field when it matters,
// confirming restores, suggesting a workspace slug from its name, adding custom-field rows,
// and uploading several (or dropped) files with a progress bar each.

document.documentElement.classList.add("js");

const isBlank = (row) =>
  !row.querySelector('input[name$="_name"]')?.value.trim() &&
  !row.querySelector("select[multiple]")?.selectedOptions.length;

function syncQuorum(row) {
  const rule = row.querySelector("select.rule");
  const quorum = row.querySelector("input.quorum");
  if (!rule || !quorum) return;
  const show = rule.value === "quorum";
  quorum.hidden = !show;
  const label = row.querySelector(`label[for="${quorum.id}"]`);
  if (label) label.hidden = !show;
}

function addRemoveButton(row) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "remove-stage";
  button.textContent = "Remove stage";
  button.addEventListener("click", () => {
    const editor = row.closest("form");
    const rows = row.parentElement;
    row.remove();
    if (rows) renumber(rows);
    editor?.querySelector(".add-stage")?.focus();
  });
  row.append(button);
}

function setUpRow(row) {
  row.querySelector("select.rule")?.addEventListener("change", () => syncQuorum(row));
  syncQuorum(row);
  addRemoveButton(row);
}

function renumber(rows) {
  rows.querySelectorAll("fieldset.stage > legend").forEach((legend, n) => {
    legend.textContent = `Stage ${n + 1}`;
  });
}

function setUpEditor(form) {
  const rows = form.querySelector(".stage-rows");
  const template = form.querySelector("template.stage-template");
  const add = form.querySelector(".add-stage");
  if (!rows || !template || !add) return;
  // Keep every filled row and a single blank one; "Add stage" makes more.
  const all = [...rows.querySelectorAll("fieldset.stage")];
  const filled = all.filter((r) => !isBlank(r));
  all.filter(isBlank).slice(filled.length ? 0 : 1).forEach((r) => r.remove());
  rows.querySelectorAll("fieldset.stage").forEach(setUpRow);
  renumber(rows);
  let next = Number(form.dataset.next) || all.length;
  add.hidden = false;
  add.addEventListener("click", () => {
    const i = String(next++);
    const html = template.innerHTML.replaceAll("__i__", i);
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const row = holder.querySelector("fieldset.stage");
    if (!row) return;
    rows.append(row);
    setUpRow(row);
    renumber(rows);
    row.querySelector("input")?.focus();
  });
}

document.querySelectorAll("form.wf-editor").forEach(setUpEditor);

document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

document.querySelectorAll("input[data-slug-source]").forEach((name) => {
  const slug = document.getElementById(name.dataset.slugSource);
  if (!slug) return;
  let touched = slug.value !== "";
  slug.addEventListener("input", () => { touched = true; });
  name.addEventListener("input", () => {
    if (touched) return;
    slug.value = name.value.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
      .replace(/^[^a-z]+|-+$/g, "").slice(0, 48);
  });
});

// Library thumbnails that do not exist (yet) are hidden rather than shown broken.
document.querySelectorAll("img.thumb").forEach((img) => {
  const hide = () => img.classList.add("missing");
  img.addEventListener("error", hide);
  if (img.complete && img.naturalWidth === 0) hide();
});

// A version still processing: follow it and show the preview when it is ready.
document.querySelectorAll("figure.preview[data-poll]").forEach((figure) => {
  const status = figure.querySelector(".status");
  let delay = 1000;
  const poll = async () => {
    try {
      const res = await fetch(figure.dataset.poll, { credentials: "same-origin" });
      const version = res.ok ? await res.json() : null;
      if (version?.processing === "done") {
        const img = document.createElement("img");
        img.src = figure.dataset.src;
        img.alt = `Preview of version ${version.number}`;
        figure.prepend(img);
        if (status) status.textContent = `Version ${version.number}`;
        return;
      }
      if (version?.processing === "failed") {
        if (status) {
          status.textContent = `Processing failed: ${version.processing_reason ?? "unknown reason"}`;
          status.classList.add("error");
        }
        return;
      }
    } catch {
      // Network hiccup: keep trying.
    }
    delay = Math.min(delay * 1.5, 10000);
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
});

// Custom metadata rows: "Add a field" makes another empty row (the page offers two).
document.querySelectorAll("fieldset.custom-fields[data-rows]").forEach((set) => {
  const rows = set.querySelector(".kv-rows");
  if (!rows) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "add-field";
  button.textContent = "Add a field";
  button.addEventListener("click", () => {
    const last = rows.querySelector(".kv-row:last-child");
    if (!last) return;
    const row = last.cloneNode(true);
    const n = rows.children.length + 1;
    row.querySelectorAll("input").forEach((input) => {
      input.value = input.type === "hidden" ? "text" : "";
      if (input.id) input.id = input.id.replace(/-\d+$/, `-${n - 1}`);
      const label = input.getAttribute("aria-label");
      if (label) input.setAttribute("aria-label", label.replace(/\d+$/, String(n)));
    });
    rows.append(row);
    row.querySelector("input")?.focus();
  });
  set.append(button);
});

// ---- Uploads ------------------------------------------------------------------------------
// A form[data-uploader] sends each chosen file as its own request to the same form route, two
// at a time, with a progress bar per file, so the page stays usable. "open" forms go to the
// asset when a single file was sent (as without the script); "stay" forms list links instead.
// Files dropped anywhere on a page join its form[data-drop].

const DESIGN_EXTENSIONS = ["psd", "psb", "ai", "indd", "idml", "sketch", "fig", "xd", "eps", "afdesign"];
const WRITTEN_EXTENSIONS = ["pdf", "doc", "docx", "odt", "rtf", "txt", "md", "pages"];

/// The kind a file most likely is, or "" when its type does not tell.
function guessKind(file) {
  const ext = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  if (DESIGN_EXTENSIONS.includes(ext)) return "design_source";
  if (file.type.startsWith("image/")) return "visual";
  if (file.type.startsWith("video/")) return "video";
  if (file.type === "application/pdf" || file.type.startsWith("text/") || WRITTEN_EXTENSIONS.includes(ext)) {
    return "written";
  }
  return "";
}

let uploadsRunning = 0;
window.addEventListener("beforeunload", (event) => {
  if (uploadsRunning > 0) event.preventDefault();
});

/// Sends one file; resolves with the asset's address, or rejects with the server's message.
function sendFile(form, fields, file, row) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of fields) body.append(name, value);
    body.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    // Success redirects to the asset page; a refusal is the form page with its message.
    xhr.responseType = "document";
    const bar = row.querySelector("progress");
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable || !bar) return;
      bar.max = event.total;
      bar.value = event.loaded;
    });
    xhr.addEventListener("load", () => {
      const landed = xhr.responseURL ? new URL(xhr.responseURL) : null;
      if (xhr.status < 400 && landed?.pathname.startsWith("/a/")) {
        resolve(landed.pathname);
        return;
      }
      const said = xhr.response?.querySelector?.(".notice.error")?.textContent?.trim();
      reject(new Error((said || `The upload failed (${xhr.status}).`).replace(/\s*Choose the file again\.$/, "")));
    });
    xhr.addEventListener("error", () => reject(new Error("The connection broke off; try this file again.")));
    xhr.send(body);
  });
}

function uploadRow(list, file, kind) {
  const row = document.createElement("li");
  row.className = "upload";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = kind ? `${file.name} · ${kind.replace("_", " ")}` : file.name;
  const bar = document.createElement("progress");
  bar.max = Math.max(file.size, 1);
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload of ${file.name}`);
  const state = document.createElement("span");
  state.className = "state";
  state.textContent = "Waiting…";
  row.append(name, bar, state);
  list.append(row);
  return row;
}

function setUpUploader(form) {
  const input = form.querySelector('input[type="file"][name="file"]');
  const kind = form.querySelector('select[name="kind"]');
  const list = form.parentElement?.querySelector("ol.uploads");
  if (!input || !list) return;
  input.multiple = true;
  const fileLabel = form.querySelector(`label[for="${input.id}"]`);
  if (fileLabel && form.dataset.uploader === "open") fileLabel.textContent = "Files";

  const start = async (files) => {
    const chosen = kind?.value ?? "";
    const kinds = files.map((f) => chosen || guessKind(f));
    if (kinds.some((k) => !k)) {
      kind?.focus();
      const note = document.createElement("li");
      note.className = "upload-note";
      note.textContent = `Choose a kind for ${files.length === 1 ? "this file" : "these files"}, then press Upload.`;
      list.append(note);
      return;
    }
    list.querySelectorAll(".upload-note").forEach((n) => n.remove());
    const fields = [...new FormData(form)].filter(
      ([name]) => name !== "file" && name !== "kind" && !(name === "title" && files.length > 1),
    );
    const rows = files.map((f, i) => uploadRow(list, f, kinds[i]));
    input.value = "";
    input.required = false;
    const landed = [];
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        const row = rows[i];
        row.querySelector(".state").textContent = "Uploading…";
        uploadsRunning++;
        try {
          // The CSRF field comes first in the form, so it stays first here.
          const path = await sendFile(form, [...fields, ["kind", kinds[i]]], files[i], row);
          const bar = row.querySelector("progress");
          bar.value = bar.max;
          row.classList.add("done");
          const state = row.querySelector(".state");
          state.textContent = "";
          const link = document.createElement("a");
          link.href = path;
          link.textContent = "Uploaded — open";
          state.append(link);
          landed.push(path);
        } catch (e) {
          row.classList.add("failed");
          row.querySelector(".state").textContent = e.message;
        } finally {
          uploadsRunning--;
        }
      }
    };
    // Two at a time: enough to keep the line busy without starving the page's own requests.
    await Promise.all([worker(), worker()]);
    input.required = true;
    if (form.dataset.uploader === "open" && files.length === 1 && landed.length === 1) {
      window.location.assign(`${landed[0]}?done=uploaded`);
      return;
    }
    if (landed.length > 0 && form.dataset.uploader === "stay") {
      // One note for everything this page uploaded, batches and drops alike.
      list.querySelectorAll(".upload-note").forEach((n) => n.remove());
      const done = list.querySelectorAll("li.upload.done").length;
      const failed = list.querySelectorAll("li.upload.failed").length;
      const note = document.createElement("li");
      note.className = "upload-note";
      const again = document.createElement("a");
      again.href = window.location.pathname + window.location.search;
      again.textContent = "Show them in the library";
      note.append(`${done} uploaded${failed ? `, ${failed} failed` : ""}. `, again);
      list.append(note);
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const files = [...(input.files ?? [])];
    if (files.length > 0) start(files);
  });
  form.uploadFiles = start;
}

document.querySelectorAll("form[data-uploader]").forEach(setUpUploader);

const dropForm = document.querySelector("form[data-drop]");
if (dropForm) {
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth++;
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove("dropping");
  });
  document.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    document.body.classList.remove("dropping");
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    const details = dropForm.closest("details");
    if (details) details.open = true;
    dropForm.uploadFiles?.(files);
  });
}

// ---- Settings: routing rules ----------------------------------------------------------------
// The builder row (field / operator / value) writes a one-test condition into the rule's JSON
// textarea, typed as the server's builder types it (settings_rule_builder.rs); the builder is
// then not posted, so the textarea is the one source. "Add rule" adds a row from the template
// instead of a round trip, and the dry run swaps in the server's #explanation.

function builderValue(shape, op, text) {
  const scalar = (t) => {
    if (shape === "number" && t !== "" && Number.isFinite(Number(t))) return Number(t);
    if (shape === "boolean" && (t === "true" || t === "false")) return t === "true";
    if (shape === "money") {
      try { return JSON.parse(t); } catch { return t; }
    }
    return t;
  };
  if (op === "exists") return text === "" ? undefined : !(text === "false" || text === "no");
  if (op === "in" || op === "not_in" || (shape === "set" && (op === "eq" || op === "ne"))) {
    if (text.startsWith("[")) {
      try { return JSON.parse(text); } catch { /* read as a comma-separated list */ }
    }
    return text.split(",").map((t) => t.trim()).filter(Boolean).map(scalar);
  }
  return scalar(text);
}

function setUpRule(row) {
  const when = row.querySelector("textarea.when");
  const field = row.querySelector("select.b-field");
  const op = row.querySelector("select.b-op");
  const value = row.querySelector("input.b-value");
  if (!when || !field || !op || !value) return;
  [field, op, value, row.querySelector("input.b-was")].forEach((el) => el?.removeAttribute("name"));
  const fill = () => {
    if (!field.value) return;
    const condition = { field: field.value, op: op.value };
    const v = builderValue(field.selectedOptions[0]?.dataset.shape ?? "text", op.value, value.value.trim());
    if (v !== undefined) condition.value = v;
    when.value = JSON.stringify(condition);
  };
  field.addEventListener("change", fill);
  op.addEventListener("change", fill);
  value.addEventListener("input", fill);
}

const rulesEditor = document.querySelector("form.rules-editor");
if (rulesEditor) {
  const list = rulesEditor.querySelector(".rule-rows");
  const template = rulesEditor.querySelector("template.rule-template");
  list?.querySelectorAll("fieldset.rule").forEach(setUpRule);
  let next = Number(rulesEditor.dataset.next) || 0;
  rulesEditor.querySelector("button.add-rule")?.addEventListener("click", (event) => {
    if (!list || !template) return;
    event.preventDefault();
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replaceAll("__i__", String(next++));
    const row = holder.querySelector("fieldset.rule");
    if (!row) return;
    list.append(row);
    setUpRule(row);
    row.querySelector("input")?.focus();
  });
}

const dryRun = document.getElementById("dry-run-form");
dryRun?.addEventListener("submit", async (event) => {
  const panel = document.getElementById("explanation");
  if (!panel) return;
  event.preventDefault();
  panel.setAttribute("aria-busy", "true");
  try {
    const res = await fetch(dryRun.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(dryRun)),
      credentials: "same-origin",
    });
    const fresh = new DOMParser().parseFromString(await res.text(), "text/html").getElementById("explanation");
    // Anything else (the sign-in page, an error page) is shown as the plain form would.
    if (fresh) panel.replaceWith(document.importNode(fresh, true));
    else dryRun.submit();
  } catch {
    dryRun.submit();
  }
});

// Always-current links: a Copy button beside each address (the field stays selectable
// without JavaScript).
for (const input of document.querySelectorAll("input[data-copy]")) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Copy";
  button.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => (button.textContent = "Copy"), 2000);
  });
  input.after(button);
}

// The header's search box: titles suggested as you type (from the suggest API, which only
// answers with what the user may see), "/" to jump to it, and arrow keys through results.
function setUpSearch(form) {
  const input = form.querySelector('input[name="q"]');
  const list = form.querySelector("datalist");
  if (!input || !list) return;
  let pending = null;
  input.addEventListener("input", () => {
    clearTimeout(pending);
    const typed = input.value.trim();
    if (typed.length < 2) return;
    pending = setTimeout(async () => {
      try {
        const r = await fetch(`${form.dataset.suggest}?q=${encodeURIComponent(typed)}`, { credentials: "same-origin" });
        if (!r.ok) return;
        const { suggestions } = await r.json();
        list.replaceChildren(...suggestions.map((s) => Object.assign(document.createElement("option"), { value: s })));
      } catch {
        // Suggestions are a nicety; typing and submitting still work.
      }
    }, 120);
  });
}

document.querySelectorAll("form.header-search").forEach(setUpSearch);

document.addEventListener("keydown", (e) => {
  const typing = e.target instanceof HTMLElement && e.target.closest("input, textarea, select, [contenteditable]");
  if (e.key === "/" && !typing) {
    const box = document.querySelector("#header-q");
    if (box) {
      e.preventDefault();
      box.focus();
    }
    return;
  }
  if ((e.key === "ArrowDown" || e.key === "ArrowUp") && !typing) {
    const links = [...document.querySelectorAll("#results a.result")];
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = e.key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    e.preventDefault();
    links[next].focus();
  }
});
