// A real, local OpenID Connect provider (npm `oidc-provider`) for single sign-on tests:
//
//   node tests/browser/oidc_provider.mjs
//
// Listens on 127.0.0.1 on a free port and prints exactly one line to stdout as soon as it
// listens, `issuer http://127.0.0.1:PORT` (no trailing slash); everything else goes to
// stderr. Runs until killed. Until it is configured every OIDC endpoint answers 503; the
// control endpoints always answer:
//
//   POST /__control/configure  {client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//                               accounts: {LOGIN: {email, email_verified, name, groups}},
//                               rotate_keys?}                                     -> {kid}
//        (re)builds the provider with exactly that one confidential client (authorization code,
//        PKCE S256 required, client_secret_basic only: the token endpoint answers 401
//        invalid_client to client_secret_post), scopes `openid email profile groups` whose claims
//        go into the ID token too (sub = the login), a fresh in-memory store, and an RS256 key
//        that is kept across calls unless rotate_keys is true (then a new kid replaces it).
//   POST /__control/tamper     {mode: none|signature|audience|nonce|expired}     -> {mode}
//        alters the id_token of every later token response: `signature` changes the email
//        without re-signing, `audience`/`nonce`/`expired` re-sign with the real key (same kid)
//        and aud "someone-else" / nonce "forged" / exp an hour ago.
//   GET  /__control/tokens     -> [{grant_type, had_code_verifier, auth: basic|post|none}, ...]
//
// Sign-in is a plain form at /interaction/UID (any password; the login must be one of the
// accounts, else "unknown account"); consent is always granted without a page, and the
// RP-initiated logout confirmation submits itself.

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from "jose";
import Provider from "oidc-provider";

// oidc-provider prints its notices with console.info; stdout carries only the issuer line.
console.log = console.info = console.debug = (...args) => console.error(...args);

const SCOPES = ["openid", "email", "profile", "groups"];
const TAMPER_MODES = new Set(["none", "signature", "audience", "nonce", "expired"]);

let issuer = "";
let provider = null; // the current Provider
let handle = null; // its request listener
let config = null; // the last configuration
let signingKey = null; // {kid, jwk: private JWK}
let tamper = "none";
const tokenRequests = [];

function log(...args) {
  console.error("[oidc]", ...args);
}

