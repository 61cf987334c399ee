// The review story through the real UI in Debian's headless Chromium:
//
//   node tests/browser/review.mjs URL ADMIN_EMAIL ADMIN_PASSWORD
//
// Sets up people and a workspace through the JSON API, then in the browser: the admin builds
// a two-stage workflow in the editor, a creator uploads an asset and starts a review, two
// approvers approve in turn, and the asset page ends up approved at version 1. Leaves a
// screenshot in target/browser/. Exits non-zero with a message on the first failure.

import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
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
  return { cookie, slug, creator, brand, legal };
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
  await first.getByLabel("Due within (hours)").fill("48");
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

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

async function uploadAndStart(page, s) {
  await page.waitForURL((u) => u.pathname === `/w/${s.slug}`);
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

async function approve(page, who, assetPath, { tryWithoutReason = false } = {}) {
  await signIn(page, who, assetPath); // The sign-in page returns to the asset.
  check(new URL(page.url()).pathname === assetPath, `after sign-in expected ${assetPath}, got ${page.url()}`);
  const form = page.locator("form.decide");
  check(await form.isVisible(), `${who.email} sees no decision form`);
  if (tryWithoutReason) {
    await form.getByLabel("Request changes").check();
    await form.getByRole("button", { name: "Submit decision" }).click();
    await notice(page, "reason");
  }
  await page.locator("form.decide").getByLabel("Approve", { exact: true }).check();
  await page.locator("form.decide").getByRole("button", { name: "Submit decision" }).click();
  await notice(page, "Your decision was recorded.");
  check((await page.locator("form.decide").count()) === 0, "the decision form is still offered after deciding");
  await signOut(page);
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

    await signIn(page, s.creator);
    const assetPath = await uploadAndStart(page, s);
    await signOut(page);

    await approve(page, s.brand, assetPath, { tryWithoutReason: true });
    await approve(page, s.legal, assetPath);

    await signIn(page, s.creator, assetPath);
    const status = (await page.locator(".titlebar .badge").innerText()).toLowerCase();
    check(status === "approved", `the asset's status is "${status}", not approved`);
    const approved = (await page.locator("#approved-version").innerText()).trim();
    check(approved === "1", `the approved version is "${approved}", not 1`);
    const review = await page.locator("article.review").first().innerText();
    check(review.includes("Bram Brand") && review.includes("Lena Legal"), `the review panel lacks the approvers: ${review}`);
    check(problems.length === 0, `the pages reported problems:\n  ${problems.join("\n  ")}`);

    await shoot(page, "approved.png");
    await page.goto(`${base}/w/${s.slug}?view=grid`);
    await shoot(page, "library.png");
    console.log(`ok: ${assetPath} approved at version 1; screenshot in ${outDir}approved.png`);
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
