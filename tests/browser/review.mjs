// The review story through the real UI in Debian's headless Chromium:
//
//   node tests/browser/review.mjs URL ADMIN_EMAIL ADMIN_PASSWORD
//
// Sets up people and a workspace through the JSON API, then in the browser: the admin builds
// a two-stage workflow in the editor, a creator uploads an asset and starts a review, uploads
// several more files at once (one dropped on the library) with a progress bar each, and starts
// a review of one of them; the first approver finds both on the home page, approves one and
// asks for changes on the other (the form keeps the choice when the reason is missing); the
// second approver approves, and the first asset ends up approved at version 1. Then every
// page is checked at a 390 px wide viewport for sideways scrolling. Leaves screenshots in
// target/browser/. Exits non-zero with a message on the first failure.

import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

const [base, adminEmail, adminPassword] = process.argv.slice(2);
if (!base || !adminEmail || !adminPassword) {
  console.error("usage: node review.mjs URL ADMIN_EMAIL ADMIN_PASSWORD");
  process.exit(2);
}
const outDir = fileURLToPath(new URL("../../target/browser/", import.meta.url));
const run = Date.now().toString(36);
const password = "browser test walks past nine lanterns";

class Failure extends Error {}
function check(ok, message) {
  if (!ok) throw new Failure(message);
}

// ---- JSON API -------------------------------------------------------------------------

async function api(method, path, { token, cookie, csrf, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (cookie) headers.cookie = cookie;
  if (csrf) headers["x-csrf-token"] = csrf;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, json, text };
}

async function must(expected, method, path, options) {
  const r = await api(method, path, options);
  check(r.status === expected, `${method} ${path}: expected ${expected}, got ${r.status}: ${r.text.slice(0, 300)}`);
  return r.json;
}

async function setUp() {
  const session = await api("POST", "/api/v1/session", { body: { email: adminEmail, password: adminPassword } });
  check(session.status === 200, `the admin could not sign in through the API (${session.status}): ${session.text}`);
  const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0];
  check(cookie.startsWith("vellum_session="), "POST /api/v1/session set no session cookie");
  const csrf = session.json?.csrf_token;
  const refused = await api("POST", "/api/v1/tokens", { cookie, body: { name: "no csrf" } });
  check(refused.status === 403, `a cookie write without the CSRF token was not refused (${refused.status})`);
  const { token } = await must(201, "POST", "/api/v1/tokens", { cookie, csrf, body: { name: "browser test" } });

  const person = async (key, name) => {
    const email = `${key}-${run}@example.com`;
    const user = await must(201, "POST", "/api/v1/users", { token, body: { email, name, password } });
    return { ...user, email };
  };
  const creator = await person("creator", "Cora Creator");
  const brand = await person("brand", "Bram Brand");
  const legal = await person("legal", "Lena Legal");

  const slug = `spring-${run}`;
  await must(201, "POST", "/api/v1/workspaces", { token, body: { name: `Spring campaign ${run}`, slug } });
  for (const [user, role] of [[creator, "creator"], [brand, "reviewer"], [legal, "reviewer"]]) {
    await must(200, "PUT", `/api/v1/workspaces/${slug}/members/${user.id}`, { token, body: { role } });
  }
  const reset = await must(201, "POST", `/api/v1/users/${creator.id}/password-reset`, { token });
  // The brand approver's own API session, to read their inbox as the story goes.
  const brandSession = await api("POST", "/api/v1/session", { body: { email: brand.email, password } });
  check(brandSession.status === 200, `the brand approver could not sign in (${brandSession.status})`);
  const brandCookie = (brandSession.headers.get("set-cookie") ?? "").split(";")[0];
  return { cookie, token, slug, creator, brand, legal, brandCookie, resetLink: reset.link };
}

/// The forms refuse requests without the right secrets.
async function csrfIsChecked(cookie, slug) {
  const form = (fields) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  const group = await fetch(`${base}/w/${slug}/groups`, form({ csrf: "not-the-secret", name: "Sneaky" }));
  check(group.status === 403, `a form with a wrong CSRF secret got ${group.status}, not 403`);
  const login = await fetch(`${base}/login`, {
    ...form({ csrf: "x", email: adminEmail, password: adminPassword }),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  check(login.status === 403, `a sign-in without the login CSRF cookie got ${login.status}, not 403`);
}

// ---- Browser --------------------------------------------------------------------------

async function shoot(page, name) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: outDir + name, fullPage: true });
}

