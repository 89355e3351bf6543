/**
 * A fake plex.tv: a real HTTP server on loopback that speaks the parts of plex.tv
 * the prune adapter uses, as plex.tv does — JSON on the v2 endpoints, XML on
 * `/api/users` and `/api/servers/{id}/shared_servers`, 401 without the token, 400
 * on v2 without `X-Plex-Client-Identifier`, 410 on the retired friend endpoints —
 * with state a test can change and faults it can script per route.
 *
 * A successful DELETE changes the state: `/api/v2/sharings/{userId}` takes the friend's
 * shares of all the owner's servers (and the friend with them when nothing is left),
 * `/api/servers/{machineId}/shared_servers/{id}` takes that one share (the friend stays
 * on the account, even with no share left), `/api/home/users/{userId}` the Home member.
 */
import { Effect, type Scope } from "effect"
import {
  drop,
  type Exchange,
  type FakeFault,
  type FakeRequest,
  type FaultOptions,
  FaultTable,
  type LoopbackOptions,
  send,
  startLoopback
} from "./loopback.js"

export type { FakeFault, FakeRequest, FaultOptions } from "./loopback.js"

/** The routes faults can be set on (`"any"`: every route). */
export type FakePlexTvRoute =
  /** `GET /api/v2/user` */
  | "user"
  /** `GET /api/v2/resources` */
  | "resources"
  /** `GET /api/users` */
  | "users"
  /** `GET /api/servers/{machineId}/shared_servers`: the list. */
  | "shared_servers"
  /** `DELETE /api/servers/{machineId}/shared_servers/{id}`: one share. */
  | "shared_server"
  /** `DELETE /api/v2/sharings/{userId}` */
  | "sharings"
  /** `DELETE /api/home/users/{userId}` */
  | "home_users"
  | "any"

export type FakePlexUserKind = "friend" | "home" | "managed"

/** A server on the account (`/api/v2/resources`). */
export interface FakePlexServer {
  readonly name: string
  readonly machineIdentifier: string
  /** Owned by the account. Default true. */
  readonly owned?: boolean
  /** Default `"server"`. */
  readonly provides?: string
}

/** A share of a server with a user (a `<Server>` child on `/api/users`). */
export interface FakeShareInput {
  /** Default: the fake's main server. */
  readonly machineIdentifier?: string
  /** Default: the server's name when the fake knows it. */
  readonly name?: string
  /** Default: true when the server is one the account owns. */
  readonly owned?: boolean
  readonly pending?: boolean
  /** Epoch seconds, for `shared_servers`. */
  readonly acceptedAt?: number
  readonly invitedAt?: number
  readonly lastSeenAt?: number
}

export interface FakePlexUserInput {
  readonly id: string
  /** Default `user{id}`; always empty for managed users. */
  readonly username?: string
  /** Default `{username}@example.com`; always empty for managed users. */
  readonly email?: string
  /** Default: the username, or `Managed {id}`. */
  readonly title?: string
  /** Default `"friend"`. */
  readonly kind?: FakePlexUserKind
  /** Default: one accepted share of the main server; `[]` for none. */
  readonly shares?: ReadonlyArray<FakeShareInput>
}

export interface FakeShare {
  /** The shared server id: `<Server id>` on `/api/users`, `<SharedServer id>` on `shared_servers`. */
  readonly id: string
  readonly machineIdentifier: string
  readonly name: string
  readonly owned: boolean
  readonly pending: boolean
  readonly acceptedAt: number | undefined
  readonly invitedAt: number | undefined
  readonly lastSeenAt: number | undefined
}

export interface FakePlexUser {
  readonly id: string
  readonly username: string
  readonly email: string
  readonly title: string
  readonly kind: FakePlexUserKind
  readonly shares: ReadonlyArray<FakeShare>
}

export interface FakePlexTvOptions extends LoopbackOptions {
  /** The owner's token. Default `fake-plex-token`. */
  readonly token?: string
  /** Default `{ id: "1", username: "owner", email: "owner@example.com" }`. */
  readonly owner?: { readonly id: string; readonly username: string; readonly email: string }
  /** The account's servers; the first owned one is the main server. Default one, `Fake Plex`. */
  readonly servers?: ReadonlyArray<FakePlexServer>
  readonly users?: ReadonlyArray<FakePlexUserInput>
}

