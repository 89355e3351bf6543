/**
 * Reseller renewals: every credit-paid client whose period ended is renewed
 * from its reseller's credits, or put past due and its reseller told.
 */
import { renewDueClients } from "@org/resellers"
import { Duration } from "effect"
import { PeriodicJob } from "./PeriodicJob.js"

export interface ResellerRenewalsOptions {
  /** Time between runs. Default 10 minutes. */
  readonly interval?: Duration.DurationInput
  /** Clients renewed at most per run. Default 500. */
  readonly limit?: number
  /** How long after an unpaid attempt the next is made. Default 1 hour. */
  readonly retryAfter?: Duration.DurationInput
}

export const ResellerRenewals = {
  /** `renewDueClients` at start and every `interval`, in a fiber of the layer's scope. */
  layer: (options: ResellerRenewalsOptions = {}) =>
    PeriodicJob.layer(
      renewDueClients({
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter })
      }),
      {
        name: "reseller-renewals",
        interval: options.interval ?? Duration.minutes(10),
        didWork: (report) => report.renewed > 0 || report.unpaid > 0
      }
    )
}
