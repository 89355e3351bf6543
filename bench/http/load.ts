/**
 * The load generator: autocannon in a process of its own, so it does not share
 * the server's event loop. Started by `main.ts` with a `LoadConfig` as JSON in
 * `argv[2]`; runs a warm-up and then the measured window, each with `connections`
 * keep-alive connections sending webhooks back to back (no pipelining). Sends
 * `{ phase: "measuring" }` when the measured window starts, and then
 * `{ warmup, measured }` (`LoadRuns`) to the driver, and exits.
 *
 * Connection `i` posts to target `i mod targets` (its group, with that group's
 * Plex account in the body) from player `bench-player-<window>-<i>`, so the load is spread
 * evenly over the groups.
 * Latency is every 2xx answer's own time in ms (autocannon's `response` event,
 * sub-millisecond), not autocannon's histogram, which rounds to whole ms.
 */
import type { EventEmitter } from "node:events"
import autocannon from "autocannon"
import { benchThumb, playWebhook } from "./bodies.js"
import { sendToDriver } from "./child.js"
import { type LoadResult, summarize } from "./report.js"

export interface LoadTarget {
  /** Path and query, e.g. `/api?id=<groupId>`. */
  readonly path: string
  /** The Plex account in the webhook's body. */
  readonly plexUsername: string
}

export interface LoadConfig {
  readonly url: string
  readonly connections: number
  readonly warmupSeconds: number
  readonly durationSeconds: number
  /** Bytes of the `thumb` part; 0 for none. */
  readonly thumbBytes: number
  readonly targets: ReadonlyArray<LoadTarget>
}

export interface LoadRun extends LoadResult {
  /** When the window started and ended (epoch ms), for the driver's CPU accounting. */
  readonly startedAt: number
  readonly endedAt: number
}

export interface LoadRuns {
  readonly warmup: LoadRun | undefined
  readonly measured: LoadRun
}

const config = JSON.parse(process.argv[2] ?? "{}") as LoadConfig
const thumb = config.thumbBytes > 0 ? benchThumb(config.thumbBytes) : undefined

/**
 * The request of connection `i`: its group's webhook, from a player of its own. A
 * connection's webhooks are sent one after another, so each playback session's
 * events reach the SDK in order: a group's events are processed one at a time,
 * and an event older than its session's last would be dropped as a repeat.
 */
const requestOf = (window: string, i: number) => {
  const target = config.targets[i % config.targets.length]
  if (target === undefined) throw new Error("no targets")
  const { body, contentType } = playWebhook(target.plexUsername, thumb, `bench-player-${window}-${i}`)
  return {
    method: "POST" as const,
    path: target.path,
    headers: { "content-type": contentType },
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  }
}

const run = async (window: "warmup" | "measured", seconds: number): Promise<LoadRun> => {
  // Players of their own per window too: a request cut off at the end of the warm-up may
  // still be recorded after the first of the measured window, and would then be older.
  const requests = Array.from({ length: config.connections }, (_, i) => requestOf(window, i))
  const latencies: Array<number> = []
  let next = 0
  const startedAt = Date.now()
  // What autocannon returns without a callback is a promise and an event emitter (its types say only the first).
  const instance = autocannon({
    url: config.url,
    connections: config.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    // Replaced per connection below; autocannon copies its options into every connection.
    requests: [{ method: "POST", path: "/api" }],
    setupClient: (client) => {
      const request = requests[next++ % requests.length]
      if (request !== undefined) client.setRequests([request])
    }
  }) as Promise<autocannon.Result> & EventEmitter
  // Emitted by autocannon 8 as (client, statusCode, bytes, responseTime in ms).
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
  })
  const result = await instance
  const endedAt = Date.now()
  // `requests.sent` is in autocannon's result, not in its types.
  const sent = (result.requests as { sent?: number }).sent ?? 0
  const errors = result.errors + result.timeouts
  return {
    durationSeconds: result.duration,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors,
    unanswered: Math.max(0, sent - result["2xx"] - result.non2xx - errors),
    latency: summarize(latencies),
    startedAt,
    endedAt
  }
}

const warmup = config.warmupSeconds > 0 ? await run("warmup", config.warmupSeconds) : undefined
// The driver samples CPU time when the measured window starts and when its result arrives.
sendToDriver({ phase: "measuring" })
const measured = await run("measured", config.durationSeconds)
sendToDriver({ warmup, measured } satisfies LoadRuns)
process.disconnect()
