/**
 * The plex.tv adapter against the fake plex.tv over real HTTP: what it sends,
 * how it reads users and shares, how it finds the server, and that every failure
 * (404/410 included) is an error that never carries the token.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  PlexAccount,
  type PlexAccountError,
  type PlexAccountService,
  type PlexUser,
  shareOf
} from "@org/prune"
import {
  ConfigProvider,
  DateTime,
  Effect,
  Either,
  HashMap,
  Layer,
  List,
  Logger,
  LogLevel,
  Option,
  Redacted
} from "effect"
import { type PlexTvConfig, PrunePlexAccount, plexTvClient, plexTvConfigFromEnv } from "../src/index.js"
import { type FakePlexTv, type FakePlexTvOptions, scopedFakePlexTv } from "../src/testing.js"

const configFor = (fake: FakePlexTv, overrides: Partial<PlexTvConfig> = {}): PlexTvConfig => ({
  token: Redacted.make(fake.token),
  clientIdentifier: "test-client-id",
  baseUrl: fake.url,
  serverName: fake.serverName,
  timeout: "2 seconds",
  ...overrides
})

/** A fake and the port over it, both closed with the test's scope. */
const setup = (options: FakePlexTvOptions = {}, overrides: Partial<PlexTvConfig> = {}) =>
  Effect.gen(function* () {
    const fake = yield* scopedFakePlexTv(options)
    const client = yield* plexTvClient(configFor(fake, overrides))
    const account: PlexAccountService = yield* PrunePlexAccount.make(client)
    return { fake, client, account }
  })

const failure = <A>(effect: Effect.Effect<A, PlexAccountError>) =>
  Effect.flip(effect).pipe(Effect.tap((error) => expect(error._tag).toBe("PlexAccountError")))

/** Log lines (message and annotations) written while `effect` runs. */
const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  const lines: Array<string> = []
  const logger = Logger.make(({ annotations, message, spans }) => {
    lines.push(
      JSON.stringify({
        message,
        annotations: Object.fromEntries(HashMap.toEntries(annotations)),
        spans: List.toArray(spans)
      })
    )
  })
  return effect.pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
    Effect.map((value) => ({ value, lines }))
  )
}

const byId = (users: ReadonlyArray<PlexUser>, id: string) => {
  const user = users.find((u) => u.id === id)
  if (user === undefined) throw new Error(`no user ${id}`)
  return user
}

describe("plex.tv requests", () => {
  it.scopedLive("send the token, client identifier, product and version; JSON only on v2", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({}, { product: "My Pruner", version: "2.1.0" })
      yield* account.owner
      yield* account.listUsers
      const [v2] = fake.requests({ route: "user" })
      expect(v2?.headers).toMatchObject({
        "x-plex-token": fake.token,
        "x-plex-client-identifier": "test-client-id",
        "x-plex-product": "My Pruner",
        "x-plex-version": "2.1.0",
        accept: "application/json"
      })
      const [v1] = fake.requests({ route: "users" })
      expect(v1?.headers).toMatchObject({
        "x-plex-token": fake.token,
        "x-plex-client-identifier": "test-client-id",
        "x-plex-product": "My Pruner",
        "x-plex-version": "2.1.0"
      })
      expect(v1?.headers.accept).not.toBe("application/json")
      // The token travels in a header, never in the URL.
      expect(fake.requests().every((r) => !Object.values(r.query).includes(fake.token))).toBe(true)
    })
  )

  it.scopedLive("default the product name", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup()
      yield* account.owner
      expect(fake.requests({ route: "user" })[0]?.headers["x-plex-product"]).toBe("org-media-sdk prune")
    })
  )
})

describe("owner", () => {
  it.scopedLive("is the account behind the token, with its id as a string", () =>
    Effect.gen(function* () {
      const { account } = yield* setup({
        owner: { id: "4242", username: "admin", email: "admin@example.com" }
      })
      expect(yield* account.owner).toEqual({ id: "4242", username: "admin", email: "admin@example.com" })
    })
  )
})

