// End-to-end journey in a real headless Chromium (Debian's), driven by playwright-core:
// an organiser creates a consultation with three phases, a questionnaire with a
// conditional question, an article and a meeting; the public pages show them;
// axe-core finds no serious or critical violation; a <script> in a title stays text.
// Usage: node organiser_journey.mjs <base url> <admin user> <admin password>
import { axe as axeOn, browser, check, failures, finish, localInput, showsEventually as shows } from "./harness.mjs";

const [base, user, password] = process.argv.slice(2);

let alerted = false;
let videoClicked = false;
const videoRequests = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  page.on("dialog", async (d) => { alerted = true; await d.dismiss(); });
  // htmx and every script must live with the strict CSP: any violation fails the journey.
  page.on("console", (m) => { if (m.text().includes("Content Security Policy")) failures.push(`CSP: ${m.text()}`); });
  // Nothing may leave 127.0.0.1. The one exception is the video host, and only after
  // the visitor clicked "Charger la vidéo" (the request is recorded, then aborted).
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== "127.0.0.1") {
      if (videoClicked && url.hostname === "www.youtube-nocookie.com") videoRequests.push(url.href);
      else failures.push(`third-party request ${url}`);
      return route.abort();
    }
    return route.continue();
  });

  const axe = (what) => axeOn(page, what);
  const showsEventually = (url, text) => shows(page, url, text, { tries: 20 });

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
  await axe("phases form (actions and vote method per phase)");
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
  await page.waitForSelector("button[value=depublier]");  // htmx swapped the list in place
  await page.click("text=Modifier « Pourquoi cette consultation »");
  await page.fill("#f-summary", "Ce que la ville veut savoir.");
  await page.click("form button[type=submit]:has-text('Enregistrer les modifications')");
  await page.waitForURL(`${admin}/articles`);
  check((await page.content()).includes("Publié"), "article edited, still published");

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

  await page.goto(`${admin}/videos`);
  await page.fill("#f-title", "Présentation de la démarche");
  await page.fill("#f-url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
  await page.click("form[action$='/videos'] button[type=submit]");
  await page.waitForURL(`${admin}/videos`);

  await page.goto(admin);
  await page.click("button[value=publier]");
  await page.waitForURL(admin);

  // -- public ---------------------------------------------------------------------------
  const pub = `${base}/consultations/mobilites-du-quotidien`;
  check(await showsEventually(`${base}/`, "Mobilités du quotidien"), "home lists the consultation");
  await axe("home");
  await Promise.all([page.waitForURL(`${base}/consultations`), page.click("a[href='/consultations']")]);
  check((await page.content()).includes("Mobilités du quotidien"), "every consultation's list shows it");
  await axe("every consultation");
  check(await showsEventually(pub, "Vos déplacements"), "consultation page lists the questionnaire");
  const html = await page.content();
  check(html.includes("Répondre au questionnaire") && html.includes("Synthèse") && html.includes("S'informer"), "three phases in the timeline");
  check(html.includes("Pourquoi cette consultation"), "consultation page lists the article");
  check(html.includes("Réunion publique à la mairie"), "consultation page lists the meeting");
  check(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "script in the title rendered escaped");
  check(await page.evaluate(() => document.querySelectorAll("h1 script").length === 0), "no script element from the title");
  await axe("consultation");

  check(await page.evaluate(() => document.querySelectorAll("iframe").length === 0), "no video frame before the click");
  videoClicked = true;
  await page.click("button:has-text('Charger la vidéo')");
  await page.waitForSelector("iframe.parlons-video-frame");
  const frameSrc = await page.getAttribute("iframe.parlons-video-frame", "src");
  check(frameSrc.startsWith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"), "the click frames the player");
  for (let i = 0; i < 20 && videoRequests.length === 0; i++) await page.waitForTimeout(100);
  check(videoRequests.length > 0, "the video host is contacted only after the click");
  videoClicked = false;

  await page.goto(pub);
  await page.click("text=Vos déplacements");
  check(!(await page.content()).includes("combien de kilomètres"), "follow-up hidden before the answer");
  await axe("questionnaire");
  await page.check("text=Oui");
  await page.click("button:has-text('Continuer')");
  await page.waitForSelector("text=combien de kilomètres");
  check((await page.content()).includes("combien de kilomètres"), "follow-up shown after « Oui » (htmx swap)");
  check(page.url().includes("=q1-o1"), "the address keeps the answers (htmx push)");
  // The same step without JavaScript: a plain GET of the form's address.
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.route("**/*", (route) => new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort());
  await plain.goto(page.url().split("?")[0]);
  await plain.check("text=Oui");
  await plain.click("button:has-text('Continuer')");
  // The click starts a plain navigation; reading the page before it lands saw the old step (CI).
  await plain.waitForURL(/=q1-o1/, { timeout: 15000 }).catch(() => {});
  await plain.waitForLoadState("load");
  check((await plain.content()).includes("combien de kilomètres"), "follow-up shown after « Oui » without JavaScript");
  await noJs.close();

  await page.goto(pub);
  await page.click("text=Pourquoi cette consultation");
  check((await page.content()).includes("<strong>change</strong>"), "article Markdown rendered");
  check((await page.content()).includes("Ce que la ville veut savoir."), "article edit shown");
  await axe("article");

  await page.goto(pub);
  await page.click("text=Réunion publique à la mairie");
  check((await page.content()).includes("Lyon"), "event page shows the commune from the postcode");
  await axe("event");
  await page.goto(`${base}/evenements`);
  await axe("events list and map");
  check(!alerted, "no script from user input ever ran");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
