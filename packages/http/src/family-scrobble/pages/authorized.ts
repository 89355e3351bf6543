import { clientScript } from "./client.js"
import { assetPaths, escapeHtml, jsonForScript, layout } from "./html.js"

export type AuthorizeResult =
  | { readonly ok: true; readonly label: string; readonly traktUsername: string; readonly memberId: string }
  | { readonly ok: false; readonly reason: string; readonly memberId?: string | undefined }

/**
 * The page in the popup after Trakt's OAuth callback. Its script tells the
 * setup page (`window.opener`) right away, so it need not wait for its poll.
 */
export const authorizeResultPage = (result: AuthorizeResult): string => {
  const message = {
    type: "family-member-authorized",
    memberId: result.memberId ?? null,
    status: result.ok ? "authorized" : "failed"
  }
  const main = result.ok
    ? `<h1 id="result-title">Trakt connected</h1>
<p id="result-message" class="notice success" data-testid="result-message"><strong>${escapeHtml(result.label)}</strong> is connected as <strong>${escapeHtml(result.traktUsername)}</strong>.</p>
<p>What ${escapeHtml(result.label)} watches on the shared Plex account will now be recorded on this Trakt profile.</p>`
    : `<h1 id="result-title">Not authorized</h1>
<p id="result-message" class="alert" data-testid="result-message">Not authorized: ${escapeHtml(result.reason)}</p>
<p>Go back to the setup page and press <strong>Authorize with Trakt</strong> (or <strong>Try again</strong>) next to the name to start a new sign-in, and sign in to your own Trakt account. If you were sent a link, ask for a new one.</p>`
  return layout({
    title: result.ok ? "Trakt connected" : "Not authorized",
    scripts: [assetPaths.authorizedScript],
    noindex: true,
    main: `${main}
<p id="opener-note" class="hint" hidden>The setup page updates by itself. You can close this window.</p>
<p id="no-opener-note" class="hint">Return to the setup page: it updates by itself within a few seconds.</p>
<div class="actions">
  <button type="button" id="close-window" class="primary" data-testid="close-window" hidden>Close this window</button>
  <a href="/" id="home-link">Home</a>
</div>
<script type="application/json" id="result">${jsonForScript(message)}</script>`
  })
}

/** `/assets/authorized.js` */
// biome-ignore lint/complexity/noUselessStringRaw: keeps any backslash in the browser code literal
export const authorizedScript = clientScript(String.raw`
let message = null;
try { message = JSON.parse($("#result").textContent); } catch (error) { message = null; }
const opener = window.opener;
if (message && opener && !opener.closed) {
  let told = false;
  try {
    opener.postMessage(message, location.origin);
    told = true;
  } catch (error) {
    told = false;
  }
  if (told) {
    $("#opener-note").hidden = false;
    $("#no-opener-note").hidden = true;
    const close = $("#close-window");
    close.hidden = false;
    close.addEventListener("click", () => window.close());
    close.focus();
  }
}
`)
