// The brief story through the real UI in Debian's headless Chromium:
//
//   node tests/browser/brief.mjs URL ADMIN_EMAIL ADMIN_PASSWORD
//
// Sets up a requester, an approver, a workspace, a one-stage workflow, a campaign with a
// milestone and a glossary through the JSON API; then in the browser: the admin builds a brief
// template in the template builder; the requester fills a brief leaving a mandatory field
// empty and sees the error next to that field, completes it, finds the glossary term explained
// on hover, and drags the card from "Brief draft" to "Brief in approval" on the board; the
// approver approves it on the brief page; the card stands in "In production" on the board and
// the milestone on the calendar. Leaves screenshots in target/browser/.

import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [base, adminEmail, adminPassword] = process.argv.slice(2);
if (!base || !adminEmail || !adminPassword) {
  console.error("usage: node brief.mjs URL ADMIN_EMAIL ADMIN_PASSWORD");
  process.exit(2);
}
const outDir = fileURLToPath(new URL("../../target/browser/", import.meta.url));
const run = Date.now().toString(36);
const password = "browser brief walks past nine lanterns";

class Failure extends Error {}
function check(ok, message) {
  if (!ok) throw new Failure(message);
}

async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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
  // A token for the set-up calls, made through a session cookie and its CSRF secret.
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
    body: JSON.stringify({ name: "brief story" }),
  });
  check(made.status === 201, `no token (${made.status})`);
  const { token } = await made.json();

  const person = async (key, name) => {
    const email = `${key}-${run}@example.com`;
    const user = await must(201, "POST", "/api/v1/users", { token, body: { email, name, password } });
    return { ...user, email };
  };
  const requester = await person("requester", "Rhea Requester");
  const approver = await person("approver", "Aldo Approver");
  const slug = `briefs-${run}`;
  await must(201, "POST", "/api/v1/workspaces", { token, body: { name: `Briefs ${run}`, slug } });
  for (const [user, role] of [[requester, "creator"], [approver, "reviewer"]]) {
    await must(200, "PUT", `/api/v1/workspaces/${slug}/members/${user.id}`, { token, body: { role } });
  }
  const workflow = await must(201, "POST", `/api/v1/workspaces/${slug}/workflows`, {
    token,
    body: { name: "Brief sign-off", stages: [{ name: "Marketing lead", approvers: [{ user: approver.id }], rule: "all", due_in_hours: 48 }] },
  });
  const campaign = await must(201, "POST", `/api/v1/workspaces/${slug}/campaigns`, {
    token,
    body: { name: "Spring savings", code: "SPRING26", channels: ["social"], starts_on: "2026-12-01", ends_on: "2027-02-28", colour: "#2456c7" },
  });
  const milestone = await must(201, "POST", `/api/v1/campaigns/${campaign.id}/milestones`, {
    token,
    body: { name: "Legal review of tiles", kind: "legal_review", due_on: "2026-12-14", assignee_id: approver.id },
  });
  await must(200, "PUT", `/api/v1/workspaces/${slug}/glossary`, {
    token,
    body: { terms: [{ term: "approved copy", definition: "Text signed off by legal, used word for word" }] },
  });
  return { token, slug, requester, approver, workflow, campaign, milestone: milestone.milestone };
}

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
}

async function buildTemplate(page, s) {
  await page.goto(`${base}/w/${s.slug}/brief-templates`);
  await page.getByLabel("Name").fill("Social tile brief");
  await page.getByLabel("Questions").fill(
    "# Audience\naudience | Audience | text | required | Who should act\nmarket | Market | enum | required | | AU, NZ\n# Copy\ncopy | Approved copy to use | long_text | optional\n",
  );
  await page.getByLabel("Deliverables (one a line)").fill("1080×1080 social tile");
  await page.getByLabel("Regulatory mandatories (one a line)").fill("Risk warning");
  await page.getByLabel("Approved by").selectOption(s.workflow.id);
  await page.getByRole("button", { name: "Save template" }).click();
  await page.locator(".notice", { hasText: "Saved." }).waitFor();
  await shoot(page, "brief-template.png");
  const listed = await must(200, "GET", `/api/v1/workspaces/${s.slug}/brief-templates`, { token: s.token });
  check(listed.templates.length === 1, "the template was not saved");
  const t = listed.templates[0];
  check(t.sections.length === 2 && t.sections[0].fields[1].values.join() === "AU,NZ", `the saved template reads ${JSON.stringify(t.sections)}`);
  return t;
}

