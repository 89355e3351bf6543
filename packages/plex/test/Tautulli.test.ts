/**
 * The Tautulli adapter against the fake Tautulli over real HTTP: the users table
 * read across pages, sessions in progress, the cleanup commands, and every
 * failure (an envelope error included) as an error that never shows the API key.
 */
import { describe, expect, it } from "@effect/vitest"
import { ActivitySource, type ActivitySourceError, type ActivitySourceService } from "@org/prune"
import { ConfigProvider, DateTime, Effect, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { PruneTautulli, type TautulliConfig, tautulliClient } from "../src/index.js"
import {
  type FakeTautulli,
  type FakeTautulliOptions,
  scopedFakeTautulli,
  startFakeTautulli
} from "../src/testing.js"

const configFor = (fake: FakeTautulli, overrides: Partial<TautulliConfig> = {}): TautulliConfig => ({
  url: fake.url,
  apiKey: Redacted.make(fake.apiKey),
  timeout: "2 seconds",
  ...overrides
})

/** A fake, its client and the port over it, closed with the test's scope. */
const setup = (options: FakeTautulliOptions = {}, overrides: Partial<TautulliConfig> = {}) =>
  Effect.gen(function* () {
    const fake = yield* scopedFakeTautulli(options)
    const client = yield* tautulliClient(configFor(fake, overrides))
    const source: ActivitySourceService = PruneTautulli.make(client)
    return { fake, client, source }
  })

const failure = <A>(effect: Effect.Effect<A, ActivitySourceError>) =>
  Effect.flip(effect).pipe(Effect.tap((error) => expect(error._tag).toBe("ActivitySourceError")))

const at = (seconds: number) => Option.some(DateTime.unsafeMake(seconds * 1000))

describe("snapshot", () => {
  it.scopedLive("maps last_seen by user id, with none for users who never watched", () =>
    Effect.gen(function* () {
      const { source } = yield* setup({
        users: [
          { userId: "10", lastSeen: 1_700_000_000 },
          { userId: "11", lastSeen: null },
          { userId: "12", lastSeen: 1_600_000_000 }
        ],
        sessions: ["12"]
      })
      const snapshot = yield* source.snapshot
      expect(snapshot.lastWatched).toEqual(
        new Map([
          ["10", at(1_700_000_000)],
          ["11", Option.none()],
          ["12", at(1_600_000_000)]
        ])
      )
      expect(snapshot.watchingNow).toEqual(new Set(["12"]))
      expect(snapshot.lastWatched.has("99")).toBe(false)
    })
  )

  it.scopedLive("reads every page of the users table, ordered by last_seen", () =>
    Effect.gen(function* () {
      const users = Array.from({ length: 23 }, (_, i) => ({
        userId: String(1000 + i),
        lastSeen: i % 5 === 0 ? null : 1_700_000_000 + i
      }))
      const { fake, source } = yield* setup({ users }, { pageSize: 5 })
      const snapshot = yield* source.snapshot
      expect(snapshot.lastWatched.size).toBe(23)
      expect(snapshot.lastWatched.get("1000")).toEqual(Option.none())
      expect(snapshot.lastWatched.get("1022")).toEqual(at(1_700_000_022))
      const pages = fake.requests({ cmd: "get_users_table" }).map((r) => r.query)
      expect(pages.map((q) => q.start)).toEqual(["0", "5", "10", "15", "20"])
      for (const query of pages)
        expect(query).toMatchObject({ length: "5", order_column: "last_seen", order_dir: "desc" })
    })
  )

  it.scopedLive("stops after the last full page", () =>
    Effect.gen(function* () {
      const users = Array.from({ length: 10 }, (_, i) => ({ userId: String(i + 1), lastSeen: 1_700_000_000 }))
      const { fake, source } = yield* setup({ users }, { pageSize: 5 })
      expect((yield* source.snapshot).lastWatched.size).toBe(10)
      expect(fake.requests({ cmd: "get_users_table" })).toHaveLength(2)
    })
  )

  it.scopedLive("reads an empty table with one request", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup()
      const snapshot = yield* source.snapshot
      expect(snapshot.lastWatched.size).toBe(0)
      expect(snapshot.watchingNow.size).toBe(0)
      expect(fake.requests({ cmd: "get_users_table" })).toHaveLength(1)
    })
  )

  it.scopedLive("pages ten thousand users with the default page size", () =>
    Effect.gen(function* () {
      const users = Array.from({ length: 10_000 }, (_, i) => ({
        userId: String(i + 1),
        lastSeen: 1_700_000_000 + i
      }))
      const { fake, source } = yield* setup({ users })
      const snapshot = yield* source.snapshot
      expect(snapshot.lastWatched.size).toBe(10_000)
      expect(fake.requests({ cmd: "get_users_table" })).toHaveLength(10)
    })
  )

  it.scopedLive("fails as a whole when any page fails: no partial picture", () =>
    Effect.gen(function* () {
      const users = Array.from({ length: 12 }, (_, i) => ({ userId: String(i + 1), lastSeen: 1_700_000_000 }))
      const { fake, source } = yield* setup({ users }, { pageSize: 5 })
      fake.fail(
        "get_users_table",
        { kind: "status", status: 500, message: "database is locked" },
        { after: 1, times: 1 }
      )
      const error = yield* failure(source.snapshot)
      expect(error).toMatchObject({ operation: "get_users_table", status: 500, retryable: true })
      expect(error.message).toContain("database is locked")
      expect(fake.requests({ cmd: "get_users_table" }).map((r) => r.query.start)).toEqual(["0", "5"])
    })
  )

  it.scopedLive("is an error when the activity cannot be read, even if the table can", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup({ users: [{ userId: "10", lastSeen: 1_700_000_000 }] })
      fake.fail("get_activity", { kind: "error-result", message: "Unable to connect to the Plex server" })
      const error = yield* failure(source.snapshot)
      expect(error).toMatchObject({ operation: "get_activity", retryable: false })
      expect(error.message).toContain("Unable to connect to the Plex server")
    })
  )
})

