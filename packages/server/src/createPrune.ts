/**
 * `createPrune(options)`: the prune engine for people who do not use Effect. A
 * thin Promise wrapper over the same layers an Effect user composes:
 * `PruneEngineLive` (`@org/prune`) over `PrunePlexAccount` and `PruneTautulli`
 * (`@org/plex`), `PrunePg` on Postgres or embedded PGlite (`@org/pg/prune`),
 * `PruneNotify` (`@org/notify`) and, for passes on a schedule, `PruneWorkers`
 * (`@org/scheduler`). Dry run by default, as the engine's policy is.
 */
import { PruneNotify, type SmtpConfig } from "@org/notify"
import { PgDatabase } from "@org/pg"
import { PrunePg } from "@org/pg/prune"
import { defaultClientIdentifier, PrunePlexAccount, PruneTautulli } from "@org/plex"
import {
  type CycleReport,
  makePolicy,
  type Plan,
  PruneChatDisabled,
  PruneEngine,
  PruneEngineLive,
  PruneMailDisabled,
  type PrunePolicy,
  type PrunePolicyInput
} from "@org/prune"
import { PruneWorkers, type PruneWorkersOptions } from "@org/scheduler"
import {
  Cause,
  DateTime,
  Effect,
  Either,
  Exit,
  Layer,
  Logger,
  LogLevel,
  ManagedRuntime,
  Option,
  Redacted,
  Scope
} from "effect"

type Secret = string | Redacted.Redacted<string>

const redacted = (value: Secret): Redacted.Redacted<string> =>
  typeof value === "string" ? Redacted.make(value) : value

export interface CreatePruneOptions {
  /** The Plex account that owns the server, and which server to prune (by name or machine id). */
  readonly plex: {
    readonly token: Secret
    readonly serverName?: string | undefined
    readonly serverId?: string | undefined
    /** plex.tv's address; default `https://plex.tv`. */
    readonly baseUrl?: string | undefined
    /** `X-Plex-Client-Identifier`; default derived from the token, stable across restarts. */
    readonly clientIdentifier?: string | undefined
  }
  /** Where watch history comes from. */
  readonly tautulli: { readonly url: string; readonly apiKey: Secret }
  /**
   * `{ url }` for a Postgres server, `{ dataDir }` for embedded PGlite kept in a
   * directory (one process only), `{ memory: true }` for PGlite in memory (tests).
   */
  readonly database: { readonly url: string } | { readonly dataDir: string } | { readonly memory: true }
  /** Postgres schema of the prune tables. Default `prune`. */
  readonly schema?: string | undefined
  /** The rules: warn at 27 days, remove at 30, VIPs, … Dry run unless `dryRun: false`. */
  readonly policy?: PrunePolicyInput | undefined
  /** Warnings and reports by email; without it nobody is warned, so nobody is removed. */
  readonly smtp?: (Omit<SmtpConfig, "password"> & { readonly password?: Secret | undefined }) | undefined
  /** Removals and reports to a Discord channel. */
  readonly discordWebhookUrl?: Secret | undefined
  /** The server's name in emails and messages. Default `plex.serverName`, else "your Plex server". */
  readonly serverName?: string | undefined
  /** How often `start()` runs each pass. Defaults: new users every 5 min, inactivity every 30 min. */
  readonly schedule?: PruneWorkersOptions | undefined
  /** The least severe log level written. Default `Info`. */
  readonly logLevel?: LogLevel.Literal | undefined
}

export interface Prune {
  /** The policy in force (dry run or not, the days, the VIPs). */
  readonly policy: PrunePolicy
  /** What the engine would do now, or at `at`: every user with a decision and its reason. Changes nothing. */
  readonly plan: (at?: Date) => Promise<Plan>
  /** One cycle now: the new-user pass, then the inactivity pass. */
  readonly runOnce: () => Promise<CycleReport>
  /** Run both passes on their schedule in this process until `stop()`. Idempotent. */
  readonly start: () => Promise<void>
  /** Stop the passes (one under way finishes its user), close the database. */
  readonly stop: () => Promise<void>
}

