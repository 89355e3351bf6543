/**
 * The broadcast demo: a family of three shares the living-room TV's Plex
 * account. Each member signs in to their own Trakt account (the sandbox), then
 * an episode is played, paused, resumed and finished, and every webhook is
 * broadcast to all three. Sam's Trakt answers the first scrobble with a 429, so
 * Sam's start goes to the retry queue and is delivered by the retry worker.
 *
 * Everything is real except Trakt (a loopback sandbox speaking its API) and the
 * stores (in memory): the multipart webhooks are decoded by `@org/plex`, the
 * domain is `@org/family-scrobble`, and Trakt is reached over HTTP by `@org/trakt`.
 */
import { SecureRandomNode } from "@org/crypto"
import {
  completeAuthorization,
  createFamilyGroup,
  FamilyScrobbleConfig,
  type FamilySettingsInput,
  getFamilyGroup,
  handlePlaybackEvent,
  type MemberOutcome,
  runRetryWorker,
  type WebhookReport
} from "@org/family-scrobble"
import { FamilyScrobbleInMemory } from "@org/family-scrobble/testing"
import { decodeWebhook, type PlexWebhookEventEncoded } from "@org/plex"
import { encodeMultipartWebhook, samplePayloads, sampleThumb } from "@org/plex/testing"
import { TraktApiLive } from "@org/trakt"
import { scopedTraktSandbox, type TraktSandbox } from "@org/trakt/sandbox"
import { DateTime, Duration, Effect, Layer, Logger, LogLevel, Option, Redacted, Schedule } from "effect"

export interface DemoOptions {
  /** Where the demo's lines go. */
  readonly print: (line: string) => void
  /** Show the SDK's structured logs too. */
  readonly verbose?: boolean
  /** Latency the sandbox adds to every Trakt answer. Default 50 ms. */
  readonly latencyMs?: number
}

/** What each member's Trakt account recorded, for the summary (and the demo's test). */
export interface DemoResult {
  readonly plexUsername: string
  readonly webhookUrlPath: string
  readonly reports: ReadonlyArray<{ readonly step: string; readonly report: WebhookReport }>
  readonly received: Record<string, ReadonlyArray<string>>
  readonly plays: Record<string, number>
  readonly retried: ReadonlyArray<string>
}

const FAMILY = ["Mum", "Dad", "Sam"] as const
const REDIRECT_URI = "http://127.0.0.1:3000/authorize/family/member"

/**
 * Demo timing: the retry queue's first delay is shortened from 30 s to 2 s so
 * the retry happens while you watch. Everything else is the default, including
 * one POST per second per member.
 */
const demoSettings: FamilySettingsInput = { retryBaseDelay: "2 seconds" }

/** The episode of the sample payloads at a given event and position. */
const episodeAt = (event: string, viewOffset: number | undefined): PlexWebhookEventEncoded => {
  const base = samplePayloads.episodePause
  const { viewOffset: _, ...metadata } = base.Metadata ?? {}
  return {
    ...base,
    event,
    Metadata: viewOffset === undefined ? metadata : { ...metadata, viewOffset }
  }
}

const describeOutcome = (outcome: MemberOutcome): string => {
  switch (outcome._tag) {
    case "Delivered":
      return outcome.alreadyScrobbled
        ? "delivered (already scrobbled)"
        : `delivered → Trakt "${outcome.traktAction}"`
    case "Queued":
      return `queued for retry at ${DateTime.formatIso(outcome.nextAttemptAt)} (${outcome.error})`
    case "Skipped":
      return `skipped: ${outcome.reason}`
    case "NeedsAttention":
      return `needs attention: ${outcome.error}`
    default:
      return `${outcome._tag}: ${outcome.error}`
  }
}

const pad = (text: string, width: number) => text.padEnd(width)

