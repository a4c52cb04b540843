// Questionnaire import in a real headless Chromium (ADR 0063): the organiser goes from
// the questionnaires page to the import, uploads a CSV whose question text spans two
// lines, reads the preview, confirms; a broken file shows its errors per line and no
// confirmation; axe-core on the upload form, the preview and the errors.
// Usage: node questionnaire_import.mjs <base url> <admin user> <admin password>
import { axe, check, failures, finish, person } from "./harness.mjs";

const [base, user, password] = process.argv.slice(2);
const CSV = [
  "questionnaire;id;type;question;options;obligatoire;autre;condition",
  "Vos déplacements;voiture;unique;Avez-vous une voiture ?;Oui|Non;oui;;",
  ';km;libre;"Combien de kilomètres\nparcourez-vous par an ?";;;;voiture = Oui',
  "Votre quartier;;;Que changer <script>alert(1)</script> ?;;;;",
].join("\r\n");
const BROKEN = "question;type\nUne ?;libre\nDeux ?;bizarre\n";

try {
  const page = await person("organiser");
  await page.goto(`${base}/admin`);
  await page.fill("#f-utilisateur", user);
  await page.fill("#f-mot_de_passe", password);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/admin`);
  await page.goto(`${base}/admin/consultations/nouvelle`);
  await page.fill("#f-title", "Mobilités");
  await page.fill("#f-slug", "mobilites");
  await page.click("form[action='/admin/consultations/nouvelle'] button[type=submit]");
  await page.waitForURL(/\/admin\/consultations\/[^/]+$/);
  const admin = page.url();

  await page.goto(`${admin}/questionnaires`);
  await page.click("text=Importer des questionnaires");
  await page.waitForURL(`${admin}/questionnaires/importer`);
  await axe(page, "questionnaire import form");

  await page.setInputFiles("#f-file", { name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(BROKEN) });
  await page.click("button:has-text(\"Voir l'aperçu\")");
  await page.waitForSelector("#erreurs");
  const errors = await page.textContent("#erreurs");
  check(errors.includes("Ligne 3 : type « bizarre » inconnu"), "the error names its line");
  check(await page.locator("form[action$='/confirmation']").count() === 0, "no confirmation for a broken file");
  await axe(page, "questionnaire import errors");

  await page.goto(`${admin}/questionnaires/importer`);
  await page.setInputFiles("#f-file", { name: "mobilite.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
  await page.click("button:has-text(\"Voir l'aperçu\")");
  await page.waitForSelector("text=Aperçu : 2 questionnaires, 3 questions");
  check((await page.content()).includes("si « voiture » = Oui"), "the preview shows the condition");
  await axe(page, "questionnaire import preview");
  await page.click("button:has-text(\"Confirmer l'import\")");
  await page.waitForURL(`${admin}/questionnaires`);
  const listed = await page.content();
  check(listed.includes("Vos déplacements") && listed.includes("(2 questions)"), "imported questionnaire listed");
  check(listed.includes("Votre quartier"), "second questionnaire listed");

  // The file came back whole through the preview's hidden field (its line breaks too);
  // the question written on two lines of its cell is one line in the editor.
  await page.click("a:has-text('Modifier « Vos déplacements »')");
  const questions = await page.inputValue("#f-questions");
  check(questions.includes("2. Combien de kilomètres parcourez-vous par an ? {libre} {si 1 = Oui}"),
        "the imported questionnaire reads back in the text editor");
  await page.goto(`${admin}/questionnaires`);
  check(!(await page.content()).includes("<script>alert(1)</script>"), "a script in the file stays text");
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
}
await finish();
