import { describe, expect, it } from "@effect/vitest"
import {
  classifyScrobbleFailure,
  type TraktFailure,
  TraktHttpFailure,
  TraktNetworkFailure,
  toProgress
} from "@org/family-scrobble"
import { Duration, Effect, Exit, Option, type Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type SandboxFault, startTraktSandbox, type TraktSandbox } from "../src/sandbox.js"
import { apiFor, freshUser, heat, REDIRECT_URI } from "./helpers.js"

let sandbox: TraktSandbox
let adapter: ReturnType<typeof apiFor>

beforeAll(async () => {
  sandbox = await startTraktSandbox()
  // A short timeout so that a hanging Trakt is detected quickly.
  adapter = apiFor(sandbox, { requestTimeout: "300 millis" })
})

afterAll(async () => {
  await adapter.agent.close()
  await sandbox.close()
})

const member = (username = freshUser()) =>
  Effect.gen(function* () {
    const { code } = sandbox.authorize({ username, redirectUri: REDIRECT_URI })
    const tokens = yield* adapter.api.exchangeCode(code)
    return { username, accessToken: tokens.accessToken }
  })

const stop = (accessToken: Redacted.Redacted<string>, progress = 95) =>
  adapter.api.scrobble({ accessToken, action: "stop", media: heat, progress: toProgress(progress) })

const failureOf = <A>(exit: Exit.Exit<A, TraktFailure>): TraktFailure => {
  if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") throw new Error("expected a typed failure")
  return exit.cause.error
}

const withFault = (fault: SandboxFault) =>
  Effect.gen(function* () {
    const m = yield* member()
    sandbox.injectFault(m.username, fault, { times: 1 })
    const failure = failureOf(yield* Effect.exit(stop(m.accessToken)))
    return { failure, ...m }
  })