describe("listUsers", () => {
  it.scopedLive("reads friends, Home members and managed users with the servers they reach", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({
        servers: [
          { name: "Living Room", machineIdentifier: "machine-living" },
          { name: "Cabin", machineIdentifier: "machine-cabin" }
        ],
        users: [
          { id: "10", username: "alice", email: "alice@example.com", title: 'Alice & Co "A"' },
          { id: "11", username: "bob", kind: "home" },
          { id: "12", kind: "managed", title: "Kids" },
          // A friend who shares their own server with the owner, and has nothing of ours.
          {
            id: "13",
            username: "carol",
            shares: [{ machineIdentifier: "machine-of-carol", name: "Carol's", owned: false }]
          },
          { id: "14", username: "dave", shares: [{ machineIdentifier: "machine-cabin" }] },
          { id: "15", username: "erin", shares: [{ pending: true }] },
          { id: "16", username: "frank", shares: [] }
        ]
      })
      const users = yield* account.listUsers
      expect(users.map((u) => u.id)).toEqual(["10", "11", "12", "13", "14", "15", "16"])

      const alice = byId(users, "10")
      expect(alice).toMatchObject({
        kind: "friend",
        username: "alice",
        email: "alice@example.com",
        title: 'Alice & Co "A"'
      })
      expect(shareOf(alice, fake.serverId)).toBeDefined()

      expect(byId(users, "11").kind).toBe("home")
      expect(byId(users, "12")).toMatchObject({ kind: "managed", username: "", email: "", title: "Kids" })

      const carol = byId(users, "13")
      expect(carol.servers.map((s) => s.machineIdentifier)).toEqual(["machine-of-carol"])
      expect(shareOf(carol, fake.serverId)).toBeUndefined()

      expect(byId(users, "14").servers.map((s) => s.machineIdentifier)).toEqual(["machine-cabin"])
      expect(byId(users, "15").servers).toEqual([
        { machineIdentifier: fake.serverId, pending: true, acceptedAt: Option.none() }
      ])
      expect(shareOf(byId(users, "15"), fake.serverId)).toBeUndefined()
      expect(byId(users, "16").servers).toEqual([])
    })
  )

  it.scopedLive("takes acceptance times of this server's shares from shared_servers", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({
        servers: [
          { name: "Living Room", machineIdentifier: "machine-living" },
          { name: "Cabin", machineIdentifier: "machine-cabin" }
        ],
        users: [
          {
            id: "10",
            shares: [
              { acceptedAt: 1_700_000_000, invitedAt: 1_699_990_000 },
              { machineIdentifier: "machine-cabin", acceptedAt: 1_600_000_000 }
            ]
          },
          { id: "11" }
        ]
      })
      fake.setAcceptedAt("11", 1_710_000_000)
      const users = yield* account.listUsers
      const alice = byId(users, "10")
      expect(shareOf(alice, "machine-living")?.acceptedAt).toEqual(
        Option.some(DateTime.unsafeMake(1_700_000_000_000))
      )
      // Only the pruned server's acceptance is looked up.
      expect(alice.servers.find((s) => s.machineIdentifier === "machine-cabin")?.acceptedAt).toEqual(
        Option.none()
      )
      expect(shareOf(byId(users, "11"), "machine-living")?.acceptedAt).toEqual(
        Option.some(DateTime.unsafeMake(1_710_000_000_000))
      )
      expect(fake.requests({ route: "shared_servers" }).map((r) => r.path)).toEqual([
        "/api/servers/machine-living/shared_servers"
      ])
    })
  )

  it.scopedLive("still lists users when shared_servers fails, without acceptance times", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({
        users: [{ id: "10", shares: [{ acceptedAt: 1_700_000_000 }] }]
      })
      fake.fail("shared_servers", { kind: "status", status: 500 }, { times: 1 })
      fake.fail("shared_servers", { kind: "drop" }, { times: 1 })
      fake.fail("shared_servers", { kind: "status", status: 410 }, { times: 1 })
      for (let i = 0; i < 3; i++) {
        const { value: users, lines } = yield* captureLogs(account.listUsers)
        expect(shareOf(byId(users, "10"), fake.serverId)?.acceptedAt).toEqual(Option.none())
        expect(lines.some((line) => line.includes("acceptance times unavailable"))).toBe(true)
        expect(lines.join("\n")).not.toContain(fake.token)
      }
      const users = yield* account.listUsers
      expect(Option.isSome(shareOf(byId(users, "10"), fake.serverId)?.acceptedAt ?? Option.none())).toBe(true)
    })
  )

  it.scopedLive("fails when /api/users fails", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users: [{ id: "10" }] })
      fake.fail("users", { kind: "status", status: 503 }, { times: 1 })
      const error = yield* failure(account.listUsers)
      expect(error).toMatchObject({ operation: "listUsers", status: 503, retryable: true })
    })
  )

  it.scopedLive("lists ten thousand users", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup()
      for (let i = 0; i < 10_000; i++)
        fake.addUser({ id: String(100_000 + i), shares: [{ acceptedAt: 1_700_000_000 + i }] })
      const users = yield* account.listUsers
      expect(users).toHaveLength(10_000)
      expect(shareOf(byId(users, "109999"), fake.serverId)?.acceptedAt).toEqual(
        Option.some(DateTime.unsafeMake((1_700_000_000 + 9_999) * 1000))
      )
    })
  )
})