async function signIn(page, who, path = "/") {
  await page.goto(base + path);
  check(page.url().includes("/login"), `expected the sign-in page, got ${page.url()}`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password ?? password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
  check(await page.getByText("You are signed out.").isVisible(), "no sign-out notice");
}

async function notice(page, text) {
  try {
    await page.locator(".notice", { hasText: text }).first().waitFor({ timeout: 10_000 });
  } catch {
    const all = (await page.locator(".notice").allInnerTexts()).join(" | ") || "(no notice)";
    throw new Failure(`expected the notice "${text}" at ${page.url()}; the page says: ${all}`);
  }
}

async function buildWorkflow(page, s) {
  await page.goto(`${base}/w/${s.slug}/workflows`);
  const editor = page.locator(`form.wf-editor[action="/w/${s.slug}/workflows"]`);
  await editor.getByLabel("Workflow name").fill("Brand then legal");
  // The module trims the blank rows to one and offers "Add stage".
  check((await editor.locator("fieldset.stage").count()) === 1, "the editor should start with one stage row");
  const first = editor.locator("fieldset.stage").nth(0);
  await first.getByLabel("Name").fill("Brand");
  await first.getByLabel("Approvers").selectOption(`user:${s.brand.id}`);
  await first.getByLabel("Due within", { exact: true }).fill("48");
  await editor.getByRole("button", { name: "Add stage" }).click();
  const second = editor.locator("fieldset.stage").nth(1);
  await second.getByLabel("Name").fill("Legal");
  await second.getByLabel("Approvers").selectOption(`user:${s.legal.id}`);
  await editor.getByRole("button", { name: "Create workflow" }).click();
  await notice(page, "The workflow was saved.");
  await shoot(page, "workflows.png");
  const text = await page.locator("article.workflow").first().innerText();
  check(text.includes("Brand") && text.includes("Legal") && text.includes("Lena Legal"), `the saved workflow reads: ${text}`);
}

// ---- Images ---------------------------------------------------------------------------

function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

/// An RGB PNG; `noise` fills it with random pixels (which do not compress: a big file).
function png(width, height, [r, g, b], noise = false) {
  const stride = width * 3 + 1;
  const raw = noise ? randomBytes(stride * height) : Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0;
    if (noise) continue;
    for (let x = 0; x < width; x++) raw.set([r, g, b], y * stride + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw, { level: 1 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

const PNG = png(4, 3, [200, 40, 40]);

async function uploadAndStart(page, s) {
  // Home lists the workspaces; the library is one click away.
  await page.waitForURL((u) => u.pathname === "/");
  await page.locator("main").getByRole("link", { name: `Spring campaign ${run}` }).click();
  await page.waitForURL((u) => u.pathname === `/w/${s.slug}`);
  check(await page.locator("#library-empty").isVisible(), "the empty library says nothing about what to do");
  await page.getByRole("link", { name: "Upload an asset" }).click();
  await page.getByLabel("File").setInputFiles({ name: "spring-banner.png", mimeType: "image/png", buffer: PNG });
  await page.getByLabel("Title").fill("Spring banner");
  await page.getByLabel("Kind").selectOption("visual");
  await page.getByLabel("Language").fill("en");
  await page.getByLabel("Channels").fill("web, social");
  await page.getByLabel("Note").fill("First cut for review");
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await page.waitForURL((u) => u.pathname.startsWith("/a/"));
  await notice(page, "The asset was uploaded.");
  const assetPath = new URL(page.url()).pathname;
  check((await page.locator("h1").innerText()) === "Spring banner", "the asset page has the wrong title");
  check((await page.locator("table.kv").innerText()).includes("web, social"), "the metadata table lacks the channels");

  await page.getByLabel(/Start a review of version 1/).selectOption({ label: "Brand then legal (revision 1)" });
  await page.getByRole("button", { name: "Start review" }).click();
  await notice(page, "The review has started.");
  check((await page.locator(".titlebar .badge").innerText()).toLowerCase() === "in review", "the asset is not in review");
  return assetPath;
}

/// Several files at once from the library (progress per file, page usable meanwhile), one
/// more dropped on the page; a review starts on one of them. Returns that asset's path.
async function uploadSeveral(page, s) {
  await page.goto(`${base}/w/${s.slug}`);
  const quick = page.locator("#quick-upload");
  if (!(await quick.evaluate((d) => d.open))) await quick.locator("summary").click();
  const form = quick.locator("form");
  const files = [
    { name: "summer-flyer.png", mimeType: "image/png", buffer: png(6, 4, [240, 200, 20]) },
    { name: "autumn-flyer.png", mimeType: "image/png", buffer: png(6, 4, [200, 90, 20]) },
    { name: "big-poster.png", mimeType: "image/png", buffer: png(1400, 1000, [0, 0, 0], true) },
  ];
  await form.getByLabel("Files").setInputFiles(files);
  await form.getByLabel("Kind").selectOption("visual");
  // A slow line, so the big file's progress can be seen between nothing and everything.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 1_000_000,
  });
  await form.getByRole("button", { name: "Upload", exact: true }).click();
  const rows = quick.locator("li.upload");
  await rows.nth(2).waitFor();
  check((await rows.count()) === 3, `expected a row per file, got ${await rows.count()}`);
  const big = rows.filter({ hasText: "big-poster.png" }).locator("progress");
  let midway = false;
  for (let i = 0; i < 200 && !midway; i++) {
    const [value, max] = await big.evaluate((p) => [p.value, p.max]);
    midway = value > 0 && value < max;
    if (!midway) await page.waitForTimeout(50);
  }
  check(midway, "the big file's progress bar never showed a part uploaded");
  // The page stays usable while files upload.
  await page.locator("#f-status").selectOption("draft");
  check((await page.locator("#f-status").inputValue()) === "draft", "the library's filters did not respond during uploads");
  await quick.locator("li.upload.done").nth(2).waitFor({ timeout: 60_000 });
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  for (let i = 0; i < 3; i++) {
    const [value, max] = await rows.nth(i).locator("progress").evaluate((p) => [p.value, p.max]);
    check(value === max, `upload ${i + 1} ended with its bar at ${value} of ${max}`);
  }
  check((await quick.locator("li.upload.failed").count()) === 0, "an upload failed");

  // Files dropped anywhere on the page upload too, with a kind from their type.
  await form.getByLabel("Kind").selectOption("");
  const dropped = await page.evaluateHandle((bytes) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], "winter-banner.png", { type: "image/png" }));
    return transfer;
  }, [...png(5, 5, [20, 60, 200])]);
  await page.locator("main").dispatchEvent("dragenter", { dataTransfer: dropped });
  await page.locator("main").dispatchEvent("drop", { dataTransfer: dropped });
  const drop = quick.locator("li.upload", { hasText: "winter-banner.png" });
  await drop.locator(".state a").waitFor({ timeout: 30_000 });
  check((await drop.innerText()).includes("visual"), `the dropped file's row reads: ${await drop.innerText()}`);
  await shoot(page, "uploads.png");

  await quick.getByRole("link", { name: "Show them in the library" }).click();
  await page.waitForURL((u) => u.pathname === `/w/${s.slug}`);
  const titles = await page.locator("table.assets td.title-cell").allInnerTexts();
  for (const t of ["Spring banner", "summer-flyer", "autumn-flyer", "big-poster", "winter-banner"]) {
    check(titles.includes(t), `the library lacks ${t}: ${titles.join(", ")}`);
  }
  await page.getByRole("link", { name: "summer-flyer" }).click();
  await page.waitForURL((u) => u.pathname.startsWith("/a/"));
  const flyerPath = new URL(page.url()).pathname;
  await page.getByLabel(/Start a review of version 1/).selectOption({ label: "Brand then legal (revision 1)" });
  await page.getByRole("button", { name: "Start review" }).click();
  await notice(page, "The review has started.");
  return flyerPath;
}

