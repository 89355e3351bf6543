/**
 * Shared helpers for the server-rendered pages: escaping and the page shell.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;"
}

/** Escape a value for HTML text and double- or single-quoted attribute values. `null`/`undefined` → "". */
export const escapeHtml = (value: unknown): string =>
  String(value ?? "").replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the
 * line separators are written as `\uXXXX` so the text cannot close the element.
 */
export const jsonForScript = (value: unknown): string =>
  (JSON.stringify(value) ?? "null")
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029")

/** Where the server serves each asset. */
export const assetPaths = {
  stylesheet: "/assets/app.css",
  wizardScript: "/assets/wizard.js",
  adminScript: "/assets/admin.js",
  authorizedScript: "/assets/authorized.js",
  favicon: "/assets/favicon.svg"
} as const

export const SITE_NAME = "Household scrobbling"

export interface LayoutOptions {
  readonly title: string
  /** Inner HTML of `<main>`, already escaped. */
  readonly main: string
  /** Same-origin script URLs, loaded with `defer`. */
  readonly scripts?: ReadonlyArray<string> | undefined
  /** Keep the page out of search engines (admin, OAuth result). */
  readonly noindex?: boolean | undefined
  /** A wider column, for the admin tables and the API reference. */
  readonly wide?: boolean | undefined
}

/** The full HTML document around a page's main content. */
export const layout = (options: LayoutOptions): string => {
  const scripts = (options.scripts ?? [])
    .map((src) => `<script src="${escapeHtml(src)}" defer></script>`)
    .join("\n")
  const title = options.title === SITE_NAME ? SITE_NAME : `${options.title} · ${SITE_NAME}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">${options.noindex === true ? '\n<meta name="robots" content="noindex">' : ""}
<title>${escapeHtml(title)}</title>
<link rel="icon" href="${assetPaths.favicon}" type="image/svg+xml">
<link rel="stylesheet" href="${assetPaths.stylesheet}">
${scripts}
</head>
<body${options.wide === true ? ' class="wide"' : ""}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header"><a href="/" class="site-name">${escapeHtml(SITE_NAME)}</a></header>
<main id="main">
${options.main}
</main>
</body>
</html>
`
}

/** A tiny SVG icon, so browsers do not ask for a missing /favicon.ico. */
export const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M12 9v14l11-7z" fill="#fff"/></svg>
`