describe("failures", () => {
  it.scopedLive("an envelope with result error (HTTP 200) is an error, never an empty history", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup({ users: [{ userId: "10", lastSeen: 1_700_000_000 }] })
      fake.fail("get_users_table", { kind: "error-result", message: "Unable to execute database query." })
      const error = yield* failure(source.snapshot)
      expect(error.operation).toBe("get_users_table")
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("Unable to execute database query.")
    })
  )

  it.scopedLive("HTTP errors carry the status and Tautulli's message", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup()
      for (const [status, retryable] of [
        [400, false],
        [404, false],
        [500, true],
        [429, true]
      ] as const) {
        fake.fail("get_users_table", { kind: "status", status, message: `fake ${status}` }, { times: 1 })
        const error = yield* failure(source.snapshot)
        expect(error).toMatchObject({ status, retryable })
        expect(error.message).toContain(`fake ${status}`)
      }
    })
  )

  it.scopedLive("a wrong key is a 401 that does not show the key", () =>
    Effect.gen(function* () {
      const fake = yield* scopedFakeTautulli()
      const wrongKey = "ffffffffffffffffffffffffffffffff"
      const client = yield* tautulliClient(configFor(fake, { apiKey: Redacted.make(wrongKey) }))
      const source = PruneTautulli.make(client)
      const errors = yield* Effect.all([
        failure(source.snapshot),
        failure(source.cleanup("10", "delete-user")),
        failure(source.cleanup("10", "purge-history"))
      ])
      for (const error of errors) {
        expect(error).toMatchObject({ status: 401, retryable: false })
        expect(error.message).toContain("Invalid apikey")
        expect(JSON.stringify(error)).not.toContain(wrongKey)
        expect(String(error)).not.toContain(wrongKey)
      }
    })
  )

  it.scopedLive("no answer in time is a retryable timeout", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup({}, { timeout: "200 millis" })
      fake.fail("get_users_table", { kind: "delay", ms: 5_000 })
      const error = yield* failure(source.snapshot)
      expect(error.retryable).toBe(true)
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("in time")
      expect(error.message).not.toContain(fake.apiKey)
    })
  )

  it.scopedLive("a dropped connection is a retryable error without the key", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup()
      fake.fail("get_activity", { kind: "drop" }, { times: 1 })
      const error = yield* failure(source.snapshot)
      expect(error).toMatchObject({ operation: "get_activity", retryable: true })
      expect(error.message).not.toContain(fake.apiKey)
      yield* source.snapshot
    })
  )

  it.scopedLive("a server that is not Tautulli is an error", () =>
    Effect.gen(function* () {
      const fake = yield* scopedFakeTautulli()
      const client = yield* tautulliClient(configFor(fake, { url: `${fake.url}/elsewhere` }))
      const error = yield* failure(PruneTautulli.make(client).snapshot)
      expect(error).toMatchObject({ status: 404, retryable: false })
    })
  )
})

