/**
 * A fake Tautulli: a real HTTP server on loopback that answers `/api/v2` as
 * Tautulli does — the `{"response": {result, message, data}}` envelope on every
 * answer, 401 for a wrong key, 400 for a missing or unknown command — for the
 * commands the prune adapter uses: `get_users_table` (paged and ordered),
 * `get_activity`, `delete_user`, `delete_all_user_history`.
 *
 * As in Tautulli, `delete_user` takes the user out of the users table and
 * `delete_all_user_history` leaves them with no `last_seen`.
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

/** What the fake answers instead of the real thing: any `FakeFault`, or `result: "error"` with HTTP 200. */
export type FakeTautulliFault = FakeFault | { readonly kind: "error-result"; readonly message: string }

export interface FakeTautulliUserInput {
  readonly userId: string
  /** Default `user{userId}`. */
  readonly username?: string
  /** Default: the username. */
  readonly friendlyName?: string
  readonly email?: string
  /** Epoch seconds of the last session start; null (the default) for never. */
  readonly lastSeen?: number | null
  readonly plays?: number
}

export interface FakeTautulliUser {
  readonly userId: string
  readonly username: string
  readonly friendlyName: string
  readonly email: string
  readonly lastSeen: number | null
  readonly plays: number
}

export interface FakeTautulliOptions extends LoopbackOptions {
  /** Default `0123456789abcdef0123456789abcdef` (Tautulli keys are 32 hex digits). */
  readonly apiKey?: string
  readonly users?: ReadonlyArray<FakeTautulliUserInput>
  /** User ids with a session in progress. */
  readonly sessions?: ReadonlyArray<string>
}

export interface FakeTautulli {
  /** Base URL, e.g. `http://127.0.0.1:40123`: the adapter's `url`. */
  readonly url: string
  readonly apiKey: string
  /** Add or replace a user. */
  setUser(user: FakeTautulliUserInput): void
  /** Set (or clear, with null) a user's last watch, adding the user when unknown; epoch seconds. */
  setLastSeen(userId: string, lastSeen: number | null): void
  removeUser(userId: string): void
  user(userId: string): FakeTautulliUser | undefined
  users(): ReadonlyArray<FakeTautulliUser>
  /** Replace the sessions in progress: one per user id given. */
  setSessions(userIds: ReadonlyArray<string>): void
  /** Answer `cmd` (or `"any"` command) with a fault. */
  fail(cmd: string, fault: FakeTautulliFault, options?: FaultOptions): void
  clearFaults(cmd?: string): void
  /** Requests received, in order; `route` is the command (optionally only one command's). */
  requests(filter?: { readonly cmd?: string }): ReadonlyArray<FakeRequest>
  clearRequests(): void
  close(): Promise<void>
}

const COMMANDS = new Set(["get_users_table", "get_activity", "delete_user", "delete_all_user_history"])

/** Tautulli's user ids are numbers in its JSON; keep any other id as a string. */
const idValue = (id: string): number | string => (/^\d{1,15}$/.test(id) ? Number(id) : id)