/// The brand approver's unread notifications, through the API.
async function unread(s) {
  const r = await must(200, "GET", "/api/v1/notifications?unread=true", { cookie: s.brandCookie });
  return r.unread;
}

/// Waits (bounded) until the workers have told the brand approver about `n` things: the
/// dispatch runs in the background, so the test polls for the outcome instead of sleeping.
async function untilUnread(s, n) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await unread(s)) >= n) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Failure(`the brand approver never had ${n} unread notifications (has ${await unread(s)})`);
}

/// The admin writes a routing rule with the builder, saves it, and dry-runs it on an asset.
async function routingRule(page, s) {
  await page.goto(`${base}/w/${s.slug}/settings/routing`);
  const editor = page.locator("#rules-editor");
  // No rules yet: the editor offers one blank rule, r-0.
  check((await editor.getByLabel("Rule name").count()) === 1, "the rule editor should start with one blank rule");
  await page.locator("#r-0-name").fill("Social posts to brand and legal");
  await page.locator("#r-0-workflow").selectOption({ label: "Brand then legal" });
  await page.locator("#r-0-field").selectOption("metadata.channels");
  await page.locator("#r-0-op").selectOption("contains");
  await page.locator("#r-0-value").fill("social");
  await editor.getByRole("button", { name: "Save rules" }).click();
  await notice(page, "The routing rules were saved");
  const dry = page.locator("#dry-run-form");
  const banner = await dry.locator("option", { hasText: "Spring banner" }).first().getAttribute("value");
  await dry.getByLabel("Asset", { exact: true }).selectOption(banner);
  await dry.getByRole("button", { name: "Dry run" }).click();
  const explanation = page.locator("#explanation");
  await explanation.getByText("Social posts to brand and legal").first().waitFor();
  const text = await explanation.innerText();
  check(text.includes("metadata.channels"), `the dry run does not show the condition: ${text}`);
  await shoot(page, "routing.png");
}

