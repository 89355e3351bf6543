/**
 * plex.tv over undici: the account owner, its servers, the users who share them,
 * and taking a user's access away; then `PrunePlexAccount`, the `PlexAccount` port
 * of `@org/prune` built on it.
 *
 * Only a 2xx answer is success. plex.tv retires endpoints with 404/410 without
 * notice, so those are errors like any other, never "already gone".
 *
 * Removing a friend takes away this server only: `DELETE /api/v2/sharings/{userId}`
 * ends the friend's access to every server of the owner, so it is sent only when
 * this server is the friend's one share of the owner's servers; otherwise this
 * server's share goes alone (`DELETE /api/servers/{machineId}/shared_servers/{id}`).
 */
import { createHash } from "node:crypto"
import {
  PlexAccount,
  PlexAccountError,
  type PlexAccountService,
  type PlexOwner,
  type PlexUser,
  type PlexUserKind
} from "@org/prune"
import {
  Clock,
  Config,
  type ConfigError,
  DateTime,
  Duration,
  Effect,
  Layer,
  Option,
  Redacted,
  Ref,
  Schema,
  type Scope
} from "effect"
import { XMLParser } from "fast-xml-parser"
import type { Dispatcher } from "undici"
import { httpRequest, retryableStatus, scopedAgent, scrub, trimSlash } from "./internal/http.js"

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

export interface PlexTvConfig {
  /** The account owner's token (`X-Plex-Token`). */
  readonly token: Redacted.Redacted<string>
  /** A stable id of your installation (`X-Plex-Client-Identifier`): plex.tv ties sessions to it. */
  readonly clientIdentifier: string
  /** `X-Plex-Product`. Default `org-media-sdk prune`. */
  readonly product?: string | undefined
  /** `X-Plex-Version`. Default `0.1.0`. */
  readonly version?: string | undefined
  /** Default `https://plex.tv`. */
  readonly baseUrl?: string | undefined
  /** The server to prune, by its name on plex.tv. */
  readonly serverName?: string | undefined
  /** The server to prune, by machine identifier: wins over `serverName`, and needs no lookup. */
  readonly serverId?: string | undefined
  /** Longest a request may take, connection included. Default 15 s. */
  readonly timeout?: Duration.DurationInput | undefined
}

interface ResolvedConfig {
  readonly token: Redacted.Redacted<string>
  readonly clientIdentifier: string
  readonly product: string
  readonly version: string
  readonly baseUrl: string
  readonly serverName: string | undefined
  readonly serverId: string | undefined
  readonly timeout: Duration.Duration
}

const resolveConfig = (config: PlexTvConfig): ResolvedConfig => ({
  token: config.token,
  clientIdentifier: config.clientIdentifier,
  product: config.product ?? "org-media-sdk prune",
  version: config.version ?? "0.1.0",
  baseUrl: trimSlash(config.baseUrl ?? "https://plex.tv"),
  serverName: config.serverName?.trim() || undefined,
  serverId: config.serverId?.trim() || undefined,
  timeout: Duration.decode(config.timeout ?? Duration.seconds(15))
})

/**
 * Read the configuration from `effect/Config` (environment variables by default):
 * `PLEX_TOKEN`, and optionally `PLEX_CLIENT_IDENTIFIER` (default: derived from the
 * token, see `defaultClientIdentifier`), `PLEX_SERVER_NAME`, `PLEX_SERVER_ID`,
 * `PLEX_TV_URL`, `PLEX_TIMEOUT_MS`.
 */
/**
 * A stable `X-Plex-Client-Identifier` for an app that has none: derived from the
 * token (a SHA-256 prefix, which does not reveal it), so it stays the same across
 * restarts and differs between accounts.
 */
export const defaultClientIdentifier = (token: Redacted.Redacted<string>): string =>
  `org-media-sdk-prune-${createHash("sha256").update(Redacted.value(token)).digest("hex").slice(0, 16)}`

