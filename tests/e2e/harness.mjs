// What every browser journey shares: Debian's Chromium through playwright-core, one
// watched browser context per person (a CSP violation, a request leaving 127.0.0.1 or
// an unexpected dialog is a failure), axe-core, checks that collect failures, and the
// exit code. Imported by the *_journey.mjs and *_pages.mjs scripts.
import { createRequire } from "node:module";
import { appendFileSync, readFileSync } from "node:fs";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const failures = [];
export const check = (ok, what) => { if (!ok) failures.push(what); else console.log("ok -", what); };

export const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});

// One browser context (own cookies) per person; every page is watched the same way.
// `options` go to the context (e.g. { javaScriptEnabled: false }).
export async function person(name, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("dialog", async (d) => { failures.push(`${name}: unexpected dialog ${d.message()}`); await d.dismiss(); });
  page.on("console", (m) => { if (m.text().includes("Content Security Policy")) failures.push(`${name} CSP: ${m.text()}`); });
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== "127.0.0.1") { failures.push(`${name}: third-party request ${url}`); return route.abort(); }
    return route.continue();
  });
  return page;
}

export async function axe(page, what) {
  await page.evaluate(axeSource);  // CSP forbids inline scripts: evaluate through the debugger
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  // `make accessibility-audit` keeps every page's result for the RGAA statement
  // (/accessibilite): one JSON line per page checked.
  if (process.env.PARLONS_AXE_RECORD) {
    const path = new URL(page.url()).pathname;
    appendFileSync(`${process.env.PARLONS_AXE_RECORD}/axe.jsonl`, JSON.stringify({
      what, path, axe: result.testEngine.version,
      violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help })),
    }) + "\n");
  }
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) console.log(`axe ${what}: ${v.impact} ${v.id} ${v.help} -> ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  check(bad.length === 0, `axe: no serious or critical violation on ${what}`);
}

// Read models are asynchronous: reload `url` until `test(page)` holds, a bounded number
// of times. `test` may be a string the page's HTML must contain.
export async function showsEventually(page, url, test, { tries = 30, pauseMs = 200 } = {}) {
  const holds = typeof test === "string" ? async (p) => (await p.content()).includes(test) : test;
  for (let i = 0; i < tries; i++) {
    await page.goto(url);
    if (await holds(page)) return true;
    await page.waitForTimeout(pauseMs);
  }
  return false;
}

// Claims, then approves, the moderation item open on `page`; true once its page says
// « Approuvée ». Each POST redirects to the item once the read models show the change
// (bounded wait on the server): the page it lands on is read, not loaded again. Read
// models may still lag (a decision refused because the claim is not seen yet, a page
// showing the state before): the step is retried on the page shown, the item reloaded
// after a refusal, within a bounded number of attempts.
export async function claimAndApprove(page) {
  const item = page.url();
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await page.innerText("h1")).includes("Approuvée")) return true;
    const alert = await page.$(".fr-alert--error");
    if (alert) {
      console.log(`moderation retry: ${await alert.innerText()}`);
      await page.waitForTimeout(200);
      await page.goto(item);
      continue;
    }
    if (!(await page.content()).includes("Vous traitez cette contribution")) {
      await page.click("button:has-text('Prendre en charge')");
    } else {
      await page.click("label[for='d-approved']");
      await page.click("button:has-text('Enregistrer la décision')");
    }
    await page.waitForLoadState();
  }
  return false;
}

// Registration (`register`) or login by e-mail (`login`), then the magic link read from
// the development outbox (/dev/courriels): the person ends logged in on /compte (a
// `pseudonym`, when given, must show there).
export async function register(page, base, email, pseudonym) {
  await page.goto(`${base}/inscription`);
  await page.fill("#f-email", email);
  await page.fill("#f-pseudonym", pseudonym);
  await page.click("form[action='/inscription'] button[type=submit]");
  await page.waitForLoadState();
  await followMagicLink(page, base, email, pseudonym);
}

export async function login(page, base, email, pseudonym) {
  await page.goto(`${base}/connexion`);
  await page.fill("#f-email", email);
  await page.click("form[action='/connexion'] button[type=submit]");
  await page.waitForLoadState();
  await followMagicLink(page, base, email, pseudonym);
}

async function followMagicLink(page, base, email, pseudonym) {
  let token = null;
  for (let i = 0; i < 30 && !token; i++) {
    await page.goto(`${base}/dev/courriels`);
    token = await page.evaluate((to) => {
      for (const article of document.querySelectorAll("article")) {
        if (!article.textContent.includes(`À : ${to}`)) continue;
        const found = article.querySelector("pre").textContent.match(/jeton=([^\s]+)/);
        if (found) return found[1];
      }
      return null;
    }, email);
    if (!token) await page.waitForTimeout(200);
  }
  check(token !== null, `${pseudonym}: magic link in the development outbox`);
  await page.goto(`${base}/connexion/lien?jeton=${encodeURIComponent(token)}`);
  await page.click("form[action='/connexion/lien'] button[type=submit]");
  await page.waitForURL(`${base}/compte`);
  if (pseudonym) check((await page.content()).includes(pseudonym), `${pseudonym}: logged in by the magic link`);
}

// The value of an <input type="datetime-local"> `daysFromNow` days away at `hour`.
export function localInput(daysFromNow, hour) {
  const d = new Date(Date.now() + daysFromNow * 86400000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

// Closes the browser, prints the failures, sets the exit code.
export async function finish() {
  await browser.close();
  if (failures.length) { console.error("FAILED:\n- " + failures.join("\n- ")); process.exit(1); }
  console.log("all checks passed");
}