describe("serverId", () => {
  const living = { name: "Living Room", machineIdentifier: "machine-living" }
  const notOwned = { name: "Friend's", machineIdentifier: "machine-friend", owned: false }
  const servers = [
    living,
    { name: "Cabin", machineIdentifier: "machine-cabin" },
    notOwned,
    { name: "Phone", machineIdentifier: "machine-phone", provides: "client,player" }
  ]

  it.scopedLive("is the owned server with the configured name, looked up once", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ servers }, { serverName: "Cabin" })
      const ids = yield* Effect.all(
        [account.serverId, account.serverId, account.listUsers.pipe(Effect.as(""))],
        {
          concurrency: "unbounded"
        }
      )
      expect(ids.slice(0, 2)).toEqual(["machine-cabin", "machine-cabin"])
      expect(yield* account.serverId).toBe("machine-cabin")
      expect(fake.requests({ route: "resources" })).toHaveLength(1)
    })
  )

  it.scopedLive("matches the name without regard to case", () =>
    Effect.gen(function* () {
      const { account } = yield* setup({ servers }, { serverName: "living room" })
      expect(yield* account.serverId).toBe("machine-living")
    })
  )

  it.scopedLive("is the configured id, with no lookup", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ servers }, { serverId: "machine-given", serverName: "Cabin" })
      expect(yield* account.serverId).toBe("machine-given")
      expect(fake.requests({ route: "resources" })).toHaveLength(0)
    })
  )

  it.scopedLive("names the server and the choices when no owned server has the name", () =>
    Effect.gen(function* () {
      const { account } = yield* setup({ servers }, { serverName: "Friend's" })
      const error = yield* failure(account.serverId)
      expect(error.retryable).toBe(false)
      expect(error.message).toContain(`no server named "Friend's"`)
      expect(error.message).toContain(`"Living Room", "Cabin"`)
    })
  )

  it.scopedLive("refuses a name two owned servers share", () =>
    Effect.gen(function* () {
      const { account } = yield* setup(
        {
          servers: [...servers, { name: "Cabin", machineIdentifier: "machine-cabin-2" }]
        },
        { serverName: "Cabin" }
      )
      const error = yield* failure(account.serverId)
      expect(error.message).toContain(`2 servers this account owns are named "Cabin"`)
      expect(error.message).toContain("machine-cabin-2")
    })
  )

  it.scopedLive("is the only owned server when no name is set, and asks for one when there are several", () =>
    Effect.gen(function* () {
      const single = yield* setup({ servers: [living, notOwned] }, { serverName: undefined })
      const several = yield* setup({ servers }, { serverName: undefined })
      expect(yield* single.account.serverId).toBe("machine-living")
      const error = yield* failure(several.account.serverId)
      expect(error.message).toContain("set serverName or serverId")
    })
  )

  it.scopedLive("tries the lookup again after a failure", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ servers }, { serverName: "Cabin" })
      fake.fail("resources", { kind: "status", status: 502 }, { times: 1 })
      const error = yield* failure(account.serverId)
      expect(error).toMatchObject({ status: 502, retryable: true })
      expect(yield* account.serverId).toBe("machine-cabin")
    })
  )
})