/// After sign-in the home page lists the decisions waiting for this person, first.
async function waitingFor(page, who, titles) {
  await signIn(page, who);
  check(new URL(page.url()).pathname === "/", `after sign-in expected the home page, got ${page.url()}`);
  check((await page.locator("h1").first().innerText()) === "Waiting for you", "home does not start with what waits");
  const listed = await page.locator("ul.waiting li a.title").allInnerTexts();
  check(
    listed.length === titles.length && titles.every((t) => listed.includes(t)),
    `${who.email} is waiting for [${listed.join(", ")}], expected [${titles.join(", ")}]`,
  );
}

async function approve(page, assetPath) {
  await page.goto(base + assetPath);
  const form = page.locator("form.decide");
  check(await form.isVisible(), `no decision form on ${assetPath}`);
  await form.getByLabel("Approve", { exact: true }).check();
  await form.getByRole("button", { name: "Submit decision" }).click();
  await notice(page, "Your decision was recorded.");
  check((await page.locator("form.decide").count()) === 0, "the decision form is still offered after deciding");
}

/// The decision-form story: nothing chosen in advance; "Request changes" without a reason is
/// refused and comes back still chosen; with a reason it is recorded.
async function requestChanges(page, s, assetPath) {
  await page.goto(base + assetPath);
  const form = page.locator("form.decide");
  check(await form.isVisible(), `no decision form on ${assetPath}`);
  check((await form.locator("input[type=radio]:checked").count()) === 0, "a decision is chosen in advance");
  await form.getByLabel("Request changes").check();
  await form.getByRole("button", { name: "Submit decision" }).click();
  await notice(page, "“Request changes”");
  const said = await page.locator(".notice.error").innerText();
  check(!said.includes("changes_requested"), `the message names the internal code: ${said}`);
  const again = page.locator("form.decide");
  check(await again.getByLabel("Request changes").isChecked(), "the refused form lost the chosen decision");
  check((await again.locator("input[type=radio]:checked").count()) === 1, "more than one decision is chosen");
  await again.getByLabel("Reason").fill("The logo is too small on mobile.");
  await again.getByRole("button", { name: "Submit decision" }).click();
  await notice(page, "Your decision was recorded.");
  const id = assetPath.split("/").pop();
  const reviews = await must(200, "GET", `/api/v1/assets/${id}/reviews`, { token: s.token });
  const list = Array.isArray(reviews) ? reviews : (reviews.reviews ?? reviews.items ?? []);
  check(list[0]?.status === "changes_requested", `the review is ${list[0]?.status}, not changes_requested`);
}

