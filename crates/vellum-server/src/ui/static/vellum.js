// Vellum's one ES module. Everything works without it; it only makes forms nicer:
// adding and removing workflow stages, showing the quorum field when it matters,
// confirming restores, and suggesting a workspace slug from its name.

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