describe("cleanup", () => {
  it.scopedLive("delete-user sends delete_user and the user leaves the table", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup({ users: [{ userId: "10", lastSeen: 1_700_000_000 }] })
      yield* source.cleanup("10", "delete-user")
      expect(fake.requests({ cmd: "delete_user" }).map((r) => r.query.user_id)).toEqual(["10"])
      expect(fake.requests({ cmd: "delete_all_user_history" })).toHaveLength(0)
      expect((yield* source.snapshot).lastWatched.has("10")).toBe(false)
    })
  )

  it.scopedLive("purge-history sends delete_all_user_history and keeps the user with no last watch", () =>
    Effect.gen(function* () {
      const { fake, source } = yield* setup({ users: [{ userId: "10", lastSeen: 1_700_000_000 }] })
      yield* source.cleanup("10", "purge-history")
      expect(fake.requests({ cmd: "delete_all_user_history" }).map((r) => r.query.user_id)).toEqual(["10"])
      expect(fake.requests({ cmd: "delete_user" })).toHaveLength(0)
      expect((yield* source.snapshot).lastWatched.get("10")).toEqual(Option.none())
    })
  )

  it.scopedLive("fails when Tautulli says it failed", () =>
    Effect.gen(function* () {
      const { source } = yield* setup()
      const error = yield* failure(source.cleanup("404", "delete-user"))
      expect(error).toMatchObject({ operation: "delete_user", retryable: false })
      expect(error.message).toContain("Failed to delete user.")
    })
  )
})

describe("PruneTautulli.layer", () => {
  let fake: FakeTautulli
  beforeAll(async () => {
    fake = await startFakeTautulli({ users: [{ userId: "10", lastSeen: 1_700_000_000 }], sessions: ["10"] })
  })
  afterAll(() => fake.close())

  it.live("provides the ActivitySource port", () =>
    Effect.gen(function* () {
      const snapshot = yield* Effect.flatMap(ActivitySource, (source) => source.snapshot).pipe(
        Effect.provide(PruneTautulli.layer(configFor(fake)))
      )
      expect(snapshot.watchingNow).toEqual(new Set(["10"]))
    })
  )

  it.live("reads its configuration from effect/Config", () =>
    Effect.gen(function* () {
      const provider = ConfigProvider.fromMap(
        new Map([
          ["TAUTULLI_URL", fake.url],
          ["TAUTULLI_API_KEY", fake.apiKey],
          ["TAUTULLI_PAGE_SIZE", "7"]
        ])
      )
      fake.clearRequests()
      yield* Effect.flatMap(ActivitySource, (source) => source.snapshot).pipe(
        Effect.provide(Layer.provide(PruneTautulli.layerConfig(), Layer.setConfigProvider(provider)))
      )
      expect(fake.requests({ cmd: "get_users_table" })[0]?.query.length).toBe("7")
    })
  )
})

describe("the fake Tautulli", () => {
  it.scopedLive("answers every request in the envelope: 400 for a missing or unknown command", () =>
    Effect.gen(function* () {
      const fake = yield* scopedFakeTautulli()
      const call = (query: string) =>
        Effect.promise(async () => {
          const response = await fetch(`${fake.url}/api/v2?${query}`)
          return {
            status: response.status,
            body: (await response.json()) as { response: { result: string } }
          }
        })
      expect(yield* call(`apikey=${fake.apiKey}`)).toMatchObject({
        status: 400,
        body: { response: { result: "error" } }
      })
      expect((yield* call(`apikey=${fake.apiKey}&cmd=arnold`)).status).toBe(400)
      expect((yield* call("apikey=nope&cmd=get_activity")).status).toBe(401)
      expect(yield* call(`apikey=${fake.apiKey}&cmd=get_activity`)).toMatchObject({
        status: 200,
        body: { response: { result: "success", data: { stream_count: "0", sessions: [] } } }
      })
    })
  )
})
