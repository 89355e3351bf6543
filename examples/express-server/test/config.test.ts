import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import {
  type ConfigOptions,
  InvalidConfiguration,
  parseConfig,
  type ServerConfig,
  serverConfig,
  tokenKeyProblem
} from "../src/config.js"

const key = randomBytes(32).toString("base64")
const trakt = { TRAKT_CLIENT_ID: "my-client-id", TRAKT_CLIENT_SECRET: "my-client-secret" }

const ok = (env: Record<string, string | undefined>, options?: ConfigOptions): ServerConfig => {
  const result = parseConfig(env, options)
  if (Either.isLeft(result)) throw new Error(`expected a configuration, got: ${result.left.message}`)
  return result.right
}

const problems = (
  env: Record<string, string | undefined>,
  options?: ConfigOptions
): ReadonlyArray<string> => {
  const result = parseConfig(env, options)
  if (Either.isRight(result)) throw new Error("expected the configuration to be refused")
  expect(result.left).toBeInstanceOf(InvalidConfiguration)
  return result.left.problems
}

/** The one problem of `env` (on top of a valid Trakt configuration). */
const problem = (env: Record<string, string | undefined>): string => {
  const found = problems({ ...trakt, ...env })
  expect(found).toHaveLength(1)
  return found[0] ?? ""
}

