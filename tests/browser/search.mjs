// The search story through the real UI in Debian's headless Chromium:
//
//   node tests/browser/search.mjs URL ADMIN_EMAIL ADMIN_PASSWORD
//
// Sets up a workspace with a creator and a few assets through the JSON API and waits until
// the index has caught up (the status API says lag 0); then in the browser the creator types
// in the header's search box and sees suggestions, submits, picks a facet value (the counts
// and the chip follow), moves to a result with the arrow keys, opens it, and finds "Find
// similar" and "Add to collection" on the asset page. Leaves screenshots in target/browser/.

import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [base, adminEmail, adminPassword] = process.argv.slice(2);
if (!base || !adminEmail || !adminPassword) {
  console.error("usage: node search.mjs URL ADMIN_EMAIL ADMIN_PASSWORD");
  process.exit(2);
}
const outDir = fileURLToPath(new URL("../../target/browser/", import.meta.url));
const run = Date.now().toString(36);
const password = "browser search finds eleven herons";

class Failure extends Error {}
function check(ok, message) {
  if (!ok) throw new Failure(message);
}

async function api(method, path, { token, body, form } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body: form ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

async function must(expected, method, path, options) {
  const r = await api(method, path, options);
  check(r.status === expected, `${method} ${path}: expected ${expected}, got ${r.status}: ${r.text.slice(0, 300)}`);
  return r.json;
}

async function setUp() {
  const res = await fetch(base + "/api/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  });
  const sessionCookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = (await res.json()).csrf_token;
  const made = await fetch(base + "/api/v1/tokens", {
    method: "POST",
    headers: { "content-type": "application/json", cookie: sessionCookie, "x-csrf-token": csrf },
    body: JSON.stringify({ name: "search story" }),
  });
  check(made.status === 201, `no token (${made.status})`);
  const { token } = await made.json();
  const email = `finder-${run}@example.com`;
  const creator = await must(201, "POST", "/api/v1/users", { token, body: { email, name: "Fin Finder", password } });
  const slug = `search-${run}`;
  await must(201, "POST", "/api/v1/workspaces", { token, body: { name: `Search ${run}`, slug } });
  await must(200, "PUT", `/api/v1/workspaces/${slug}/members/${creator.id}`, { token, body: { role: "creator" } });
  for (const [title, kind] of [["Heron at the lake", "visual"], ["Heron in flight", "video"], ["Kingfisher on a branch", "visual"]]) {
    const form = new FormData();
    form.append("title", title);
    form.append("kind", kind);
    form.append("file", new Blob([`bytes of ${title}`]), `${title}.bin`);
    await must(201, "POST", `/api/v1/workspaces/${slug}/assets`, { token, form });
  }
  // Wait on the index, not on a clock: the status API says when every change is searchable.
  for (let i = 0; ; i++) {
    const st = await must(200, "GET", `/api/v1/workspaces/${slug}/search/status`, { token });
    if (st.lag_ms === 0 && st.documents === 3) break;
    check(i < 600, `the index did not catch up: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { token, slug, creator: { email } };
}

async function shoot(page, name) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: outDir + name, fullPage: true });
}

async function main() {
  const s = await setUp();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("response", (r) => {
    // The files here are not pictures, so their previews are "not available" (404) by design.
    const noPreview = r.status() === 404 && r.url().includes("/renditions/");
    if (r.request().resourceType() !== "document" && r.status() >= 400 && !noPreview) problems.push(`${r.status()} for ${r.url()}`);
  });
  try {
    await page.goto(`${base}/w/${s.slug}`);
    await page.getByLabel("Email").fill(s.creator.email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === `/w/${s.slug}`);

    // Type in the header box: suggestions arrive from the suggest API.
    const box = page.locator("#header-q");
    await box.click();
    await box.pressSequentially("her", { delay: 30 });
    await page.waitForFunction(() => document.querySelectorAll("#header-suggestions option").length === 2);
    const suggested = await page.locator("#header-suggestions option").evaluateAll((os) => os.map((o) => o.value).sort());
    check(JSON.stringify(suggested) === JSON.stringify(["Heron at the lake", "Heron in flight"]), `suggestions: ${suggested}`);
    await box.fill("heron");
    await box.press("Enter");
    await page.waitForURL((u) => u.pathname === `/w/${s.slug}/search`);
    check((await page.locator("#result-count").textContent()).startsWith("2 assets"), "two herons");
    await shoot(page, "search-results.png");

    // Pick a facet value: the results and the other counts follow, and a chip shows it.
    await page.locator('a.facet-value[data-facet="kind"][data-value="video"]').click();
    await page.waitForURL((u) => u.search.includes("filter=kind"));
    check((await page.locator("#result-count").textContent()).startsWith("1 asset"), "one heron video");
    await page.locator("ul.chips a.chip", { hasText: "kind:video" }).waitFor();
    const visualCount = await page.locator('a.facet-value[data-facet="kind"][data-value="visual"] .count').textContent();
    check(visualCount.trim() === "1", `the kind facet still counts the other kind: ${visualCount}`);
    await shoot(page, "search-facet.png");

    // Keyboard: arrow down to the first result, Enter opens it.
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("ArrowDown");
    check(await page.evaluate(() => document.activeElement?.classList.contains("result")), "arrow keys reach the results");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname.startsWith("/a/"));
    check((await page.locator("h1").first().textContent()).includes("Heron in flight"), "the opened result is the video");
    await page.locator("#find-similar").waitFor();
    check(problems.length === 0, `the pages had problems:\n  ${problems.join("\n  ")}`);
    console.log("the search story passed");
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Failure ? `FAILED: ${e.message}` : e);
  process.exit(1);
});
