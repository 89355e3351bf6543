/**
 * The daemon's composition: the configuration turned into the engine's layers.
 */
import { mkdir } from "node:fs/promises"
import { PruneNotify } from "@org/notify"
import { PgDatabase } from "@org/pg"
import { PrunePg } from "@org/pg/prune"
import { defaultClientIdentifier, PrunePlexAccount, PruneTautulli } from "@org/plex"
import {
  makePolicy,
  PruneChatDisabled,
  type PruneEngine,
  PruneEngineLive,
  PruneMailDisabled,
  type PrunePolicy,
  type PruneStore
} from "@org/prune"
import { Effect, Either, Layer, Redacted } from "effect"
import type { DaemonConfig } from "./config.js"

/** The policy the configuration describes (validated again by the engine's own rules). */
export const policyOf = (config: DaemonConfig): PrunePolicy =>
  Either.getOrThrowWith(
    makePolicy({
      warnDays: config.warnDays,
      kickDays: config.kickDays,
      minNoticeDays: config.minNoticeDays,
      vip: config.vipNames,
      adminEmail: config.adminEmail,
      includeHomeUsers: config.includeHomeUsers,
      includeManagedUsers: config.includeManagedUsers,
      activityCleanup: config.tautulliCleanup,
      unknownJoinDate: config.unknownJoinDate,
      dryRun: config.dryRun
    }),
    (error) => new Error(error.message)
  )

const databaseLayer = (config: DaemonConfig) => {
  const database = config.database
  return database._tag === "Postgres"
    ? PgDatabase.layerUrl(Redacted.value(database.url))
    : Layer.unwrapEffect(
        Effect.promise(() => mkdir(database.dataDir, { recursive: true })).pipe(
          Effect.as(PgDatabase.layerEmbedded({ dataDir: database.dataDir }))
        )
      )
}

/**
 * The engine over plex.tv, Tautulli, the database, SMTP and Discord as configured,
 * with its store alongside (to read state or the audit log while the engine runs:
 * embedded PGlite admits one process).
 */
export const daemonLayer = (config: DaemonConfig): Layer.Layer<PruneEngine | PruneStore, unknown> => {
  const plex = PrunePlexAccount.layer({
    token: config.plexToken,
    clientIdentifier: defaultClientIdentifier(config.plexToken),
    baseUrl: config.plexTvUrl,
    serverName: config.plexServerName,
    serverId: config.plexServerId
  })
  const tautulli = PruneTautulli.layer({ url: config.tautulliUrl, apiKey: config.tautulliApiKey })
  const store = PrunePg.layer().pipe(Layer.provide(databaseLayer(config)))
  const smtp = config.smtp
  const mail =
    smtp === undefined
      ? PruneMailDisabled
      : PruneNotify.mail({
          smtp: {
            host: smtp.host,
            port: smtp.port,
            from: smtp.from,
            ...(smtp.username === undefined ? {} : { username: smtp.username }),
            ...(smtp.password === undefined ? {} : { password: smtp.password })
          }
        })
  const chat =
    config.discordWebhook === undefined
      ? PruneChatDisabled
      : PruneNotify.chat({ discord: { webhookUrl: config.discordWebhook } })
  return PruneEngineLive({ policy: policyOf(config), serverName: config.plexServerName }).pipe(
    Layer.provide(Layer.mergeAll(plex, tautulli, mail, chat)),
    Layer.provideMerge(store)
  )
}

/** The engine alone. */
export const engineLayer = (config: DaemonConfig): Layer.Layer<PruneEngine, unknown> => daemonLayer(config)
