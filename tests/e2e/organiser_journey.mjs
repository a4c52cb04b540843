// End-to-end journey in a real headless Chromium (Debian's), driven by playwright-core:
// an organiser creates a consultation with three phases, a questionnaire with a
// conditional question, an article and a meeting; the public pages show them;
// axe-core finds no serious or critical violation; a <script> in a title stays text.
// Usage: node organiser_journey.mjs <base url> <admin user> <admin password>
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [base, user, password] = process.argv.slice(2);
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); else console.log("ok -", what); };

function localInput(daysFromNow, hour) {
  const d = new Date(Date.now() + daysFromNow * 86400000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
let alerted = false;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  page.on("dialog", async (d) => { alerted = true; await d.dismiss(); });
  // Nothing may leave 127.0.0.1.
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== "127.0.0.1") { failures.push(`third-party request ${url}`); return route.abort(); }
    return route.continue();
  });

  async function axe(what) {
    await page.addScriptTag({ content: axeSource }).catch(async () => {
      // CSP forbids inline scripts (as it should): evaluate axe through the debugger instead.
      await page.evaluate(axeSource);
    });
    const result = await page.evaluate(async () => await window.axe.run(document, {
      resultTypes: ["violations"] }));
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of bad) console.log(`axe ${what}: ${v.impact} ${v.id} ${v.help} -> ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    check(bad.length === 0, `axe: no serious or critical violation on ${what}`);
  }
  async function showsEventually(url, text) {
    for (let i = 0; i < 20; i++) {  // projections are asynchronous: allow a moment
      await page.goto(url);
      if ((await page.content()).includes(text)) return true;
      await page.waitForTimeout(200);
    }
    return false;
  }

  // -- organiser -----------------------------------------------------------------------
  await page.goto(`${base}/admin`);
  await page.fill("#f-utilisateur", user);
  await page.fill("#f-mot_de_passe", password);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/admin`);

  await page.goto(`${base}/admin/consultations/nouvelle`);
  await page.fill("#f-title", "Mobilités du quotidien <script>alert(1)</script>");
  await page.fill("#f-slug", "mobilites-du-quotidien");
  await page.fill("#f-summary", "Comment vous déplacez-vous au quotidien ?");
  await page.fill("#f-organiser", "Métropole de Lyon");
  await page.click("form[action='/admin/consultations/nouvelle'] button[type=submit]");
  await page.waitForURL(/\/admin\/consultations\/[^/]+$/);
  const admin = page.url();
  const cid = admin.split("/").pop();

  await page.goto(`${admin}/phases`);
  const phases = [["information", "S'informer", -10, -2], ["questionnaire", "Répondre au questionnaire", -1, 20],
                  ["synthesis", "Synthèse", 21, 30]];
  for (const [i, [kind, title, from, to]] of phases.entries()) {
    await page.selectOption(`[id='f-phases.${i}.kind']`, kind);
    await page.fill(`[id='f-phases.${i}.title']`, title);
    await page.fill(`[id='f-phases.${i}.starts_at']`, localInput(from, 9));
    await page.fill(`[id='f-phases.${i}.ends_at']`, localInput(to, 18));
  }
  await page.click("form[action$='/phases'] button[type=submit]");
  await page.waitForURL(admin);

  await page.goto(`${admin}/questionnaires`);
  await page.fill("#f-title", "Vos déplacements");
  await page.fill("#f-questions", [
    "1. Possédez-vous une voiture ? {unique} {obligatoire}", "- Oui", "- Non",
    "2. Si oui, combien de kilomètres parcourez-vous par an ? {libre} {si 1 = Oui}",
    "3. Quels modes utilisez-vous ? {multiple}", "- Vélo", "- Transports en commun", "- Marche",
  ].join("\n"));
  await page.click("form[action$='/questionnaires'] button[type=submit]");
  await page.waitForURL(`${admin}/questionnaires`);
  check((await page.content()).includes("Vos déplacements"), "questionnaire saved");

  await page.goto(`${admin}/articles`);
  await page.fill("#f-title", "Pourquoi cette consultation");
  await page.fill("#f-body_markdown", "## Le contexte\n\nLa ville **change** : donnez votre avis.");
  await page.click("form[action$='/articles'] button[type=submit]");
  await page.waitForURL(`${admin}/articles`);
  await page.click("button[value=publier]");
  await page.waitForURL(`${admin}/articles`);

  await page.goto(`${admin}/rencontres`);
  await page.fill("#f-title", "Réunion publique à la mairie");
  await page.fill("#f-starts_at", localInput(5, 18));
  await page.fill("#f-ends_at", localInput(5, 20));
  await page.fill("#f-address", "1 place de la Comédie");
  await page.fill("#f-postcode", "69001");
  await page.fill("#f-latitude", "45.7676");
  await page.fill("#f-longitude", "4.8357");
  await page.click("form[action$='/rencontres'] button[type=submit]");
  await page.waitForURL(`${admin}/rencontres`);

  await page.goto(admin);
  await page.click("button[value=publier]");
  await page.waitForURL(admin);

  // -- public ---------------------------------------------------------------------------
  const pub = `${base}/consultations/mobilites-du-quotidien`;
  check(await showsEventually(`${base}/`, "Mobilités du quotidien"), "home lists the consultation");
  await axe("home");
  check(await showsEventually(pub, "Vos déplacements"), "consultation page lists the questionnaire");
  const html = await page.content();
  check(html.includes("Répondre au questionnaire") && html.includes("Synthèse") && html.includes("S'informer"), "three phases in the timeline");
  check(html.includes("Pourquoi cette consultation"), "consultation page lists the article");
  check(html.includes("Réunion publique à la mairie"), "consultation page lists the meeting");
  check(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "script in the title rendered escaped");
  check(await page.evaluate(() => document.querySelectorAll("h1 script").length === 0), "no script element from the title");
  await axe("consultation");

  await page.click("text=Vos déplacements");
  check(!(await page.content()).includes("combien de kilomètres"), "follow-up hidden before the answer");
  await axe("questionnaire");
  await page.check("text=Oui");
  await page.click("button:has-text('Continuer')");
  check((await page.content()).includes("combien de kilomètres"), "follow-up shown after « Oui » (no JavaScript needed)");

  await page.goto(pub);
  await page.click("text=Pourquoi cette consultation");
  check((await page.content()).includes("<strong>change</strong>"), "article Markdown rendered");
  await axe("article");

  await page.goto(pub);
  await page.click("text=Réunion publique à la mairie");
  check((await page.content()).includes("Lyon"), "event page shows the commune from the postcode");
  await axe("event");
  await page.goto(`${base}/evenements`);
  await axe("events list and map");
  check(!alerted, "no script from user input ever ran");
} finally {
  await browser.close();
}
if (failures.length) { console.error("FAILED:\n- " + failures.join("\n- ")); process.exit(1); }
console.log("all checks passed");
