/**
 * Where a broadcast's time goes, seen from the client side: when each request
 * was handed to undici, when it left (its headers written to the socket) and
 * when its answer was in (the response complete), from undici's diagnostics channels. These see the SDK's
 * requests (the adapter uses undici) and the baseline's alike, without touching
 * either. Off unless the benchmark is run with `trace`.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel"

/** One broadcast: ms after it was started. */
export interface PhaseSample {
  /** The first and last request handed to undici (`dispatcher.request` called). */
  readonly firstMade: number
  readonly lastMade: number
  /** The first and last request written to its socket. */
  readonly firstSent: number
  readonly lastSent: number
  readonly firstAnswer: number
  readonly lastAnswer: number
  readonly done: number
  /** CPU time of the benchmark's process (user + system, every thread) during the broadcast. */
  readonly cpu: number
}

/** Medians of `PhaseSample`s. */
export type Phases = PhaseSample

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN
}

export const phaseStats = (samples: ReadonlyArray<PhaseSample>): Phases => ({
  firstMade: median(samples.map((s) => s.firstMade)),
  lastMade: median(samples.map((s) => s.lastMade)),
  firstSent: median(samples.map((s) => s.firstSent)),
  lastSent: median(samples.map((s) => s.lastSent)),
  firstAnswer: median(samples.map((s) => s.firstAnswer)),
  lastAnswer: median(samples.map((s) => s.lastAnswer)),
  done: median(samples.map((s) => s.done)),
  cpu: median(samples.map((s) => s.cpu))
})

const MADE = "undici:request:create"
const SENT = "undici:client:sendHeaders"
const ANSWERED = "undici:request:trailers"

/** Record the requests to `path` between `begin()` and `end()`. Call `stop()` when done. */
export const startPhaseTrace = (path: string) => {
  let made: Array<number> = []
  let sent: Array<number> = []
  let answered: Array<number> = []
  let cpuAtBegin = process.cpuUsage()
  const isTraced = (message: unknown) =>
    (message as { request?: { path?: unknown } } | undefined)?.request?.path === path
  const onMade = (message: unknown) => {
    if (isTraced(message)) made.push(performance.now())
  }
  const onSent = (message: unknown) => {
    if (isTraced(message)) sent.push(performance.now())
  }
  const onAnswered = (message: unknown) => {
    if (isTraced(message)) answered.push(performance.now())
  }
  subscribe(MADE, onMade)
  subscribe(SENT, onSent)
  subscribe(ANSWERED, onAnswered)
  const samples = { sdk: [] as Array<PhaseSample>, baseline: [] as Array<PhaseSample> }
  return {
    samples,
    begin: () => {
      made = []
      sent = []
      answered = []
      cpuAtBegin = process.cpuUsage()
    },
    end: (side: "sdk" | "baseline", record: boolean, started: number, ended: number) => {
      const cpu = process.cpuUsage(cpuAtBegin)
      if (!record || sent.length === 0 || answered.length === 0) return
      samples[side].push({
        firstMade: Math.min(...made) - started,
        lastMade: Math.max(...made) - started,
        firstSent: Math.min(...sent) - started,
        lastSent: Math.max(...sent) - started,
        firstAnswer: Math.min(...answered) - started,
        lastAnswer: Math.max(...answered) - started,
        done: ended - started,
        cpu: (cpu.user + cpu.system) / 1000
      })
    },
    stop: () => {
      unsubscribe(MADE, onMade)
      unsubscribe(SENT, onSent)
      unsubscribe(ANSWERED, onAnswered)
    }
  }
}