/// Every page at a 390 px wide viewport: nothing scrolls sideways, with every fold opened too.
async function narrowPages(browser, s, admin, paths) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const wide = [];
  const measure = async (path) => {
    await page.goto(base + path);
    for (const open of [false, true]) {
      if (open) await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) {
        // The elements reaching past the edge that no scrolling box holds, innermost last.
        const culprits = await page.evaluate(() => {
          const scrolls = (e) => ["auto", "scroll", "hidden"].includes(getComputedStyle(e).overflowX);
          const loose = (e) => {
            for (let a = e.parentElement; a; a = a.parentElement) if (scrolls(a)) return false;
            return true;
          };
          const name = (e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${[...e.classList].map((c) => "." + c).join("")}`;
          return [...document.querySelectorAll("body *")]
            // A positioned element escapes a scrolling box that is not its containing block.
            .filter((e) => e.getBoundingClientRect().right > 391 && (loose(e) || getComputedStyle(e).position === "absolute"))
            .slice(-4)
            .map((e) => `${name(e)} in ${name(e.parentElement)}`);
        });
        wide.push(`${path}${open ? " (folds open)" : ""}: ${width} px wide (${culprits.join(", ")})`);
      }
    }
  };
  try {
    await measure("/login");
    await measure("/setup");
    await measure(s.resetLink);
    await measure("/reset-password?token=used-up");
    await signIn(page, admin);
    for (const path of paths) await measure(path);
    await measure("/no/such/page");
    for (const [name, path] of [["library", paths[2]], ["asset", paths[5]], ["audit", paths[10]]]) {
      await page.goto(base + path);
      await shoot(page, `${name}-390.png`);
    }
  } finally {
    await context.close();
  }
  check(wide.length === 0, `pages scroll sideways at 390 px:\n  ${wide.join("\n  ")}`);
}

async function main() {
  const s = await setUp();
  await csrfIsChecked(s.cookie, s.slug);
  const admin = { email: adminEmail, password: adminPassword };

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  // Pages answer 4xx on purpose (a refused decision is 422); only their resources must load.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.request().resourceType() !== "document" && r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
  });
  try {
    await signIn(page, admin);
    await buildWorkflow(page, s);
    await signOut(page);

    check((await unread(s)) === 0, "the brand approver has notifications before any review");
    await signIn(page, s.creator);
    const assetPath = await uploadAndStart(page, s);
    const flyerPath = await uploadSeveral(page, s);
    await signOut(page);
    await untilUnread(s, 2);

    await signIn(page, admin);
    await routingRule(page, s);
    await signOut(page);

    await waitingFor(page, s.brand, ["Spring banner", "summer-flyer"]);
    const bell = await page.locator("a.bell .count").innerText();
    check(Number(bell) >= 2, `the bell shows "${bell}", not the two reviews waiting`);
    await page.locator("a.bell").click();
    await page.waitForURL((u) => u.pathname === "/inbox");
    check((await page.locator("ul.inbox li").count()) >= 2, "the inbox does not list the waiting reviews");
    await shoot(page, "inbox.png");
    await approve(page, assetPath);
    await requestChanges(page, s, flyerPath);
    await signOut(page);
    await waitingFor(page, s.legal, ["Spring banner"]);
    await approve(page, assetPath);
    await signOut(page);

    await signIn(page, s.creator, assetPath);
    const status = (await page.locator(".titlebar .badge").innerText()).toLowerCase();
    check(status === "approved", `the asset's status is "${status}", not approved`);
    const approved = (await page.locator("#approved-version").innerText()).trim();
    check(approved === "1", `the approved version is "${approved}", not 1`);
    const review = await page.locator("article.review").first().innerText();
    check(review.includes("Bram Brand") && review.includes("Lena Legal"), `the review panel lacks the approvers: ${review}`);
    check(problems.length === 0, `the pages reported problems:\n  ${problems.join("\n  ")}`);

    await shoot(page, "approved.png");
    await signOut(page);

    await signIn(page, admin);
    const w = `/w/${s.slug}`;
    const pages = ["/", "/workspaces", w, `${w}?view=grid`, `${w}/upload`, assetPath, flyerPath, `${w}/workflows`,
      `${w}/members`, `${w}/jobs`, `${w}/audit`, "/account", "/admin/users", "/inbox", "/work", `${w}/settings`,
      `${w}/settings/fields`, `${w}/settings/routing`, `${w}/settings/calendar`, `${w}/settings/webhooks`];
    for (const [name, path] of [["library", w], ["asset", assetPath], ["audit", `${w}/audit`]]) {
      await page.goto(base + path);
      await shoot(page, `${name}-1280.png`);
    }
    await page.goto(`${base}${w}?view=grid`);
    await shoot(page, "library.png");
    await narrowPages(browser, s, admin, pages);
    console.log(`ok: ${assetPath} approved at version 1; screenshots in ${outDir}`);
  } catch (e) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: `${outDir}failure.png`, fullPage: true }).catch(() => {});
    console.error(`failed at ${page.url()} (screenshot: ${outDir}failure.png)`);
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Failure ? `browser test failed: ${e.message}` : e);
  process.exit(1);
});
