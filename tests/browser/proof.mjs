// The proofing story through the real UI in Debian's headless Chromium:
//
//   node tests/browser/proof.mjs URL ADMIN_EMAIL ADMIN_PASSWORD
//
// Makes an image, a four-page PDF and a 29.97 fps clip (ffmpeg, Ghostscript), uploads them
// through the JSON API and waits for processing; then in the browser: draws a rectangle on the
// image and comments, comments on page 3 of the PDF, steps the clip to a frame and comments,
// reloads each page and finds each pin where it was (checked against the API too); uploads a
// second version of the image with one area changed, opens compare and sees that area boxed
// and the carried comment marked as changed. Leaves screenshots in target/browser/.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [base, adminEmail, adminPassword] = process.argv.slice(2);
if (!base || !adminEmail || !adminPassword) {
  console.error("usage: node proof.mjs URL ADMIN_EMAIL ADMIN_PASSWORD");
  process.exit(2);
}
const outDir = fileURLToPath(new URL("../../target/browser/", import.meta.url));
const run = Date.now().toString(36);
const work = mkdtempSync(join(tmpdir(), "vellum-proof-"));

class Failure extends Error {}
function check(ok, message) {
  if (!ok) throw new Failure(message);
}

// ---- files ------------------------------------------------------------------------------

function ffmpeg(args, name) {
  execFileSync("ffmpeg", ["-v", "error", ...args, "-y", join(work, name)]);
  return readFileSync(join(work, name));
}

const card = (name, box) =>
  ffmpeg(
    ["-f", "lavfi", "-i", "testsrc=size=800x600", "-frames:v", "1",
      ...(box ? ["-vf", `drawbox=x=${box[0]}:y=${box[1]}:w=${box[2]}:h=${box[3]}:color=0x2040c0:t=fill`] : []), "-q:v", "3"],
    name,
  );

function leaflet(pages) {
  let ps = "%!PS\n/Helvetica findfont 40 scalefont setfont\n";
  for (let k = 1; k <= pages; k++) ps += `72 400 moveto (Page ${k}) show showpage\n`;
  writeFileSync(join(work, "doc.ps"), ps);
  execFileSync("gs", ["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4",
    `-sOutputFile=${join(work, "doc.pdf")}`, join(work, "doc.ps")]);
  return readFileSync(join(work, "doc.pdf"));
}

const clip = () =>
  ffmpeg(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30000/1001", "-t", "3", "-c:v", "libx264",
    "-pix_fmt", "yuv420p", "-timecode", "01:00:00;00"], "spot.mp4");

// ---- JSON API -----------------------------------------------------------------------------

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

function upload(fields, name, bytes) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new Blob([bytes]), name);
  return form;
}