export const plexTvConfigFromEnv: Config.Config<PlexTvConfig> = Config.all({
  token: Config.redacted("PLEX_TOKEN"),
  clientIdentifier: Config.option(Config.nonEmptyString("PLEX_CLIENT_IDENTIFIER")),
  serverName: Config.option(Config.nonEmptyString("PLEX_SERVER_NAME")),
  serverId: Config.option(Config.nonEmptyString("PLEX_SERVER_ID")),
  baseUrl: Config.option(Config.url("PLEX_TV_URL").pipe(Config.map(String))),
  timeoutMs: Config.option(
    Config.integer("PLEX_TIMEOUT_MS").pipe(
      Config.validate({ message: "PLEX_TIMEOUT_MS must be a positive number", validation: (n) => n > 0 })
    )
  )
}).pipe(
  Config.map(
    ({ token, clientIdentifier, serverName, serverId, baseUrl, timeoutMs }): PlexTvConfig => ({
      token,
      clientIdentifier: Option.getOrElse(clientIdentifier, () => defaultClientIdentifier(token)),
      ...Option.match(serverName, { onNone: () => ({}), onSome: (value) => ({ serverName: value }) }),
      ...Option.match(serverId, { onNone: () => ({}), onSome: (value) => ({ serverId: value }) }),
      ...Option.match(baseUrl, { onNone: () => ({}), onSome: (value) => ({ baseUrl: value }) }),
      ...Option.match(timeoutMs, { onNone: () => ({}), onSome: (ms) => ({ timeout: Duration.millis(ms) }) })
    })
  )
)

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/** An id as plex.tv sends it: a number in JSON, a string in XML. */
const Id = Schema.Union(Schema.String, Schema.Number).pipe(
  Schema.transform(Schema.String, { strict: true, decode: String, encode: (s) => s })
)

/** `true`/`false`, `1`/`0`, `"1"`/`"0"`: plex.tv uses all of them. */
const Flag = Schema.Union(Schema.Boolean, Schema.Number, Schema.String).pipe(
  Schema.transform(Schema.Boolean, {
    strict: true,
    decode: (value) => value === true || value === 1 || value === "1" || value === "true",
    encode: (value) => value
  })
)

const OptionalString = Schema.optionalWith(Schema.String, { default: () => "" })

/** An XML attribute flag: `"1"` is true (attributes are always strings: the cheap decode for 10k users). */
const XmlFlag = Schema.optionalWith(
  Schema.transform(Schema.String, Schema.Boolean, {
    strict: true,
    decode: (value) => value === "1" || value === "true",
    encode: (value) => (value ? "1" : "0")
  }),
  { default: () => false }
)

const UserJson = Schema.Struct({
  id: Id,
  username: OptionalString,
  email: OptionalString
})

const ResourceJson = Schema.Struct({
  name: OptionalString,
  clientIdentifier: Schema.String,
  provides: OptionalString,
  owned: Schema.optionalWith(Flag, { default: () => false })
})

/**
 * `owned` says whether the account owns the shared server. When plex.tv leaves it out
 * it reads as owned: the reading that keeps a friend's other shares on removal.
 */
const XmlOwned = Schema.optionalWith(
  Schema.transform(Schema.String, Schema.Boolean, {
    strict: true,
    decode: (value) => value !== "0" && value !== "false",
    encode: (value) => (value ? "1" : "0")
  }),
  { default: () => true }
)

const XmlServer = Schema.Struct({
  machineIdentifier: Schema.String,
  owned: XmlOwned,
  pending: XmlFlag
})

const XmlUser = Schema.Struct({
  id: Schema.String,
  title: OptionalString,
  username: OptionalString,
  email: OptionalString,
  home: XmlFlag,
  restricted: XmlFlag,
  Server: Schema.optionalWith(Schema.Array(XmlServer), { default: () => [] })
})

const UsersXml = Schema.Struct({
  MediaContainer: Schema.Struct({ User: Schema.optionalWith(Schema.Array(XmlUser), { default: () => [] }) })
})

const XmlSharedServer = Schema.Struct({
  id: OptionalString,
  userID: Schema.String,
  acceptedAt: Schema.optional(Schema.String),
  invitedAt: Schema.optional(Schema.String)
})

const SharedServersXml = Schema.Struct({
  MediaContainer: Schema.Struct({
    SharedServer: Schema.optionalWith(Schema.Array(XmlSharedServer), { default: () => [] })
  })
})

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true,
  isArray: (name) => name === "User" || name === "Server" || name === "SharedServer" || name === "Section"
})