function escapeHtml(value) {
  return String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(body);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(html);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// ---- keys ---------------------------------------------------------------------------------

async function newSigningKey() {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  const kid = `rsa-${randomBytes(8).toString("hex")}`;
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  return { kid, jwk };
}

function b64urlJson(value) {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

// Re-signs a payload with the current key under the original protected header (same kid).
async function resign(header, payload) {
  const key = await importJWK(signingKey.jwk, "RS256");
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
}

async function tamperIdToken(idToken) {
  const [h, p, s] = idToken.split(".");
  const header = decodeProtectedHeader(idToken);
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  const now = Math.floor(Date.now() / 1000);
  switch (tamper) {
    case "signature":
      return `${h}.${b64urlJson({ ...payload, email: "mallory@evil.example" })}.${s}`;
    case "audience":
      return resign(header, { ...payload, aud: "someone-else" });
    case "nonce":
      return resign(header, { ...payload, nonce: "forged" });
    case "expired":
      return resign(header, { ...payload, iat: now - 7200, exp: now - 3600 });
    default:
      return idToken;
  }
}

// ---- the provider -------------------------------------------------------------------------

function logoutSource(ctx, form) {
  // Confirms on its own (logout=yes ends the OP session too) so a browser lands on the
  // post_logout_redirect_uri without a click.
  const autoForm = form.replace(
    "</form>",
    '<input type="hidden" name="logout" value="yes"/>' +
      '<noscript><button type="submit">Sign out</button></noscript></form>',
  );
  ctx.type = "html";
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Signing out</title></head>
<body><p>Signing out…</p>${autoForm}
<script>document.getElementById("op.logoutForm").submit();</script></body></html>`;
}

function renderError(ctx, out) {
  ctx.type = "html";
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>OIDC error</title></head>
<body><h1>OIDC error</h1>${Object.entries(out)
    .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
    .join("")}</body></html>`;
}

function buildProvider(cfg) {
  const accounts = cfg.accounts;
  const p = new Provider(issuer, {
    clients: [
      {
        client_id: cfg.client_id,
        client_secret: cfg.client_secret,
        redirect_uris: cfg.redirect_uris,
        post_logout_redirect_uris: cfg.post_logout_redirect_uris ?? [],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [signingKey.jwk] },
    cookies: {
      keys: ["vellum oidc test cookie key, fixed on purpose"],
      names: {
        session: "op_session",
        interaction: "op_interaction",
        resume: "op_interaction_resume",
      },
    },
    scopes: SCOPES,
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
      groups: ["groups"],
    },
    // Claims of the granted scopes go into the ID token as well, not only the userinfo.
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: account.email_verified,
            name: account.name,
            groups: account.groups ?? [],
          };
        },
      };
    },
    renderError,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
  });

  const emit = p.emit.bind(p);
  p.emit = (name, ...args) => {
    if (/error$/.test(name)) {
      const err = args.find((a) => a instanceof Error);
      if (err) {
        const detail = err.error_detail ? ` (${err.error_detail})` : "";
        log(`${name}: ${err.error ?? err.name}: ${err.error_description ?? err.message}${detail}`);
      }
    }
    return emit(name, ...args);
  };

  const tokenPath = p.pathFor("token");
  p.use(async (ctx, next) => {
    if (ctx.path !== tokenPath || ctx.method !== "POST") return next();
    // Read the form here to log it (oidc-provider then takes the already read req.body) and
    // to hold the client to its registered client_secret_basic: oidc-provider itself would
    // also accept client_secret_post for it.
    const raw = await readBody(ctx.req);
    ctx.req.body = raw;
    const form = new URLSearchParams(raw);
    const basic = /^basic /i.test(ctx.get("authorization"));
    const auth = basic ? "basic" : form.has("client_secret") ? "post" : "none";
    tokenRequests.push({
      grant_type: form.get("grant_type"),
      had_code_verifier: Boolean(form.get("code_verifier")),
      auth,
    });
    if (auth !== "basic") {
      ctx.status = 401;
      ctx.set("www-authenticate", 'Basic realm="token"');
      ctx.set("cache-control", "no-store");
      ctx.body = {
        error: "invalid_client",
        error_description: "the client must authenticate with client_secret_basic",
      };
      log(`token request refused: client authentication ${auth}, not basic`);
      return;
    }
    await next();
    if (tamper !== "none" && ctx.status === 200 && typeof ctx.body?.id_token === "string") {
      ctx.body = { ...ctx.body, id_token: await tamperIdToken(ctx.body.id_token) };
      log(`token response id_token tampered: ${tamper}`);
    }
  });
  return p;
}

async function configure(cfg) {
  const problems = [];
  if (typeof cfg?.client_id !== "string" || !cfg.client_id) problems.push("client_id");
  if (typeof cfg?.client_secret !== "string" || !cfg.client_secret) problems.push("client_secret");
  if (!Array.isArray(cfg?.redirect_uris) || !cfg.redirect_uris.length) {
    problems.push("redirect_uris");
  }
  if (cfg?.post_logout_redirect_uris !== undefined && !Array.isArray(cfg.post_logout_redirect_uris))
    problems.push("post_logout_redirect_uris");
  if (!cfg?.accounts || typeof cfg.accounts !== "object") problems.push("accounts");
  if (problems.length) throw new Error(`missing or invalid: ${problems.join(", ")}`);

  const previousKey = signingKey;
  if (!signingKey || cfg.rotate_keys === true) signingKey = await newSigningKey();
  let p;
  try {
    p = buildProvider(cfg);
  } catch (err) {
    signingKey = previousKey;
    throw err;
  }
  provider = p;
  handle = p.callback();
  config = cfg;
  const logins = Object.keys(cfg.accounts).join(", ");
  log(`configured client ${cfg.client_id}, accounts [${logins}], kid ${signingKey.kid}`);
  return { kid: signingKey.kid };
}

// ---- sign-in ------------------------------------------------------------------------------

