// Closed-question statistics and open data (issue #8) in a real headless Chromium:
// the admin opens the statistics of the Grand Débat "Transition écologique"
// questionnaire (SVG bars, breakdown by région), downloads its CSV (Grand Débat
// header), turns the daily open-data publication on, and the public open-data page
// shows. axe-core: no serious or critical violation; any CSP violation or request
// leaving 127.0.0.1 fails.
// Usage: node stats_pages.mjs <base> <admin user> <admin password> <cid> <qid>
import { axe, check, failures, finish, person } from "./harness.mjs";

const [base, adminUser, adminPassword, cid, qid] = process.argv.slice(2);

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
}
await finish();
