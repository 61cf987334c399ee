// The single sign-on story through the real UI in Debian's headless Chromium, against a real
// OpenID Connect provider (tests/browser/oidc_provider.mjs, already running):
//
//   node tests/browser/sso.mjs URL ADMIN_EMAIL ADMIN_PASSWORD ISSUER CLIENT_ID CLIENT_SECRET
//
// Vellum was started with --oidc-issuer ISSUER --oidc-client-id CLIENT_ID and the secret in
// VELLUM_OIDC_CLIENT_SECRET. The admin sets claim rules through the API and registers Vellum at
// the provider; then in the browser Ana signs in with the single sign-on button and gets an
// account just in time with the role her `groups` claim maps to, landing on a clean URL; the
// provider saw PKCE and client authentication; replaying her callback is refused; signing out
// ends the provider's session too. Tampered ID tokens (signature, audience, nonce, expiry) and
// an unverified email sign nobody in; after the provider rotates its keys Bob still signs in;
// when Ana leaves the group her role follows; with passwords off the password form is gone and
// password sign-in is refused. Exits non-zero with a message on the first failure.

import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [base, adminEmail, adminPassword, issuer, clientId, clientSecret] = process.argv.slice(2);
if (!base || !adminEmail || !adminPassword || !issuer || !clientId || !clientSecret) {
  console.error("usage: node sso.mjs URL ADMIN_EMAIL ADMIN_PASSWORD ISSUER CLIENT_ID CLIENT_SECRET");
  process.exit(2);
}
const outDir = fileURLToPath(new URL("../../target/browser/", import.meta.url));

class Failure extends Error {}
function check(ok, message) {
  if (!ok) throw new Failure(message);
}

async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
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