/** A pass that could not run: plex.tv did not answer, the database is unreachable, … */
export class PruneFailure extends Error {
  override readonly name = "PruneFailure"
  constructor(
    message: string,
    /** The engine's error tag, e.g. `PlexAccountError`. */
    readonly tag: string
  ) {
    super(message)
  }
}

/** An options object that cannot run: the message names every problem. */
export class InvalidPruneOptions extends Error {
  override readonly name = "InvalidPruneOptions"
}

/** The prune engine as a Promise API over the SDK's layers. Throws `InvalidPruneOptions` on a bad policy. */
export const createPrune = (options: CreatePruneOptions): Prune => {
  const policy = Either.getOrElse(makePolicy(options.policy ?? {}), (error) => {
    throw new InvalidPruneOptions(error.message)
  })
  if (options.plex.serverName === undefined && options.plex.serverId === undefined)
    throw new InvalidPruneOptions("Name the server to prune: plex.serverName or plex.serverId.")
  const token = redacted(options.plex.token)
  const database =
    "url" in options.database
      ? PgDatabase.layerUrl(options.database.url)
      : PgDatabase.layerEmbedded("dataDir" in options.database ? { dataDir: options.database.dataDir } : {})
  const plex = PrunePlexAccount.layer({
    token,
    clientIdentifier: options.plex.clientIdentifier ?? defaultClientIdentifier(token),
    baseUrl: options.plex.baseUrl,
    serverName: options.plex.serverName,
    serverId: options.plex.serverId
  })
  const tautulli = PruneTautulli.layer({
    url: options.tautulli.url,
    apiKey: redacted(options.tautulli.apiKey)
  })
  const smtp = options.smtp
  const mail =
    smtp === undefined
      ? PruneMailDisabled
      : PruneNotify.mail({
          smtp: {
            ...smtp,
            ...(smtp.password === undefined ? {} : { password: redacted(smtp.password) })
          } as SmtpConfig
        })
  const chat =
    options.discordWebhookUrl === undefined
      ? PruneChatDisabled
      : PruneNotify.chat({ discord: { webhookUrl: redacted(options.discordWebhookUrl) } })
  const serverName = options.serverName ?? options.plex.serverName
  const engine = PruneEngineLive({ policy, ...(serverName === undefined ? {} : { serverName }) }).pipe(
    Layer.provide(Layer.mergeAll(plex, tautulli, mail, chat)),
    Layer.provide(
      PrunePg.layer(options.schema === undefined ? {} : { schema: options.schema }).pipe(
        Layer.provide(database)
      )
    )
  )
  const logLevel = LogLevel.fromLiteral(options.logLevel ?? "Info")

  let runtime: ManagedRuntime.ManagedRuntime<PruneEngine, unknown> | undefined
  let workers: Scope.CloseableScope | undefined
  const runtimeOf = () => {
    runtime ??= ManagedRuntime.make(Layer.merge(engine, Logger.minimumLogLevel(logLevel)))
    return runtime
  }

  /** Run on the engine; a typed failure rejects with a `PruneFailure` that says what failed. */
  const run = async <A>(
    effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }, PruneEngine>
  ) => {
    const exit = await runtimeOf().runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(
      exit.cause as Cause.Cause<{ readonly _tag: string; readonly message: string }>
    )
    if (Option.isSome(failure)) throw new PruneFailure(failure.value.message, failure.value._tag)
    throw new PruneFailure(`The prune engine could not run: ${Cause.pretty(exit.cause)}`, "Defect")
  }

  return {
    policy,
    plan: (at) =>
      run(
        Effect.flatMap(PruneEngine, (e) =>
          e.plan(at === undefined ? undefined : DateTime.unsafeMake(at.getTime()))
        )
      ),
    runOnce: () => run(Effect.flatMap(PruneEngine, (e) => e.runOnce)),
    start: async () => {
      if (workers !== undefined) return
      const scope = await Effect.runPromise(Scope.make())
      workers = scope
      await run(
        Layer.buildWithScope(PruneWorkers.layer(options.schedule ?? {}), scope).pipe(
          Effect.provide(Logger.minimumLogLevel(logLevel)),
          Effect.asVoid
        )
      )
    },
    stop: async () => {
      const scope = workers
      workers = undefined
      if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
      const current = runtime
      runtime = undefined
      if (current !== undefined) await current.dispose()
    }
  }
}
