// /docs in Chromium: Swagger UI renders the API from the shipped assets, with no
// CSP violation and no request leaving 127.0.0.1 (issue #18 item 6).
import { browser, check, failures, person } from "./harness.mjs";

const base = process.argv[2];
const page = await person("developer");
await page.goto(`${base}/docs`);
const rendered = await page.waitForSelector(".opblock", { timeout: 20000 }).then(() => true, () => false);
check(rendered, "Swagger UI lists the API's operations");
check((await page.content()).includes("/api/consultations"), "the consultations API is documented");
await browser.close();
if (failures.length) { console.error("FAILED:\n- " + failures.join("\n- ")); process.exit(1); }
