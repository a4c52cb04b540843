// The opinion groups pages (issue #18 item 3) in a real headless Chromium: the admin
// uploads a Pol.is export from the groups page (ADR 0125), opens the groups of the
// imported conversation (groups, statements, the
// participants map), publishes them; the consultation's page then links to the
// public groups page, which draws the map. axe-core on every page: no serious or
// critical violation; any CSP violation or request leaving 127.0.0.1 fails.
// Usage: node opinion_groups_pages.mjs <base> <admin user> <admin password> <cid> <slug> <export dir>
import { axe, check, failures, finish, person, showsEventually } from "./harness.mjs";

const [base, adminUser, adminPassword, cid, slug, exportDir] = process.argv.slice(2);

try {
  const admin = await person("admin");
  await admin.goto(`${base}/admin`);
  await admin.fill("#f-utilisateur", adminUser);
  await admin.fill("#f-mot_de_passe", adminPassword);
  await admin.click("button[type=submit]");
  await admin.waitForURL(`${base}/admin`);

  await admin.goto(`${base}/admin/consultations/${cid}`);
  await admin.click(`a[href='/admin/analyse/${cid}/groupes-opinion']`);
  const groups = `${base}/admin/analyse/${cid}/groupes-opinion`;
  await admin.waitForURL(groups);
  await axe(admin, "opinion groups (back office, the Pol.is upload form)");
  for (const [field, name] of [["comments", "comments.csv"], ["votes", "votes.csv"],
                               ["participants", "participants-votes.csv"], ["summary", "summary.csv"]]) {
    await admin.setInputFiles(`#f-${field}`, `${exportDir}/${name}`);
  }
  await admin.click("#import-polis button[type=submit]");
  await admin.waitForSelector("#import-fait");
  check((await admin.content()).includes("50 propositions, 5312 votes, 204 participants"),
        "the upload's report");
  await axe(admin, "opinion groups (back office, after the upload)");
  check(await showsEventually(admin, groups, "Groupe B"), "the groups of the uploaded conversation");
  const html = await admin.content();
  check(html.includes("Groupe A") && html.includes("Groupe B"), "the back office shows the groups");
  check(await admin.locator("svg.carte-opinions circle").count() === 204, "the map draws every voter");
  await axe(admin, "opinion groups (back office)");
  await admin.click("form[action$='/publication'] button[type=submit]");
  await admin.waitForURL(/groupes-opinion\?ok=1$/);

  const visitor = await person("visitor");
  const home = `${base}/consultations/${slug}`;
  check(await showsEventually(visitor, home, "Groupes d’opinion"), "the consultation links to its groups");
  await visitor.click(`a[href='/consultations/${slug}/groupes-opinion']`);
  await visitor.waitForURL(`${base}/consultations/${slug}/groupes-opinion`);
  check((await visitor.content()).includes("Points de consensus"), "the public groups page");
  check(await visitor.locator("svg.carte-opinions circle").count() > 0, "the public page draws the map");
  await axe(visitor, "opinion groups (public)");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
