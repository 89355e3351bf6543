import { layout, SITE_NAME } from "./html.js"

/** `/`: choose between an individual and a family account. */
export const landingPage = (): string =>
  layout({
    title: SITE_NAME,
    main: `<h1>${SITE_NAME}</h1>
<p class="lead">Send what you watch on Plex to Trakt automatically. How will you use it?</p>
<nav class="choices" aria-label="Account type">
  <a class="choice" id="choose-individual" data-testid="choose-individual" href="/individual">
    <span class="choice-title">Individual account</span>
    <span class="choice-text">Your Plex account is yours alone: everything it plays is recorded on your own Trakt profile.</span>
  </a>
  <a class="choice" id="choose-family" data-testid="choose-family" href="/family">
    <span class="choice-title">Family account</span>
    <span class="choice-text">Your household watches on one shared Plex account: every play is recorded on each family member's own Trakt profile.</span>
  </a>
</nav>
<p class="hint">Plex sends plays through webhooks, which need a Plex Pass subscription.</p>`
  })