/** The parsed document; an empty `<MediaContainer/>` reads as an empty object. */
const parseXml = (text: string): unknown => {
  const document = xmlParser.parse(text) as Record<string, unknown>
  const container = document.MediaContainer
  return { ...document, MediaContainer: typeof container === "object" && container !== null ? container : {} }
}

/** Epoch seconds as plex.tv writes them; `0`, empty or junk is none. */
const epochSeconds = (value: string | undefined): Option.Option<DateTime.Utc> => {
  const seconds = Number(value)
  return value !== undefined && value.trim() !== "" && Number.isFinite(seconds) && seconds > 0
    ? Option.some(DateTime.unsafeMake(seconds * 1000))
    : Option.none()
}

const kindOf = (user: { readonly home: boolean; readonly restricted: boolean }): PlexUserKind =>
  user.restricted ? "managed" : user.home ? "home" : "friend"

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/** A server of the account, from `/api/v2/resources`. */
export interface PlexTvResource {
  readonly name: string
  /** The machine identifier. */
  readonly clientIdentifier: string
  readonly provides: ReadonlyArray<string>
  readonly owned: boolean
}

/** One share of a server, from `/api/servers/{machineId}/shared_servers`. */
export interface PlexTvShare {
  /** The shared server id (`<SharedServer id>`), what removing this share alone needs; `""` if plex.tv left it out. */
  readonly id: string
  readonly userId: string
  readonly acceptedAt: Option.Option<DateTime.Utc>
  readonly invitedAt: Option.Option<DateTime.Utc>
}

/** A server a user reaches, as a `<Server>` child of the user on `/api/users`. */
export interface PlexTvUserServer {
  readonly machineIdentifier: string
  /** The account owns the server (`owned="1"`; true when plex.tv leaves it out). */
  readonly owned: boolean
  readonly pending: boolean
}

export interface PlexTvClient {
  /** `GET /api/v2/user`. */
  readonly owner: Effect.Effect<PlexOwner, PlexAccountError>
  /** `GET /api/v2/resources`. */
  readonly resources: Effect.Effect<ReadonlyArray<PlexTvResource>, PlexAccountError>
  /** The configured `serverId`, else the owned server named `serverName` (or the only one). Not cached. */
  readonly resolveServerId: Effect.Effect<string, PlexAccountError>
  /** `GET /api/users`: friends, Home members and managed users with their servers (no acceptance times). */
  readonly users: Effect.Effect<ReadonlyArray<PlexUser>, PlexAccountError>
  /**
   * `GET /api/users`, read for one user: the servers they reach, now. `None` when plex.tv
   * does not list the user.
   */
  readonly userServers: (
    userId: string
  ) => Effect.Effect<Option.Option<ReadonlyArray<PlexTvUserServer>>, PlexAccountError>
  /** `GET /api/users`, read for every user: the servers each reaches, now. */
  readonly allUserServers: Effect.Effect<
    ReadonlyMap<string, ReadonlyArray<PlexTvUserServer>>,
    PlexAccountError
  >
  /** `GET /api/servers/{machineId}/shared_servers`. */
  readonly shares: (machineIdentifier: string) => Effect.Effect<ReadonlyArray<PlexTvShare>, PlexAccountError>
  /**
   * `DELETE /api/v2/sharings/{userId}`: ends the friend's sharing entirely, the shares
   * of every server of the owner.
   */
  readonly removeFriend: (userId: string) => Effect.Effect<void, PlexAccountError>
  /**
   * `DELETE /api/servers/{machineId}/shared_servers/{sharedServerId}`: one share of one
   * server (the id is a `PlexTvShare.id`); the friend's shares of other servers stay.
   */
  readonly removeSharedServer: (
    machineIdentifier: string,
    sharedServerId: string
  ) => Effect.Effect<void, PlexAccountError>
  /** `DELETE /api/home/users/{userId}`: a Home member or managed user. */
  readonly removeHomeUser: (userId: string) => Effect.Effect<void, PlexAccountError>
}

interface PlexTvCall {
  readonly operation: string
  readonly method: "GET" | "DELETE"
  readonly path: string
  /** A v2 endpoint: JSON, and `Accept: application/json`. */
  readonly v2: boolean
}