async function provider(path, body) {
  const res = await fetch(issuer + path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  check(res.ok, `the provider's ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

const accounts = {
  ana: { email: "ana@bank.example", email_verified: true, name: "Ana Lima", groups: ["marketing", "all-staff"] },
  bob: { email: "bob@bank.example", email_verified: true, name: "Bob Reyes", groups: ["all-staff"] },
  eve: { email: "eve@elsewhere.example", email_verified: false, name: "Eve", groups: [] },
};

async function configureProvider(redirectUri, { rotate = false } = {}) {
  return provider("/__control/configure", {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [`${base}/login`],
    accounts,
    rotate_keys: rotate,
  });
}

/// Waits for the page to reach a URL; the failure names where it is instead.
async function arrive(page, where, what) {
  try {
    await page.waitForURL(where, { timeout: 20_000 });
  } catch {
    throw new Failure(`expected ${what}, but the browser is at ${page.url()}: ${(await page.content()).slice(0, 400)}`);
  }
}

async function shoot(page, name) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: outDir + name, fullPage: true });
}

/// Signs in with the single sign-on button as `login` at the provider (when it asks). Returns
/// the callback URL the provider sent the browser to.
async function ssoSignIn(page, login) {
  let callback = null;
  const seen = (req) => {
    if (req.url().startsWith(`${base}/auth/oidc/callback`)) callback = req.url();
  };
  page.on("request", seen);
  await page.goto(`${base}/login`);
  await page.getByRole("link", { name: "Sign in with single sign-on" }).click();
  // Where the flow can stop: the provider's login form, home (signed in), or a refusal shown
  // at the callback.
  await page.waitForURL((u) => u.href.startsWith(issuer) || (u.href.startsWith(base) && u.pathname !== "/login"));
  if (page.url().startsWith(issuer)) {
    await page.locator("input[name=login]").fill(login);
    await page.locator("input[name=password]").fill("any password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.href.startsWith(base));
  }
  await page.waitForLoadState();
  page.off("request", seen);
  return callback;
}

async function sessionCookie(context) {
  return (await context.cookies(base)).find((c) => c.name === "vellum_session");
}

async function notice(page, text) {
  const all = (await page.locator(".notice").allInnerTexts()).join(" | ");
  check(all.includes(text), `expected a notice with "${text}" at ${page.url()}; the page says: ${all || "(nothing)"}`);
}

async function memberRole(token, slug, email) {
  const { members } = await must(200, "GET", `/api/v1/workspaces/${slug}/members`, { token });
  return members.find((m) => m.email === email)?.role ?? null;
}

async function main() {
  // The admin's token, rules and the provider's registration of Vellum.
  const session = await api("POST", "/api/v1/session", { body: { email: adminEmail, password: adminPassword } });
  check(session.status === 200, `the admin could not sign in (${session.status}): ${session.text}`);
  const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0];
  const tokenRes = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { cookie, "x-csrf-token": session.json.csrf_token, "content-type": "application/json" },
    body: JSON.stringify({ name: "sso story" }),
  });
  const { token } = await tokenRes.json();
  check(typeof token === "string", "no admin token");
  await must(201, "POST", "/api/v1/workspaces", { token, body: { name: "Brand", slug: "brand" } });
  const bad = await api("PUT", "/api/v1/admin/sso", {
    token,
    body: { claim_rules: [{ when: { claim: "groups", contains: "marketing" }, workspace: "nowhere", role: "creator" }] },
  });
  check(bad.status === 422 && bad.json?.error?.code === "invalid_claim_rule", `a rule for no workspace: ${bad.text}`);
  const sso = await must(200, "PUT", "/api/v1/admin/sso", {
    token,
    body: {
      claim_rules: [
        { when: { claim: "groups", contains: "marketing" }, workspace: "brand", role: "creator" },
        { when: { claim: "email", domain: "bank.example" }, workspace: "brand", role: "viewer" },
      ],
    },
  });
  check(sso.issuer === issuer && sso.client_id === clientId, `the flags' issuer and client: ${JSON.stringify(sso)}`);
  check(sso.client_secret_set === true && !JSON.stringify(sso).includes(clientSecret), "the secret is set, never shown");
  check(sso.redirect_uri === `${base}/auth/oidc/callback`, `redirect_uri ${sso.redirect_uri}`);
  await configureProvider(sso.redirect_uri);

  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    // Ana signs in: just-in-time account, role from her groups, a clean URL.
    const context = await browser.newContext();
    const page = await context.newPage();
    const callback = await ssoSignIn(page, "ana");
    check(callback && callback.includes("code=") && callback.includes("state="), `no callback seen: ${callback}`);
    const landed = new URL(page.url());
    check(landed.pathname === "/" && landed.search === "", `after signing in the URL is ${page.url()}, not a clean /`);
    check(await sessionCookie(context), "no session cookie after single sign-on");
    await shoot(page, "sso-signed-in.png");
    const { users } = await must(200, "GET", "/api/v1/users", { token });
    const ana = users.find((u) => u.email === "ana@bank.example");
    check(ana && ana.name === "Ana Lima" && ana.kind === "person", `Ana's account: ${JSON.stringify(ana)}`);
    check((await memberRole(token, "brand", ana.email)) === "creator", "Ana's groups claim did not make her a creator");
    const tokens = await provider("/__control/tokens");
    check(tokens.length >= 1 && tokens.every((t) => t.had_code_verifier && t.auth === "basic"), `token requests: ${JSON.stringify(tokens)}`);

    // The same answer twice: refused, whoever replays it.
    const replay = await page.goto(callback);
    check(replay.status() === 400, `a replayed callback got ${replay.status()}, not 400`);
    await notice(page, "already used");

    // An answer carried to another browser (login CSRF) is refused there, and still works in
    // the browser that started the sign-in.
    {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.goto(`${base}/login`);
      await p.getByRole("link", { name: "Sign in with single sign-on" }).click();
      await p.waitForURL((u) => u.href.startsWith(issuer));
      // The answer arrives in a browser without this sign-in's state cookie.
      const bound = (await ctx.cookies(`${base}/auth/oidc/callback`)).find((c) => c.name === "vellum_oidc");
      check(bound && bound.httpOnly && bound.sameSite === "Lax", `the state cookie: ${JSON.stringify(bound)}`);
      await ctx.clearCookies({ name: "vellum_oidc" });
      const arrived = p.waitForResponse((r) => r.url().startsWith(`${base}/auth/oidc/callback`));
      await p.locator("input[name=login]").fill("ana");
      await p.locator("input[name=password]").fill("any password");
      await p.getByRole("button", { name: "Sign in" }).click();
      const elsewhere = await arrived;
      check(elsewhere.status() === 400, `the answer without the state cookie got ${elsewhere.status()}, not 400`);
      check(!(await sessionCookie(ctx)), "an answer without the state cookie signed in");
      // The same answer still works in the browser that holds the state.
      await ctx.addCookies([bound]);
      await p.goto(elsewhere.url());
      check(new URL(p.url()).pathname === "/" && (await sessionCookie(ctx)), "the starting browser could not finish");
      await ctx.close();
    }

    // Signing out ends the provider's session too: the next sign-in asks for the login again.
    await page.goto(`${base}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await arrive(page, (u) => u.href.startsWith(`${base}/login`), "the login page after signing out");
    check(!(await sessionCookie(context)), "the session cookie outlived signing out");
    await page.getByRole("link", { name: "Sign in with single sign-on" }).click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    check(await page.locator("input[name=login]").isVisible(), "the provider's session survived signing out of Vellum");
    await context.close();

    // Tampered answers sign nobody in.
    for (const [mode, says] of [
      ["signature", "does not verify"],
      ["audience", "another client"],
      ["nonce", "nonce"],
      ["expired", "expired"],
    ]) {
      await provider("/__control/tamper", { mode });
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await ssoSignIn(p, "ana");
      await notice(p, says);
      check(!(await sessionCookie(ctx)), `a ${mode}-tampered ID token signed someone in`);
      await shoot(p, `sso-refused-${mode}.png`);
      await ctx.close();
    }
    await provider("/__control/tamper", { mode: "none" });

    // An address the provider has not verified makes no account.
    {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await ssoSignIn(p, "eve");
      await notice(p, "verified email");
      check(!(await sessionCookie(ctx)), "an unverified email signed in");
      await ctx.close();
    }

    // The provider rotates its signing key: the unknown kid makes Vellum fetch the keys again.
    await configureProvider(sso.redirect_uri, { rotate: true });
    {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await ssoSignIn(p, "bob");
      check(await sessionCookie(ctx), "Bob could not sign in after the key rotation");
      check((await memberRole(token, "brand", "bob@bank.example")) === "viewer", "Bob's email domain did not make him a viewer");
      await ctx.close();
    }

    // Ana leaves the marketing group: her rule-granted role follows at her next sign-in.
    accounts.ana.groups = ["all-staff"];
    await configureProvider(sso.redirect_uri);
    {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await ssoSignIn(p, "ana");
      check(await sessionCookie(ctx), "Ana could not sign in again");
      check((await memberRole(token, "brand", ana.email)) === "viewer", "Ana's role did not follow her groups");
      await ctx.close();
    }

    // Passwords off: the form is gone and password sign-in is refused; single sign-on remains.
    const off = await must(200, "PUT", "/api/v1/admin/sso", { token, body: { allow_passwords: false } });
    check(off.allow_passwords === false, "passwords are still allowed");
    const refused = await api("POST", "/api/v1/session", { body: { email: adminEmail, password: adminPassword } });
    check(refused.status === 403 && refused.json?.error?.code === "password_sign_in_disabled", `password sign-in: ${refused.text}`);
    {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.goto(`${base}/login`);
      check((await p.locator("input[type=password]").count()) === 0, "the password form is still shown");
      check(await p.getByRole("link", { name: "Sign in with single sign-on" }).isVisible(), "no single sign-on button");
      await shoot(p, "sso-only.png");
      await ctx.close();
    }
    await must(200, "PUT", "/api/v1/admin/sso", { token, body: { allow_passwords: true } });
    const back = await api("POST", "/api/v1/session", { body: { email: adminEmail, password: adminPassword } });
    check(back.status === 200, `password sign-in did not come back (${back.status})`);
  } finally {
    await browser.close();
  }
  console.log("single sign-on story passed");
}

main().catch((e) => {
  console.error(e instanceof Failure ? `FAILED: ${e.message}` : e);
  process.exit(1);
});