async function writeBrief(page, s, template) {
  await page.goto(`${base}/w/${s.slug}/briefs`);
  await page.getByLabel("New brief from").selectOption(template.id);
  await page.getByRole("button", { name: "Write brief" }).click();
  await page.getByLabel("Title").fill("Summer savings tile");
  await page.getByLabel("Campaign").selectOption(s.campaign.id);
  await page.getByLabel("Market").selectOption("AU");
  await page.getByLabel("Approved copy to use").fill("Use the approved copy from legal.");
  await page.getByRole("button", { name: "Save brief" }).click();
  // The audience was left empty: the error stands next to that field, the rest is kept.
  const field = page.locator(".field.invalid", { has: page.getByLabel("Audience") });
  await field.locator(".field-error").waitFor();
  const message = await field.locator(".field-error").innerText();
  check(message.includes("Audience is required"), `the error beside Audience reads "${message}"`);
  check((await page.getByLabel("Market").inputValue()) === "AU", "the form lost the market");
  check((await page.getByLabel("Title").inputValue()) === "Summer savings tile", "the form lost the title");
  await shoot(page, "brief-refused.png");
  await page.getByLabel("Audience").fill("Young savers in Sydney");
  await page.getByRole("button", { name: "Save brief" }).click();
  await page.waitForURL((u) => u.pathname.startsWith("/b/"));
  const id = new URL(page.url()).pathname.split("/")[2];
  // The glossary term in the copy is explained on hover.
  const term = page.locator("dfn.term", { hasText: "approved copy" }).first();
  await term.waitFor();
  check((await term.getAttribute("title")) === "Text signed off by legal, used word for word", "no hover definition");
  await shoot(page, "brief-draft.png");
  return id;
}

async function columnOf(page, s, id) {
  await page.goto(`${base}/w/${s.slug}/board?campaign=${s.campaign.id}`);
  const card = page.locator(`[data-id="${id}"]`).first();
  await card.waitFor();
  const column = await card.evaluate((el) => el.closest("[data-column]")?.getAttribute("data-column"));
  return column;
}

async function dragToApproval(page, s, id) {
  check((await columnOf(page, s, id)) === "brief_draft", "the new brief is not a draft on the board");
  const card = page.locator(`[data-id="${id}"]`).first();
  const target = page.locator(`[data-column="brief_in_approval"]`).first();
  // The drop submits the move form: wait for the server's answer, then for the board again.
  // Wait for that navigation to finish before anything else navigates the page.
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), card.dragTo(target)]);
  const brief = await must(200, "GET", `/api/v1/briefs/${id}`, { token: s.token });
  check(brief.status === "in_approval", `the drag did not submit the brief: it is ${brief.status}`);
  check((await columnOf(page, s, id)) === "brief_in_approval", "the card did not move to Brief in approval");
  await shoot(page, "board-submitted.png");
}

async function approve(page, s, id) {
  await page.goto(`${base}/b/${id}`);
  await page.getByLabel("Approve", { exact: true }).check();
  await page.getByRole("button", { name: "Submit decision" }).click();
  await page.locator(".notice", { hasText: "Your decision was recorded." }).waitFor();
  const brief = await must(200, "GET", `/api/v1/briefs/${id}`, { token: s.token });
  check(brief.status === "approved" && brief.timeline.approved_at, `the brief is ${brief.status} after approval`);
  await shoot(page, "brief-approved.png");
}

async function main() {
  const s = await setUp();
  const admin = { email: adminEmail, password: adminPassword };
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
    if (r.request().resourceType() !== "document" && r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
  });
  try {
    await signIn(page, admin);
    const template = await buildTemplate(page, s);
    await signOut(page);

    await signIn(page, s.requester);
    const id = await writeBrief(page, s, template);
    await dragToApproval(page, s, id);
    await signOut(page);

    await signIn(page, s.approver);
    await approve(page, s, id);
    check((await columnOf(page, s, id)) === "in_production", "the approved brief is not in production on the board");
    await shoot(page, "board-approved.png");
    await page.goto(`${base}/w/${s.slug}/calendar?view=month&month=2026-12&campaign=${s.campaign.id}`);
    await page.getByText("Legal review of tiles").first().waitFor();
    await shoot(page, "calendar.png");
    check(problems.length === 0, `the pages had problems:\n  ${problems.join("\n  ")}`);
    console.log("the brief story passed");
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Failure ? `FAILED: ${e.message}` : e);
  process.exit(1);
});