describe("removeUser", () => {
  const users = [
    { id: "10", username: "alice" },
    { id: "11", username: "bob", kind: "home" as const },
    { id: "12", kind: "managed" as const }
  ]

  const removeOne = (account: PlexAccountService, id: string) =>
    Effect.flatMap(account.listUsers, (listed) => account.removeUser(byId(listed, id)))

  it.scopedLive(
    "removes a friend whose only share of the owner's servers is this one with DELETE /api/v2/sharings/{id}",
    () =>
      Effect.gen(function* () {
        const { fake, account } = yield* setup({ users })
        yield* removeOne(account, "10")
        expect(fake.requests({ method: "DELETE" }).map((r) => r.path)).toEqual(["/api/v2/sharings/10"])
        expect(fake.requests({ method: "DELETE" })[0]?.headers.accept).toBe("application/json")
        expect(fake.user("10")).toBeUndefined()
        // What the friend reaches is read again before the DELETE; no share id was needed.
        expect(fake.requests({ route: "users" })).toHaveLength(2)
        expect(fake.requests({ route: "shared_server" })).toHaveLength(0)
      })
  )

  describe("a friend with shares of several of the owner's servers", () => {
    const servers = [
      { name: "Living Room", machineIdentifier: "machine-living" },
      { name: "Cabin", machineIdentifier: "machine-cabin" }
    ]
    const twoServers = {
      servers,
      users: [
        { id: "10", username: "alice", shares: [{}, { machineIdentifier: "machine-cabin" }] },
        { id: "11", username: "bob", shares: [{}, { machineIdentifier: "machine-cabin" }] }
      ]
    }
    const shareIdOf = (fake: FakePlexTv, userId: string, machineIdentifier: string) => {
      const id = fake.user(userId)?.shares.find((s) => s.machineIdentifier === machineIdentifier)?.id
      if (id === undefined) throw new Error(`user ${userId} has no share of ${machineIdentifier}`)
      return id
    }

    it.scopedLive("loses only this server's share: DELETE /api/servers/{machineId}/shared_servers/{id}", () =>
      Effect.gen(function* () {
        const { fake, account } = yield* setup(twoServers)
        const shareId = shareIdOf(fake, "10", "machine-living")
        yield* removeOne(account, "10")
        expect(fake.requests({ method: "DELETE" }).map((r) => r.path)).toEqual([
          `/api/servers/machine-living/shared_servers/${shareId}`
        ])
        expect(fake.requests({ route: "sharings" })).toHaveLength(0)
        const [removal] = fake.requests({ route: "shared_server" })
        expect(removal).toMatchObject({ method: "DELETE", status: 200 })
        expect(removal?.headers["x-plex-token"]).toBe(fake.token)
        // Still a friend, with the other server; the other friend is untouched.
        expect(fake.user("10")?.shares.map((s) => s.machineIdentifier)).toEqual(["machine-cabin"])
        expect(fake.user("11")?.shares.map((s) => s.machineIdentifier)).toEqual([
          "machine-living",
          "machine-cabin"
        ])
        const after = yield* account.listUsers
        expect(shareOf(byId(after, "10"), "machine-living")).toBeUndefined()
        expect(shareOf(byId(after, "10"), "machine-cabin")).toBeDefined()
      })
    )

    it.scopedLive("keeps a pending invitation to another server too", () =>
      Effect.gen(function* () {
        const { fake, account } = yield* setup({
          servers,
          users: [{ id: "10", shares: [{}, { machineIdentifier: "machine-cabin", pending: true }] }]
        })
        yield* removeOne(account, "10")
        expect(fake.requests({ route: "sharings" })).toHaveLength(0)
        expect(fake.user("10")?.shares).toMatchObject([{ machineIdentifier: "machine-cabin", pending: true }])
      })
    )

    it.scopedLive("reads the friend's servers again: a share given after the listing is kept", () =>
      Effect.gen(function* () {
        const { fake, account } = yield* setup({ servers, users: [{ id: "10" }] })
        const alice = byId(yield* account.listUsers, "10")
        fake.share("10", { machineIdentifier: "machine-cabin" })
        yield* account.removeUser(alice)
        expect(fake.requests({ route: "sharings" })).toHaveLength(0)
        expect(fake.requests({ route: "shared_server" })).toHaveLength(1)
        expect(fake.user("10")?.shares.map((s) => s.machineIdentifier)).toEqual(["machine-cabin"])
      })
    )

    for (const status of [404, 410])
      it.scopedLive(`fails on ${status} from the shared_servers DELETE, and deletes nothing else`, () =>
        Effect.gen(function* () {
          const { fake, account } = yield* setup(twoServers)
          fake.fail("shared_server", { kind: "status", status })
          const error = yield* failure(removeOne(account, "10"))
          expect(error).toMatchObject({ operation: "removeUser", status, retryable: false })
          expect(error.message).toContain("not treated as removed")
          expect(error.message).not.toContain(fake.token)
          expect(fake.requests({ method: "DELETE" }).map((r) => r.route)).toEqual(["shared_server"])
          expect(fake.user("10")?.shares).toHaveLength(2)
          expect(fake.user("11")?.shares).toHaveLength(2)
        })
      )

    it.scopedLive("fails when shared_servers gives no id for the friend's share, and sends no DELETE", () =>
      Effect.gen(function* () {
        const fake = yield* scopedFakePlexTv(twoServers)
        const client = yield* plexTvClient(configFor(fake))
        const noRows = yield* PrunePlexAccount.make({ ...client, shares: () => Effect.succeed([]) })
        const noIds = yield* PrunePlexAccount.make({
          ...client,
          shares: (machineIdentifier) =>
            Effect.map(client.shares(machineIdentifier), (shares) => shares.map((s) => ({ ...s, id: "" })))
        })
        for (const account of [noRows, noIds]) {
          const error = yield* failure(removeOne(account, "10"))
          expect(error).toMatchObject({ operation: "removeUser", retryable: false })
          expect(error.status).toBeUndefined()
          expect(error.message).toContain("cannot be removed alone")
        }
        expect(fake.requests({ method: "DELETE" })).toHaveLength(0)
        expect(fake.user("10")?.shares).toHaveLength(2)
      })
    )

    it.scopedLive("fails without a DELETE when a look-up fails", () =>
      Effect.gen(function* () {
        const { fake, account } = yield* setup(twoServers)
        const alice = byId(yield* account.listUsers, "10")
        fake.fail("users", { kind: "status", status: 503 }, { times: 1 })
        fake.fail("shared_servers", { kind: "drop" }, { times: 1 })
        const first = yield* failure(account.removeUser(alice))
        expect(first).toMatchObject({ operation: "removeUser", status: 503, retryable: true })
        expect(first.message).toContain("GET /api/users")
        const second = yield* failure(account.removeUser(alice))
        expect(second).toMatchObject({ operation: "removeUser", retryable: true })
        expect(fake.requests({ method: "DELETE" })).toHaveLength(0)
        yield* account.removeUser(alice)
        expect(fake.requests({ method: "DELETE" }).map((r) => r.route)).toEqual(["shared_server"])
      })
    )
  })

  it.scopedLive("the removals of one pass share one fresh read of the users", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users: [{ id: "20" }, { id: "21" }, { id: "22" }] })
      const listed = yield* account.listUsers
      const before = fake.requests({ method: "GET", route: "users" }).length
      for (const id of ["20", "21", "22"]) yield* account.removeUser(byId(listed, id))
      expect(fake.requests({ method: "GET", route: "users" }).length - before).toBe(1)
      expect(fake.requests({ method: "DELETE" }).map((r) => r.path)).toEqual([
        "/api/v2/sharings/20",
        "/api/v2/sharings/21",
        "/api/v2/sharings/22"
      ])
    })
  )

  it.scopedLive("removes Home members and managed users with DELETE /api/home/users/{id}", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users })
      yield* removeOne(account, "11")
      yield* removeOne(account, "12")
      expect(fake.requests({ method: "DELETE" }).map((r) => r.path)).toEqual([
        "/api/home/users/11",
        "/api/home/users/12"
      ])
      expect(fake.users().map((u) => u.id)).toEqual(["10"])
    })
  )

  it.scopedLive("keeps a friend's own server when their share of ours is removed", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({
        users: [{ id: "10", shares: [{}, { machineIdentifier: "machine-of-alice", owned: false }] }]
      })
      yield* removeOne(account, "10")
      // Their server is not the owner's: ours was their only share of the owner's servers.
      expect(fake.requests({ method: "DELETE" }).map((r) => r.path)).toEqual(["/api/v2/sharings/10"])
      expect(fake.user("10")?.shares.map((s) => s.machineIdentifier)).toEqual(["machine-of-alice"])
    })
  )

  it.scopedLive("fails on 404 — a user plex.tv does not know is not 'removed'", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users })
      const alice = byId(yield* account.listUsers, "10")
      fake.fail("sharings", { kind: "status", status: 404 }, { times: 1 })
      const error = yield* failure(account.removeUser(alice))
      expect(error).toMatchObject({ operation: "removeUser", status: 404, retryable: false })
      expect(error.message).toContain("not treated as removed")
      expect(fake.user("10")).toBeDefined()
    })
  )

  it.scopedLive("fails without a DELETE for a friend gone from the account or from this server", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users: [...users, { id: "13" }] })
      const listed = yield* account.listUsers
      fake.removeUser("10")
      fake.unshare("13")
      const gone = yield* failure(account.removeUser(byId(listed, "10")))
      expect(gone).toMatchObject({ operation: "removeUser", retryable: false })
      expect(gone.message).toContain("does not list user 10")
      expect(gone.message).toContain("not treated as removed")
      const unshared = yield* failure(account.removeUser(byId(listed, "13")))
      expect(unshared.message).toContain(`no share of server ${fake.serverId} for user 13`)
      expect(fake.requests({ method: "DELETE" })).toHaveLength(0)
    })
  )

  it.scopedLive("fails on 410, and leaves the user in place", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users })
      fake.fail("home_users", { kind: "status", status: 410 })
      const error = yield* failure(removeOne(account, "11"))
      expect(error).toMatchObject({ status: 410, retryable: false })
      expect(fake.user("11")).toBeDefined()
    })
  )

  it.scopedLive("marks 429 and 5xx as retryable and other statuses as not", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users })
      for (const [status, retryable] of [
        [429, true],
        [500, true],
        [503, true],
        [400, false],
        [403, false]
      ] as const) {
        fake.fail("sharings", { kind: "status", status }, { times: 1 })
        const error = yield* failure(removeOne(account, "10"))
        expect(error).toMatchObject({ status, retryable })
      }
      expect(fake.user("10")).toBeDefined()
    })
  )
})