/** Start a fake Tautulli on loopback. Close it when done. */
export const startFakeTautulli = async (options: FakeTautulliOptions = {}): Promise<FakeTautulli> => {
  const apiKey = options.apiKey ?? "0123456789abcdef0123456789abcdef"
  const users = new Map<string, FakeTautulliUser>()
  let sessions: Array<string> = [...(options.sessions ?? [])]
  const faults = new FaultTable<FakeTautulliFault>()
  const log: Array<FakeRequest> = []
  // The ordered table is rebuilt only after a change: a 10k-user table is read page by page.
  let ordered: { key: string; rows: ReadonlyArray<FakeTautulliUser> } | undefined

  const setUser = (input: FakeTautulliUserInput) => {
    const username = input.username ?? `user${input.userId}`
    users.set(input.userId, {
      userId: input.userId,
      username,
      friendlyName: input.friendlyName ?? username,
      email: input.email ?? `${username}@example.com`,
      lastSeen: input.lastSeen ?? null,
      plays: input.plays ?? 0
    })
    ordered = undefined
  }
  for (const user of options.users ?? []) setUser(user)

  const envelope = (
    exchange: Exchange,
    status: number,
    result: "success" | "error",
    message: string | null,
    data: unknown
  ) => send(exchange.res, status, JSON.stringify({ response: { result, message, data } }), "application/json")
  const failWith = (exchange: Exchange, status: number, message: string) =>
    envelope(exchange, status, "error", message, {})

  const orderedRows = (column: string, direction: string): ReadonlyArray<FakeTautulliUser> => {
    const key = `${column}:${direction}`
    if (ordered?.key === key) return ordered.rows
    const rows = [...users.values()]
    const sign = direction === "asc" ? 1 : -1
    if (column === "last_seen")
      // SQLite orders null lowest: last when descending, first when ascending.
      rows.sort(
        (a, b) =>
          sign * ((a.lastSeen ?? Number.NEGATIVE_INFINITY) - (b.lastSeen ?? Number.NEGATIVE_INFINITY)) || 0
      )
    else if (column === "friendly_name")
      rows.sort((a, b) => sign * a.friendlyName.localeCompare(b.friendlyName))
    ordered = { key, rows }
    return rows
  }

  const usersTable = (params: URLSearchParams) => {
    const start = Math.max(0, Number(params.get("start") ?? 0) || 0)
    const lengthParam = Number(params.get("length") ?? 25)
    const rows = orderedRows(params.get("order_column") ?? "", params.get("order_dir") ?? "desc")
    const length = Number.isFinite(lengthParam) && lengthParam > 0 ? lengthParam : rows.length
    return {
      draw: Number(params.get("draw") ?? 1) || 1,
      recordsTotal: rows.length,
      recordsFiltered: rows.length,
      data: rows.slice(start, start + length).map((user, index) => ({
        row_id: start + index + 1,
        user_id: idValue(user.userId),
        username: user.username,
        friendly_name: user.friendlyName,
        email: user.email,
        user_thumb: "interfaces/default/images/gravatar-default-80x80.png",
        is_active: 1,
        last_seen: user.lastSeen,
        plays: user.plays,
        duration: user.plays * 2700,
        do_notify: 1,
        keep_history: 1,
        allow_guest: 0
      }))
    }
  }

  const activity = () => ({
    stream_count: String(sessions.length),
    stream_count_direct_play: sessions.length,
    stream_count_direct_stream: 0,
    stream_count_transcode: 0,
    total_bandwidth: 0,
    lan_bandwidth: 0,
    wan_bandwidth: 0,
    sessions: sessions.map((userId, index) => {
      const user = users.get(userId)
      return {
        session_key: String(index + 1),
        session_id: `fake-session-${index + 1}`,
        user_id: idValue(userId),
        user: user?.username ?? `user${userId}`,
        friendly_name: user?.friendlyName ?? `user${userId}`,
        state: "playing",
        media_type: "movie",
        title: "Heat",
        progress_percent: "42"
      }
    })
  })

  const handle = async (exchange: Exchange): Promise<number | "dropped"> => {
    const { req, url } = exchange
    if (url.pathname.replace(/\/+$/, "") !== "/api/v2") {
      exchange.route = "unknown"
      return send(exchange.res, 404, "Not Found", "text/plain")
    }
    if (req.method !== "GET" && req.method !== "POST") return failWith(exchange, 405, "Method not allowed")
    const params = url.searchParams
    const cmd = params.get("cmd") ?? ""
    exchange.route = cmd === "" ? "unknown" : cmd
    if (params.get("apikey") !== apiKey) return failWith(exchange, 401, "Invalid apikey")
    if (cmd === "") return failWith(exchange, 400, "Parameter cmd is required")
    if (!COMMANDS.has(cmd)) return failWith(exchange, 400, `Unknown command: ${cmd}`)

    const fault = faults.take(cmd)
    if (fault !== undefined) {
      if (fault.kind === "drop") return drop(exchange)
      if (fault.kind === "status") return failWith(exchange, fault.status, fault.message ?? "Fake failure")
      if (fault.kind === "error-result") return envelope(exchange, 200, "error", fault.message, {})
      await loopback.sleep(fault.ms)
    }

    switch (cmd) {
      case "get_users_table":
        return envelope(exchange, 200, "success", null, usersTable(params))
      case "get_activity":
        return envelope(exchange, 200, "success", null, activity())
      case "delete_user":
      case "delete_all_user_history": {
        const userId = params.get("user_id") ?? ""
        if (userId === "") return failWith(exchange, 400, "Missing parameter: user_id")
        const user = users.get(userId)
        if (user === undefined) return envelope(exchange, 200, "error", "Failed to delete user.", {})
        if (cmd === "delete_user") users.delete(userId)
        else users.set(userId, { ...user, lastSeen: null, plays: 0 })
        ordered = undefined
        return envelope(
          exchange,
          200,
          "success",
          cmd === "delete_user" ? "Deleted user." : "Deleted all items for user.",
          null
        )
      }
      default:
        return failWith(exchange, 400, `Unknown command: ${cmd}`)
    }
  }

  const loopback = await startLoopback(options, handle, (request) => log.push(request))

  return {
    url: loopback.url,
    apiKey,
    setUser,
    setLastSeen: (userId, lastSeen) => {
      const user = users.get(userId)
      if (user === undefined) setUser({ userId, lastSeen })
      else {
        users.set(userId, { ...user, lastSeen })
        ordered = undefined
      }
    },
    removeUser: (userId) => {
      users.delete(userId)
      ordered = undefined
    },
    user: (userId) => users.get(userId),
    users: () => [...users.values()],
    setSessions: (userIds) => {
      sessions = [...userIds]
    },
    fail: (cmd, fault, faultOptions) => faults.add(cmd, fault, faultOptions),
    clearFaults: (cmd) => faults.clear(cmd),
    requests: (filter = {}) => log.filter((r) => filter.cmd === undefined || r.route === filter.cmd),
    clearRequests: () => {
      log.length = 0
    },
    close: loopback.close
  }
}

/** A fake Tautulli that lives as long as the enclosing scope. */
export const scopedFakeTautulli = (
  options: FakeTautulliOptions = {}
): Effect.Effect<FakeTautulli, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeTautulli(options)),
    (fake) => Effect.promise(() => fake.close())
  )