function loginPage(uid, { login = "", error = "" } = {}) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in to the test provider</title></head>
<body>
<h1>Sign in to the test provider</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}" autocomplete="off">
  <label>Login <input name="login" value="${escapeHtml(login)}" autofocus></label>
  <label>Password <input name="password" type="password"></label>
  <button type="submit">Sign in</button>
</form>
</body></html>`;
}

// Grants every requested scope (and claim) so that no consent page ever shows.
async function grantAll(p, details, accountId) {
  const { params, prompt } = details;
  const grant = details.grantId
    ? await p.Grant.find(details.grantId)
    : new p.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(
    String(params.scope ?? "")
      .split(" ")
      .filter((s) => SCOPES.includes(s))
      .join(" "),
  );
  if (prompt.details?.missingOIDCScope) {
    grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
  }
  if (prompt.details?.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details?.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(" "));
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function interaction(req, res, uid) {
  const p = provider;
  let details;
  try {
    details = await p.interactionDetails(req, res);
  } catch (err) {
    log(`interaction ${uid}: ${err.message}`);
    const message = escapeHtml(err.message);
    return sendHtml(res, 400, `<!DOCTYPE html><p>interaction not found: ${message}</p>`);
  }
  if (details.uid !== uid) {
    return sendHtml(res, 400, "<!DOCTYPE html><p>interaction mismatch</p>");
  }

  if (details.prompt.name === "consent") {
    const consent = await grantAll(p, details, details.session.accountId);
    return p.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  if (details.prompt.name !== "login") {
    const name = escapeHtml(details.prompt.name);
    return sendHtml(res, 400, `<!DOCTYPE html><p>unsupported prompt ${name}</p>`);
  }

  if (req.method === "GET") return sendHtml(res, 200, loginPage(uid));
  if (req.method !== "POST") return sendHtml(res, 405, "<!DOCTYPE html><p>method not allowed</p>");

  const form = new URLSearchParams(await readBody(req));
  const login = (form.get("login") ?? "").trim();
  if (!Object.hasOwn(config.accounts, login)) {
    log(`interaction ${uid}: unknown account ${JSON.stringify(login)}`);
    return sendHtml(res, 200, loginPage(uid, { login, error: "unknown account" }));
  }
  const consent = await grantAll(p, details, login);
  log(`interaction ${uid}: signed in as ${login}`);
  return p.interactionFinished(
    req,
    res,
    { login: { accountId: login }, consent },
    { mergeWithLastSubmission: false },
  );
}

// ---- the server ---------------------------------------------------------------------------

async function control(req, res, path) {
  if (path === "/__control/tokens" && req.method === "GET") {
    return sendJson(res, 200, tokenRequests);
  }
  if (req.method !== "POST") return sendJson(res, 405, { error: "method not allowed" });
  let body;
  try {
    body = JSON.parse((await readBody(req)) || "{}");
  } catch {
    return sendJson(res, 400, { error: "body is not JSON" });
  }
  if (path === "/__control/configure") {
    try {
      return sendJson(res, 200, await configure(body));
    } catch (err) {
      log(`configure failed: ${err.message}`);
      return sendJson(res, 400, { error: err.message });
    }
  }
  if (path === "/__control/tamper") {
    if (!TAMPER_MODES.has(body?.mode)) {
      return sendJson(res, 400, { error: `mode must be one of ${[...TAMPER_MODES].join(", ")}` });
    }
    tamper = body.mode;
    log(`tamper mode ${tamper}`);
    return sendJson(res, 200, { mode: tamper });
  }
  return sendJson(res, 404, { error: "no such control endpoint" });
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://127.0.0.1").pathname;
  res.on("finish", () => log(req.method, req.url, res.statusCode));
  try {
    if (path.startsWith("/__control/")) return await control(req, res, path);
    if (!provider) return sendJson(res, 503, { error: "not configured yet" });
    const m = /^\/interaction\/([^/]+)\/?$/.exec(path);
    if (m) return await interaction(req, res, m[1]);
    return handle(req, res);
  } catch (err) {
    log("unhandled:", err);
    if (!res.headersSent) sendJson(res, 500, { error: String(err?.message ?? err) });
    else res.end();
  }
});

server.listen(0, "127.0.0.1", () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(`issuer ${issuer}\n`);
});