export const runDemo = (options: DemoOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { print } = options
      const sandbox: TraktSandbox = yield* scopedTraktSandbox({ latencyMs: options.latencyMs ?? 50 })
      print(`Trakt sandbox listening on ${sandbox.url} (every answer delayed ${options.latencyMs ?? 50} ms)`)

      const layer = Layer.mergeAll(
        FamilyScrobbleInMemory,
        SecureRandomNode,
        FamilyScrobbleConfig.layer(demoSettings),
        TraktApiLive.layer({
          clientId: sandbox.clientId,
          clientSecret: Redacted.make(sandbox.clientSecret),
          redirectUri: REDIRECT_URI,
          apiUrl: sandbox.url,
          authUrl: sandbox.url,
          userAgent: "org-media-sdk-broadcast-demo/0.0"
        })
      )

      return yield* Effect.gen(function* () {
        // 1. The household admin creates the family: the shared Plex account and one label per member.
        const plexUsername = samplePayloads.episodePause.Account?.title ?? "LivingRoom"
        const created = yield* createFamilyGroup({ plexUsername, labels: [...FAMILY] })
        const webhookUrlPath = `/api?id=${created.group.id}`
        print(`\nFamily group for Plex user "${plexUsername}" created; its webhook is POST ${webhookUrlPath}`)

        // 2. Each member opens their authorize link and signs in to their own Trakt account.
        for (const invitation of created.members) {
          const url = new URL(invitation.authorizeUrl)
          url.searchParams.set("sandbox_username", `${invitation.member.label.toLowerCase()}-trakt`)
          const response = yield* Effect.promise(() => fetch(url, { redirect: "manual" }))
          const callback = new URL(response.headers.get("location") ?? "")
          const member = yield* completeAuthorization({
            code: callback.searchParams.get("code") ?? "",
            state: callback.searchParams.get("state") ?? ""
          })
          print(
            `  ${pad(member.label, 4)} authorized as Trakt user ${Option.getOrElse(member.traktUsername, () => "?")}`
          )
        }

        // Sam's Trakt will be busy for the first scrobble.
        sandbox.injectFault("sam-trakt", { status: 429, retryAfterSeconds: 1 }, { times: 1 })

        // The retry worker runs beside the webhooks, as it would in a server.
        yield* Effect.forkScoped(runRetryWorker({ pollInterval: "200 millis" }))

        const reports: Array<{ step: string; report: WebhookReport }> = []
        const retried: Array<string> = []
        const deliver = (step: string, payload: PlexWebhookEventEncoded, withThumb = false) =>
          Effect.gen(function* () {
            // Exactly what Plex posts: multipart/form-data with a JSON `payload` part (and a poster).
            const { body, contentType } = encodeMultipartWebhook(
              payload,
              withThumb ? { thumb: sampleThumb } : {}
            )
            const { event } = yield* decodeWebhook(body, contentType)
            const report = yield* handlePlaybackEvent(created.group.id, event)
            reports.push({ step, report })
            print(`\n▶ ${step}: Plex "${event.event}" from ${event.Account?.title ?? "?"}`)
            if (report._tag === "Ignored") {
              print(`  ignored: ${report.ignored.detail}`)
              return
            }
            const { action, progress, title } = report.broadcast
            print(`  ${title}: ${action} at ${progress} %`)
            for (const outcome of report.broadcast.members) {
              print(`  ${pad(outcome.member.label, 4)} ${describeOutcome(outcome)}`)
              if (outcome._tag === "Queued") retried.push(outcome.member.label)
            }
          })

        const d = 2_000_000
        yield* deliver("Start the episode", episodeAt("media.play", 0), true)

        // Wait (bounded) until the retry worker has delivered Sam's start.
        const queued = getFamilyGroup(created.group.id).pipe(Effect.map((g) => g.queue.queued))
        yield* queued.pipe(
          Effect.repeat({ schedule: Schedule.spaced("200 millis"), until: (n) => n === 0 }),
          Effect.timeoutFail({
            duration: Duration.seconds(15),
            onTimeout: () => new Error("the retry was not delivered within 15 s")
          })
        )
        if (retried.length > 0) print(`\n↻ retry worker delivered the queued start for ${retried.join(", ")}`)

        yield* deliver("Pause at 40 %", episodeAt("media.pause", d * 0.4))
        yield* deliver("Resume", episodeAt("media.resume", d * 0.4))
        yield* deliver("Someone else on the same Plex server", samplePayloads.otherUserPlay)
        yield* deliver("Music in the kitchen", samplePayloads.musicTrack)
        yield* deliver("Finish (Plex marks it watched)", samplePayloads.episodeScrobble)

        // What each member's Trakt account received.
        const received: Record<string, ReadonlyArray<string>> = {}
        const plays: Record<string, number> = {}
        print("\nWhat each member's Trakt account received:")
        print(`  ${pad("member", 8)} ${pad("scrobbles (endpoint progress → Trakt's action)", 78)} plays`)
        for (const label of FAMILY) {
          const username = `${label.toLowerCase()}-trakt`
          received[label] = sandbox.scrobbles(username).map((s) => `${s.action} ${s.progress}% → ${s.result}`)
          plays[label] = sandbox.plays(username).length
          print(`  ${pad(label, 8)} ${pad(received[label].join(", "), 78)} ${plays[label]}`)
        }
        const rateLimited = sandbox.requests("sam-trakt").filter((r) => r.status === 429).length
        print(`\nSam's Trakt answered ${rateLimited} request(s) with 429; nothing was lost.`)
        const result: DemoResult = { plexUsername, webhookUrlPath, reports, received, plays, retried }
        return result
      }).pipe(
        Effect.provide(layer),
        options.verbose === true
          ? Effect.provide(Logger.logFmt)
          : Logger.withMinimumLogLevel(LogLevel.Warning)
      )
    })
  )