describe("failures", () => {
  it.scopedLive("a wrong token is a 401 that does not show the token", () =>
    Effect.gen(function* () {
      const fake = yield* scopedFakePlexTv()
      const secret = "wrong-token-s3cr3t"
      const client = yield* plexTvClient(configFor(fake, { token: Redacted.make(secret) }))
      const account = yield* PrunePlexAccount.make(client)
      const errors = yield* Effect.all([
        failure(account.owner),
        failure(account.listUsers),
        failure(account.serverId),
        failure(client.removeFriend("10")),
        failure(client.removeSharedServer(fake.serverId, "1000"))
      ])
      for (const error of errors) {
        expect(error).toMatchObject({ status: 401, retryable: false })
        expect(JSON.stringify(error)).not.toContain(secret)
        expect(String(error)).not.toContain(secret)
      }
      expect(errors[0]?.message).toContain("token was rejected")
    })
  )

  it.scopedLive("no answer in time is a retryable timeout", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({}, { timeout: "200 millis" })
      fake.fail("user", { kind: "delay", ms: 5_000 })
      const error = yield* failure(account.owner)
      expect(error.retryable).toBe(true)
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("in time")
      expect(error.message).not.toContain(fake.token)
    })
  )

  it.scopedLive("a dropped connection is a retryable error", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup()
      fake.fail("users", { kind: "drop" }, { times: 1 })
      const error = yield* failure(account.listUsers)
      expect(error).toMatchObject({ operation: "listUsers", retryable: true })
      expect(error.status).toBeUndefined()
      expect(yield* Effect.either(account.listUsers)).toSatisfy(Either.isRight)
    })
  )

  it.scopedLive("never logs the token", () =>
    Effect.gen(function* () {
      const { fake, account } = yield* setup({ users: [{ id: "10" }, { id: "11", kind: "home" }] })
      fake.fail("shared_servers", { kind: "status", status: 401 })
      const { lines } = yield* captureLogs(
        Effect.gen(function* () {
          yield* Effect.either(account.owner)
          const users = yield* account.listUsers
          for (const user of users) yield* Effect.either(account.removeUser(user))
        }).pipe(Logger.withMinimumLogLevel(LogLevel.All))
      )
      expect(lines.length).toBeGreaterThan(0)
      expect(lines.join("\n")).not.toContain(fake.token)
    })
  )
})

