/**
 * The web pages of `@org/http`: plain HTML, one stylesheet and small vanilla
 * scripts, all served from the same origin so that
 * `Content-Security-Policy: default-src 'self'` holds (no inline script, no
 * inline style, no inline event handler; data for a script travels in a
 * `<script type="application/json">` block).
 *
 * ## Routes the server maps to these exports
 *
 * | route                                   | export                                   | content type             |
 * | --------------------------------------- | ---------------------------------------- | ------------------------ |
 * | `GET /`                                 | `landingPage()`                          | text/html                |
 * | `GET /family`, `GET /individual`        | `wizardPage({ mode, maxMembers })`       | text/html                |
 * | OAuth callback (in the popup)           | `authorizeResultPage(result)`            | text/html                |
 * | `GET /admin`                            | `adminPage()`                            | text/html                |
 * | `GET /docs`                             | `docsPage(openApiDocument)`              | text/html                |
 * | `GET /assets/app.css`                   | `stylesheet`                             | text/css                 |
 * | `GET /assets/wizard.js`                 | `wizardScript`                           | text/javascript          |
 * | `GET /assets/admin.js`                  | `adminScript`                            | text/javascript          |
 * | `GET /assets/authorized.js`             | `authorizedScript`                       | text/javascript          |
 * | `GET /assets/favicon.svg`               | `favicon`                                | image/svg+xml            |
 *
 * `assets` maps each asset path to its content type and body. There is no
 * docs script: `/docs` is rendered entirely on the server.
 *
 * ## JSON the wizard expects (beyond the brief's shapes)
 *
 * - `POST /oauth/family/state` `{ plexUsername, labels }` → 2xx
 *   `{ groupId, webhookUrl, members: [{ memberId, label, status, authorizeUrl, expiresAt }] }`.
 *   Also accepted: `group: { id, webhookUrl }` for `groupId`/`webhookUrl`,
 *   `id` for `memberId`, and members as `{ member: { id, label, status }, authorizeUrl, expiresAt }`.
 * - `GET /oauth/family/{groupId}/status` → `{ members: [{ memberId, label, status, statusReason, traktUsername }], webhookUrl? }`
 *   (or the bare array; `id` accepted for `memberId`).
 * - `POST /oauth/family/{groupId}/members/{memberId}/authorization` → `{ authorizeUrl, expiresAt, ... }`.
 * - A relative `webhookUrl` is shown resolved against the page's origin.
 * - Errors: any non-2xx with a JSON body `{ _tag, message }`; `message` is shown.
 *
 * ## Stable selectors for browser tests
 *
 * Landing: `#choose-individual`, `#choose-family` (links).
 *
 * Wizard (`/family`, `/individual`):
 * - sections `#step-details`, `#step-authorize`, `#step-webhook` (only the current one is visible);
 *   `#steps li[aria-current="step"]` is the current step.
 * - step 1: `#group-form` (`data-mode`, `data-max-members`), `#plex-username`,
 *   `.member-label` inputs (ids `#member-label-1`, `#member-label-2`, …; individual: one, labelled "Your name"),
 *   `#add-member` (family only; disabled at `maxMembers`), `.remove-label` (remove a member input; hidden at the
 *   minimum of 2), per-field errors `#<input id>-error`, `#form-alert` (role="alert"), `#create-group` (submit).
 * - step 2: `#member-status-list`, one `li[data-member-id="<memberId>"]` per member with `data-status`;
 *   inside it `.member-name`, `.status` (badge, `data-status` = pending | authorized | failed | expired),
 *   `.member-detail` (Trakt username or the status reason), `.authorize` ("Authorize with Trakt", while pending),
 *   `.retry` ("Try again", when failed or expired); `#authorize-alert` (role="alert"), `#continue`
 *   (enabled when every member is authorized), `#continue-anyway` (visible when some but not all are).
 *   Popups are named `trakt-<memberId>`. Telemetry: `authorize_opened` (`.authorize` and `.retry`).
 * - step 3: `#webhook-url` (read-only input), `#copy-webhook`, `#copy-status` (aria-live: "Copied"),
 *   `#plex-path`, `#back-to-authorize`, `#webhook-alert`. Telemetry: `webhook_copied`.
 * - the wizard keeps its progress in sessionStorage (`household-setup:<mode>`): a reload resumes at step 2/3.
 *
 * Authorize result (popup): `#result-message`, `#close-window` (shown when `window.opener` exists),
 * `script#result` (JSON `{ type: "family-member-authorized", memberId, status }`, posted to the opener).
 *
 * Admin (`/admin`):
 * - `#admin-alert` (role="alert": API errors, "Wrong or missing admin token"), `#admin-notice` (role="status").
 * - sign in: `#sign-in-view`, `#admin-token` (password), `#sign-in`; `#sign-out` once signed in.
 *   The token is kept in sessionStorage under `household-admin-token`.
 * - groups: `#groups-view`, `#groups-table`, rows `tr.group-row[data-group-id]` with link `a.open-group`
 *   (to `#/groups/<id>`), `#refresh-groups`, `#no-groups`.
 * - group: `#group-view`, `#group-title`, `#group-webhook-url`, `#queue-depth` (text, plus `data-queued`,
 *   `data-retrying`, `data-permanent-failure`), `#members-table` rows `tr[data-member-id]` (`data-status`) with
 *   `.status`, `.new-authorization` (non-authorized members), `.remove-member` → `.confirm-remove` / `.cancel-remove`;
 *   `#authorization-link` (with `a#authorization-link-url`, after adding a member or a new link);
 *   `#add-member-label`, `#add-member-submit`; `#notifications` items `li[data-notification-id]` with
 *   `.dismiss-notification` (active ones only); `#delete-group` → `#confirm-delete-group` / `#cancel-delete-group`;
 *   `#back-to-groups`.
 *
 * Docs (`/docs`): `nav .toc`, sections `#tag-<tag>`, operations `article.operation#op-<operationId>`,
 * component schemas `#schema-<name>`.
 *
 * @module
 */
import { adminPage, adminScript } from "./admin.js"
import { authorizedScript, authorizeResultPage } from "./authorized.js"
import { docsPage } from "./docs.js"
import { assetPaths, escapeHtml, favicon } from "./html.js"
import { landingPage } from "./landing.js"
import { stylesheet } from "./stylesheet.js"
import { wizardPage, wizardScript } from "./wizard.js"

export type { AuthorizeResult } from "./authorized.js"
export type { WizardOptions } from "./wizard.js"
export {
  adminPage,
  adminScript,
  assetPaths,
  authorizedScript,
  authorizeResultPage,
  docsPage,
  escapeHtml,
  favicon,
  landingPage,
  stylesheet,
  wizardPage,
  wizardScript
}

/** Every static asset by path, with its content type. */
export const assets: Readonly<Record<string, { readonly contentType: string; readonly body: string }>> = {
  [assetPaths.stylesheet]: { contentType: "text/css; charset=utf-8", body: stylesheet },
  [assetPaths.wizardScript]: { contentType: "text/javascript; charset=utf-8", body: wizardScript },
  [assetPaths.adminScript]: { contentType: "text/javascript; charset=utf-8", body: adminScript },
  [assetPaths.authorizedScript]: { contentType: "text/javascript; charset=utf-8", body: authorizedScript },
  [assetPaths.favicon]: { contentType: "image/svg+xml", body: favicon }
}
