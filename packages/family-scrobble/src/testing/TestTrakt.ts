/**
 * An in-memory Trakt for domain tests: issues tokens, answers scrobbles like
 * Trakt does, records every call with the (test) clock's time, and can be told to
 * fail or slow down per account. For tests over real HTTP use the Trakt sandbox
 * server from `@org/trakt/sandbox` instead.
 */
import { Clock, Context, DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { TraktTokens } from "../GroupMember.js"
import { TraktUsername } from "../Ids.js"
import { mediaKey, mediaTitle } from "../MediaRef.js"
import type { ScrobbleAction } from "../ScrobbleAction.js"
import { type ScrobbleAccepted, TraktApi, type TraktFailure, traktHttpFailure } from "../TraktApi.js"

/** Which calls a scripted failure applies to. */
export type TestTraktOperation = "scrobble" | "refresh" | "exchange" | "settings"

/** A scripted answer: a failure, or a call that never answers (a hang). */
export type TestTraktFault = TraktFailure | { readonly _tag: "Hang" }

/** One scrobble call as Trakt saw it. */
export interface RecordedScrobble {
  readonly username: string
  readonly action: ScrobbleAction
  readonly progress: number
  readonly mediaKey: string
  readonly title: string
  /** Clock time of the call, epoch milliseconds. */
  readonly at: number
  /** `start`, `pause` or `scrobble` when accepted; the HTTP status or `hang` otherwise. */
  readonly outcome: string
}

export interface TestTraktControl {
  /** A single-use authorization code that signs in as `username`. */
  readonly codeFor: (username: string) => string
  /** Tokens for `username` without the OAuth dance (to seed authorized members). */
  readonly grant: (
    username: string,
    options?: { readonly lifetime?: Duration.DurationInput }
  ) => Effect.Effect<TraktTokens>
  /** Fail the next `times` calls of `operation` for `username` (default: once, scrobbles). */
  readonly fail: (
    username: string,
    fault: TestTraktFault,
    options?: { readonly times?: number; readonly operation?: TestTraktOperation }
  ) => Effect.Effect<void>
  /** Every call for `username` first waits this long (on the test clock). */
  readonly setLatency: (username: string, latency: Duration.DurationInput) => Effect.Effect<void>
  /** Current access tokens of `username` now answer 401; refresh still works. */
  readonly expireAccessTokens: (username: string) => Effect.Effect<void>
  /** Access and refresh tokens of `username` die (the user revoked the app). */
  readonly revoke: (username: string) => Effect.Effect<void>
  readonly scrobbles: (username?: string) => Effect.Effect<ReadonlyArray<RecordedScrobble>>
  /** How many refreshes `username` made that Trakt accepted. */
  readonly refreshCount: (username: string) => Effect.Effect<number>
}

export class TestTrakt extends Context.Tag("@org/family-scrobble/testing/TestTrakt")<
  TestTrakt,
  TestTraktControl
>() {}

interface TokenEntry {
  readonly username: string
  alive: boolean
}

export const makeTestTrakt = (options: { readonly tokenLifetime?: Duration.DurationInput } = {}) =>
  Effect.sync(() => {
    const lifetime = Duration.decode(options.tokenLifetime ?? Duration.days(7))
    const codes = new Map<string, string>()
    const accessTokens = new Map<string, TokenEntry>()
    const refreshTokens = new Map<string, TokenEntry>()
    const faults = new Map<
      string,
      Array<{ fault: TestTraktFault; operation: TestTraktOperation; left: number }>
    >()
    const latency = new Map<string, Duration.Duration>()
    const recorded: Array<RecordedScrobble> = []
    const refreshes = new Map<string, number>()
    let counter = 0

    const issue = (username: string, tokenLifetime: Duration.Duration) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        counter++
        const access = `access-${username}-${counter}`
        const refresh = `refresh-${username}-${counter}`
        accessTokens.set(access, { username, alive: true })
        refreshTokens.set(refresh, { username, alive: true })
        return new TraktTokens({
          accessToken: Redacted.make(access),
          refreshToken: Redacted.make(refresh),
          createdAt: DateTime.unsafeMake(now),
          expiresAt: DateTime.unsafeMake(now + Duration.toMillis(tokenLifetime))
        })
      })

    /** Wait the account's latency, then apply a scripted fault if one is due. */
    const answer = (username: string, operation: TestTraktOperation) =>
      Effect.gen(function* () {
        const delay = latency.get(username)
        if (delay !== undefined) yield* Effect.sleep(delay)
        const list = faults.get(username) ?? []
        const index = list.findIndex((f) => f.operation === operation && f.left > 0)
        if (index < 0) return Option.none<TestTraktFault>()
        const entry = list[index]
        if (entry === undefined) return Option.none<TestTraktFault>()
        entry.left--
        if (entry.left === 0) list.splice(index, 1)
        return Option.some(entry.fault)
      })

    const raise = (fault: TestTraktFault) => (fault._tag === "Hang" ? Effect.never : Effect.fail(fault))

    const userOf = (token: Redacted.Redacted<string>) => {
      const entry = accessTokens.get(Redacted.value(token))
      return entry?.alive === true ? Effect.succeed(entry.username) : Effect.fail(traktHttpFailure(401))
    }

    const api = TraktApi.of({
      authorizeUrl: (state) =>
        `https://trakt.test/oauth/authorize?response_type=code&state=${encodeURIComponent(state)}`,
      exchangeCode: (code) =>
        Effect.gen(function* () {
          const username = codes.get(code)
          if (username === undefined) return yield* traktHttpFailure(400, { detail: "invalid_grant" })
          codes.delete(code)
          const fault = yield* answer(username, "exchange")
          if (Option.isSome(fault)) return yield* raise(fault.value)
          return yield* issue(username, lifetime)
        }),
      refreshTokens: (refreshToken) =>
        Effect.gen(function* () {
          const entry = refreshTokens.get(Redacted.value(refreshToken))
          if (entry === undefined || !entry.alive)
            return yield* traktHttpFailure(400, { detail: "invalid_grant" })
          const fault = yield* answer(entry.username, "refresh")
          if (Option.isSome(fault)) return yield* raise(fault.value)
          entry.alive = false
          for (const access of accessTokens.values())
            if (access.username === entry.username) access.alive = false
          refreshes.set(entry.username, (refreshes.get(entry.username) ?? 0) + 1)
          return yield* issue(entry.username, lifetime)
        }),
      getUsername: (accessToken) =>
        Effect.gen(function* () {
          const username = yield* userOf(accessToken)
          const fault = yield* answer(username, "settings")
          if (Option.isSome(fault)) return yield* raise(fault.value)
          return TraktUsername.make(username)
        }),
      scrobble: (request) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const entry = accessTokens.get(Redacted.value(request.accessToken))
          const username = entry?.username ?? "(unknown)"
          const record = (outcome: string) =>
            recorded.push({
              username,
              action: request.action,
              progress: request.progress,
              mediaKey: mediaKey(request.media),
              title: mediaTitle(request.media),
              at,
              outcome
            })
          if (entry === undefined || !entry.alive) {
            record("401")
            return yield* traktHttpFailure(401)
          }
          const fault = yield* answer(username, "scrobble")
          if (Option.isSome(fault)) {
            const value = fault.value
            record(
              value._tag === "Hang"
                ? "hang"
                : value._tag === "TraktHttpFailure"
                  ? String(value.status)
                  : value.reason
            )
            return yield* raise(value)
          }
          if (request.action === "stop" && request.progress < 1) {
            record("422")
            return yield* traktHttpFailure(422)
          }
          const action =
            request.action === "stop" ? (request.progress >= 80 ? "scrobble" : "pause") : request.action
          record(action)
          return { action } satisfies ScrobbleAccepted
        })
    })

    const control: TestTraktControl = {
      codeFor: (username) => {
        counter++
        const code = `code-${username}-${counter}`
        codes.set(code, username)
        return code
      },
      grant: (username, grantOptions) =>
        issue(
          username,
          grantOptions?.lifetime === undefined ? lifetime : Duration.decode(grantOptions.lifetime)
        ),
      fail: (username, fault, failOptions) =>
        Effect.sync(() => {
          const list = faults.get(username) ?? []
          list.push({ fault, operation: failOptions?.operation ?? "scrobble", left: failOptions?.times ?? 1 })
          faults.set(username, list)
        }),
      setLatency: (username, value) => Effect.sync(() => void latency.set(username, Duration.decode(value))),
      expireAccessTokens: (username) =>
        Effect.sync(() => {
          for (const entry of accessTokens.values()) if (entry.username === username) entry.alive = false
        }),
      revoke: (username) =>
        Effect.sync(() => {
          for (const entry of accessTokens.values()) if (entry.username === username) entry.alive = false
          for (const entry of refreshTokens.values()) if (entry.username === username) entry.alive = false
        }),
      scrobbles: (username) =>
        Effect.sync(() => recorded.filter((r) => username === undefined || r.username === username)),
      refreshCount: (username) => Effect.sync(() => refreshes.get(username) ?? 0)
    }
    return { api, control }
  })

/** Provides `TraktApi` backed by the in-memory Trakt, and `TestTrakt` to steer it. */
export const TestTraktLayer = (
  options: { readonly tokenLifetime?: Duration.DurationInput } = {}
): Layer.Layer<TraktApi | TestTrakt> =>
  Layer.effectContext(
    Effect.map(makeTestTrakt(options), ({ api, control }) =>
      Context.make(TraktApi, api).pipe(Context.add(TestTrakt, control))
    )
  )
