/**
 * A reseller's client: the account a reseller created, the plan it is on, and
 * its credit-paid period. The subscription itself is billing's (`source:
 * "credits"`); this row is what the reseller lists, counts and renews.
 */
import { PlanId, UserId } from "@org/accounts"
import { type DateTime, Schema } from "effect"

export class ResellerClient extends Schema.Class<ResellerClient>("ResellerClient")({
  clientId: UserId,
  resellerId: UserId,
  planId: PlanId,
  /** What a period costs the reseller, in credits (the plan's monthly price in minor units). */
  creditsPerPeriod: Schema.Int,
  currentPeriodEnd: Schema.DateTimeUtcFromSelf,
  /** Renewed at period end; false once the reseller stops it. */
  autoRenew: Schema.Boolean,
  /** The last renewal the reseller's credits could not pay, while unpaid. */
  renewalFailedAt: Schema.OptionFromSelf(Schema.DateTimeUtcFromSelf),
  createdAt: Schema.DateTimeUtcFromSelf
}) {}

/** Where a client stands now, from its row. */
export type ClientStatus = "active" | "past_due" | "expired" | "ended"

export const clientStatus = (client: ResellerClient, now: DateTime.Utc, grace: number): ClientStatus => {
  const end = client.currentPeriodEnd.epochMillis
  if (now.epochMillis < end) return "active"
  if (!client.autoRenew) return "ended"
  if (client.renewalFailedAt._tag === "Some" && now.epochMillis < end + grace) return "past_due"
  return "expired"
}

/** A client as the reseller's list shows it. */
export interface ClientListing {
  readonly client: ResellerClient
  readonly email: string
  readonly fullName: string
  readonly planName: string
}