export interface FakePlexTv {
  /** Base URL, e.g. `http://127.0.0.1:40123`: the adapter's `baseUrl`. */
  readonly url: string
  readonly token: string
  readonly owner: { readonly id: string; readonly username: string; readonly email: string }
  /** The main server's machine identifier and name. */
  readonly serverId: string
  readonly serverName: string
  /** Add a server to `/api/v2/resources`. */
  addServer(server: FakePlexServer): void
  /** Add (or replace) a user. */
  addUser(user: FakePlexUserInput): FakePlexUser
  /** Take a user off the account entirely. */
  removeUser(id: string): void
  /** Share a server (default: the main one) with a user, replacing a share of the same server. */
  share(userId: string, share?: FakeShareInput): void
  /** Remove a user's share of a server (default: the main one). */
  unshare(userId: string, machineIdentifier?: string): void
  /** Set (or clear) when the user accepted the share of a server (default: the main one); epoch seconds. */
  setAcceptedAt(userId: string, acceptedAt: number | undefined, machineIdentifier?: string): void
  user(id: string): FakePlexUser | undefined
  users(): ReadonlyArray<FakePlexUser>
  /** Answer requests to `route` with a fault. */
  fail(route: FakePlexTvRoute, fault: FakeFault, options?: FaultOptions): void
  clearFaults(route?: FakePlexTvRoute): void
  /** Requests received, in order (optionally only those matching). */
  requests(filter?: {
    readonly method?: string
    readonly route?: FakePlexTvRoute
  }): ReadonlyArray<FakeRequest>
  clearRequests(): void
  close(): Promise<void>
}

interface MutableUser {
  id: string
  username: string
  email: string
  title: string
  kind: FakePlexUserKind
  shares: ReadonlyArray<FakeShare>
  /** The user's `<User>` element, kept until the user changes: a 10k-user list is read often. */
  xml: string | undefined
  /** Its `<SharedServer>` elements by machine identifier, kept likewise. */
  readonly sharedXml: Map<string, string>
}

const escapeXml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c
  )

const attrs = (values: Record<string, string | number | undefined>): string => {
  let out = ""
  for (const [name, value] of Object.entries(values))
    if (value !== undefined) out += ` ${name}="${escapeXml(String(value))}"`
  return out
}

