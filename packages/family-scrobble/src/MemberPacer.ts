/**
 * Spaces each member's POSTs to Trakt by `minPostInterval` (Trakt allows one
 * POST per second per user): rather than waiting to be told with a 429, a
 * member's next POST waits for its slot. Members never wait for each other.
 *
 * Slots are kept in this process. Across processes the group lock already keeps
 * one group's deliveries in one place at a time.
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"
import { FamilyScrobbleConfig } from "./Config.js"

export interface MemberPacerService {
  /**
   * Run one exchange with Trakt in the member's next slot. The slot after it
   * starts no earlier than `minPostInterval` after this one ends, so slow answers
   * (and any extra POST the exchange made, such as a second form of an episode
   * after a 404) never bring two of the member's POSTs closer than the interval.
   */
  readonly paced: <A, E, R>(memberId: string, exchange: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export class MemberPacer extends Context.Tag("@org/family-scrobble/MemberPacer")<
  MemberPacer,
  MemberPacerService
>() {
  static readonly layer: Layer.Layer<MemberPacer> = Layer.sync(MemberPacer, () => makeMemberPacer())
}

export const makeMemberPacer = (): MemberPacerService => {
  const nextSlot = new Map<string, number>()
  /** Wait for the member's next slot and take it. */
  const acquire = (memberId: string) =>
    Effect.gen(function* () {
      const settings = yield* FamilyScrobbleConfig
      const interval = Duration.toMillis(settings.minPostInterval)
      if (interval <= 0) return
      const now = yield* Clock.currentTimeMillis
      const slot = Math.max(now, nextSlot.get(memberId) ?? now)
      nextSlot.set(memberId, slot + interval)
      if (nextSlot.size > 10_000) {
        for (const [key, at] of nextSlot) if (at <= now) nextSlot.delete(key)
      }
      if (slot > now) yield* Effect.sleep(Duration.millis(slot - now))
    })
  const pushBack = (memberId: string) =>
    Effect.gen(function* () {
      const settings = yield* FamilyScrobbleConfig
      const interval = Duration.toMillis(settings.minPostInterval)
      if (interval <= 0) return
      const ended = yield* Clock.currentTimeMillis
      nextSlot.set(memberId, Math.max(nextSlot.get(memberId) ?? 0, ended + interval))
    })
  return {
    paced: (memberId, exchange) =>
      Effect.zipRight(acquire(memberId), Effect.ensuring(exchange, pushBack(memberId)))
  }
}