/** Build the client over a dispatcher (an undici `Agent`, or any `Dispatcher`). */
export const makePlexTvClient = (config: PlexTvConfig, dispatcher: Dispatcher): PlexTvClient => {
  const resolved = resolveConfig(config)
  const token = Redacted.value(resolved.token)
  const baseHeaders: Record<string, string> = {
    "x-plex-token": token,
    "x-plex-client-identifier": resolved.clientIdentifier,
    "x-plex-product": resolved.product,
    "x-plex-version": resolved.version
  }
  const v2Headers = { ...baseHeaders, accept: "application/json" }

  const fail = (call: PlexTvCall, message: string, retryable: boolean, status?: number) =>
    new PlexAccountError({
      operation: call.operation,
      message: scrub(message, token),
      retryable,
      ...(status === undefined ? {} : { status })
    })

  /** The body of a 2xx answer; everything else is a `PlexAccountError`. */
  const send = (call: PlexTvCall): Effect.Effect<string, PlexAccountError> =>
    httpRequest(dispatcher, {
      method: call.method,
      url: `${resolved.baseUrl}${call.path}`,
      headers: call.v2 ? v2Headers : baseHeaders,
      timeout: resolved.timeout
    }).pipe(
      Effect.mapError((noAnswer) =>
        fail(
          call,
          noAnswer.reason === "timeout"
            ? `plex.tv did not answer ${call.method} ${call.path} in time (${noAnswer.detail})`
            : `could not reach plex.tv for ${call.method} ${call.path} (${noAnswer.detail})`,
          true
        )
      ),
      Effect.flatMap((answer) => {
        if (answer.status >= 200 && answer.status < 300) return Effect.succeed(answer.text)
        return Effect.fail(
          fail(
            call,
            describeFailure(call, answer.status, answer.text),
            retryableStatus(answer.status),
            answer.status
          )
        )
      }),
      Effect.tapBoth({
        onFailure: (error) =>
          Effect.logDebug("plex.tv request failed").pipe(Effect.annotateLogs("error", error.message)),
        onSuccess: () => Effect.logDebug("plex.tv request done")
      }),
      Effect.annotateLogs({ plex_operation: call.operation, method: call.method, path: call.path })
    )

  const decode =
    <A, I>(call: PlexTvCall, schema: Schema.Schema<A, I>, parse: (text: string) => unknown) =>
    (text: string): Effect.Effect<A, PlexAccountError> =>
      Effect.try({ try: () => parse(text), catch: () => undefined }).pipe(
        Effect.flatMap((value) => Schema.decodeUnknown(schema)(value)),
        Effect.mapError(() =>
          fail(call, `unexpected answer from plex.tv to ${call.method} ${call.path}`, true)
        )
      )

  const ownerCall: PlexTvCall = { operation: "owner", method: "GET", path: "/api/v2/user", v2: true }
  const owner = send(ownerCall).pipe(
    Effect.flatMap(decode(ownerCall, UserJson, JSON.parse)),
    Effect.map((user): PlexOwner => ({ id: user.id, username: user.username, email: user.email }))
  )

  const resourcesCall: PlexTvCall = {
    operation: "resources",
    method: "GET",
    path: "/api/v2/resources",
    v2: true
  }
  const resources = send(resourcesCall).pipe(
    Effect.flatMap(decode(resourcesCall, Schema.Array(ResourceJson), JSON.parse)),
    Effect.map((items) =>
      items.map(
        (item): PlexTvResource => ({
          name: item.name,
          clientIdentifier: item.clientIdentifier,
          provides: item.provides
            .split(",")
            .map((p) => p.trim())
            .filter((p) => p !== ""),
          owned: item.owned
        })
      )
    )
  )

  const resolveServerId: Effect.Effect<string, PlexAccountError> =
    resolved.serverId !== undefined
      ? Effect.succeed(resolved.serverId)
      : Effect.flatMap(resources, (items) => pickServer(items, resolved.serverName))

  const usersCall: PlexTvCall = { operation: "listUsers", method: "GET", path: "/api/users", v2: false }
  const usersDocument = (call: PlexTvCall) =>
    send(call).pipe(Effect.flatMap(decode(call, UsersXml, parseXml)))
  const users = usersDocument(usersCall).pipe(
    Effect.map((doc) =>
      doc.MediaContainer.User.map(
        (user): PlexUser => ({
          id: user.id,
          username: user.username,
          email: user.email,
          title: user.title,
          kind: kindOf(user),
          servers: user.Server.map((server) => ({
            machineIdentifier: server.machineIdentifier,
            acceptedAt: Option.none(),
            pending: server.pending
          }))
        })
      )
    )
  )

  const userServersCall: PlexTvCall = { ...usersCall, operation: "userServers" }
  const allUserServers = usersDocument(userServersCall).pipe(
    Effect.map(
      (doc): ReadonlyMap<string, ReadonlyArray<PlexTvUserServer>> =>
        new Map(
          doc.MediaContainer.User.map((user) => [
            user.id,
            user.Server.map(
              (server): PlexTvUserServer => ({
                machineIdentifier: server.machineIdentifier,
                owned: server.owned,
                pending: server.pending
              })
            )
          ])
        )
    )
  )
  const userServers = (userId: string) =>
    Effect.map(allUserServers, (all) => Option.fromNullable(all.get(userId)))

  const shares = (machineIdentifier: string) => {
    const call: PlexTvCall = {
      operation: "shares",
      method: "GET",
      path: `/api/servers/${encodeURIComponent(machineIdentifier)}/shared_servers`,
      v2: false
    }
    return send(call).pipe(
      Effect.flatMap(decode(call, SharedServersXml, parseXml)),
      Effect.map((doc) =>
        doc.MediaContainer.SharedServer.map(
          (share): PlexTvShare => ({
            id: share.id,
            userId: share.userID,
            acceptedAt: epochSeconds(share.acceptedAt),
            invitedAt: epochSeconds(share.invitedAt)
          })
        )
      )
    )
  }

  const remove = (operation: string, path: string, v2: boolean) =>
    send({ operation, method: "DELETE", path, v2 }).pipe(Effect.asVoid)

  return {
    owner,
    resources,
    resolveServerId,
    users,
    userServers,
    allUserServers,
    shares,
    removeFriend: (userId) => remove("removeUser", `/api/v2/sharings/${encodeURIComponent(userId)}`, true),
    removeSharedServer: (machineIdentifier, sharedServerId) =>
      remove(
        "removeUser",
        `/api/servers/${encodeURIComponent(machineIdentifier)}/shared_servers/${encodeURIComponent(sharedServerId)}`,
        false
      ),
    removeHomeUser: (userId) => remove("removeUser", `/api/home/users/${encodeURIComponent(userId)}`, false)
  }
}

