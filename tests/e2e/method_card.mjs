// The method card (issue #18 must-show) in a real headless Chromium, organised only
// through the back office. The admin creates a consultation and its five phases
// (irritants deposited, irritants voted agree / disagree with three qualifications,
// solutions deposited, solutions ranked, synthesis), names a moderator and an analyst
// on the team page, publishes. Two participants deposit irritants; the moderator
// approves them from her queue; the admin moves the calendar on by re-dating the phases
// (the form is precise to the minute: a phase closes at the next minute and the journey
// waits for it); the participants vote with qualifications, then deposit solutions,
// approved, then rank them. Each vote phase serves only its own items (the sequence,
// the ranking form and the results' tab of each phase). The analyst runs a theme
// analysis from /admin and publishes it; the admin publishes a follow-up answer linking
// a solution; its author finds it in her notices. axe-core on every page; any CSP
// violation or request leaving 127.0.0.1 fails.
// Usage: node method_card.mjs <base> <admin user> <admin password>
import { axe, check, claimAndApprove, failures, finish, localInput, person, register as registerAt,
         showsEventually } from "./harness.mjs";

const [base, adminUser, adminPassword] = process.argv.slice(2);
const SLUG = "carte-de-methode-quartier";
const IRRITANTS = ["Les trottoirs encombrés par les voitures garées", "Le bus du soir qui ne passe plus après vingt heures"];
const SOLUTIONS = ["Des potelets le long des trottoirs de la rue principale", "Un bus de nuit toutes les demi-heures jusqu'à minuit"];
const ANSWER = "Les potelets seront posés au printemps";
const PARIS = { timezoneId: "Europe/Paris" };  // the phases form is in Paris time

// A few seconds from now (Paris time) as a datetime-local value with its seconds
// (the phases form has `novalidate` and the server reads seconds): a phase re-dated
// to end there closes a moment later and the next one opens then, so the journey
// waits seconds, not up to a minute per switch (the form shows the seconds back).
function soon(seconds = 3) {
  const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + seconds * 1000);
  const text = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(at);
  return { input: text.replace(" ", "T"), at };
}

async function waitUntil(page, at) {
  const left = at.getTime() - Date.now() + 500;
  if (left > 0) await page.waitForTimeout(left);
}

const register = (page, email, pseudonym) => registerAt(page, base, email, pseudonym);

// Checks exactly `values` among the boxes named `name` (DSFR draws over the inputs).
async function boxes(page, name, values) {
  for (const box of await page.locator(`input[name='${name}']`).all()) {
    await box.setChecked(values.includes(await box.getAttribute("value")), { force: true });
  }
}

async function savePhases(page) {
  await page.click("form[action$='/phases'] button[type=submit]");
  await page.waitForURL(/\/admin\/consultations\/[^/]+$/).catch(async (e) => {
    const values = await page.locator("input[type=datetime-local]").evaluateAll((is) => is.map((i) => `${i.name}=${i.value}`));
    console.log(`phases refused (${values.join(" ")}):\n${(await page.innerText("main")).slice(0, 1500)}`);
    throw e;
  });
}

// The admin closes phase `row` in a few seconds and opens phase `row + 1` then.
async function moveOn(page, admin, row, what) {
  await page.goto(admin);
  await page.click("a:has-text('Phases')");
  const { input, at } = soon();
  await page.fill(`[id='f-phases.${row}.ends_at']`, input);
  await page.fill(`[id='f-phases.${row + 1}.starts_at']`, input);
  await savePhases(page);
  check(true, `the admin re-dated the phases: ${what} at ${input}`);
  return at;
}

async function deposit(page, title, body) {
  await page.goto(`${base}/consultations/${SLUG}`);
  await page.click("a:has-text('Déposer une proposition')");
  await page.fill("#f-title", title);
  await page.fill("#f-body", body);
  await page.click("button:has-text('Envoyer ma proposition')");
  await page.waitForURL(/\/mes-contributions/).catch(async (e) => {
    console.log(`deposit stayed on ${page.url()}:\n${(await page.innerText("main")).slice(0, 800)}`);
    throw e;
  });
}

