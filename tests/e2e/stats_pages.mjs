// Closed-question statistics and open data (issue #8) in a real headless Chromium:
// the admin opens the statistics of the Grand Débat "Transition écologique"
// questionnaire (SVG bars, breakdown by région), downloads its CSV (Grand Débat
// header), turns the daily open-data publication on, and the public open-data page
// shows. axe-core: no serious or critical violation; any CSP violation or request
// leaving 127.0.0.1 fails.
// Usage: node stats_pages.mjs <base> <admin user> <admin password> <cid> <qid>
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [base, adminUser, adminPassword, cid, qid] = process.argv.slice(2);
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); else console.log("ok -", what); };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});

async function person(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("console", (m) => { if (m.text().includes("Content Security Policy")) failures.push(`${name} CSP: ${m.text()}`); });
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== "127.0.0.1") { failures.push(`${name}: third-party request ${url}`); return route.abort(); }
    return route.continue();
  });
  return page;
}

async function axe(page, what) {
  await page.evaluate(axeSource);  // CSP forbids inline scripts: evaluate through the debugger
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) console.log(`axe ${what}: ${v.impact} ${v.id} ${v.help} -> ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  check(bad.length === 0, `axe: no serious or critical violation on ${what}`);
}

try {
  const admin = await person("admin");
  await admin.goto(`${base}/admin`);
  await admin.fill("#f-utilisateur", adminUser);
  await admin.fill("#f-mot_de_passe", adminPassword);
  await admin.click("button[type=submit]");
  await admin.waitForURL(`${base}/admin`);

  await admin.goto(`${base}/admin/analyse/${cid}/statistiques`);
  check((await admin.content()).includes("Transition écologique"), "statistics list names the questionnaire");
  await axe(admin, "statistics list");
  await admin.goto(`${base}/admin/analyse/${cid}/statistiques/${qid}`);
  check(await admin.locator("svg[role=img]").count() > 0, "SVG bars on the statistics page");
  await axe(admin, "statistics page");
  await admin.selectOption("#f-par", "region");
  await admin.click("form[method=get] button[type=submit]");
  await admin.waitForURL(/par=region/);
  check((await admin.content()).includes("Par région"), "breakdown by région without JavaScript");
  await axe(admin, "statistics page by région");

  const csv = await admin.request.get(`${base}/admin/analyse/${cid}/donnees-ouvertes/${qid}.csv`);
  const head = (await csv.text()).split("\n")[0];
  check(csv.status() === 200 && head.startsWith("id,reference,title,createdAt,publishedAt,updatedAt,trashed,trashedStatus,authorId,authorType,authorZipCode,Q"),
        "CSV download with the Grand Débat header");

  await admin.goto(`${base}/admin/donnees-ouvertes/${cid}`);
  await axe(admin, "open-data publication page");
  await admin.click("button[name=quotidienne][value=oui]");
  await admin.waitForURL(`${base}/admin/donnees-ouvertes/${cid}`);
  check((await admin.content()).includes("activée"), "daily publication turned on");

  const visitor = await person("visitor");
  const page = await visitor.goto(`${base}/donnees-ouvertes/${cid}`);
  check(page.status() === 200, "public open-data page");
  await axe(visitor, "public open-data page");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
} finally {
  await browser.close();
}
for (const f of failures) console.log("FAIL -", f);
process.exit(failures.length ? 1 : 0);