describe("PrunePlexAccount.layer", () => {
  it.scopedLive("provides the PlexAccount port", () =>
    Effect.gen(function* () {
      const fake = yield* scopedFakePlexTv({ users: [{ id: "10" }] })
      const result = yield* Effect.gen(function* () {
        const account = yield* PlexAccount
        return { serverId: yield* account.serverId, users: yield* account.listUsers }
      }).pipe(Effect.provide(PrunePlexAccount.layer(configFor(fake))))
      expect(result.serverId).toBe(fake.serverId)
      expect(result.users.map((u) => u.id)).toEqual(["10"])
    })
  )

  it.scopedLive("reads its configuration from effect/Config", () =>
    Effect.gen(function* () {
      const fake = yield* scopedFakePlexTv()
      const provider = ConfigProvider.fromMap(
        new Map([
          ["PLEX_TOKEN", fake.token],
          ["PLEX_CLIENT_IDENTIFIER", "env-client"],
          ["PLEX_TV_URL", fake.url],
          ["PLEX_SERVER_NAME", fake.serverName]
        ])
      )
      const id = yield* Effect.flatMap(PlexAccount, (account) => account.serverId).pipe(
        Effect.provide(Layer.provide(PrunePlexAccount.layerConfig(), Layer.setConfigProvider(provider)))
      )
      expect(id).toBe(fake.serverId)
      expect(fake.requests({ route: "resources" })[0]?.headers["x-plex-client-identifier"]).toBe("env-client")
    })
  )
})

