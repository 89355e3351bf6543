/**
 * `pnpm --filter @org/example-prune-script demo`: the ten-line script against fake
 * plex.tv and Tautulli servers on loopback, for a try without a Plex server.
 */
import { startFakePlexTv, startFakeTautulli } from "@org/plex/testing"

const DAY = 86_400
const now = Math.floor(Date.now() / 1000)
const plex = await startFakePlexTv({
  users: [
    { id: "201", username: "mom", email: "mom@example.com" },
    { id: "202", username: "uncle-joe" },
    { id: "203", username: "cousin-amy" },
    { id: "204", username: "neighbour", shares: [{ machineIdentifier: "their-server", owned: false }] }
  ]
})
const tautulli = await startFakeTautulli({
  users: [
    { userId: "201", lastSeen: now - 120 * DAY },
    { userId: "202", lastSeen: now - 33 * DAY },
    { userId: "203", lastSeen: now - 5 * DAY }
  ]
})
Object.assign(process.env, {
  PLEX_TOKEN: plex.token,
  PLEX_SERVER_NAME: plex.serverName,
  PLEX_TV_URL: plex.url,
  TAUTULLI_URL: tautulli.url,
  TAUTULLI_API_KEY: tautulli.apiKey
})
try {
  await import("./plan.js")
} finally {
  await Promise.all([plex.close(), tautulli.close()])
}