describe("failure modes", () => {
  it.live("a repeated finish inside the window is 409 with watched_at: classified as already scrobbled", () =>
    Effect.gen(function* () {
      const m = yield* member()
      expect(yield* stop(m.accessToken)).toEqual({ action: "scrobble" })
      yield* Effect.sleep("1010 millis")
      const failure = failureOf(yield* Effect.exit(stop(m.accessToken)))
      expect(failure).toBeInstanceOf(TraktHttpFailure)
      expect(failure).toMatchObject({ status: 409 })
      expect(Option.getOrElse((failure as TraktHttpFailure).detail, () => "")).toMatch(
        /already scrobbled at 20/
      )
      expect(classifyScrobbleFailure(failure)).toEqual({ _tag: "AlreadyScrobbled" })
      expect(sandbox.plays(m.username)).toHaveLength(1)
    })
  )

  it.live("two POSTs of one user inside a second: 429 with Retry-After and X-Ratelimit", () =>
    Effect.gen(function* () {
      const m = yield* member()
      yield* stop(m.accessToken, 30)
      const failure = failureOf(yield* Effect.exit(stop(m.accessToken, 40)))
      expect(failure).toMatchObject({ _tag: "TraktHttpFailure", status: 429 })
      const http = failure as TraktHttpFailure
      expect(Option.getOrNull(http.retryAfterSeconds)).toBe(1)
      expect(JSON.parse(Option.getOrElse(http.rateLimit, () => "{}"))).toMatchObject({
        name: "AUTHED_API_POST_LIMIT",
        limit: 1,
        remaining: 0
      })
      const cls = classifyScrobbleFailure(failure)
      expect(cls._tag).toBe("Retryable")
      if (cls._tag === "Retryable")
        expect(Option.map(cls.notBefore, Duration.toSeconds)).toEqual(Option.some(1))
    })
  )

  it.live("a 429 from abuse protection has Retry-After but no X-Ratelimit", () =>
    Effect.gen(function* () {
      const { failure } = yield* withFault({ status: 429, retryAfterSeconds: 42, withRateLimitHeader: false })
      const http = failure as TraktHttpFailure
      expect(http.status).toBe(429)
      expect(Option.getOrNull(http.retryAfterSeconds)).toBe(42)
      expect(Option.isNone(http.rateLimit)).toBe(true)
    })
  )

  it.live.each([401, 420, 422, 423, 426, 500, 502, 503])(
    "status %d is a TraktHttpFailure with that status",
    (status) =>
      Effect.gen(function* () {
        const { failure } = yield* withFault({ status })
        expect(failure).toBeInstanceOf(TraktHttpFailure)
        expect((failure as TraktHttpFailure).status).toBe(status)
        const expected =
          status === 401
            ? "Unauthorized"
            : status >= 500
              ? "Retryable"
              : status === 422
                ? "Rejected"
                : "NeedsAttention"
        expect(classifyScrobbleFailure(failure)._tag).toBe(expected)
      })
  )

  it.live("a stop below 1 % is what Trakt rejects with 422", () =>
    Effect.gen(function* () {
      const m = yield* member()
      const failure = failureOf(yield* Effect.exit(stop(m.accessToken, 0.5)))
      expect(failure).toMatchObject({ _tag: "TraktHttpFailure", status: 422 })
    })
  )

  it.live("an expired access token is 401", () =>
    Effect.gen(function* () {
      const m = yield* member()
      sandbox.expireAccessTokens(m.username)
      const failure = failureOf(yield* Effect.exit(stop(m.accessToken)))
      expect(failure).toMatchObject({ _tag: "TraktHttpFailure", status: 401 })
    })
  )

  it.live("a Trakt that never answers is a timeout network failure, within the configured timeout", () =>
    Effect.gen(function* () {
      const { failure } = yield* withFault({ kind: "hang" })
      expect(failure).toBeInstanceOf(TraktNetworkFailure)
      expect(failure).toMatchObject({ reason: "timeout" })
      expect(classifyScrobbleFailure(failure)._tag).toBe("Retryable")
    })
  )

  it.live("a reset connection is a connection network failure", () =>
    Effect.gen(function* () {
      const { failure } = yield* withFault({ kind: "reset" })
      expect(failure).toBeInstanceOf(TraktNetworkFailure)
      expect(failure).toMatchObject({ reason: "connection" })
    })
  )

  it.live("nothing listening is a connection network failure", () =>
    Effect.gen(function* () {
      const m = yield* member()
      const closed = yield* Effect.promise(() => startTraktSandbox())
      yield* Effect.promise(() => closed.close())
      const offline = apiFor(closed, { requestTimeout: "2 seconds" })
      const failure = failureOf(
        yield* Effect.exit(
          offline.api.scrobble({
            accessToken: m.accessToken,
            action: "start",
            media: heat,
            progress: toProgress(1)
          })
        )
      )
      yield* Effect.promise(() => offline.agent.close())
      expect(failure).toMatchObject({ _tag: "TraktNetworkFailure", reason: "connection" })
    })
  )

  it.live("a 2xx with a body that is not Trakt's is a retryable bad gateway, not a crash", () =>
    Effect.gen(function* () {
      const m = yield* member()
      sandbox.injectFault(m.username, { status: 200, body: { nothing: true } }, { times: 1, on: "settings" })
      const failure = failureOf(yield* Effect.exit(adapter.api.getUsername(m.accessToken)))
      expect(failure).toMatchObject({ _tag: "TraktHttpFailure", status: 502 })
    })
  )

  it.live("a refresh of a revoked authorization is a 400 the domain treats as a dead refresh token", () =>
    Effect.gen(function* () {
      const username = freshUser()
      const { code } = sandbox.authorize({ username, redirectUri: REDIRECT_URI })
      const tokens = yield* adapter.api.exchangeCode(code)
      sandbox.revokeAuthorization(username)
      const failure = failureOf(yield* Effect.exit(adapter.api.refreshTokens(tokens.refreshToken)))
      expect(failure).toMatchObject({ _tag: "TraktHttpFailure", status: 400 })
    })
  )

  it.live("error descriptions never carry a token", () =>
    Effect.gen(function* () {
      const m = yield* member()
      sandbox.expireAccessTokens(m.username)
      const failure = failureOf(yield* Effect.exit(stop(m.accessToken)))
      expect(JSON.stringify(failure)).not.toMatch(/sandbox-(access|refresh)-/)
      expect(String(failure)).not.toMatch(/sandbox-(access|refresh)-/)
    })
  )
})
