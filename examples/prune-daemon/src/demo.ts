/**
 * `--demo`: fake plex.tv, Tautulli and SMTP servers on loopback with a handful of
 * users, so the daemon can be tried without a Plex server. Their addresses become
 * the configuration's variables.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startSmtpSink } from "@org/notify/testing"
import { startFakePlexTv, startFakeTautulli } from "@org/plex/testing"
import type { RawVariables } from "./config.js"

const DAY = 86_400

export interface Demo {
  readonly variables: Partial<RawVariables>
  readonly describe: () => string
  readonly close: () => Promise<void>
}

export const startDemo = async (): Promise<Demo> => {
  const now = Math.floor(Date.now() / 1000)
  const plex = await startFakePlexTv({
    servers: [
      { name: "Living Room", machineIdentifier: "demo-living-room" },
      { name: "A friend's server", machineIdentifier: "demo-elsewhere", owned: false }
    ],
    users: [
      { id: "101", username: "alice", shares: [{ acceptedAt: now - 200 * DAY }] },
      { id: "102", username: "bob", shares: [{ acceptedAt: now - 200 * DAY }] },
      { id: "103", username: "carol", shares: [{ acceptedAt: now - 2 * DAY }] },
      { id: "104", username: "dave", shares: [{ acceptedAt: now - 300 * DAY }] },
      { id: "105", username: "erin", shares: [{ acceptedAt: now - 400 * DAY }] },
      { id: "106", username: "frank", shares: [{ machineIdentifier: "demo-elsewhere", owned: false }] },
      { id: "107", username: "grace", kind: "home" }
    ]
  })
  const tautulli = await startFakeTautulli({
    users: [
      { userId: "101", lastSeen: now - 3 * DAY },
      { userId: "102", lastSeen: now - 28 * DAY },
      { userId: "103", lastSeen: null },
      { userId: "104", lastSeen: now - 45 * DAY },
      { userId: "105", lastSeen: now - 90 * DAY },
      { userId: "107", lastSeen: now - 100 * DAY }
    ],
    sessions: []
  })
  const smtp = await startSmtpSink()
  // A fresh embedded database each time, so every demo starts from the first run.
  const dataDir = await mkdtemp(join(tmpdir(), "prune-demo-"))
  return {
    variables: {
      PLEX_TOKEN: plex.token,
      PLEX_SERVER_NAME: plex.serverName,
      PLEX_TV_URL: plex.url,
      TAUTULLI_URL: tautulli.url,
      TAUTULLI_API_KEY: tautulli.apiKey,
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_FROM: "Living Room <plex@example.com>",
      ADMIN_EMAIL: "owner@example.com",
      VIP_NAMES: "erin",
      DATA_DIR: dataDir
    },
    describe: () =>
      [
        `Demo: fake plex.tv at ${plex.url}, Tautulli at ${tautulli.url}, SMTP sink at ${smtp.url}.`,
        "alice watched 3 days ago; bob 28 days ago; carol joined 2 days ago; dave 45 days ago;",
        "erin (VIP) 90 days ago; frank only shares another server; grace is a Home member.",
        ...(smtp.messages.length > 0
          ? [
              `The SMTP sink received ${smtp.messages.length} email(s): ${smtp.messages.map((m) => `"${m.subject}" to ${m.to}`).join("; ")}`
            ]
          : []),
        ...(plex.requests({ method: "DELETE" }).length > 0
          ? [
              `plex.tv received: ${plex
                .requests({ method: "DELETE" })
                .map((r) => `DELETE ${r.path}`)
                .join(", ")}`
            ]
          : [])
      ].join("\n"),
    close: async () => {
      await Promise.all([plex.close(), tautulli.close(), smtp.close()])
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}
