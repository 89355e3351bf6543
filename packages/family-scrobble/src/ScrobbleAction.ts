/**
 * The three Trakt scrobble calls.
 */
import { Schema } from "effect"

/** `start` = playing, `pause` = paused, `stop` = stopped or finished (≥ 80 % records a play). */
export const ScrobbleAction = Schema.Literal("start", "pause", "stop")
export type ScrobbleAction = typeof ScrobbleAction.Type

/** Progress in percent, 0–100, as Trakt takes it. */
export const Progress = Schema.Number.pipe(Schema.between(0, 100), Schema.brand("Progress"))
export type Progress = typeof Progress.Type

/** Clamp any number into a `Progress`, rounding to two decimals (Trakt's precision). */
export const toProgress = (value: number): Progress => {
  const clamped = Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0
  return (Math.round(clamped * 100) / 100) as Progress
}