const flag = (value: boolean) => (value ? "1" : "0")

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** Start a fake plex.tv on loopback. Close it when done. */
export const startFakePlexTv = async (options: FakePlexTvOptions = {}): Promise<FakePlexTv> => {
  const token = options.token ?? "fake-plex-token"
  const owner = options.owner ?? { id: "1", username: "owner", email: "owner@example.com" }
  const servers: Array<Required<FakePlexServer>> = (
    options.servers ?? [{ name: "Fake Plex", machineIdentifier: "fake-server-machine-id" }]
  ).map((s) => ({
    name: s.name,
    machineIdentifier: s.machineIdentifier,
    owned: s.owned ?? true,
    provides: s.provides ?? "server"
  }))
  const main = servers.find((s) => s.owned)
  if (main === undefined) throw new Error("FakePlexTv needs at least one owned server")
  const users = new Map<string, MutableUser>()
  const faults = new FaultTable<FakeFault>()
  const log: Array<FakeRequest> = []
  let nextShareId = 1000

  const ownsServer = (machineIdentifier: string) =>
    servers.some((s) => s.owned && s.machineIdentifier === machineIdentifier)

  const makeShare = (input: FakeShareInput = {}): FakeShare => {
    const machineIdentifier = input.machineIdentifier ?? main.machineIdentifier
    const known = servers.find((s) => s.machineIdentifier === machineIdentifier)
    return {
      id: String(nextShareId++),
      machineIdentifier,
      name: input.name ?? known?.name ?? machineIdentifier,
      owned: input.owned ?? ownsServer(machineIdentifier),
      pending: input.pending ?? false,
      acceptedAt: input.acceptedAt,
      invitedAt: input.invitedAt,
      lastSeenAt: input.lastSeenAt
    }
  }

  const snapshot = (user: MutableUser): FakePlexUser => ({
    id: user.id,
    username: user.username,
    email: user.email,
    title: user.title,
    kind: user.kind,
    shares: user.shares
  })

  const addUser = (input: FakePlexUserInput): FakePlexUser => {
    const kind = input.kind ?? "friend"
    const username = kind === "managed" ? "" : (input.username ?? `user${input.id}`)
    const user: MutableUser = {
      id: input.id,
      username,
      email: kind === "managed" ? "" : (input.email ?? `${username}@example.com`),
      title: input.title ?? (username !== "" ? username : `Managed ${input.id}`),
      kind,
      shares: (input.shares ?? [{}]).map(makeShare),
      xml: undefined,
      sharedXml: new Map()
    }
    users.set(user.id, user)
    return snapshot(user)
  }
  for (const user of options.users ?? []) addUser(user)

  const need = (id: string): MutableUser => {
    const user = users.get(id)
    if (user === undefined) throw new Error(`FakePlexTv has no user ${id}`)
    return user
  }

  const setShares = (user: MutableUser, shares: ReadonlyArray<FakeShare>) => {
    user.shares = shares
    user.xml = undefined
    user.sharedXml.clear()
  }

  // -- answers ---------------------------------------------------------------

  const json = (exchange: Exchange, status: number, body: unknown) =>
    send(exchange.res, status, body === undefined ? "" : JSON.stringify(body), "application/json")
  const xml = (exchange: Exchange, status: number, body: string) =>
    send(exchange.res, status, XML_HEAD + body, "application/xml")

  /** An error in the style of the endpoint: `{"errors":[…]}` on v2, `<errors>` on v1. */
  const error = (exchange: Exchange, status: number, message: string, v2: boolean) =>
    v2
      ? json(exchange, status, { errors: [{ code: status * 10 + 1, message, status }] })
      : xml(
          exchange,
          status,
          `<errors><error code="${status * 10 + 1}" status="${status}">${escapeXml(message)}</error></errors>`
        )

  const userXml = (user: MutableUser): string => {
    if (user.xml !== undefined) return user.xml
    const parts: Array<string> = []
    parts.push(
      `<User${attrs({
        id: user.id,
        title: user.title,
        username: user.username,
        email: user.email,
        recommendationsPlaylistId: "",
        thumb: `https://plex.tv/users/${user.id}/avatar`,
        protected: flag(user.kind === "managed"),
        home: flag(user.kind !== "friend"),
        allowTuners: "0",
        allowSync: "1",
        allowCameraUpload: "0",
        allowChannels: "0",
        allowSubtitleAdmin: "0",
        filterAll: "",
        filterMovies: "",
        filterMusic: "",
        filterPhotos: "",
        filterTelevision: "",
        restricted: flag(user.kind === "managed")
      })}>`
    )
    for (const share of user.shares)
      parts.push(
        `<Server${attrs({
          id: share.id,
          serverId: share.id,
          machineIdentifier: share.machineIdentifier,
          name: share.name,
          lastSeenAt: share.lastSeenAt,
          numLibraries: 3,
          allLibraries: "1",
          owned: flag(share.owned),
          pending: flag(share.pending)
        })}/>`
      )
    parts.push("</User>")
    user.xml = parts.join("\n")
    return user.xml
  }

  const usersXml = (): string => {
    const parts: Array<string> = []
    parts.push(
      `<MediaContainer${attrs({ friendlyName: "myPlex", identifier: "com.plexapp.plugins.myplex", machineIdentifier: main.machineIdentifier, totalSize: users.size, size: users.size })}>`
    )
    for (const user of users.values()) parts.push(userXml(user))
    parts.push("</MediaContainer>")
    return parts.join("\n")
  }

  const sharedServerXml = (user: MutableUser, machineIdentifier: string): string => {
    const cached = user.sharedXml.get(machineIdentifier)
    if (cached !== undefined) return cached
    const rows: Array<string> = []
    for (const share of user.shares)
      if (share.machineIdentifier === machineIdentifier)
        rows.push(
          `<SharedServer${attrs({
            id: share.id,
            username: user.username,
            email: user.email,
            userID: user.id,
            accessToken: `fake-share-token-${share.id}`,
            name: share.name,
            acceptedAt: share.pending ? undefined : share.acceptedAt,
            invitedAt: share.invitedAt,
            allowSync: "1",
            allowCameraUpload: "0",
            allowChannels: "0",
            allowTuners: "0",
            allowSubtitleAdmin: "0",
            owned: "0",
            allLibraries: "1",
            filterAll: "",
            filterMovies: "",
            filterMusic: "",
            filterPhotos: "",
            filterTelevision: ""
          })}/>`
        )
    const xml = rows.join("\n")
    user.sharedXml.set(machineIdentifier, xml)
    return xml
  }

  const sharedServersXml = (machineIdentifier: string): string => {
    const rows: Array<string> = []
    for (const user of users.values()) {
      const xml = sharedServerXml(user, machineIdentifier)
      if (xml !== "") rows.push(xml)
    }
    return [
      `<MediaContainer${attrs({ friendlyName: "myPlex", identifier: "com.plexapp.plugins.myplex", machineIdentifier, size: rows.length })}>`,
      ...rows,
      "</MediaContainer>"
    ].join("\n")
  }

  // -- routing ---------------------------------------------------------------

  const routeOf = (
    method: string,
    path: string
  ): { route: FakePlexTvRoute; v2: boolean; id?: string; shareId?: string } | undefined => {
    if (method === "GET" && path === "/api/v2/user") return { route: "user", v2: true }
    if (method === "GET" && path === "/api/v2/resources") return { route: "resources", v2: true }
    if (method === "GET" && (path === "/api/users" || path === "/api/users/"))
      return { route: "users", v2: false }
    let match = /^\/api\/servers\/([^/]+)\/shared_servers\/?$/.exec(path)
    if (method === "GET" && match?.[1] !== undefined)
      return { route: "shared_servers", v2: false, id: decodeURIComponent(match[1]) }
    match = /^\/api\/servers\/([^/]+)\/shared_servers\/([^/]+)$/.exec(path)
    if (method === "DELETE" && match?.[1] !== undefined && match[2] !== undefined)
      return {
        route: "shared_server",
        v2: false,
        id: decodeURIComponent(match[1]),
        shareId: decodeURIComponent(match[2])
      }
    match = /^\/api\/v2\/sharings\/([^/]+)$/.exec(path)
    if (method === "DELETE" && match?.[1] !== undefined)
      return { route: "sharings", v2: true, id: decodeURIComponent(match[1]) }
    match = /^\/api\/home\/users\/([^/]+)$/.exec(path)
    if (method === "DELETE" && match?.[1] !== undefined)
      return { route: "home_users", v2: false, id: decodeURIComponent(match[1]) }
    return undefined
  }

  const handle = async (exchange: Exchange): Promise<number | "dropped"> => {
    const { req, url } = exchange
    const method = req.method ?? "GET"
    const path = url.pathname
    // Retired endpoints answer 410, as plex.tv does.
    if (/^\/api\/friends\/[^/]+$/.test(path) || path === "/api/v2/friends") {
      exchange.route = "retired"
      return error(exchange, 410, "Gone", path.startsWith("/api/v2"))
    }
    const matched = routeOf(method, path)
    if (matched === undefined) return error(exchange, 404, "Not Found", path.startsWith("/api/v2"))
    exchange.route = matched.route
    const given = req.headers["x-plex-token"] ?? url.searchParams.get("X-Plex-Token") ?? undefined
    if (given !== token) return error(exchange, 401, "User could not be authenticated", matched.v2)
    if (matched.v2 && (req.headers["x-plex-client-identifier"] ?? "") === "")
      return error(exchange, 400, "X-Plex-Client-Identifier is missing", true)

    const fault = faults.take(matched.route)
    if (fault !== undefined) {
      if (fault.kind === "drop") return drop(exchange)
      if (fault.kind === "status")
        return error(exchange, fault.status, fault.message ?? "Fake failure", matched.v2)
      await loopback.sleep(fault.ms)
    }

    switch (matched.route) {
      case "user":
        return json(exchange, 200, {
          id: Number(owner.id),
          uuid: `uuid-${owner.id}`,
          username: owner.username,
          title: owner.username,
          email: owner.email,
          authToken: token,
          home: true,
          restricted: false
        })
      case "resources":
        return json(
          exchange,
          200,
          servers.map((s) => ({
            name: s.name,
            product: s.provides.includes("server") ? "Plex Media Server" : "Plex Web",
            clientIdentifier: s.machineIdentifier,
            provides: s.provides,
            owned: s.owned,
            accessToken: `fake-resource-token-${s.machineIdentifier}`,
            connections: []
          }))
        )
      case "users":
        return xml(exchange, 200, usersXml())
      case "shared_servers": {
        const id = matched.id ?? ""
        if (!ownsServer(id)) return error(exchange, 404, "Server not found", false)
        return xml(exchange, 200, sharedServersXml(id))
      }
      case "shared_server": {
        // Only that share of that server: the friend keeps the rest, and stays a friend.
        const machineIdentifier = matched.id ?? ""
        const shareId = matched.shareId ?? ""
        if (!ownsServer(machineIdentifier)) return error(exchange, 404, "Server not found", false)
        const user = [...users.values()].find((u) =>
          u.shares.some((s) => s.id === shareId && s.machineIdentifier === machineIdentifier)
        )
        if (user === undefined) return error(exchange, 404, "Shared server not found", false)
        setShares(
          user,
          user.shares.filter((s) => s.id !== shareId)
        )
        return send(exchange.res, 200, "", "application/xml")
      }
      case "sharings": {
        const user = users.get(matched.id ?? "")
        const owned = user?.shares.filter((s) => ownsServer(s.machineIdentifier)) ?? []
        if (user === undefined || user.kind !== "friend" || owned.length === 0)
          return error(exchange, 404, "Not Found", true)
        setShares(
          user,
          user.shares.filter((s) => !ownsServer(s.machineIdentifier))
        )
        if (user.shares.length === 0) users.delete(user.id)
        return json(exchange, 204, undefined)
      }
      case "home_users": {
        const user = users.get(matched.id ?? "")
        if (user === undefined || user.kind === "friend") return error(exchange, 404, "Not Found", false)
        users.delete(user.id)
        return send(exchange.res, 200, "", "application/xml")
      }
      default:
        return error(exchange, 404, "Not Found", false)
    }
  }

  const loopback = await startLoopback(options, handle, (request) => log.push(request))

  return {
    url: loopback.url,
    token,
    owner,
    serverId: main.machineIdentifier,
    serverName: main.name,
    addServer: (server) => {
      servers.push({
        name: server.name,
        machineIdentifier: server.machineIdentifier,
        owned: server.owned ?? true,
        provides: server.provides ?? "server"
      })
    },
    addUser,
    removeUser: (id) => {
      users.delete(id)
    },
    share: (userId, share) => {
      const user = need(userId)
      const made = makeShare(share)
      setShares(user, [...user.shares.filter((s) => s.machineIdentifier !== made.machineIdentifier), made])
    },
    unshare: (userId, machineIdentifier = main.machineIdentifier) => {
      const user = need(userId)
      setShares(
        user,
        user.shares.filter((s) => s.machineIdentifier !== machineIdentifier)
      )
    },
    setAcceptedAt: (userId, acceptedAt, machineIdentifier = main.machineIdentifier) => {
      const user = need(userId)
      setShares(
        user,
        user.shares.map((s) => (s.machineIdentifier === machineIdentifier ? { ...s, acceptedAt } : s))
      )
    },
    user: (id) => {
      const user = users.get(id)
      return user === undefined ? undefined : snapshot(user)
    },
    users: () => [...users.values()].map(snapshot),
    fail: (route, fault, faultOptions) => faults.add(route, fault, faultOptions),
    clearFaults: (route) => faults.clear(route),
    requests: (filter = {}) =>
      log.filter(
        (r) =>
          (filter.method === undefined || r.method === filter.method) &&
          (filter.route === undefined || r.route === filter.route)
      ),
    clearRequests: () => {
      log.length = 0
    },
    close: loopback.close
  }
}

/** A fake plex.tv that lives as long as the enclosing scope. */
export const scopedFakePlexTv = (
  options: FakePlexTvOptions = {}
): Effect.Effect<FakePlexTv, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakePlexTv(options)),
    (fake) => Effect.promise(() => fake.close())
  )
