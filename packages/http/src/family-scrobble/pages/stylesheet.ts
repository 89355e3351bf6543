/**
 * The one stylesheet of every page (served at `/assets/app.css`). Colors are
 * chosen for ≥ 4.5:1 text contrast on their backgrounds; layout is a single
 * column that fits a 360 px wide screen.
 */
export const stylesheet = `:root {
  --fg: #1a1a1a;
  --muted: #4a4f57;
  --bg: #ffffff;
  --panel: #f4f5f7;
  --line: #6b7280;
  --soft-line: #d5d8dd;
  --accent: #1d4ed8;
  --accent-hover: #1e3a8a;
  --danger: #b91c1c;
  --danger-hover: #7f1d1d;
  --focus: #1d4ed8;
  color-scheme: light;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 100%;
  line-height: 1.5;
  color: var(--fg);
  background: var(--bg);
}
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; overflow-wrap: break-word; }
[hidden] { display: none !important; }
main, .site-header { max-width: 44rem; margin: 0 auto; padding: 0 1rem; }
main { padding-bottom: 3rem; }
.wide main, .wide .site-header { max-width: 64rem; }
.site-header { padding-top: .75rem; padding-bottom: .75rem; }
.site-name { font-weight: 700; color: var(--fg); text-decoration: none; }
.site-name:hover { text-decoration: underline; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.35rem; line-height: 1.3; margin: 1.75rem 0 .75rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
p { margin: 0 0 1rem; }
a { color: var(--accent); }
a:hover { color: var(--accent-hover); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; }
.lead { font-size: 1.1rem; color: var(--muted); }
.hint { color: var(--muted); font-size: .95rem; margin: .25rem 0 0; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip-link { position: absolute; left: -999px; top: .5rem; background: var(--bg); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: .5rem; }

:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible, select:focus-visible, textarea:focus-visible { outline-offset: 1px; }

/* Forms */
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type="text"], input[type="password"], input[type="url"], input:not([type]) {
  display: block; width: 100%; min-width: 0; font: inherit; color: var(--fg); background: var(--bg);
  padding: .55rem .65rem; border: 1px solid var(--line); border-radius: 6px;
}
input[readonly] { background: var(--panel); }
input[aria-invalid="true"] { border: 2px solid var(--danger); }
.field { margin: 0 0 1.25rem; }
.field-error { color: var(--danger); font-weight: 600; margin: .3rem 0 0; }
.field-error:empty { display: none; }
fieldset { border: 1px solid var(--soft-line); border-radius: 8px; margin: 0 0 1.25rem; padding: .75rem 1rem 1rem; min-width: 0; }
legend { font-weight: 700; padding: 0 .25rem; }
.inline-row { display: flex; gap: .5rem; align-items: stretch; }
.inline-row > input { flex: 1 1 6rem; width: auto; }
.inline-row > button { flex: 0 0 auto; }
.member-inputs { list-style: none; margin: 1rem 0 0; padding: 0; }
.member-inputs > li { margin-bottom: 1rem; }

/* Buttons */
button, .button {
  display: inline-block; font: inherit; font-weight: 600; line-height: 1.25; text-align: center; text-decoration: none;
  cursor: pointer; border-radius: 6px; padding: .6rem 1rem; min-height: 2.75rem;
  border: 2px solid var(--accent); background: var(--bg); color: var(--accent);
}
button:hover, .button:hover { background: #e8edfb; color: var(--accent-hover); }
button.primary, .button.primary { background: var(--accent); color: #fff; }
button.primary:hover, .button.primary:hover { background: var(--accent-hover); border-color: var(--accent-hover); color: #fff; }
button.danger { border-color: var(--danger); color: var(--danger); }
button.danger:hover { background: #fdecec; color: var(--danger-hover); }
button.danger.primary { background: var(--danger); color: #fff; }
button.danger.primary:hover { background: var(--danger-hover); color: #fff; }
button:disabled, button:disabled:hover { cursor: not-allowed; background: #e5e7eb; border-color: #9ca3af; color: #4b5563; }
button.link { border: 0; background: none; padding: .25rem 0; min-height: 0; color: var(--accent); text-decoration: underline; font-weight: 400; }
button.link:hover { color: var(--accent-hover); background: none; }
button.small { padding: .35rem .7rem; min-height: 2.25rem; font-size: .95rem; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1.25rem 0; }

/* Messages */
.alert { border-left: 4px solid var(--danger); background: #fdecec; color: #7f1d1d; padding: .75rem 1rem; border-radius: 4px; margin: 1rem 0; font-weight: 600; }
.alert:empty { display: none; }
.notice { border-left: 4px solid var(--accent); background: #eef2fd; padding: .75rem 1rem; border-radius: 4px; margin: 1rem 0; }
.notice:empty { display: none; }
.success { border-left-color: #166534; background: #e7f6ec; }
.status-text { min-height: 1.5rem; color: #14532d; font-weight: 600; margin: .5rem 0 0; }

/* Landing */
.choices { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); margin: 1.5rem 0; }
.choice { display: block; border: 2px solid var(--soft-line); border-radius: 10px; padding: 1.25rem; color: var(--fg); text-decoration: none; }
.choice:hover { border-color: var(--accent); color: var(--fg); background: #f5f7fe; }
.choice-title { display: block; font-size: 1.3rem; font-weight: 700; color: var(--accent); margin-bottom: .4rem; }
.choice-text { display: block; color: var(--muted); }

/* Wizard */
.steps { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; margin: 0 0 1rem; color: var(--muted); font-size: .95rem; }
.steps li[aria-current="step"] { color: var(--fg); font-weight: 700; text-decoration: underline; text-underline-offset: .25em; }
.member-status-list { list-style: none; margin: 0; padding: 0; }
.member-status-list > li { border: 1px solid var(--soft-line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: .75rem; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
.member-name { font-weight: 700; flex: 1 1 8rem; }
.member-detail { flex: 1 1 100%; color: var(--muted); margin: 0; }
.member-detail:empty { display: none; }
.badge { display: inline-block; padding: .15rem .6rem; border-radius: 999px; font-size: .9rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge[data-status="pending"] { background: #fff7e0; color: #7a4100; }
.badge[data-status="authorized"] { background: #e7f6ec; color: #14532d; }
.badge[data-status="failed"], .badge[data-status="expired"] { background: #fdecec; color: #8f1b1b; }
.plex-path { padding-left: 1.25rem; }
.plex-path li { margin-bottom: .25rem; }

/* Tables: rows become stacked cards on narrow screens */
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 700; margin-bottom: .5rem; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid var(--soft-line); }
thead th { border-bottom: 2px solid var(--line); }
@media (max-width: 40rem) {
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack, table.stack tbody, table.stack tr, table.stack td, table.stack th { display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--soft-line); border-radius: 8px; margin-bottom: .75rem; padding: .25rem .5rem; }
  table.stack td, table.stack th { border: 0; padding: .3rem .25rem; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
}
.cell-actions { display: flex; flex-wrap: wrap; gap: .5rem; }
.confirm { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: 0; }
.notifications { list-style: none; padding: 0; margin: 0; }
.notifications > li { border: 1px solid var(--soft-line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: .75rem; }
.notifications .meta { color: var(--muted); font-size: .9rem; margin: .25rem 0 .5rem; }
.dismissed { color: var(--muted); }
.kv { display: grid; grid-template-columns: minmax(0, 10rem) minmax(0, 1fr); gap: .4rem 1rem; margin: 0 0 1rem; }
.kv dt { font-weight: 600; }
.kv dd { margin: 0; min-width: 0; }
@media (max-width: 30rem) { .kv { grid-template-columns: minmax(0, 1fr); } .kv dd { margin-bottom: .5rem; } }
.toolbar { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem; }
.toolbar { margin: 0 0 1.25rem; }
.toolbar h2, .toolbar p { margin: 0; }

/* API docs */
.toc { columns: 14rem; padding-left: 1.25rem; }
.operation { border: 1px solid var(--soft-line); border-radius: 8px; padding: .75rem 1rem; margin: 0 0 1rem; }
.operation h3 { margin: 0 0 .5rem; font-size: 1.05rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.operation h4 { margin: 1rem 0 .35rem; font-size: 1rem; }
.method { display: inline-block; min-width: 4.2rem; text-align: center; border-radius: 4px; padding: .05rem .4rem; font-weight: 700; font-size: .85rem; color: #fff; background: #374151; }
.method-get { background: #1d4ed8; }
.method-post { background: #166534; }
.method-put, .method-patch { background: #7a4100; }
.method-delete { background: #b91c1c; }
.path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.schema { margin: .25rem 0; padding-left: 1.25rem; }
.schema li { margin: .15rem 0; }
.type { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; color: #3f3f46; overflow-wrap: anywhere; }
.required { color: var(--danger); font-size: .85rem; font-weight: 600; }
`