async function moderate(page, queue, text) {
  const listed = await showsEventually(page, queue, text);
  check(listed, `the moderation queue lists « ${text} »`);
  await page.click(`a:has-text("${text}")`);
  const approved = await claimAndApprove(page);
  check(approved, `the moderator approved « ${text} »`);
}

const cards = (page) => page.$$eval("h2.fr-card__title", (hs) => hs.map((h) => h.textContent.trim()));

// The vote sequence once `at` has passed and the phase's items are published.
async function sequenceOf(page, cid, expected) {
  const url = `${base}/vote/${cid}`;
  let served = [];
  const ok = await showsEventually(page, url, async (p) => {
    served = await cards(p);
    return expected.every((t) => served.includes(t));
  }, { tries: 60, pauseMs: 500 });
  check(ok, `the vote sequence serves ${expected.join(" ; ")} (served: ${served.join(" ; ")})`);
  return cards(page);
}

try {
  const admin = await person("admin", PARIS);
  const modo = await person("moderatrice");
  const ana = await person("analyste");
  const alice = await person("alice");
  const bob = await person("bob");
  const visitor = await person("public");

  // four people in four browser contexts register side by side (each waits on its own
  // magic link)
  await Promise.all([[modo, "modo@example.org", "Modo75"], [ana, "ana@example.org", "Ana75"],
                     [alice, "alice@example.org", "Alice75"], [bob, "bob@example.org", "Bob75"]]
    .map(([page, email, pseudonym]) => register(page, email, pseudonym)));

  // -- the admin builds the consultation in the back office ------------------------------
  await admin.goto(`${base}/admin`);
  await admin.fill("#f-utilisateur", adminUser);
  await admin.fill("#f-mot_de_passe", adminPassword);
  await admin.click("button[type=submit]");
  await admin.waitForURL(`${base}/admin`);
  await admin.click("a:has-text('Nouvelle consultation')");
  await admin.fill("#f-title", "Mieux vivre dans le quartier");
  await admin.fill("#f-slug", SLUG);
  await admin.fill("#f-summary", "Ce qui vous gêne, puis ce qu'il faudrait faire.");
  await admin.fill("#f-organiser", "Mairie du 11e arrondissement");
  await admin.selectOption("#f-identity_level", "email");
  await admin.selectOption("#f-moderation", "pre");
  await admin.click("form[action='/admin/consultations/nouvelle'] button[type=submit]");
  await admin.waitForURL(/\/admin\/consultations\/[^/]+$/);
  const adminPage = admin.url();
  const cid = adminPage.split("/").pop();
  await axe(admin, "consultation back-office page");

  await admin.click("a:has-text('Phases')");
  const first = [["deposit", "Irritants : dépôt", [-1, 9], [1, 9]], ["vote", "Irritants : vote", [1, 9], [2, 9]],
                 ["deposit", "Solutions : dépôt", [2, 9], [3, 9]]];
  for (const [i, [kind, title, from, to]] of first.entries()) {
    await admin.selectOption(`[id='f-phases.${i}.kind']`, kind);
    await admin.fill(`[id='f-phases.${i}.title']`, title);
    await admin.fill(`[id='f-phases.${i}.starts_at']`, localInput(...from));
    await admin.fill(`[id='f-phases.${i}.ends_at']`, localInput(...to));
  }
  await boxes(admin, "phases.1.actions", ["vote_agree"]);
  await savePhases(admin);
  // The deposit phases saved, each vote phase names its source; two more phases.
  await admin.click("a:has-text('Phases')");
  const phaseIds = [];
  for (let i = 0; i < 3; i++) phaseIds.push(await admin.inputValue(`input[name='phases.${i}.phase_id']`));
  await boxes(admin, "phases.1.vote.sources", [phaseIds[0]]);
  await boxes(admin, "phases.1.vote.qualifications", ["realiste", "prioritaire", "impossible"]);
  await admin.selectOption("[id='f-phases.3.kind']", "vote");
  await admin.fill("[id='f-phases.3.title']", "Solutions : classement");
  await admin.fill("[id='f-phases.3.starts_at']", localInput(3, 9));
  await admin.fill("[id='f-phases.3.ends_at']", localInput(4, 9));
  await boxes(admin, "phases.3.actions", ["vote_ranking"]);
  await boxes(admin, "phases.3.vote.sources", [phaseIds[2]]);
  await admin.fill("[id='f-phases.3.vote.ranking_max']", "2");
  await admin.selectOption("[id='f-phases.4.kind']", "synthesis");
  await admin.fill("[id='f-phases.4.title']", "Synthèse et suites");
  await admin.fill("[id='f-phases.4.starts_at']", localInput(4, 9));
  await admin.fill("[id='f-phases.4.ends_at']", localInput(20, 18));
  await axe(admin, "phases form with the vote methods");
  await savePhases(admin);
  await admin.click("a:has-text('Phases')");
  check(await admin.isChecked("input[name='phases.1.vote.qualifications'][value='realiste']")
        && !(await admin.isChecked("input[name='phases.1.vote.qualifications'][value='coup_de_coeur']")),
        "the irritants' vote keeps its three qualifications");
  check(await admin.inputValue("[id='f-phases.3.vote.ranking_max']") === "2", "the solutions' vote keeps its ranking length");
  const votePhases = [await admin.inputValue("input[name='phases.1.phase_id']"), await admin.inputValue("input[name='phases.3.phase_id']")];

  await admin.goto(adminPage);
  await admin.click("a:has-text('Équipe et rôles')");
  for (const [pseudonym, role] of [["Modo75", "moderator"], ["Ana75", "analyst"]]) {
    await admin.fill("#f-pseudonym", pseudonym);
    await admin.selectOption("#f-role", role);
    await admin.click(`form[action='/admin/equipe/${cid}'] button[type=submit]`);
    await admin.waitForURL(`${base}/admin/equipe/${cid}`);
  }
  const team = await admin.innerText("main");
  check(/Modo75\s+Modération/.test(team) && /Ana75\s+Analyse/.test(team), "the team page lists the moderator and the analyst");
  await axe(admin, "team page");
  await admin.goto(adminPage);
  await admin.click("button[value=publier]");
  await admin.waitForURL(adminPage);

  const pub = `${base}/consultations/${SLUG}`;
  check(await showsEventually(visitor, pub, "Irritants : vote"), "the public calendar shows the phases");
  await axe(visitor, "consultation page with its calendar");

  // -- irritants deposited, moderated ---------------------------------------------------------
  await deposit(alice, IRRITANTS[0], "Impossible de passer avec une poussette, il faut marcher sur la chaussée.");
  await deposit(bob, IRRITANTS[1], "Après vingt heures il faut rentrer à pied ou en taxi, c'est trop cher.");
  await axe(alice, "mes contributions");
  const voteOpens = await moveOn(admin, adminPage, 0, "irritants' deposit closed, their vote opens");

  await modo.goto(`${base}/admin`);
  await modo.click("a:has-text('File de modération')");
  const queue = modo.url();
  await axe(modo, "moderation queue (moderator)");
  for (const t of IRRITANTS) await moderate(modo, queue, t);

  // -- irritants voted, agree / disagree with qualifications -----------------------------------
  await waitUntil(alice, voteOpens);
  await alice.goto(pub);
  await alice.click("a:has-text('Voter sur les propositions')");
  const seen = await sequenceOf(alice, cid, IRRITANTS);
  check(seen.length === 2, `the irritants' vote serves the two irritants only (${seen.length})`);
  const offered = await alice.locator(".fr-card").first().locator("input[name=qualifications]").evaluateAll((is) => is.map((i) => i.value));
  check(offered.sort().join() === "impossible,prioritaire,realiste", `only the phase's three qualifications are offered (${offered})`);
  check(!(await alice.content()).includes("Je soutiens") && !(await alice.content()).includes("Classer les propositions"),
        "no support nor ranking in an agree / disagree phase");
  await axe(alice, "irritants' vote sequence");
  const alicesCard = alice.locator(".fr-card", { hasText: IRRITANTS[1] });
  await alicesCard.locator("label:has-text('prioritaire')").click();
  await alicesCard.locator("button[name=choice][value=agree]").click();
  await alice.waitForFunction((t) => ![...document.querySelectorAll("h2.fr-card__title")].some((h) => h.textContent.trim() === t), IRRITANTS[1]);
  await alice.locator(".fr-card", { hasText: IRRITANTS[0] }).locator("button[name=choice][value=disagree]").click();
  await alice.waitForSelector("text=Vous avez voté sur toutes les propositions disponibles");
  await sequenceOf(bob, cid, IRRITANTS);
  const bobsCard = bob.locator(".fr-card", { hasText: IRRITANTS[1] });
  await bobsCard.locator("label:has-text('réaliste')").click();
  await bobsCard.locator("button[name=choice][value=agree]").click();
  await bob.waitForFunction((t) => ![...document.querySelectorAll("h2.fr-card__title")].some((h) => h.textContent.trim() === t), IRRITANTS[1]);
  check(await showsEventually(alice, `${base}/mes-votes`, `${IRRITANTS[1]} : d’accord`), "« Mes votes » lists the agree ballot");
  await axe(alice, "mes votes");

  // -- solutions deposited, moderated -------------------------------------------------------------
  const depositOpens = await moveOn(admin, adminPage, 1, "irritants' vote closed, solutions' deposit opens");
  await waitUntil(alice, depositOpens);
  await deposit(alice, SOLUTIONS[0], "Des potelets empêcheraient le stationnement sur les trottoirs.");
  await deposit(bob, SOLUTIONS[1], "Un bus de nuit rendrait le quartier accessible le soir.");
  const rankingOpens = await moveOn(admin, adminPage, 2, "solutions' deposit closed, their ranking opens");
  for (const t of SOLUTIONS) await moderate(modo, queue, t);

  // -- solutions ranked; each phase serves only its items ------------------------------------------
  await waitUntil(alice, rankingOpens);
  // A ranking-only phase shows no cards to vote on one by one (nothing to do on a
  // card): its page leads to the ranking form, which must offer the solutions only.
  await alice.goto(`${base}/vote/${cid}`);
  const solutionsSeen = await cards(alice);
  check(!solutionsSeen.some((t) => IRRITANTS.includes(t)), "no irritant on the solutions' vote page");
  await alice.click("a:has-text('Classer les propositions')");
  const options = await alice.locator("#f-rang-1 option").allInnerTexts();
  check(SOLUTIONS.every((t) => options.includes(t)) && !options.some((t) => IRRITANTS.includes(t)),
        "the ranking offers the solutions and no irritant");
  await axe(alice, "solutions' ranking");
  await alice.selectOption("#f-rang-1", { label: SOLUTIONS[0] });
  await alice.selectOption("#f-rang-2", { label: SOLUTIONS[1] });
  await alice.click("button:has-text('Enregistrer mon classement')");
  await alice.waitForSelector("text=Votre classement est enregistré.");
  await bob.goto(`${base}/vote/${cid}/classement`);
  await bob.selectOption("#f-rang-1", { label: SOLUTIONS[0] });
  await bob.click("button:has-text('Enregistrer mon classement')");
  await bob.waitForSelector("text=Votre classement est enregistré.");

  const results = `${base}/vote/${cid}/resultats`;
  check(await showsEventually(visitor, `${results}?phase=${votePhases[0]}`, async (p) => {
    const main = await p.innerText(".fr-tabs__panel--selected");
    return IRRITANTS.every((t) => main.includes(t)) && !SOLUTIONS.some((t) => main.includes(t));
  }), "the irritants' results tab shows the irritants only");
  const row = async (t) => visitor.locator(".fr-tabs__panel--selected tbody tr", { hasText: t }).locator("td").allInnerTexts();
  const [bus, sidewalks] = [await row(IRRITANTS[1]), await row(IRRITANTS[0])];  // rank, proposition, chart, agree, neutral, disagree, qualifications
  check(bus[3] === "2" && bus[5] === "0" && bus[6].includes("prioritaire : 1") && bus[6].includes("réaliste : 1"),
        `the irritants' tab counts two agree ballots with their qualifications (${bus.slice(3).join(" | ")})`);
  check(sidewalks[3] === "0" && sidewalks[5] === "1", `the irritants' tab counts one disagree ballot (${sidewalks.slice(3).join(" | ")})`);
  check(bus[0] === "1" && sidewalks[0] === "2", "the irritants are ranked by their « d'accord »");
  await axe(visitor, "results, irritants' tab");
  check(await showsEventually(visitor, `${results}?phase=${votePhases[1]}`, async (p) => {
    const main = await p.innerText(".fr-tabs__panel--selected");
    return SOLUTIONS.every((t) => main.includes(t)) && !IRRITANTS.some((t) => main.includes(t));
  }), "the solutions' results tab shows the solutions only");
  const borda = await visitor.locator(".fr-tabs__panel--selected table", { hasText: "Points de Borda" }).locator("tbody tr").first().innerText();
  check(borda.includes(SOLUTIONS[0]), "the solutions' ranking puts the potelets first (both ranked them first)");
  await axe(visitor, "results, solutions' tab");

  // -- the analyst's synthesis, reached from /admin ---------------------------------------------
  await ana.goto(`${base}/admin`);
  await axe(ana, "analyst's /admin");
  await ana.click("a:has-text('Synthèse : analyses thématiques')");
  await axe(ana, "synthesis runs (analyst)");
  await ana.fill("#f-n_themes", "2");
  await ana.click("form[action$='/analyses'] button[type=submit]");
  await ana.waitForURL(/\/synthese\/analyses\/[\w-]+$/);
  const run = ana.url();
  check(await showsEventually(ana, run, "Terminée", { tries: 100, pauseMs: 300 }), "the theme run is executed");
  await axe(ana, "theme run (analyst)");
  await ana.click("form[action$='/publication'] button[type=submit]");
  await ana.waitForURL(`${run}?ok=1`);
  check((await ana.content()).includes("Publiée"), "the analyst published the synthesis");
  check(await showsEventually(visitor, `${pub}/synthese`, "Thème"), "the public synthesis is published");
  await axe(visitor, "public synthesis");

  // -- the follow-up answer, and its notice ------------------------------------------------------
  // the proposal is picked by words of its title (no internal id to type)
  await admin.goto(adminPage);
  await admin.click("a:has-text('Suites données')");
  await admin.fill("#f-title", ANSWER);
  await admin.fill("#f-body", "Le conseil d'arrondissement a voté la pose de potelets rue principale.");
  await admin.fill("#f-recherche", "potelets");
  await admin.click("button[name=action][value=chercher]");
  await admin.waitForLoadState();
  await admin.locator("#propositions .fr-checkbox-group", { hasText: SOLUTIONS[0] })
    .locator("label").click();
  check(await admin.locator(`#propositions .fr-checkbox-group:has-text("${SOLUTIONS[1]}")`).count() === 0,
        "the search lists only the proposals whose title matches");
  await axe(admin, "follow-up page");
  await admin.click("button[name=action][value=publier]");
  await admin.waitForURL(/suites\?ok=1/);
  check((await admin.content()).includes(ANSWER), "the follow-up answer is published");
  check(await showsEventually(alice, `${base}/compte/notifications`, ANSWER, { tries: 60, pauseMs: 300 }),
        "the solution's author finds the answer in her notices");
  await axe(alice, "notices page");
  check(await showsEventually(visitor, `${pub}/synthese`, ANSWER), "the public synthesis shows the follow-up");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
