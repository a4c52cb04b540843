// Issue #6's public pages in a real headless Chromium (Debian's), driven by playwright-core.
// A visitor goes from the consultation page to the vote sequence, participates without an
// account, votes « D'accord » with a qualification (an htmx-boosted form: the request must
// carry HX-Request and the sequence must drop the item without a full reload), supports
// another item (a plain form), finds both in « Mes votes », withdraws one, saves a ranking,
// and reads the results (SVG charts, share per identity level). A second visitor with
// JavaScript disabled votes « Pas d'accord » through the same buttons. axe-core: no serious
// or critical violation on the sequence, « Mes votes », the ranking, the results and the
// methodology. Any CSP violation or request leaving 127.0.0.1 fails.
// Usage: node vote_pages.mjs <base> <cid> <slug>
import { axe, check, failures, finish, person, showsEventually } from "./harness.mjs";

const [base, cid, slug] = process.argv.slice(2);

const cardTitles = (page) => page.$$eval("h2.fr-card__title", (hs) => hs.map((h) => h.textContent.trim()));

// From the consultation page to the sequence, through « Participer sans compte ».
async function enterSequence(page, who) {
  await page.goto(`${base}/consultations/${slug}`);
  await page.click("a:has-text('Voter sur les propositions')");
  await page.waitForURL(/\/connexion/);
  await page.click("button:has-text('Participer sans compte')");
  await page.waitForURL(`${base}/vote/${cid}`);
  const titles = await cardTitles(page);
  check(titles.length === 6, `${who}: the sequence serves the six proposals (${titles.length})`);
  return titles;
}

try {
  // -- with JavaScript: htmx enhances the agree buttons ------------------------------------
  const alice = await person("alice");
  const titles = await enterSequence(alice, "alice");
  await axe(alice, "vote sequence");
  const hx = [];
  alice.on("request", (r) => { if (r.method() === "POST") hx.push(r.headers()["hx-request"] === "true"); });
  const first = titles[0];
  const firstCard = alice.locator(".fr-card", { hasText: first });
  await firstCard.locator("label:has-text('coup de cœur')").click();
  await alice.evaluate(() => { window.__notReloaded = true; });
  await firstCard.locator("button[name=choice][value=agree]").click();
  await alice.waitForFunction((t) => ![...document.querySelectorAll("h2.fr-card__title")].some((h) => h.textContent.trim() === t), first);
  check(hx.length === 1 && hx[0], "the agree ballot went through htmx (HX-Request)");
  check(await alice.evaluate(() => window.__notReloaded === true), "the sequence was updated without a full reload");
  check((await cardTitles(alice)).length === 5, "the voted proposal left the sequence");

  const second = (await cardTitles(alice))[0];
  await alice.locator(".fr-card", { hasText: second }).locator("button[name=choice][value=support]").click();
  await alice.waitForURL(`${base}/vote/${cid}?vote=soutien`);
  check((await alice.innerText("main")).includes("Votre soutien est enregistré."),
        "the sequence confirms the support");
  check(await showsEventually(alice, `${base}/vote/${cid}`, async (p) =>
    (await p.locator(".fr-card", { hasText: second }).textContent()).includes("Vous soutenez cette proposition")),
        "the supported proposal says so, with « Retirer mon soutien »");

  check(await showsEventually(alice, `${base}/mes-votes`, async (p) => {
    const text = await p.innerText("main");
    return text.includes(`${first} : d’accord`) && text.includes(`${second} : soutien`);
  }), "« Mes votes » lists the agree ballot and the support");
  await axe(alice, "mes votes");
  await alice.locator("li", { hasText: `${second} : soutien` }).locator("button:has-text('Retirer mon vote')").click();
  await alice.waitForURL(`${base}/mes-votes`);
  check(await showsEventually(alice, `${base}/mes-votes`, async (p) => !(await p.innerText("main")).includes(`${second} : soutien`)),
        "the withdrawn support left « Mes votes »");

  await alice.goto(`${base}/vote/${cid}/classement`);
  await alice.selectOption("#f-rang-1", { label: titles[2] });
  await alice.selectOption("#f-rang-2", { label: first });
  await alice.click("button:has-text('Enregistrer mon classement')");
  await alice.waitForSelector("text=Votre classement est enregistré.");
  check(true, "the ranking was saved");
  await axe(alice, "ranking");

  // -- without JavaScript: the same buttons are plain forms ----------------------------------
  const bob = await person("bob", { javaScriptEnabled: false });
  const seen = await enterSequence(bob, "bob (no JavaScript)");
  await bob.locator(".fr-card", { hasText: first }).locator("button[name=choice][value=disagree]").click();
  await bob.waitForURL(`${base}/vote/${cid}?vote=accord`);
  check(!(await cardTitles(bob)).includes(first) && seen.includes(first), "without JavaScript the ballot is recorded and the item leaves the sequence");

  // -- the results ------------------------------------------------------------------------------
  const visitor = await person("visitor");
  const results = `${base}/vote/${cid}/resultats`;
  check(await showsEventually(visitor, results, async (p) => {
    const row = p.locator("table", { hasText: "Votes par proposition" }).locator("tbody tr", { hasText: first });
    if ((await row.count()) !== 1) return false;
    const cells = await row.locator("td").allInnerTexts();  // rank, proposition, chart, agree, neutral, disagree, supports
    return cells[3] === "1" && cells[5] === "1";
  }), "the results count alice's agree and bob's disagree");
  const page = await visitor.content();
  check(page.includes("Résultats provisoires") || page.includes("provisoire"), "the results say they are provisional while the phase is open");
  check((await visitor.locator("svg").count()) > 0, "the results draw SVG charts");
  check((await visitor.innerText("main")).includes("anonyme"), "the results show the share per identity level");
  const borda = visitor.locator("table", { hasText: "Points de Borda" }).locator("tbody tr");
  check((await borda.first().innerText()).includes(titles[2]), "the Borda table puts alice's first choice first");
  await axe(visitor, "results");
  await visitor.goto(`${base}/methodologie/vote`);
  await axe(visitor, "vote methodology");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
