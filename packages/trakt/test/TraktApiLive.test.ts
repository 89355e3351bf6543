import { describe, expect, it } from "@effect/vitest"
import { EpisodeRef, MediaIds, OAuthState, TraktHttpFailure, toProgress } from "@org/family-scrobble"
import { Effect, Exit, Option, Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { startTraktSandbox, type TraktSandbox } from "../src/sandbox.js"
import { apiFor, freshUser, heat, REDIRECT_URI, sundae } from "./helpers.js"

let sandbox: TraktSandbox
let adapter: ReturnType<typeof apiFor>

beforeAll(async () => {
  // Known items: everything but the episode's own ids, to exercise the show-form fallback.
  sandbox = await startTraktSandbox({
    isKnownItem: (item) =>
      !(
        item.episode !== undefined &&
        item.show === undefined &&
        item.episode.ids !== undefined &&
        (item.episode.ids as Record<string, unknown>).tvdb === 404404
      )
  })
  adapter = apiFor(sandbox)
})

afterAll(async () => {
  await adapter.agent.close()
  await sandbox.close()
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (failure === undefined) throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
  return failure
}

/** Sign `username` in through the sandbox and exchange the code with the adapter. */
const signIn = (username: string) =>
  Effect.gen(function* () {
    const { code } = sandbox.authorize({ username, redirectUri: REDIRECT_URI, state: "s" })
    return yield* adapter.api.exchangeCode(code)
  })

describe("authorize URL", () => {
  it("carries response_type, client_id, redirect_uri, state and prompt=login on the auth host", () => {
    const url = new URL(adapter.api.authorizeUrl(OAuthState.make("state-123-abcdefghijklmnopqrstuvwxyz0123")))
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.url}/oauth/authorize`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: sandbox.clientId,
      redirect_uri: REDIRECT_URI,
      state: "state-123-abcdefghijklmnopqrstuvwxyz0123",
      prompt: "login"
    })
  })

  it.live("leads through the sandbox's sign-in to a redirect with a code that exchanges", () =>
    Effect.gen(function* () {
      const url = new URL(
        adapter.api.authorizeUrl(OAuthState.make("state-xyz-abcdefghijklmnopqrstuvwxyz0123"))
      )
      url.searchParams.set("sandbox_username", "Mum")
      const response = yield* Effect.promise(() => fetch(url, { redirect: "manual" }))
      expect(response.status).toBe(302)
      const location = new URL(response.headers.get("location") ?? "")
      expect(location.searchParams.get("state")).toBe("state-xyz-abcdefghijklmnopqrstuvwxyz0123")
      const tokens = yield* adapter.api.exchangeCode(location.searchParams.get("code") ?? "")
      expect(yield* adapter.api.getUsername(tokens.accessToken)).toBe("Mum")
    })
  )
})

describe("OAuth tokens", () => {
  it.live("exchanges a code for tokens whose expiry is created_at + expires_in", () =>
    Effect.gen(function* () {
      const tokens = yield* signIn(freshUser())
      const lifetime = tokens.expiresAt.epochMillis - tokens.createdAt.epochMillis
      expect(lifetime).toBe(7 * 24 * 3600 * 1000)
      expect(Redacted.value(tokens.accessToken)).toMatch(/^sandbox-access-/)
      // Tokens are redacted when printed.
      expect(String(tokens.accessToken)).not.toContain("sandbox-access-")
      expect(JSON.stringify(tokens)).not.toContain("sandbox-")
    })
  )

  it.live("sends the client credentials and the redirect URI as JSON to the auth host", () =>
    Effect.gen(function* () {
      yield* signIn(freshUser())
      const tokenCall = sandbox
        .requests()
        .filter((r) => r.path === "/oauth/token")
        .at(-1)
      expect(tokenCall?.status).toBe(200)
      expect(tokenCall?.headers["content-type"]).toBe("application/json")
      expect(tokenCall?.headers["user-agent"]).toBe("org-media-sdk-tests/1.0")
    })
  )

  it.live("a used code is rejected with invalid_grant (400)", () =>
    Effect.gen(function* () {
      const { code } = sandbox.authorize({ username: freshUser(), redirectUri: REDIRECT_URI })
      yield* adapter.api.exchangeCode(code)
      const failure = failureOf(yield* Effect.exit(adapter.api.exchangeCode(code)))
      expect(failure).toBeInstanceOf(TraktHttpFailure)
      expect(failure).toMatchObject({ status: 400 })
      expect(Option.getOrNull((failure as TraktHttpFailure).detail)).toContain("code")
    })
  )

  it.live("a wrong client secret is invalid_client (401)", () =>
    Effect.gen(function* () {
      const wrong = apiFor(sandbox, { clientSecret: Redacted.make("not-the-secret") })
      const { code } = sandbox.authorize({ username: freshUser(), redirectUri: REDIRECT_URI })
      const failure = failureOf(yield* Effect.exit(wrong.api.exchangeCode(code)))
      yield* Effect.promise(() => wrong.agent.close())
      expect(failure).toMatchObject({ _tag: "TraktHttpFailure", status: 401 })
    })
  )

  it.live("refresh returns a new pair; the old refresh token and the old access token die", () =>
    Effect.gen(function* () {
      const username = freshUser()
      const first = yield* signIn(username)
      const second = yield* adapter.api.refreshTokens(first.refreshToken)
      expect(Redacted.value(second.accessToken)).not.toBe(Redacted.value(first.accessToken))
      expect(yield* adapter.api.getUsername(second.accessToken)).toBe(username)
      const reuse = failureOf(yield* Effect.exit(adapter.api.refreshTokens(first.refreshToken)))
      expect(reuse).toMatchObject({ _tag: "TraktHttpFailure", status: 400 })
      const oldAccess = failureOf(yield* Effect.exit(adapter.api.getUsername(first.accessToken)))
      expect(oldAccess).toMatchObject({ _tag: "TraktHttpFailure", status: 401 })
    })
  )

  it.live("reads the username from /users/settings with the bearer token and API headers", () =>
    Effect.gen(function* () {
      const username = freshUser("Dad")
      const tokens = yield* signIn(username)
      expect(yield* adapter.api.getUsername(tokens.accessToken)).toBe(username)
      const call = sandbox.requests(username).find((r) => r.path === "/users/settings")
      expect(call?.method).toBe("GET")
      expect(call?.headers["trakt-api-version"]).toBe("2")
      expect(call?.headers["trakt-api-key"]).toBe(sandbox.clientId)
    })
  )
})

describe("scrobble", () => {
  it.live("start, pause and stop post the documented body and headers", () =>
    Effect.gen(function* () {
      const username = freshUser()
      const tokens = yield* signIn(username)
      const post = (action: "start" | "pause" | "stop", progress: number) =>
        adapter.api.scrobble({
          accessToken: tokens.accessToken,
          action,
          media: heat,
          progress: toProgress(progress)
        })
      expect(yield* post("start", 12.5)).toEqual({ action: "start" })
      yield* Effect.sleep("1010 millis")
      expect(yield* post("pause", 40)).toEqual({ action: "pause" })
      yield* Effect.sleep("1010 millis")
      // Trakt answers `scrobble`, not `stop`, to a stop at ≥ 80 %.
      expect(yield* post("stop", 95)).toEqual({ action: "scrobble" })

      const recorded = sandbox.scrobbles(username)
      expect(recorded.map((s) => [s.action, s.progress, s.result])).toEqual([
        ["start", 12.5, "start"],
        ["pause", 40, "pause"],
        ["stop", 95, "scrobble"]
      ])
      expect(recorded[0]?.item).toEqual({
        movie: { title: "Heat", year: 1995, ids: { imdb: "tt0113277", tmdb: 949 } }
      })
      expect(recorded[0]?.appVersion).toBeTypeOf("string")
      const call = sandbox.requests(username).find((r) => r.path === "/scrobble/start")
      expect(call?.headers).toMatchObject({
        "content-type": "application/json",
        "trakt-api-version": "2",
        "trakt-api-key": sandbox.clientId,
        "user-agent": "org-media-sdk-tests/1.0"
      })
      expect(sandbox.plays(username)).toHaveLength(1)
    })
  )

  it.live("an episode is matched by its own ids (tvdb first)", () =>
    Effect.gen(function* () {
      const username = freshUser()
      const tokens = yield* signIn(username)
      yield* adapter.api.scrobble({
        accessToken: tokens.accessToken,
        action: "start",
        media: sundae,
        progress: toProgress(3)
      })
      expect(sandbox.scrobbles(username)[0]?.item).toEqual({
        episode: { ids: { tvdb: 9374601, imdb: "tt14452776" } }
      })
    })
  )

  it.live("an episode Trakt cannot find by its ids is sent again as show ids + season/number", () =>
    Effect.gen(function* () {
      const username = freshUser()
      const tokens = yield* signIn(username)
      const accepted = yield* adapter.api.scrobble({
        accessToken: tokens.accessToken,
        action: "start",
        media: new EpisodeRef({ ...sundae, ids: new MediaIds({ tvdb: 404404 }) }),
        progress: toProgress(3)
      })
      expect(accepted.action).toBe("start")
      const statuses = sandbox
        .requests(username)
        .filter((r) => r.path === "/scrobble/start")
        .map((r) => r.status)
      // The second form waited out the one-POST-per-second limit the 404 used up.
      expect(statuses).toEqual([404, 201])
      expect(sandbox.scrobbles(username)[0]?.item).toEqual({
        show: { title: "The Bear", ids: { tvdb: 403245 } },
        episode: { season: 2, number: 3 }
      })
    })
  )
})
