// The accessibility walk's browser half (ADR 0141), on a 360 px wide phone: the public
// and participant pages never scroll sideways (WCAG 1.4.10), with and without
// JavaScript; without it the breadcrumb and the header's links are shown (their DSFR
// buttons need the script); the first Tab reaches the skip link, which leads to the
// content; a form sent back with errors opens on its error summary, focused, whose
// link leads to the field; « Continuer » on a questionnaire (htmx's swap, the answer
// form's POST, a plain GET without JavaScript) opens on a notice of the follow-up it
// revealed, focused, the next Tab in that question; the events map's zoom buttons
// speak French and the map points to the list of meetings. axe-core: no serious or
// critical violation.
// Usage: node phone_pages.mjs <base> <cid> <slug> <qid> <meeting>
import { axe, check, finish, person, register } from "./harness.mjs";

const [base, cid, slug, qid, meetingId] = process.argv.slice(2);
const pub = `${base}/consultations/${slug}`;
const PHONE = { viewport: { width: 360, height: 740 } };
const pages = ["/", "/consultations", `/consultations/${slug}`, `/consultations/${slug}/propositions`,
               `/consultations/${slug}/questionnaires/${qid}`, `/consultations/${slug}/rencontres`,
               "/evenements", `/evenements/${meetingId}`, `/consultations/${slug}/synthese`,
               `/consultations/${slug}/recherche?q=climat`, `/vote/${cid}/resultats`,
               "/accessibilite", "/connexion", "/inscription"];

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function focusedId(page) {
  return page.evaluate(() => document.activeElement && document.activeElement.id);
}

// « Oui » to question 146, then « Continuer »: its follow-up 147 appears, announced.
async function revealsFollowUp(page, path, what) {
  await page.goto(base + path);
  check(await page.$("#nouvelles-questions") === null, `${what}: nothing announced on a first display`);
  await page.click("label[for='q-146-oui']");
  await page.click("button:has-text('Continuer')");
  await page.waitForSelector("#q-147");
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === "nouvelles-questions",
                             null, { timeout: 3000 }).catch(() => {});
  check(await focusedId(page) === "nouvelles-questions", `${what}: the notice of the new question has the focus`);
  check((await page.textContent("#nouvelles-questions")).includes("1 nouvelle question"), `${what}: it says how many`);
  await page.keyboard.press("Tab");
  check(await focusedId(page) === "q-147", `${what}: the next Tab reaches the new question`);
}

try {
  // -- with JavaScript ------------------------------------------------------------------
  const phone = await person("phone", PHONE);
  for (const path of pages) {
    await phone.goto(base + path);
    check(await sideways(phone) <= 0, `${path}: no sideways scrolling at 360 px`);
  }
  await phone.goto(`${base}/evenements`);
  await phone.keyboard.press("Tab");
  check(await phone.evaluate(() => document.activeElement.getAttribute("href")) === "#contenu",
        "the first Tab reaches the skip link to the content");
  await phone.keyboard.press("Enter");
  await phone.keyboard.press("Tab");
  check(await phone.evaluate(() => !!document.activeElement.closest("main")),
        "after the skip link, the next Tab is in the page's content");
  const zoom = await phone.$$eval(".leaflet-control-zoom a", (as) => as.map((a) => a.title));
  check(zoom.join() === "Zoomer,Dézoomer", `the map's zoom buttons speak French (${zoom})`);
  check(await phone.$("a[href='#liste-rencontres']") !== null && await phone.$("#liste-rencontres") !== null,
        "the map points to the list of meetings, its text alternative");
  await axe(phone, "events and map on a phone");

  // a form sent back with errors: the summary is focused, its link leads to the field
  await phone.goto(`${base}/inscription`);
  await phone.fill("#f-email", "pas-une-adresse");
  await phone.fill("#f-pseudonym", "Téléphone360");
  await phone.evaluate(() => { document.querySelector("#f-email").type = "text"; });
  await phone.click("form[action='/inscription'] button[type=submit]");
  await phone.waitForLoadState();
  check((await phone.title()).startsWith("Erreur"), "the title of a page showing errors says so");
  check(await phone.evaluate(() => document.activeElement.classList.contains("parlons-error-summary")),
        "the error summary has the focus when the page opens");
  await axe(phone, "registration with errors on a phone");
  await phone.click(".parlons-error-summary a[href='#f-email']");
  check(await phone.evaluate(() => document.activeElement.id) === "f-email",
        "the summary's link puts the focus in the field");
  check(await sideways(phone) <= 0, "the registration errors: no sideways scrolling");

  // a participant's pages
  const alice = await person("alice", PHONE);
  await register(alice, base, "alice.phone@example.org", "Alice360");
  for (const path of ["/compte", "/mes-contributions", "/mes-votes",
                      `/consultations/${slug}/questionnaires/${qid}/repondre`]) {
    await alice.goto(base + path);
    check(await sideways(alice) <= 0, `${path} (logged in): no sideways scrolling at 360 px`);
  }
  await axe(alice, "questionnaire answer form on a phone");
  await revealsFollowUp(phone, `/consultations/${slug}/questionnaires/${qid}`, "questionnaire (htmx)");
  await axe(phone, "questionnaire with a follow-up revealed");
  await revealsFollowUp(alice, `/consultations/${slug}/questionnaires/${qid}/repondre`, "answer form");

  // -- without JavaScript ---------------------------------------------------------------
  const plain = await person("no-js phone", { ...PHONE, javaScriptEnabled: false });
  for (const path of pages) {
    await plain.goto(base + path);
    check(await sideways(plain) <= 0, `${path} without JavaScript: no sideways scrolling`);
  }
  await plain.goto(`${pub}/propositions`);
  check(await plain.isVisible(".fr-breadcrumb__list"), "without JavaScript the breadcrumb is shown");
  check(!(await plain.isVisible(".fr-breadcrumb__button")), "without JavaScript no breadcrumb button that cannot open");
  check(await plain.isVisible(".fr-header__tools-links a[href='/mes-contributions']"),
        "without JavaScript the header's links are shown on a phone");
  check(!(await plain.isVisible("#bouton-menu")), "without JavaScript no « Menu » button that cannot open");
  await revealsFollowUp(plain, `/consultations/${slug}/questionnaires/${qid}`, "questionnaire without JavaScript");
} catch (e) {
  check(false, `journey crashed: ${e.stack}`);
}
await finish();
