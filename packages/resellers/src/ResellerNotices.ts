/**
 * Port: telling a reseller what needs them. A renewal their credits could not
 * pay puts the client into grace; the reseller hears of it once per failed
 * period. `ResellerNotices.layerLog` writes a warning line (the default);
 * an app sends an email or a chat message with its own layer.
 */
import type { UserId } from "@org/accounts"
import { Context, type DateTime, Effect, Layer } from "effect"

export interface RenewalFailedNotice {
  readonly resellerId: UserId
  readonly clientId: UserId
  readonly balance: number
  readonly price: number
  /** Access ends then unless the renewal is paid. */
  readonly graceEndsAt: DateTime.Utc
}

export interface ResellerNoticesService {
  readonly renewalFailed: (notice: RenewalFailedNotice) => Effect.Effect<void>
}

export class ResellerNotices extends Context.Tag("@org/resellers/ResellerNotices")<
  ResellerNotices,
  ResellerNoticesService
>() {
  /** A structured warning per notice, for the operator's log pipeline. */
  static readonly layerLog: Layer.Layer<ResellerNotices> = Layer.succeed(ResellerNotices, {
    renewalFailed: (notice) =>
      Effect.logWarning("a client's renewal could not be paid: the reseller needs more credits").pipe(
        Effect.annotateLogs({
          reseller_id: notice.resellerId,
          client_id: notice.clientId,
          balance: notice.balance,
          price: notice.price
        })
      )
  })

  /** The notices in an array, for tests. */
  static readonly memory = () => {
    const sent: Array<RenewalFailedNotice> = []
    return {
      sent,
      layer: Layer.succeed(ResellerNotices, {
        renewalFailed: (notice) => Effect.sync(() => void sent.push(notice))
      })
    }
  }
}