describe("the fake plex.tv", () => {
  const get = (url: string, headers: Record<string, string> = {}, method = "GET") =>
    Effect.promise(async () => {
      const response = await fetch(url, { method, headers })
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        body: await response.text()
      }
    })

  it.scopedLive(
    "speaks plex.tv's protocol: 401 without the token, 400 without a client id on v2, 410 on retired routes",
    () =>
      Effect.gen(function* () {
        const fake = yield* scopedFakePlexTv({ users: [{ id: "10" }] })
        expect((yield* get(`${fake.url}/api/users`)).status).toBe(401)
        expect((yield* get(`${fake.url}/api/v2/user`, { "x-plex-token": "nope" })).body).toContain('"errors"')
        expect((yield* get(`${fake.url}/api/v2/user`, { "x-plex-token": fake.token })).status).toBe(400)
        const users = yield* get(`${fake.url}/api/users?X-Plex-Token=${fake.token}`)
        expect(users).toMatchObject({ status: 200, type: "application/xml" })
        expect(users.body).toContain('<User id="10"')
        expect(
          (yield* get(`${fake.url}/api/friends/10`, { "x-plex-token": fake.token }, "DELETE")).status
        ).toBe(410)
        const shareId = fake.user("10")?.shares[0]?.id ?? ""
        const sharePath = `${fake.url}/api/servers/${fake.serverId}/shared_servers/${shareId}`
        expect((yield* get(sharePath, {}, "DELETE")).status).toBe(401)
        // Unauthorized and retired calls changed nothing.
        expect(fake.user("10")).toBeDefined()
        expect(fake.requests({ method: "DELETE" })).toHaveLength(2)
      })
  )

  it.scopedLive(
    "removes one share with DELETE /api/servers/{machineId}/shared_servers/{id}, 404 for others",
    () =>
      Effect.gen(function* () {
        const fake = yield* scopedFakePlexTv({
          servers: [
            { name: "Living Room", machineIdentifier: "machine-living" },
            { name: "Cabin", machineIdentifier: "machine-cabin" },
            { name: "Elsewhere", machineIdentifier: "machine-elsewhere", owned: false }
          ],
          users: [{ id: "10", shares: [{}, { machineIdentifier: "machine-cabin" }] }]
        })
        const auth = { "x-plex-token": fake.token }
        const [living, cabin] = fake.user("10")?.shares ?? []
        const url = (machine: string, id: string) => `${fake.url}/api/servers/${machine}/shared_servers/${id}`
        // An unknown id, a share of another server, a server the account does not own.
        expect((yield* get(url("machine-living", "999999"), auth, "DELETE")).status).toBe(404)
        expect((yield* get(url("machine-living", cabin?.id ?? ""), auth, "DELETE")).status).toBe(404)
        expect((yield* get(url("machine-elsewhere", living?.id ?? ""), auth, "DELETE")).status).toBe(404)
        expect(fake.user("10")?.shares).toHaveLength(2)
        const done = yield* get(url("machine-living", living?.id ?? ""), auth, "DELETE")
        expect(done.status).toBe(200)
        expect(fake.user("10")?.shares.map((s) => s.machineIdentifier)).toEqual(["machine-cabin"])
        // Gone now, so a second DELETE is a 404 again; faults apply as on every route.
        expect((yield* get(url("machine-living", living?.id ?? ""), auth, "DELETE")).status).toBe(404)
        fake.fail("shared_server", { kind: "status", status: 500 }, { times: 1 })
        expect((yield* get(url("machine-cabin", cabin?.id ?? ""), auth, "DELETE")).status).toBe(500)
        expect(fake.user("10")?.shares).toHaveLength(1)
        expect((yield* get(url("machine-cabin", cabin?.id ?? ""), auth, "DELETE")).status).toBe(200)
        // A friend with no share left is still on the account.
        expect(fake.user("10")?.shares).toEqual([])
        expect(fake.requests({ route: "shared_server" }).map((r) => r.status)).toEqual([
          404, 404, 404, 200, 404, 500, 200
        ])
      })
  )

  it.live("stops answering once closed", () =>
    Effect.gen(function* () {
      const url = yield* Effect.scoped(Effect.map(scopedFakePlexTv(), (fake) => fake.url))
      const result = yield* Effect.either(Effect.tryPromise(() => fetch(`${url}/api/users`)))
      expect(Either.isLeft(result)).toBe(true)
    })
  )
})

describe("configuration from the environment", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(
      Effect.withConfigProvider(plexTvConfigFromEnv, ConfigProvider.fromMap(new Map(Object.entries(env))))
    )

  it("derives a stable client identifier from the token when none is given, without revealing it", () => {
    const a = read({ PLEX_TOKEN: "token-a" })
    expect(a.clientIdentifier).toBe(read({ PLEX_TOKEN: "token-a" }).clientIdentifier)
    expect(a.clientIdentifier).not.toBe(read({ PLEX_TOKEN: "token-b" }).clientIdentifier)
    expect(a.clientIdentifier).not.toContain("token-a")
    expect(read({ PLEX_TOKEN: "token-a", PLEX_CLIENT_IDENTIFIER: "mine" }).clientIdentifier).toBe("mine")
  })
})
