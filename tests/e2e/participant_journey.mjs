// Issue #5 end to end in a real headless Chromium (Debian's), driven by playwright-core.
// A participant registers and logs in through the magic link of the development outbox,
// answers the Grand Débat "Transition écologique" questionnaire (the follow-up shows
// only after « Oui »), then, once the organiser opened the deposit phase, submits a
// proposal under pre-moderation; a participant named moderator on the team page by the
// admin approves it in the moderation back office; a second participant argues
// « Contre » and comments; once those are approved, the public (logged out) sees the
// proposal with its argument and comment. axe-core: no serious or critical violation on
// the participation pages, the public search and the analyst workspace. Any CSP
// violation or request leaving 127.0.0.1 fails.
// Then (issue #18 item 5) the second participant flags the proposal and takes the one
// seat of a meeting, the first one waits, a cancellation seats her, and the organiser's
// attendance list shows her pseudonym; the organiser allows edits and withdrawals, and
// the author reaches both forms from « Mes contributions ».
// Usage: node participant_journey.mjs <base> <admin user> <admin password> <cid> <slug> <qid> <meeting>
import { axe, check, claimAndApprove, failures, finish, localInput, login as loginAt, person,
         register as registerAt, showsEventually } from "./harness.mjs";

const [base, adminUser, adminPassword, cid, slug, qid, meetingId] = process.argv.slice(2);
const pub = `${base}/consultations/${slug}`;

const register = (page, email, pseudonym) => registerAt(page, base, email, pseudonym);
const login = (page, email, pseudonym) => loginAt(page, base, email, pseudonym);

async function moderate(page, text) {
  // The queue lists the item once the automatic checks ran; open it, claim, approve.
  const listed = await showsEventually(page, `${base}/admin/moderation/${cid}`, text);
  if (!listed) console.log((await page.innerText("body")).slice(0, 1500));
  check(listed, `moderation queue lists « ${text} »`);
  await page.click(`a:has-text("${text}")`);
  const approved = await claimAndApprove(page);
  check(approved, `moderator approved « ${text} »`);
}