describe("parseConfig", () => {
  it("defaults everything but the Trakt app", () => {
    const config = ok(trakt)
    expect(config).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
      publicUrl: undefined,
      dataDir: "./.data",
      database: { _tag: "Embedded", dataDir: join("./.data", "pglite") },
      trakt: { _tag: "Trakt", clientId: "my-client-id", apiUrl: undefined, authUrl: undefined },
      adminToken: undefined,
      tokenEncryptionKey: { _tag: "KeyFile", path: join("./.data", "token-encryption.key") },
      retryBaseDelayMs: 30_000,
      retryMaxAttempts: 5,
      logLevel: "Info"
    })
    expect(config.trakt._tag === "Trakt" && Redacted.value(config.trakt.clientSecret)).toBe(
      "my-client-secret"
    )
    expect(config.warnings).toEqual(["ADMIN_TOKEN is not set: the admin API and the admin page are closed."])
  })

  it("reads every variable", () => {
    const config = ok({
      PORT: "8080",
      HOST: "127.0.0.1",
      PUBLIC_URL: "https://scrobble.example.com/",
      DATABASE_URL: "postgres://app:secret@db.internal:5432/scrobble",
      DATA_DIR: "/var/lib/scrobble",
      TRAKT_SANDBOX: "0",
      TRAKT_CLIENT_ID: "id",
      TRAKT_CLIENT_SECRET: "secret",
      TRAKT_API_URL: "https://api.example.com/",
      TRAKT_AUTHORIZE_URL: "https://auth.example.com",
      ADMIN_TOKEN: "a-long-enough-admin-token",
      TOKEN_ENCRYPTION_KEY: key,
      RETRY_BASE_DELAY_MS: "1500",
      RETRY_MAX_ATTEMPTS: "8",
      LOG_LEVEL: "debug"
    })
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      publicUrl: "https://scrobble.example.com",
      dataDir: "/var/lib/scrobble",
      database: { _tag: "Postgres" },
      trakt: {
        _tag: "Trakt",
        clientId: "id",
        apiUrl: "https://api.example.com",
        authUrl: "https://auth.example.com"
      },
      tokenEncryptionKey: { _tag: "Configured" },
      retryBaseDelayMs: 1500,
      retryMaxAttempts: 8,
      logLevel: "Debug",
      warnings: []
    })
    expect(config.database._tag === "Postgres" && Redacted.value(config.database.url)).toBe(
      "postgres://app:secret@db.internal:5432/scrobble"
    )
    expect(config.adminToken && Redacted.value(config.adminToken)).toBe("a-long-enough-admin-token")
    expect(
      config.tokenEncryptionKey._tag === "Configured" && Redacted.value(config.tokenEncryptionKey.value)
    ).toBe(key)
  })

  it("keeps the embedded database and the key file in DATA_DIR", () => {
    const config = ok({ ...trakt, DATA_DIR: "/srv/data" })
    expect(config.database).toEqual({ _tag: "Embedded", dataDir: join("/srv/data", "pglite") })
    expect(config.tokenEncryptionKey).toEqual({
      _tag: "KeyFile",
      path: join("/srv/data", "token-encryption.key")
    })
  })

  it("treats empty variables as unset", () => {
    const config = ok({ ...trakt, PORT: "", ADMIN_TOKEN: " ", DATABASE_URL: "", LOG_LEVEL: "" })
    expect(config.port).toBe(3000)
    expect(config.adminToken).toBeUndefined()
    expect(config.database._tag).toBe("Embedded")
    expect(config.logLevel).toBe("Info")
  })

  it("accepts PORT 0 (any free port)", () => {
    expect(ok({ ...trakt, PORT: "0" }).port).toBe(0)
  })

  it.each([
    ["trace", "Trace"],
    ["DEBUG", "Debug"],
    ["Info", "Info"],
    ["warn", "Warning"],
    ["warning", "Warning"],
    ["error", "Error"],
    ["fatal", "Fatal"],
    ["none", "None"]
  ])("reads LOG_LEVEL=%s as %s", (value, level) => {
    expect(ok({ ...trakt, LOG_LEVEL: value }).logLevel).toBe(level)
  })

  it("accepts a key rotation list as TOKEN_ENCRYPTION_KEY", () => {
    const old = randomBytes(32).toString("base64")
    expect(ok({ ...trakt, TOKEN_ENCRYPTION_KEY: `k2:${key},k1:${old}` }).tokenEncryptionKey._tag).toBe(
      "Configured"
    )
  })

  it("warns about a short ADMIN_TOKEN", () => {
    expect(ok({ ...trakt, ADMIN_TOKEN: "secret" }).warnings).toEqual([
      "ADMIN_TOKEN is shorter than 16 characters: whoever guesses it manages every family (try: openssl rand -hex 24)."
    ])
  })

  describe("the Trakt sandbox", () => {
    it.each(["1", "true", "yes"])("TRAKT_SANDBOX=%s starts it, and no Trakt app is needed", (value) => {
      expect(ok({ TRAKT_SANDBOX: value }).trakt).toEqual({ _tag: "Sandbox" })
    })

    it("ignores the Trakt variables, and says so", () => {
      const config = ok({
        ...trakt,
        TRAKT_SANDBOX: "1",
        TRAKT_API_URL: "https://api.trakt.tv",
        ADMIN_TOKEN: "x".repeat(20)
      })
      expect(config.trakt).toEqual({ _tag: "Sandbox" })
      expect(config.warnings).toEqual([
        "TRAKT_SANDBOX=1: TRAKT_CLIENT_ID, TRAKT_CLIENT_SECRET, TRAKT_API_URL ignored, the sandbox's own values are used."
      ])
    })

    it("with sandboxUnlessConfigured, is the default when TRAKT_CLIENT_ID is absent", () => {
      const config = ok({}, { sandboxUnlessConfigured: true })
      expect(config.trakt).toEqual({ _tag: "Sandbox" })
      expect(config.warnings[0]).toMatch(/^TRAKT_CLIENT_ID is not set: using the built-in Trakt sandbox\./)
    })

    it("with sandboxUnlessConfigured, is not used when TRAKT_CLIENT_ID is set or TRAKT_SANDBOX=0", () => {
      expect(ok(trakt, { sandboxUnlessConfigured: true }).trakt._tag).toBe("Trakt")
      expect(problems({ TRAKT_SANDBOX: "0" }, { sandboxUnlessConfigured: true })).toHaveLength(2)
    })
  })

  describe("refuses, naming the variable", () => {
    it("TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET without the sandbox", () => {
      expect(problems({})).toEqual([
        "TRAKT_CLIENT_ID is required: the client id of your Trakt app (https://trakt.tv/oauth/applications). Or set TRAKT_SANDBOX=1 to try everything against the built-in Trakt sandbox.",
        "TRAKT_CLIENT_SECRET is required: the client secret of your Trakt app (https://trakt.tv/oauth/applications). Or set TRAKT_SANDBOX=1 to try everything against the built-in Trakt sandbox."
      ])
      expect(problems({ TRAKT_CLIENT_ID: "id" })).toEqual([
        expect.stringMatching(/^TRAKT_CLIENT_SECRET is required/)
      ])
    })

    it.each(["abc", "70000", "-1", "80.5", "0x50"])("PORT=%s", (value) => {
      expect(problem({ PORT: value })).toBe(
        `PORT must be a port number from 0 to 65535 (0: any free port), got "${value}"`
      )
    })

    it.each(["my host", "http://localhost"])("HOST=%s", (value) => {
      expect(problem({ HOST: value })).toBe(
        `HOST must be a host name or IP address to listen on (e.g. 0.0.0.0 or 127.0.0.1), got "${value}"`
      )
    })

    it.each(["localhost:3000", "ftp://example.com", "https://example.com/?a=1"])("PUBLIC_URL=%s", (value) => {
      expect(problem({ PUBLIC_URL: value })).toBe(
        `PUBLIC_URL must be the http:// or https:// URL where people and Plex reach this server, e.g. https://scrobble.example.com, got "${value}"`
      )
    })

    it("DATABASE_URL that is not postgres://, without repeating its password", () => {
      const message = problem({ DATABASE_URL: "mysql://app:hunter2@db/scrobble", TOKEN_ENCRYPTION_KEY: key })
      expect(message).toBe(
        'DATABASE_URL must be a postgres:// URL, e.g. postgres://user:password@localhost:5432/scrobble (unset it for the embedded database), got a "mysql:" URL'
      )
      expect(problem({ DATABASE_URL: "hunter2", TOKEN_ENCRYPTION_KEY: key })).toMatch(
        /got something that is not a URL$/
      )
    })

    it("TRAKT_SANDBOX that is not 1 or 0", () => {
      expect(problem({ TRAKT_SANDBOX: "maybe" })).toBe(
        'TRAKT_SANDBOX must be 1 (start the built-in Trakt sandbox) or 0, got "maybe"'
      )
    })

    it("TRAKT_API_URL and TRAKT_AUTHORIZE_URL that are not URLs", () => {
      expect(problem({ TRAKT_API_URL: "api.trakt.tv" })).toBe(
        'TRAKT_API_URL must be an http:// or https:// URL such as https://api.trakt.tv, got "api.trakt.tv"'
      )
      expect(problem({ TRAKT_AUTHORIZE_URL: "auth" })).toBe(
        'TRAKT_AUTHORIZE_URL must be an http:// or https:// URL such as https://auth.trakt.tv, got "auth"'
      )
    })

    it("TOKEN_ENCRYPTION_KEY that is not 32 bytes of base64, without repeating it", () => {
      expect(problem({ TOKEN_ENCRYPTION_KEY: "not base64!" })).toBe(
        "TOKEN_ENCRYPTION_KEY is not base64 (create one with: openssl rand -base64 32)"
      )
      expect(problem({ TOKEN_ENCRYPTION_KEY: randomBytes(16).toString("base64") })).toBe(
        "TOKEN_ENCRYPTION_KEY must be 32 bytes in base64, but it decodes to 16 bytes (create one with: openssl rand -base64 32)"
      )
      expect(problem({ TOKEN_ENCRYPTION_KEY: `k1:${key},:${key}` })).toBe(
        'TOKEN_ENCRYPTION_KEY: entry 2 of the key list must be "<id>:<base64>", the id 1–32 of A–Z a–z 0–9 _ -'
      )
      expect(problem({ TOKEN_ENCRYPTION_KEY: `k1:${key},k0:abcd` })).toBe(
        'TOKEN_ENCRYPTION_KEY (key "k0") must be 32 bytes in base64, but it decodes to 3 bytes (create one with: openssl rand -base64 32)'
      )
    })

    it("a missing TOKEN_ENCRYPTION_KEY with DATABASE_URL", () => {
      expect(problem({ DATABASE_URL: "postgres://localhost/scrobble" })).toBe(
        "TOKEN_ENCRYPTION_KEY is required with DATABASE_URL: every server sharing the database must encrypt Trakt tokens with the same key. Create one with: openssl rand -base64 32"
      )
    })

    it.each(["0", "1.5", "soon", "-100"])("RETRY_BASE_DELAY_MS=%s", (value) => {
      expect(problem({ RETRY_BASE_DELAY_MS: value })).toBe(
        `RETRY_BASE_DELAY_MS must be a whole number of milliseconds above 0, got "${value}"`
      )
    })

    it.each(["51", "-1", "three"])("RETRY_MAX_ATTEMPTS=%s", (value) => {
      expect(problem({ RETRY_MAX_ATTEMPTS: value })).toBe(
        `RETRY_MAX_ATTEMPTS must be a whole number from 0 to 50, got "${value}"`
      )
    })

    it("LOG_LEVEL that is not a level", () => {
      expect(problem({ LOG_LEVEL: "loud" })).toBe(
        'LOG_LEVEL must be one of trace, debug, info, warning, error, fatal, none, got "loud"'
      )
    })

    it("every problem at once, in one message", () => {
      const result = parseConfig({
        PORT: "x",
        LOG_LEVEL: "loud",
        RETRY_MAX_ATTEMPTS: "99",
        TRAKT_SANDBOX: "1"
      })
      expect(Either.isLeft(result) && result.left.message).toBe(
        [
          "The configuration is invalid:",
          '  - PORT must be a port number from 0 to 65535 (0: any free port), got "x"',
          '  - RETRY_MAX_ATTEMPTS must be a whole number from 0 to 50, got "99"',
          '  - LOG_LEVEL must be one of trace, debug, info, warning, error, fatal, none, got "loud"'
        ].join("\n")
      )
    })
  })

  it("is an effect/Config for Effect users", () => {
    const provider = ConfigProvider.fromMap(
      new Map([
        ["TRAKT_SANDBOX", "1"],
        ["PORT", "4000"]
      ])
    )
    const config = Effect.runSync(Effect.withConfigProvider(serverConfig(), provider))
    expect(config.port).toBe(4000)
    const failed = Effect.runSync(
      Effect.flip(Effect.withConfigProvider(serverConfig(), ConfigProvider.fromMap(new Map([["PORT", "x"]]))))
    )
    expect(String(failed)).toContain('PORT must be a port number from 0 to 65535 (0: any free port), got "x"')
  })
})

