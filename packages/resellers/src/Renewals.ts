/**
 * Renewals: each credit-paid client whose period ended is renewed by debiting
 * its reseller the period's price — the debit, the client's next period and its
 * subscription in one unit of work. The transfer's id names the client and the
 * period (and the last failed attempt), so two runners renew a period once. Not
 * enough credits: the client goes past due (access kept for the grace) and the
 * reseller is told, once per period; a later run retries until the grace ends,
 * when the client ends (the reseller may resume it: it then starts afresh).
 */
import { BillingConfig, BillingStore, creditRenewalFailed, startCreditPeriod } from "@org/billing"
import { atomically } from "@org/core"
import { transfer } from "@org/ledger"
import { DateTime, Duration, Effect, Option } from "effect"
import { ResellerClient } from "./ResellerClient.js"
import { ResellerNotices } from "./ResellerNotices.js"
import { ResellerStore } from "./ResellerStore.js"
import { creditAccountOf, creditBalance, nextPeriodEnd, REVENUE_ACCOUNT, TransferKinds } from "./Resellers.js"

/** The transfer id of a renewal: the client, the period it pays, and the attempt after a failed one. */
export const renewalTransferId = (client: ResellerClient) =>
  `renewal:${client.clientId}:${client.currentPeriodEnd.epochMillis}${Option.match(client.renewalFailedAt, {
    onNone: () => "",
    onSome: (at) => `:after-${at.epochMillis}`
  })}`

export type RenewalOutcome = "renewed" | "unpaid" | "skipped"

/** Renew one client if it is still due: the debit, the next period, the subscription, together. */
export const renewClient = (client: ResellerClient, now: DateTime.Utc) =>
  Effect.gen(function* () {
    const store = yield* ResellerStore
    const id = renewalTransferId(client)
    const settings = yield* BillingConfig
    const paid = yield* atomically(
      Effect.gen(function* () {
        const result = yield* Effect.either(
          transfer({
            id,
            debitAccountId: creditAccountOf(client.resellerId),
            creditAccountId: REVENUE_ACCOUNT,
            amount: client.creditsPerPeriod,
            kind: TransferKinds.renewal,
            description: `renewal of client ${client.clientId}`
          })
        )
        if (result._tag === "Left") {
          const failure = result.left
          if (
            failure._tag === "ExceedsCredits" ||
            failure._tag === "TransferAlreadyFailed" ||
            failure._tag === "LedgerAccountNotFound"
          )
            return false
          return yield* failure
        }
        // A client whose access lapsed (past the grace) starts a fresh period now.
        const lapsed =
          now.epochMillis >= client.currentPeriodEnd.epochMillis + settings.graceDays * 86_400_000
        const periodEnd = nextPeriodEnd(lapsed ? now : client.currentPeriodEnd)
        // The row moves only from the period this debit paid: a second runner's update is a no-op.
        yield* store.update(client.clientId, (current) =>
          current.currentPeriodEnd.epochMillis === client.currentPeriodEnd.epochMillis
            ? new ResellerClient(
                { ...current, currentPeriodEnd: periodEnd, renewalFailedAt: Option.none() },
                true
              )
            : current
        )
        yield* Effect.flatMap(BillingStore, (billing) =>
          billing.update(client.clientId, (account) =>
            startCreditPeriod(
              account,
              {
                planId: client.planId,
                priceId: Option.flatMap(account.subscription, (sub) => sub.priceId),
                credits: client.creditsPerPeriod,
                currency: Option.match(account.subscription, {
                  onNone: () => "usd",
                  onSome: (sub) => sub.currency
                }),
                periodEnd,
                reference: id
              },
              now
            )
          )
        )
        return true
      })
    )
    if (paid) return "renewed" satisfies RenewalOutcome
    const firstFailure = Option.isNone(client.renewalFailedAt)
    // Past the grace the client has ended: no more attempts until the reseller resumes it.
    const graceOver = now.epochMillis >= client.currentPeriodEnd.epochMillis + settings.graceDays * 86_400_000
    yield* atomically(
      Effect.gen(function* () {
        yield* store.update(
          client.clientId,
          (current) =>
            new ResellerClient({ ...current, renewalFailedAt: Option.some(now), autoRenew: !graceOver }, true)
        )
        yield* Effect.flatMap(BillingStore, (billing) =>
          billing.update(client.clientId, (account) => creditRenewalFailed(account, now))
        )
      })
    )
    if (firstFailure) {
      const balance = yield* creditBalance(client.resellerId)
      yield* Effect.flatMap(ResellerNotices, (notices) =>
        notices.renewalFailed({
          resellerId: client.resellerId,
          clientId: client.clientId,
          balance,
          price: client.creditsPerPeriod,
          graceEndsAt: DateTime.add(client.currentPeriodEnd, { days: settings.graceDays })
        })
      )
    }
    return "unpaid" satisfies RenewalOutcome
  })

/**
 * Renew every client that is due now, up to `limit` a run (oldest period first).
 * A renewal that could not be paid is tried again after `retryAfter` (default
 * an hour) until the grace ends. Answers how many were due, renewed and unpaid.
 */
export const renewDueClients = (
  options: { readonly limit?: number; readonly retryAfter?: Duration.DurationInput } = {}
) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const store = yield* ResellerStore
    const due = yield* store.due(now, options.limit ?? 500)
    const retryAfter = Duration.toMillis(Duration.decode(options.retryAfter ?? "1 hour"))
    let renewed = 0
    let unpaid = 0
    for (const client of due) {
      if (Option.exists(client.renewalFailedAt, (at) => now.epochMillis - at.epochMillis < retryAfter))
        continue
      const outcome = yield* renewClient(client, now)
      if (outcome === "renewed") renewed++
      else if (outcome === "unpaid") unpaid++
    }
    return { due: due.length, renewed, unpaid }
  })