/** A secret-free sentence for a non-2xx answer, with plex.tv's own words when it gave some. */
const describeFailure = (call: PlexTvCall, status: number, body: string): string => {
  const what = `plex.tv answered ${status} to ${call.method} ${call.path}`
  const detail = errorDetail(body)
  const hint =
    status === 401
      ? ": the token was rejected"
      : status === 404 || status === 410
        ? ": the endpoint or the user is unknown to plex.tv (not treated as removed)"
        : ""
  return `${what}${hint}${detail === undefined ? "" : ` (${detail})`}`
}

/** plex.tv's error text: `{"errors":[{"message"}]}` on v2, `<error>` text or attribute on v1. */
const errorDetail = (body: string): string | undefined => {
  const trimmed = body.trim()
  if (trimmed === "") return undefined
  try {
    const json = JSON.parse(trimmed) as { errors?: ReadonlyArray<{ message?: unknown }>; error?: unknown }
    const message = json.errors?.[0]?.message ?? json.error
    return typeof message === "string" && message !== "" ? message.slice(0, 200) : undefined
  } catch {
    const attribute = /<error\b[^>]*\bmessage="([^"]*)"/i.exec(trimmed)?.[1]
    const text = (attribute ?? /<error\b[^>]*>([^<]*)</i.exec(trimmed)?.[1] ?? "").trim()
    return text === "" ? undefined : text.slice(0, 200)
  }
}