/// Waits, by asking, until processing of a version ended (the server's own worker runs it).
async function processed(token, asset, n) {
  for (let i = 0; i < 600; i++) {
    const v = await must(200, "GET", `/api/v1/assets/${asset}/versions/${n}`, { token });
    if (v.processing === "done") return v;
    check(v.processing !== "failed", `processing version ${n} of ${asset} failed: ${v.processing_reason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Failure(`version ${n} of ${asset} was not processed in two minutes`);
}

async function setUp() {
  const res = await fetch(base + "/api/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  });
  check(res.status === 200, `the admin could not sign in (${res.status})`);
  const csrf = (await res.json()).csrf_token;
  const sessionCookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  const tokenRes = await fetch(base + "/api/v1/tokens", {
    method: "POST",
    headers: { "content-type": "application/json", cookie: sessionCookie, "x-csrf-token": csrf },
    body: JSON.stringify({ name: "proof test" }),
  });
  check(tokenRes.status === 201, `no API token (${tokenRes.status})`);
  const { token } = await tokenRes.json();
  const me = await (await fetch(base + "/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).json();
  const slug = `proof-${run}`;
  await must(201, "POST", "/api/v1/workspaces", { token, body: { name: `Proofing ${run}`, slug } });
  const add = async (kind, name, bytes) => {
    const a = await must(201, "POST", `/api/v1/workspaces/${slug}/assets`, { token, form: upload({ kind }, name, bytes) });
    return a.id;
  };
  const image = await add("visual", "card.jpg", card("card1.jpg"));
  const pdf = await add("written", "leaflet.pdf", leaflet(4));
  const video = await add("video", "spot.mp4", clip());
  for (const id of [image, pdf, video]) await processed(token, id, 1);
  return { token, slug, image, pdf, video, admin: me.user.id };
}

// ---- browser ------------------------------------------------------------------------------

async function shoot(page, name) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: outDir + name, fullPage: true });
}

async function signIn(page) {
  await page.goto(base + "/login");
  await page.getByLabel("Email").fill(adminEmail);
  await page.getByLabel("Password").fill(adminPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

async function openProof(page, path) {
  await page.goto(base + path);
  await page.locator("#proof.ready").waitFor();
  await page.locator('.proof-stage[data-side="b"] .proof-picture').waitFor();
}

/// Where a point of the preview (in 0..1) is on screen.
async function at(page, x, y, side = "b") {
  const box = await page.locator(`.proof-stage[data-side="${side}"] svg.annot`).boundingBox();
  return [box.x + box.width * x, box.y + box.height * y];
}

async function drag(page, from, to) {
  const [x0, y0] = await at(page, ...from);
  const [x1, y1] = await at(page, ...to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 8 });
  await page.mouse.up();
}

async function comment(page, text, shown = text) {
  await page.getByLabel("Comment", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Comment", exact: true }).click();
  await page.locator(".comment-list .comment", { hasText: shown }).waitFor();
}

async function marks(page, side = "b") {
  return page.locator(`.proof-stage[data-side="${side}"] svg.annot g.mark`).count();
}

async function commentsOf(s, asset, n) {
  return (await must(200, "GET", `/api/v1/assets/${asset}/versions/${n}/comments`, { token: s.token })).comments;
}

const near = (a, b) => Math.abs(a - b) < 0.02;

async function rectangleOnImage(page, s) {
  await openProof(page, `/a/${s.image}/v/1`);
  await drag(page, [0.2, 0.2], [0.5, 0.5]);
  check((await page.locator(".pinned").innerText()).includes("rect"), "the form does not say what is pinned");
  await comment(page, "Tighten the **crop** here", "Tighten the crop here");
  const [c] = await commentsOf(s, s.image, 1);
  const [[x0, y0], [x1, y1]] = c.anchor.shape.points;
  check(c.anchor.shape.type === "rect" && near(x0, 0.2) && near(y0, 0.2) && near(x1, 0.5) && near(y1, 0.5),
    `the rectangle was saved as ${JSON.stringify(c.anchor)}`);
  const bold = await page.locator(".comment-list .comment-body strong").innerText();
  check(bold === "crop", "the comment's markdown was not rendered");
  await page.reload();
  await page.locator("#proof.ready").waitFor();
  await page.locator('svg.annot g.mark rect').waitFor();
  const x = Number(await page.locator("svg.annot g.mark rect").getAttribute("x"));
  check(near(x, 0.2), `after a reload the rectangle starts at x=${x}`);
  // By keyboard: focus the preview, place both corners with Shift+arrows and Enter.
  await page.locator('.proof-stage[data-side="b"] .proof-viewport').focus();
  await page.keyboard.press("Enter");
  for (let k = 0; k < 5; k++) {
    await page.keyboard.press("Shift+ArrowRight");
    await page.keyboard.press("Shift+ArrowDown");
  }
  await page.keyboard.press("Enter");
  await comment(page, "Keyboard mark");
  const byKeys = (await commentsOf(s, s.image, 1)).find((c) => c.body === "Keyboard mark");
  check(JSON.stringify(byKeys?.anchor?.shape?.points) === "[[0.5,0.5],[0.6,0.6]]", `the keyboard mark is ${JSON.stringify(byKeys?.anchor)}`);
  // Edit it (the old text stays in its history), filter the list, then retract it.
  const keyed = page.locator(".comment-list .comment", { hasText: "Keyboard mark" });
  await keyed.getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Edit comment").fill("Keyboard mark, *edited*");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator(".comment-list .comment em", { hasText: "edited" }).waitFor();
  const history = await must(200, "GET", `/api/v1/comments/${byKeys.id}/history`, { token: s.token });
  check(history.edits[0]?.body === "Keyboard mark", `the history is ${JSON.stringify(history)}`);
  await page.getByLabel("Show").selectOption("resolved");
  await page.locator(".comment-list .empty", { hasText: "No comments match" }).waitFor();
  await page.getByLabel("Show").selectOption("all");
  page.once("dialog", (d) => d.accept());
  await page.locator(".comment-list .comment", { hasText: "Keyboard mark, edited" }).getByRole("button", { name: "Retract" }).click();
  await page.locator(".comment-list .comment.retracted").waitFor();
  await shoot(page, "proof-image.png");
}

async function pageThreeOfPdf(page, s) {
  await openProof(page, `/a/${s.pdf}/v/1`);
  const next = page.getByRole("button", { name: "Page ›" });
  await next.click();
  await next.click();
  check((await page.locator(".page-label").innerText()) === "Page 3 of 4", "the viewer is not on page 3");
  await page.getByRole("button", { name: "Point" }).click();
  const [x, y] = await at(page, 0.3, 0.4);
  await page.mouse.click(x, y);
  await comment(page, "Typo on this page");
  const [c] = await commentsOf(s, s.pdf, 1);
  check(c.anchor.page === 3 && c.anchor.shape.type === "point", `saved as ${JSON.stringify(c.anchor)}`);
  await page.reload();
  await page.locator("#proof.ready").waitFor();
  check((await marks(page)) === 0, "page 1 shows the pin of page 3");
  await page.locator(".comment-list .comment", { hasText: "Typo on this page" }).click();
  await page.locator("svg.annot g.mark circle").waitFor();
  check((await page.locator(".page-label").innerText()) === "Page 3 of 4", "choosing the comment did not open page 3");
  await shoot(page, "proof-pdf.png");
}

async function frameOfVideo(page, s) {
  await openProof(page, `/a/${s.video}/v/1`);
  await page.locator("video").evaluate((v) => new Promise((ok) => (v.readyState >= 2 ? ok() : v.addEventListener("loadeddata", ok))));
  await page.locator("h1").click();
  for (let k = 0; k < 12; k++) {
    await page.keyboard.press("ArrowRight");
    await page.locator(".timecode", { hasText: `frame ${k + 1}` }).waitFor();
  }
  check((await page.locator(".timecode").innerText()).startsWith("01:00:00;12"), "the player's timecode is not 01:00:00;12");
  await page.keyboard.press("1");
  const [x, y] = await at(page, 0.5, 0.5);
  await page.mouse.click(x, y);
  await comment(page, "Flash frame");
  const [c] = await commentsOf(s, s.video, 1);
  check(c.anchor.frame === 12 && c.timecode === "01:00:00;12", `saved as ${JSON.stringify(c.anchor)} at ${c.timecode}`);
  await page.reload();
  await page.locator("#proof.ready").waitFor();
  await page.locator("video").evaluate((v) => new Promise((ok) => (v.readyState >= 2 ? ok() : v.addEventListener("loadeddata", ok))));
  check((await marks(page)) === 0, "the frame's pin shows on frame 0");
  await page.locator(".comment-list .comment", { hasText: "Flash frame" }).click();
  await page.locator(".timecode", { hasText: "frame 12" }).waitFor();
  await page.locator("svg.annot g.mark").waitFor();
  await page.locator("h1").click();
  await page.keyboard.press("ArrowRight");
  await page.locator(".timecode", { hasText: "frame 13" }).waitFor();
  check((await marks(page)) === 0, "the pin of frame 12 still shows on frame 13");
  await shoot(page, "proof-video.png");
}

async function compareSeesTheChange(page, s) {
  const form = upload({ note: "blue box" }, "card.jpg", card("card2.jpg", [200, 150, 160, 120]));
  await must(201, "POST", `/api/v1/assets/${s.image}/versions`, { token: s.token, form });
  await processed(s.token, s.image, 2);
  await openProof(page, `/a/${s.image}/v/2`);
  await page.getByRole("link", { name: "Compare with version 1" }).click();
  await page.locator(".compare-status", { hasText: "changed area" }).waitFor({ timeout: 60_000 });
  const box = page.locator('.proof-stage[data-side="b"] svg.annot rect.diff-box');
  check((await box.count()) === 1, `expected one changed area, found ${await box.count()}`);
  const [x, y, w, h] = await Promise.all(["x", "y", "width", "height"].map(async (k) => Number(await box.getAttribute(k))));
  check(x <= 0.255 && y <= 0.255 && x + w >= 0.445 && y + h >= 0.445 && w < 0.3, `the box is at ${[x, y, w, h]}`);
  const carried = page.locator(".comment-list .comment", { hasText: "Tighten" });
  check((await carried.innerText()).toLowerCase().includes("area changed"), "the carried comment does not say its area changed");
  await page.getByLabel("Overlay").check();
  await page.getByLabel("Opacity").fill("0.3");
  await shoot(page, "proof-compare.png");
}

/// A guest without an account opens their personal link, pins a note and comments.
async function guestComments(browser, s) {
  const workflow = await must(201, "POST", `/api/v1/workspaces/${s.slug}/workflows`, {
    token: s.token,
    body: { name: "Sign-off", stages: [{ name: "Owner", approvers: [{ user: s.admin }], rule: "any" }] },
  });
  const review = await must(201, "POST", `/api/v1/assets/${s.image}/reviews`, { token: s.token, body: { workflow_id: workflow.id } });
  const expires = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
  const guest = await must(201, "POST", `/api/v1/reviews/${review.id}/guests`, {
    token: s.token,
    body: { email: "agency@example.com", expires_at: expires },
  });
  check(guest.link?.startsWith("/g/"), `the guest link is ${guest.link}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  try {
    await openProof(page, guest.link);
    check(!(await page.locator("header.top").count()), "a guest sees the members' navigation");
    await page.getByRole("button", { name: "Point" }).click();
    const [x, y] = await at(page, 0.7, 0.3);
    await page.mouse.click(x, y);
    await comment(page, "Please check the logo colour");
    const listed = await commentsOf(s, s.image, review.version);
    const mine = listed.find((c) => c.body === "Please check the logo colour");
    check(mine && mine.author_id === guest.user_id && mine.anchor.shape.type === "point", `the guest's comment: ${JSON.stringify(mine)}`);
    await shoot(page, "proof-guest.png");
  } finally {
    await context.close();
  }
}

async function main() {
  const s = await setUp();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--autoplay-policy=no-user-gesture-required"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  try {
    await signIn(page);
    await rectangleOnImage(page, s);
    await pageThreeOfPdf(page, s);
    await frameOfVideo(page, s);
    await compareSeesTheChange(page, s);
    await guestComments(browser, s);
    check(problems.length === 0, `the pages reported problems:\n  ${problems.join("\n  ")}`);
    console.log(`ok: proofing story; screenshots in ${outDir}`);
  } catch (e) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: `${outDir}proof-failure.png`, fullPage: true }).catch(() => {});
    console.error(`failed at ${page.url()} (screenshot: ${outDir}proof-failure.png)`);
    if (problems.length) console.error(problems.join("\n"));
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Failure ? `browser test failed: ${e.message}` : e);
  process.exit(1);
});