describe("tokenKeyProblem", () => {
  it("accepts one key or a list", () => {
    expect(tokenKeyProblem(key)).toBeUndefined()
    expect(tokenKeyProblem(`new:${key}, old:${key}`)).toBeUndefined()
  })

  it("ONBOARDING: open by default; invite and admin need ADMIN_TOKEN; anything else is refused by name", () => {
    expect(ok({ ...trakt }).onboarding).toBe("open")
    expect(ok({ ...trakt, ADMIN_TOKEN: "t".repeat(32), ONBOARDING: "Invite" }).onboarding).toBe("invite")
    expect(ok({ ...trakt, ADMIN_TOKEN: "t".repeat(32), ONBOARDING: "admin" }).onboarding).toBe("admin")
    expect(problem({ ONBOARDING: "closed" })).toBe(
      'ONBOARDING must be open (anyone may create a group), invite (with a code from the admin) or admin (only the admin creates groups), got "closed"'
    )
    expect(problem({ ONBOARDING: "invite" })).toBe(
      "ONBOARDING=invite needs ADMIN_TOKEN: without the admin API nobody could make an invite"
    )
  })

  it("TRUST_PROXY: 1 tells clients apart by X-Forwarded-For; anything but 0 or 1 is refused by name", () => {
    expect(ok({ ...trakt }).trustProxy).toBe(false)
    expect(ok({ ...trakt, TRUST_PROXY: "1" }).trustProxy).toBe(true)
    expect(ok({ ...trakt, TRUST_PROXY: "no" }).trustProxy).toBe(false)
    expect(problem({ TRUST_PROXY: "maybe" })).toBe(
      'TRUST_PROXY must be 1 (behind your own reverse proxy: clients are told apart by X-Forwarded-For) or 0, got "maybe"'
    )
  })
})