/** The owned server named `name` (exact, then case-insensitive), or the only owned server. */
const pickServer = (
  items: ReadonlyArray<PlexTvResource>,
  name: string | undefined
): Effect.Effect<string, PlexAccountError> => {
  const servers = items.filter((item) => item.owned && item.provides.includes("server"))
  const names = servers.map((server) => `"${server.name}"`).join(", ") || "none"
  const problem = (message: string) =>
    Effect.fail(new PlexAccountError({ operation: "serverId", message, retryable: false }))
  if (name === undefined) {
    const [only, ...others] = servers
    if (only !== undefined && others.length === 0) return Effect.succeed(only.clientIdentifier)
    return problem(
      `the account owns ${servers.length} servers (${names}): set serverName or serverId to choose one`
    )
  }
  const exact = servers.filter((server) => server.name === name)
  const matches =
    exact.length > 0 ? exact : servers.filter((s) => s.name.toLowerCase() === name.toLowerCase())
  const [match, ...rest] = matches
  if (match === undefined)
    return problem(`no server named "${name}" among the servers this account owns (${names})`)
  if (rest.length > 0)
    return problem(
      `${matches.length} servers this account owns are named "${name}" (${matches
        .map((s) => s.clientIdentifier)
        .join(", ")}): set serverId to choose one`
    )
  return Effect.succeed(match.clientIdentifier)
}

/** The client with its own keep-alive agent, closed with the scope. */
export const plexTvClient = (config: PlexTvConfig): Effect.Effect<PlexTvClient, never, Scope.Scope> =>
  Effect.map(scopedAgent, (agent) => makePlexTvClient(config, agent))

// ---------------------------------------------------------------------------
// The PlexAccount port
// ---------------------------------------------------------------------------

/** Acceptance times merged into each user's share of `serverId`. */
const withAcceptance = (
  users: ReadonlyArray<PlexUser>,
  serverId: string,
  shares: ReadonlyArray<PlexTvShare>
): ReadonlyArray<PlexUser> => {
  const accepted = new Map<string, DateTime.Utc>()
  for (const share of shares)
    if (Option.isSome(share.acceptedAt)) accepted.set(share.userId, share.acceptedAt.value)
  if (accepted.size === 0) return users
  return users.map((user) => {
    const at = accepted.get(user.id)
    if (at === undefined) return user
    return {
      ...user,
      servers: user.servers.map((server) =>
        server.machineIdentifier === serverId ? { ...server, acceptedAt: Option.some(at) } : server
      )
    }
  })
}

