import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { type RawVariables, validateVariables, variableNames } from "../src/config.js"

const none = Object.fromEntries(variableNames.map((name) => [name, undefined])) as RawVariables
const minimal: RawVariables = {
  ...none,
  PLEX_TOKEN: "plex-secret-token",
  PLEX_SERVER_NAME: "Den",
  TAUTULLI_URL: "http://127.0.0.1:8181/",
  TAUTULLI_API_KEY: "tautulli-secret"
}
const problems = (raw: Partial<RawVariables>) =>
  Either.match(validateVariables({ ...minimal, ...raw }), {
    onLeft: (error) => error.problems,
    onRight: () => []
  })

describe("daemon configuration", () => {
  it("defaults to the daemon's known values: 27/30 days, 120 s / 1800 s, dry run, embedded database", () => {
    const config = Either.getOrThrow(validateVariables(minimal))
    expect([
      config.warnDays,
      config.kickDays,
      config.checkNewUsersSecs,
      config.checkInactivitySecs,
      config.dryRun
    ]).toEqual([27, 30, 120, 1800, true])
    expect(config.database).toEqual({ _tag: "Embedded", dataDir: ".data/prune-pglite" })
    expect(config.plexTvUrl).toBe("https://plex.tv")
    expect(config.tautulliUrl).toBe("http://127.0.0.1:8181")
    expect(Redacted.value(config.plexToken)).toBe("plex-secret-token")
    expect(config.warnings.some((w) => w.startsWith("SMTP_HOST is not set"))).toBe(true)
  })

  it("names every missing or invalid variable at once", () => {
    const found = Either.flip(validateVariables(none)).pipe(Either.getOrThrow).problems
    expect(found.map((p) => p.split(" ")[0])).toEqual([
      "PLEX_TOKEN",
      "PLEX_SERVER_NAME",
      "TAUTULLI_URL",
      "TAUTULLI_API_KEY"
    ])
    expect(problems({ WARN_DAYS: "30" })).toEqual(["WARN_DAYS (30) must be less than KICK_DAYS (30)"])
    expect(problems({ KICK_DAYS: "thirty" })[0]).toMatch(/^KICK_DAYS must be/)
    expect(problems({ DRY_RUN: "maybe" })[0]).toMatch(/^DRY_RUN must be true or false/)
    expect(problems({ SMTP_HOST: "smtp.example.com" })[0]).toMatch(/^SMTP_FROM is required/)
    expect(problems({ TAUTULLI_CLEANUP: "all" })[0]).toMatch(/^TAUTULLI_CLEANUP/)
    expect(problems({ CHECK_NEW_USERS_SECS: "1" })[0]).toMatch(/^CHECK_NEW_USERS_SECS/)
  })

  it("never repeats a secret in a message", () => {
    const found = problems({
      DISCORD_WEBHOOK: "discord-token-123",
      DATABASE_URL: "mysql://u:db-password@h/x",
      PLEX_TV_URL: "ftp://secret-host"
    })
    expect(found.length).toBe(3)
    for (const secret of ["discord-token-123", "db-password", "secret-host"])
      expect(found.join("\n")).not.toContain(secret)
  })

  it("reads VIP_NAMES as a comma list and DRY_RUN=false as live", () => {
    const config = Either.getOrThrow(
      validateVariables({
        ...minimal,
        VIP_NAMES: " alice, bob ,,carol@example.com",
        DRY_RUN: "false",
        TAUTULLI_CLEANUP: "delete_user"
      })
    )
    expect([config.vipNames, config.dryRun, config.tautulliCleanup]).toEqual([
      ["alice", "bob", "carol@example.com"],
      false,
      "delete-user"
    ])
  })
})
