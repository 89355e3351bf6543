/**
 * Tautulli's API v2 over undici: who watched when, who is watching now, and the
 * cleanup after a removal; then `PruneTautulli`, the `ActivitySource` port of
 * `@org/prune` built on it.
 *
 * Every failure is an error, never "no history": reading a Tautulli error as "never
 * watched" is how an active user gets removed.
 */
import { ActivitySource, ActivitySourceError, type ActivitySourceService } from "@org/prune"
import {
  Config,
  type ConfigError,
  DateTime,
  Duration,
  Effect,
  Layer,
  Option,
  Redacted,
  Schema,
  type Scope
} from "effect"
import type { Dispatcher } from "undici"
import { httpRequest, retryableStatus, scopedAgent, scrub, trimSlash } from "./internal/http.js"

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

export interface TautulliConfig {
  /** Tautulli's base URL, with its HTTP root if it has one (`http://nas:8181/tautulli`). */
  readonly url: string
  readonly apiKey: Redacted.Redacted<string>
  /** Longest a request may take, connection included. Default 30 s: big tables are slow to build. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Rows per `get_users_table` page. Default 1000. */
  readonly pageSize?: number | undefined
}

interface ResolvedConfig {
  readonly url: string
  readonly apiKey: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
  readonly pageSize: number
}

const resolveConfig = (config: TautulliConfig): ResolvedConfig => ({
  url: trimSlash(config.url),
  apiKey: config.apiKey,
  timeout: Duration.decode(config.timeout ?? Duration.seconds(30)),
  pageSize:
    config.pageSize !== undefined && Number.isInteger(config.pageSize) && config.pageSize > 0
      ? config.pageSize
      : 1000
})

/**
 * Read the configuration from `effect/Config` (environment variables by default):
 * `TAUTULLI_URL`, `TAUTULLI_API_KEY`, and optionally `TAUTULLI_TIMEOUT_MS`,
 * `TAUTULLI_PAGE_SIZE`.
 */
export const tautulliConfigFromEnv: Config.Config<TautulliConfig> = Config.all({
  url: Config.url("TAUTULLI_URL").pipe(Config.map(String)),
  apiKey: Config.redacted("TAUTULLI_API_KEY"),
  timeoutMs: Config.option(
    Config.integer("TAUTULLI_TIMEOUT_MS").pipe(
      Config.validate({ message: "TAUTULLI_TIMEOUT_MS must be a positive number", validation: (n) => n > 0 })
    )
  ),
  pageSize: Config.option(
    Config.integer("TAUTULLI_PAGE_SIZE").pipe(
      Config.validate({ message: "TAUTULLI_PAGE_SIZE must be a positive number", validation: (n) => n > 0 })
    )
  )
}).pipe(
  Config.map(
    ({ url, apiKey, timeoutMs, pageSize }): TautulliConfig => ({
      url,
      apiKey,
      ...Option.match(timeoutMs, { onNone: () => ({}), onSome: (ms) => ({ timeout: Duration.millis(ms) }) }),
      ...Option.match(pageSize, { onNone: () => ({}), onSome: (size) => ({ pageSize: size }) })
    })
  )
)

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/** Every answer: `{"response": {"result", "message", "data"}}`. */
const Envelope = Schema.Struct({
  response: Schema.Struct({
    result: Schema.Literal("success", "error"),
    message: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    data: Schema.optional(Schema.Unknown)
  })
})

/** Tautulli's `user_id`: a number in most answers, a string in some. */
const UserId = Schema.Union(Schema.String, Schema.Number).pipe(
  Schema.transform(Schema.String, { strict: true, decode: String, encode: (s) => s })
)

/** Epoch seconds, or null for a user who never watched. */
const LastSeen = Schema.NullOr(Schema.Union(Schema.Number, Schema.String))

const UsersTablePage = Schema.Struct({
  recordsFiltered: Schema.Number,
  data: Schema.Array(
    Schema.Struct({
      user_id: UserId,
      last_seen: Schema.optionalWith(LastSeen, { default: () => null })
    })
  )
})

