// The opinion groups pages (issue #18 item 3) in a real headless Chromium: the admin
// opens the groups of an imported Pol.is conversation (groups, statements, the
// participants map), publishes them; the consultation's page then links to the
// public groups page, which draws the map. axe-core on every page: no serious or
// critical violation; any CSP violation or request leaving 127.0.0.1 fails.
// Usage: node opinion_groups_pages.mjs <base> <admin user> <admin password> <cid> <slug>
import { axe, check, failures, finish, person, showsEventually } from "./harness.mjs";

const [base, adminUser, adminPassword, cid, slug] = process.argv.slice(2);

try {
  const admin = await person("admin");
  await admin.goto(`${base}/admin`);
  await admin.fill("#f-utilisateur", adminUser);
  await admin.fill("#f-mot_de_passe", adminPassword);
  await admin.click("button[type=submit]");
  await admin.waitForURL(`${base}/admin`);

  await admin.goto(`${base}/admin/consultations/${cid}`);
  await admin.click(`a[href='/admin/analyse/${cid}/groupes-opinion']`);
  await admin.waitForURL(`${base}/admin/analyse/${cid}/groupes-opinion`);
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