try {
  const alice = await person("alice");
  const admin = await person("admin");
  const moderator = await person("moderator");
  const bob = await person("bob");
  const visitor = await person("public");

  // -- a participant answers the questionnaire --------------------------------------
  await register(alice, "alice@example.org", "Alice69");
  await alice.goto(pub);
  await alice.goto(`${pub}/questionnaires/${qid}/repondre`);
  check((await alice.content()).includes("vie quotidienne est aujourd"), "the questionnaire form is shown");
  check(!(await alice.content()).includes("Si oui, de quelle manière"), "follow-up hidden before the answer");
  await axe(alice, "questionnaire answer page");
  await alice.click("label[for=\'q-146-non\']");
  await alice.click("button[name=etape][value=continuer]");
  await alice.waitForLoadState();
  check(!(await alice.content()).includes("Si oui, de quelle manière"), "follow-up still hidden after « Non »");
  await alice.click("label[for=\'q-146-oui\']");
  await alice.click("button[name=etape][value=continuer]");
  await alice.waitForSelector("#q-147");
  check(true, "follow-up shown after « Oui »");
  await alice.fill("#q-147", "Les canicules rendent mon logement invivable l'été.");
  await alice.fill("#q-150", "Des transports en commun plus fréquents.");
  await alice.click("button:has-text('Envoyer mes réponses')");
  await alice.waitForURL(/\/mes-contributions/);
  check((await alice.content()).includes("Vos réponses au questionnaire ont bien été enregistrées."), "the response is acknowledged");
  const mine = await showsEventually(alice, `${base}/mes-contributions`, "Réponse au questionnaire");
  if (!mine) console.log((await alice.innerText("main")).slice(0, 800));
  check(mine, "the response is in « mes contributions »");

  // -- deposit is not open yet; the organiser opens it ------------------------------
  await alice.goto(`${pub}/propositions/nouvelle`);
  check((await alice.content()).includes("La phase de dépôt n’est pas ouverte"), "proposal form says the deposit phase is not open");

  await admin.goto(`${base}/admin`);
  await admin.fill("#f-utilisateur", adminUser);
  await admin.fill("#f-mot_de_passe", adminPassword);
  await admin.click("button[type=submit]");
  await admin.waitForURL(`${base}/admin`);
  await admin.goto(`${base}/admin/consultations/${cid}/phases`);
  await admin.fill("[id='f-phases.0.starts_at']", localInput(-3, 9));
  await admin.fill("[id='f-phases.0.ends_at']", localInput(-1, 9));
  await admin.fill("[id='f-phases.1.starts_at']", localInput(-1, 9));
  await admin.fill("[id='f-phases.1.ends_at']", localInput(12, 18));
  await admin.click("form[action$='/phases'] button[type=submit]");
  await admin.waitForURL(`${base}/admin/consultations/${cid}`);

  // -- the participant proposes --------------------------------------------------------
  const title = "Végétaliser les cours d’école";
  let open = false;
  for (let i = 0; i < 30 && !open; i++) {
    await alice.goto(`${pub}/propositions/nouvelle`);
    open = !(await alice.content()).includes("La phase de dépôt n’est pas ouverte");
    if (!open) await alice.waitForTimeout(200);
  }
  check(open, "the deposit phase is open after the organiser's change");
  await axe(alice, "proposal form");
  await alice.fill("#f-title", title);
  await alice.fill("#f-body", "Remplacer le bitume des cours d'école par des arbres et de la terre pour rafraîchir les quartiers.");
  // Without JavaScript the similar-proposals hint is a submit button placed before the
  // main one: it re-renders the form with what was typed and stores nothing.
  await alice.click("button:has-text('Voir les propositions similaires')");
  await alice.waitForLoadState();
  check(await alice.inputValue("#f-title") === title, "the similar-proposals hint keeps what was typed");
  await alice.click("button:has-text('Envoyer ma proposition')");
  await alice.waitForURL(/\/mes-contributions/).catch(async (e) => {
    console.log(`proposal submission stayed on ${alice.url()}:\n${await alice.innerText("body")}`);
    throw e;
  });
  check((await alice.content()).includes("En attente de modération"), "the proposal waits for moderation");
  await axe(alice, "mes contributions");
  await visitor.goto(`${pub}/propositions`);
  check(!(await visitor.content()).includes(title), "the public does not see it before approval");

  // -- the admin names a moderator, who approves ----------------------------------------
  await login(moderator, "modo@example.org", "Modo69");
  await admin.goto(`${base}/admin/equipe/${cid}`);
  const team = await admin.innerText("main");
  check(/Modo69\s+Modération/.test(team), "the admin's team page lists the moderator with the role");
  await moderate(moderator, title);
  check(await showsEventually(alice, `${base}/mes-contributions`, "Publiée"), "the author sees it published");

  // -- a second participant argues and comments -----------------------------------------
  await register(bob, "bob@example.org", "Bob69");
  await bob.goto(`${pub}/propositions`);
  check(await showsEventually(bob, `${pub}/propositions`, title), "the proposal is listed once approved");
  await bob.click(`a:has-text("${title}")`);
  const proposalUrl = bob.url();
  await bob.click("label[for=\'side-against\']");
  const argument = "Les arbres mettront dix ans à donner de l’ombre.";
  await bob.fill("#f-body", argument);
  await bob.click("button:has-text('Publier mon argument')");
  await bob.waitForSelector("text=Votre argument a bien été reçu.");
  const comment = "Et l’entretien <script>alert(1)</script> ?";
  await bob.fill("#f-comment", comment);
  await bob.click("button:has-text('Envoyer mon commentaire')");
  await bob.waitForSelector("text=Votre commentaire a bien été reçu.");
  await axe(bob, "proposal page (participant)");
  await moderate(moderator, "Les arbres mettront dix ans");
  await moderate(moderator, "Et l’entretien");

  // -- the public -------------------------------------------------------------------------
  check(await showsEventually(visitor, `${pub}/propositions`, argument), "the public list shows the proposal with its argument");
  const listing = await visitor.content();
  check(listing.includes(title) && listing.includes("Contre"), "the argument is shown « Contre » under its proposal");
  await axe(visitor, "proposals list");
  check(await showsEventually(visitor, proposalUrl, "Et l’entretien &lt;script&gt;alert(1)&lt;/script&gt; ?"), "the public proposal page shows the comment, escaped");
  const page = await visitor.content();
  check(page.includes(argument), "the public proposal page shows the argument");
  check(await visitor.evaluate(() => document.querySelectorAll("#commentaires script").length === 0), "no script element from the comment");
  check(!page.includes("Ajouter un argument"), "the logged-out public gets no form");
  await axe(visitor, "proposal page (public)");

  // -- issue #18 item 5: flag and meeting registration, plain forms ----------------------
  await bob.goto(proposalUrl);
  await bob.click("a:has-text('Signaler cette proposition')");
  await axe(bob, "flag form");
  await bob.click("label[for='motif-hors_sujet']");
  await bob.click("button:has-text('Envoyer le signalement')");
  await bob.waitForSelector("text=votre signalement a été transmis à la modération");
  const meeting = `${base}/evenements/${meetingId}`;
  await bob.goto(meeting);
  await bob.click("button:has-text('S’inscrire')");
  await bob.waitForSelector("text=Votre inscription est enregistrée.");
  check((await bob.content()).includes("1 inscrit sur 1"), "the meeting counts the registration");
  await axe(bob, "meeting page (registered)");
  await alice.goto(meeting);
  await alice.click("button:has-text('S’inscrire sur la liste d’attente')");
  await alice.waitForSelector("text=position 1");
  await bob.click("button:has-text('Annuler mon inscription')");
  await bob.waitForSelector("text=Votre inscription est annulée.");
  check(await showsEventually(alice, meeting, "Vous êtes inscrit·e à cette rencontre"),
        "the first one waiting takes the freed seat");
  await admin.goto(`${base}/admin/consultations/${cid}/rencontres`);
  await admin.click("a:has-text('Inscrits à')");
  const attendance = await admin.innerText("main");
  check(attendance.includes("Alice69") && !attendance.includes("@"), "the attendance list shows the pseudonym, no address");
  await axe(admin, "attendance list");
  // the organiser lets authors edit and withdraw: the author is offered both
  await admin.goto(`${base}/admin/consultations/${cid}/contributions`);
  await axe(admin, "contribution policy form");
  await admin.fill("#f-edit_minutes", "600");
  await admin.click("label[for='f-withdraw_allowed']");
  await admin.click("main button:has-text('Enregistrer')");
  await admin.waitForSelector("text=Les règles sont enregistrées.");
  await alice.goto(`${base}/mes-contributions`);
  await alice.click("a:has-text('Modifier')");
  check(await alice.inputValue("#f-title") === title, "the edit form holds the proposal");
  await axe(alice, "edit form");
  await alice.goto(`${base}/mes-contributions`);
  await alice.click("a:has-text('Retirer ma contribution')");
  check((await alice.content()).includes("Oui, retirer ma contribution"), "withdrawing asks for a confirmation");
  await axe(alice, "withdraw confirmation");

  // -- search: the public search page and the analyst workspace ---------------------------
  check(await showsEventually(visitor, `${pub}/recherche?q=${encodeURIComponent("cours d'école")}`, title),
        "the public search finds the published proposal");
  await axe(visitor, "public search");
  await admin.goto(`${base}/admin/analyse/${cid}?q=bitume`);
  const workspace = await admin.content();
  check(workspace.includes(title) && workspace.includes("<mark>"), "the analyst workspace finds it, highlighted");
  await axe(admin, "analyst workspace");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
