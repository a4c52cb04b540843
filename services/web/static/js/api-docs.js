// /docs: Swagger UI over /openapi.json, served by Parlons itself (no CDN), started
// from this file because the site's CSP allows no inline script.
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