/** The port over a client; the server id is resolved once, on first use, and kept. */
const makePlexAccount = (client: PlexTvClient): Effect.Effect<PlexAccountService> =>
  Effect.gen(function* () {
    const cached = yield* Ref.make(Option.none<string>())
    const lock = yield* Effect.makeSemaphore(1)
    // Only a success is kept: a failed lookup is tried again on the next use.
    const serverId = lock.withPermits(1)(
      Effect.flatMap(Ref.get(cached), (known) =>
        Option.match(known, {
          onSome: Effect.succeed,
          onNone: () =>
            client.resolveServerId.pipe(
              Effect.tap((id) => Ref.set(cached, Option.some(id))),
              Effect.tap((id) =>
                Effect.logInfo("plex server resolved").pipe(Effect.annotateLogs("server_id", id))
              )
            )
        })
      )
    )

    // Acceptance times are a bonus: without them users are listed all the same.
    const acceptance = Effect.flatMap(serverId, (id) =>
      Effect.map(client.shares(id), (shares) => ({ id, shares }))
    )
    const listUsers = Effect.all([client.users, Effect.either(acceptance)], { concurrency: 2 }).pipe(
      Effect.flatMap(([users, extra]) => {
        if (extra._tag === "Right")
          return Effect.succeed(withAcceptance(users, extra.right.id, extra.right.shares))
        return Effect.as(
          Effect.logWarning("plex.tv share acceptance times unavailable; listing users without them").pipe(
            Effect.annotateLogs({ error: extra.left.message, ...statusAnnotation(extra.left) })
          ),
          users
        )
      })
    )

    /**
     * A friend loses this server only. What they reach is read again from plex.tv
     * first (the listed user may be stale): with a share of another server of the
     * owner, only this server's share goes; with this server alone, the sharing
     * goes. Anything unclear is an error, never a wider removal.
     */
    // One fresh read serves the removals of a pass (a pass removes many users in a few
    // seconds; at 10,000 users a read takes a second): a success is kept 30 s, and a
    // failure is not kept at all.
    const lastRead = yield* Ref.make(
      Option.none<{
        readonly at: number
        readonly servers: ReadonlyMap<string, ReadonlyArray<PlexTvUserServer>>
      }>()
    )
    const freshServers = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const kept = yield* Ref.get(lastRead)
      if (Option.isSome(kept) && now - kept.value.at < 30_000) return kept.value.servers
      const servers = yield* client.allUserServers
      yield* Ref.set(lastRead, Option.some({ at: now, servers }))
      return servers
    })
    const removeFriend = (user: PlexUser) =>
      Effect.gen(function* () {
        const id = yield* serverId
        const listed = Option.fromNullable((yield* freshServers).get(user.id))
        if (Option.isNone(listed))
          return yield* notRemoved(`plex.tv does not list user ${user.id} among the account's users`)
        if (!listed.value.some((server) => server.machineIdentifier === id))
          return yield* notRemoved(`plex.tv lists no share of server ${id} for user ${user.id}`)
        const elsewhere = listed.value.filter((server) => server.owned && server.machineIdentifier !== id)
        if (elsewhere.length === 0) {
          yield* client.removeFriend(user.id)
          return { removed: "sharing" }
        }
        const matching = (yield* client.shares(id)).filter((share) => share.userId === user.id)
        const [share, ...others] = matching
        // Without the id only the whole sharing could go, and that would take the other servers too.
        if (share === undefined || share.id === "")
          return yield* notRemoved(
            `user ${user.id} also has a share of ${elsewhere.length} other server(s) of the owner, and GET /api/servers/${id}/shared_servers ${
              share === undefined ? "lists no share for them" : "gives no id for their share"
            }, so this server's share cannot be removed alone`
          )
        if (others.length > 0)
          return yield* notRemoved(
            `GET /api/servers/${id}/shared_servers lists ${matching.length} shares for user ${user.id} (${matching
              .map((s) => s.id)
              .join(", ")})`
          )
        yield* client.removeSharedServer(id, share.id)
        return { removed: "shared_server", shared_server_id: share.id, other_servers_kept: elsewhere.length }
      }).pipe(Effect.mapError(asRemoval))

    const removeUser = (user: PlexUser) =>
      (user.kind === "friend"
        ? removeFriend(user)
        : Effect.as(client.removeHomeUser(user.id), { removed: "home_user" })
      ).pipe(
        Effect.flatMap((done) => Effect.logInfo("plex.tv access removed").pipe(Effect.annotateLogs(done))),
        Effect.annotateLogs({ user_id: user.id, member_username: user.username, user_kind: user.kind })
      )

    return PlexAccount.of({ serverId, owner: client.owner, listUsers, removeUser })
  })

/** A friend's removal stopped before any DELETE: nothing was removed. */
const notRemoved = (reason: string) =>
  Effect.fail(
    new PlexAccountError({
      operation: "removeUser",
      message: `${reason}: nothing removed (not treated as removed)`,
      retryable: false
    })
  )

/** The look-ups a removal makes fail as the removal. */
const asRemoval = (error: PlexAccountError): PlexAccountError =>
  error.operation === "removeUser"
    ? error
    : new PlexAccountError({
        operation: "removeUser",
        message: error.message,
        retryable: error.retryable,
        ...(error.status === undefined ? {} : { status: error.status })
      })

const statusAnnotation = (error: PlexAccountError): Record<string, number> =>
  error.status === undefined ? {} : { status: error.status }

/** `@org/prune`'s `PlexAccount` port over plex.tv. */
export const PrunePlexAccount = {
  /** The port over a client you built (a custom dispatcher, a proxy). */
  make: makePlexAccount,
  layer: (config: PlexTvConfig): Layer.Layer<PlexAccount> =>
    Layer.scoped(PlexAccount, Effect.flatMap(plexTvClient(config), makePlexAccount)),
  /** Configured from `effect/Config`; see `plexTvConfigFromEnv` for the variable names. */
  layerConfig: (
    config: Config.Config<PlexTvConfig> = plexTvConfigFromEnv
  ): Layer.Layer<PlexAccount, ConfigError.ConfigError> =>
    Layer.unwrapEffect(Effect.map(config, PrunePlexAccount.layer))
}
