// The synthesis pages (issue #8) in a real headless Chromium: the admin runs a theme
// analysis (executed in the background), opens a theme, renames it through the form,
// publishes; the public synthesis and theme pages show the new name and link to the
// contributions; the organiser publishes a follow-up answer on that theme and an
// author of its contributions, logged in by magic link, finds it in their notices.
// The public synthesis and its decision also on a 360 px phone, without sideways
// scrolling. axe-core on every page: no serious or critical violation; any CSP violation or
// request leaving 127.0.0.1 fails.
// Usage: node synthesis_pages.mjs <base> <admin user> <admin password> <cid> <slug> <author e-mail>
import { axe, check, failures, finish, login, person, showsEventually as shows } from "./harness.mjs";

const [base, adminUser, adminPassword, cid, slug, authorEmail] = process.argv.slice(2);
const NAME = "Se déplacer à vélo";
const ANSWER = "Un plan vélo voté en conseil municipal";
// A theme run and the digest job take longer than a projection: up to 30 s.
const showsEventually = (page, url, text) => shows(page, url, text, { tries: 100, pauseMs: 300 });

try {
  const admin = await person("admin");
  await admin.goto(`${base}/admin`);
  await admin.fill("#f-utilisateur", adminUser);
  await admin.fill("#f-mot_de_passe", adminPassword);
  await admin.click("button[type=submit]");
  await admin.waitForURL(`${base}/admin`);

  const runs = `${base}/admin/analyse/${cid}/synthese`;
  await admin.goto(runs);
  check((await admin.content()).includes("Lancer une analyse"), "the synthesis back office offers a run");
  await axe(admin, "synthesis runs page");
  await admin.fill("#f-n_themes", "2");
  await admin.click("form[action$='/analyses'] button[type=submit]");
  await admin.waitForURL(/\/synthese\/analyses\/[\w-]+$/);
  const run = admin.url();
  check(await showsEventually(admin, run, "Terminée"), "the run is executed in the background");
  await axe(admin, "run page");
  const themes = await admin.locator("table a[href*='/themes/']").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  check(themes.length === 2, "two themes found");

  await admin.goto(`${base}${themes[0]}`);
  await axe(admin, "run theme page (analyst)");

  await admin.goto(run);
  const rename = admin.locator("form[action$='/nom']").first();
  await rename.locator("input[name=label]").fill(NAME);
  await rename.locator("button[type=submit]").click();
  await admin.waitForURL(`${run}?ok=1`);
  check((await admin.content()).includes(NAME), "the theme renamed through the form");
  await admin.click("form[action$='/publication'] button[type=submit]");
  await admin.waitForURL(`${run}?ok=1`);
  check((await admin.content()).includes("Publiée"), "the synthesis published");

  const visitor = await person("visitor");
  const pub = `${base}/consultations/${slug}/synthese`;
  check(await showsEventually(visitor, pub, NAME), "the public synthesis shows the new name");
  check(await visitor.locator("svg").count() > 0, "the public synthesis draws its figures");
  await axe(visitor, "public synthesis");
  const publicThemes = await visitor.locator(`a[href*='/synthese/themes/']`).evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  check(publicThemes.length >= 2, "the public synthesis links to each theme");
  await visitor.goto(`${base}${publicThemes[0].split("?")[0]}`);
  check(await visitor.locator(`a[href*='/consultations/${slug}/propositions/']`).count() > 0,
        "a public theme page links to its contributions");
  await axe(visitor, "public theme page");

  const suites = `${base}/admin/consultations/${cid}/suites`;
  await admin.goto(suites);
  await axe(admin, "follow-up page");
  await admin.fill("#f-recherche", "vélos");  // the picker: no JavaScript, the form comes back
  await admin.click("button[name=action][value=chercher]");
  await admin.waitForLoadState();
  check(await admin.locator("input[name=proposal_ids]").count() > 0,
        "the picker lists the published proposals matching the words");
  await axe(admin, "follow-up page with the picker's matches");
  await admin.locator("input[name=proposal_ids]").first().check({ force: true });  // DSFR draws the box over it
  await admin.fill("#f-title", ANSWER);
  await admin.fill("#f-body", "Le conseil a voté des pistes cyclables continues et des garages à vélos.");
  await admin.locator("input[name=theme_ids]").first().check({ force: true });  // DSFR draws the box over it
  await admin.click("button[name=action][value=publier]");
  await admin.waitForURL(/suites\?ok=1/);
  check((await admin.content()).includes(ANSWER), "the follow-up answer published");

  // on a 360 px phone (ADR 0141): the synthesis and its decisions fit the screen, the
  // theme sizes' chart (drawn 640 px wide) shrunk to it rather than scrolling sideways
  const phone = await person("phone", { viewport: { width: 360, height: 740 } });
  check(await showsEventually(phone, pub, ANSWER), "the public synthesis shows the decision");
  const sideways = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(sideways <= 0, `the public synthesis does not scroll sideways at 360 px (${sideways} px)`);
  await axe(phone, "public synthesis and decisions on a phone");

  const author = await person("author");
  await login(author, base, authorEmail, null);
  check(await showsEventually(author, `${base}/compte/notifications`, ANSWER),
        "the author finds the answer in their notices");
  await axe(author, "notices page");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
