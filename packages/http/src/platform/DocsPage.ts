/**
 * `/api/v1/docs`: the platform's OpenAPI document as a page, rendered on the
 * server with the kit's `openApiPage`, styled by `/api/v1/docs.css` (the
 * security headers allow no inline style or script).
 */
import { openApiPage } from "../OpenApiPage.js"

export const docsStylesheet = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2937;background:#fff}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1,h2,h3{line-height:1.25}code,.path{font-family:ui-monospace,monospace}
.hint{color:#6b7280}.lead{font-size:1.1rem}
.operation{border:1px solid #e5e7eb;border-radius:.5rem;padding:1rem;margin:1rem 0}
.method{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}
.method-get{color:#1d4ed8}.method-post{color:#047857}.method-put,.method-patch{color:#b45309}.method-delete{color:#b91c1c}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e5e7eb;padding:.4rem;text-align:left;vertical-align:top}
ul.toc{columns:2}
`

const escapeText = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c)

export const platformDocsPage = (openapi: unknown): string =>
  openApiPage(openapi, {
    documentUrl: "/api/v1/openapi.json",
    layout: (page) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeText(page.title)}</title>
<link rel="stylesheet" href="/api/v1/docs.css">
</head>
<body>
<main id="main">
${page.main}
</main>
</body>
</html>
`
  })