const Activity = Schema.Struct({
  sessions: Schema.optionalWith(Schema.Array(Schema.Struct({ user_id: UserId })), { default: () => [] })
})

const latest = (
  a: Option.Option<DateTime.Utc>,
  b: Option.Option<DateTime.Utc>
): Option.Option<DateTime.Utc> =>
  Option.isNone(a) ? b : Option.isNone(b) ? a : DateTime.greaterThan(a.value, b.value) ? a : b

const lastSeenTime = (value: number | string | null): Option.Option<DateTime.Utc> => {
  const seconds = typeof value === "string" ? Number(value) : value
  return seconds !== null && Number.isFinite(seconds) && seconds > 0
    ? Option.some(DateTime.unsafeMake(seconds * 1000))
    : Option.none()
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

export interface TautulliClient {
  /**
   * `get_users_table`, every page: the last watch per `user_id` (none = never
   * watched). A user deleted while the pages are read can be missing: unknown, not idle.
   */
  readonly lastSeen: Effect.Effect<ReadonlyMap<string, Option.Option<DateTime.Utc>>, ActivitySourceError>
  /** `get_activity`: the users with a session in progress. */
  readonly watchingNow: Effect.Effect<ReadonlySet<string>, ActivitySourceError>
  /** `delete_user`: purge the history and mark the user deleted (Tautulli stops logging them). */
  readonly deleteUser: (userId: string) => Effect.Effect<void, ActivitySourceError>
  /** `delete_all_user_history`: purge the history, keep the user. */
  readonly deleteAllUserHistory: (userId: string) => Effect.Effect<void, ActivitySourceError>
  /** Any command: the `data` of a successful answer. */
  readonly command: (
    cmd: string,
    params?: Readonly<Record<string, string | number>>
  ) => Effect.Effect<unknown, ActivitySourceError>
}

/** Build the client over a dispatcher (an undici `Agent`, or any `Dispatcher`). */
export const makeTautulliClient = (config: TautulliConfig, dispatcher: Dispatcher): TautulliClient => {
  const resolved = resolveConfig(config)
  const apiKey = Redacted.value(resolved.apiKey)

  const failure = (cmd: string, message: string, retryable: boolean, status?: number) =>
    new ActivitySourceError({
      operation: cmd,
      message: scrub(message, apiKey),
      retryable,
      ...(status === undefined ? {} : { status })
    })

  const command = (cmd: string, params: Readonly<Record<string, string | number>> = {}) => {
    const query = new URLSearchParams({ apikey: apiKey, cmd })
    for (const [name, value] of Object.entries(params)) query.set(name, String(value))
    return httpRequest(dispatcher, {
      method: "GET",
      url: `${resolved.url}/api/v2?${query.toString()}`,
      headers: { accept: "application/json" },
      timeout: resolved.timeout
    }).pipe(
      Effect.mapError((noAnswer) =>
        failure(
          cmd,
          noAnswer.reason === "timeout"
            ? `Tautulli did not answer ${cmd} in time (${noAnswer.detail})`
            : `could not reach Tautulli for ${cmd} (${noAnswer.detail})`,
          true
        )
      ),
      Effect.flatMap((answer) => {
        const envelope = Option.flatMap(parseJson(answer.text), Schema.decodeUnknownOption(Envelope))
        const ok = answer.status >= 200 && answer.status < 300
        if (ok && Option.isSome(envelope) && envelope.value.response.result === "success")
          return Effect.succeed(envelope.value.response.data)
        const said = Option.flatMap(envelope, (e) => Option.fromNullable(e.response.message))
        const detail = Option.getOrElse(said, () => (ok ? "an unexpected answer" : "no message"))
        if (ok && Option.isNone(envelope))
          return Effect.fail(failure(cmd, `Tautulli ${cmd} failed: unexpected answer`, true))
        return Effect.fail(
          ok
            ? failure(cmd, `Tautulli ${cmd} failed: ${detail.slice(0, 200)}`, false)
            : failure(
                cmd,
                `Tautulli ${cmd} failed with HTTP ${answer.status}: ${detail.slice(0, 200)}`,
                retryableStatus(answer.status),
                answer.status
              )
        )
      }),
      Effect.tapBoth({
        onFailure: (error) =>
          Effect.logDebug("Tautulli request failed").pipe(Effect.annotateLogs("error", error.message)),
        onSuccess: () => Effect.logDebug("Tautulli request done")
      }),
      Effect.annotateLogs("tautulli_cmd", cmd)
    )
  }

  const decode =
    <A, I>(cmd: string, schema: Schema.Schema<A, I>) =>
    (data: unknown): Effect.Effect<A, ActivitySourceError> =>
      Schema.decodeUnknown(schema)(data).pipe(
        Effect.mapError(() => failure(cmd, `Tautulli ${cmd} failed: unexpected data`, true))
      )

  const page = (start: number) =>
    command("get_users_table", {
      start,
      length: resolved.pageSize,
      order_column: "last_seen",
      order_dir: "desc"
    }).pipe(Effect.flatMap(decode("get_users_table", UsersTablePage)))

  const lastSeen = Effect.gen(function* () {
    const seen = new Map<string, Option.Option<DateTime.Utc>>()
    let start = 0
    while (true) {
      const { recordsFiltered, data } = yield* page(start)
      for (const row of data) {
        const at = lastSeenTime(row.last_seen)
        const before = seen.get(row.user_id)
        // Rows move up while the pages are read (someone watched): a user can come twice.
        seen.set(row.user_id, before === undefined ? at : latest(before, at))
      }
      start += data.length
      if (data.length === 0 || start >= recordsFiltered)
        return seen as ReadonlyMap<string, Option.Option<DateTime.Utc>>
    }
  })

  const watchingNow = command("get_activity").pipe(
    Effect.flatMap(decode("get_activity", Activity)),
    Effect.map(
      (activity) => new Set(activity.sessions.map((session) => session.user_id)) as ReadonlySet<string>
    )
  )

  return {
    lastSeen,
    watchingNow,
    deleteUser: (userId) => Effect.asVoid(command("delete_user", { user_id: userId })),
    deleteAllUserHistory: (userId) => Effect.asVoid(command("delete_all_user_history", { user_id: userId })),
    command
  }
}

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** The client with its own keep-alive agent, closed with the scope. */
export const tautulliClient = (config: TautulliConfig): Effect.Effect<TautulliClient, never, Scope.Scope> =>
  Effect.map(scopedAgent, (agent) => makeTautulliClient(config, agent))

// ---------------------------------------------------------------------------
// The ActivitySource port
// ---------------------------------------------------------------------------

const makeActivitySource = (client: TautulliClient): ActivitySourceService =>
  ActivitySource.of({
    snapshot: Effect.all([client.lastSeen, client.watchingNow], { concurrency: 2 }).pipe(
      Effect.map(([lastWatched, watchingNow]) => ({ lastWatched, watchingNow }))
    ),
    cleanup: (userId, mode) =>
      (mode === "delete-user" ? client.deleteUser(userId) : client.deleteAllUserHistory(userId)).pipe(
        Effect.tap(() => Effect.logInfo("Tautulli cleanup done")),
        Effect.annotateLogs({ user_id: userId, cleanup: mode })
      )
  })

/** `@org/prune`'s `ActivitySource` port over Tautulli. */
export const PruneTautulli = {
  /** The port over a client you built (a custom dispatcher, a proxy). */
  make: makeActivitySource,
  layer: (config: TautulliConfig): Layer.Layer<ActivitySource> =>
    Layer.scoped(ActivitySource, Effect.map(tautulliClient(config), makeActivitySource)),
  /** Configured from `effect/Config`; see `tautulliConfigFromEnv` for the variable names. */
  layerConfig: (
    config: Config.Config<TautulliConfig> = tautulliConfigFromEnv
  ): Layer.Layer<ActivitySource, ConfigError.ConfigError> =>
    Layer.unwrapEffect(Effect.map(config, PruneTautulli.layer))
}
