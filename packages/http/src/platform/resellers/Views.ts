/** Credits and resellers as the API shows them: snake_case, ISO dates, credits as whole numbers. */
import type { Entry, Transfer } from "@org/ledger"
import type { ClientListing, ClientStatus, ResellerClient } from "@org/resellers"
import { Schema } from "effect"
import { IsoDate, iso } from "../Dates.js"

export const CreditGrantView = Schema.Struct({
  transfer_id: Schema.String,
  user_id: Schema.String,
  amount: Schema.Int,
  description: Schema.String,
  credits_balance: Schema.Int.annotations({ description: "The user's balance after the grant." }),
  created_at: IsoDate
}).annotations({ identifier: "CreditGrant" })

export const creditGrantView = (grant: {
  readonly user: { readonly id: string }
  readonly transfer: Transfer
  readonly balance: number
}): typeof CreditGrantView.Type => ({
  transfer_id: grant.transfer.id,
  user_id: grant.user.id,
  amount: grant.transfer.amount,
  description: grant.transfer.description,
  credits_balance: grant.balance,
  created_at: iso(grant.transfer.createdAt)
})

export const DashboardView = Schema.Struct({
  credits_balance: Schema.Int,
  total_clients: Schema.Int,
  active_clients: Schema.Int.annotations({ description: "Clients whose paid period runs now." }),
  credits_spent_this_month: Schema.Int.annotations({ description: "Since the 1st of the month, UTC." })
}).annotations({ identifier: "ResellerDashboard" })

export const dashboardView = (d: {
  readonly creditsBalance: number
  readonly totalClients: number
  readonly activeClients: number
  readonly creditsSpentThisMonth: number
}): typeof DashboardView.Type => ({
  credits_balance: d.creditsBalance,
  total_clients: d.totalClients,
  active_clients: d.activeClients,
  credits_spent_this_month: d.creditsSpentThisMonth
})

export const ClientView = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  full_name: Schema.String,
  plan_id: Schema.String,
  plan_name: Schema.String,
  status: Schema.Literal("active", "past_due", "expired", "ended").annotations({
    description:
      "active: paid period running; past_due: a renewal your credits could not pay, in grace; ended: renewal stopped and period over; expired: unpaid past grace."
  }),
  credits_per_period: Schema.Int,
  current_period_end: IsoDate,
  auto_renew: Schema.Boolean,
  created_at: IsoDate
}).annotations({ identifier: "ResellerClient" })

export const clientView = (
  listing: Omit<ClientListing, "client"> & { readonly client: ResellerClient; readonly status: ClientStatus }
): typeof ClientView.Type => ({
  id: listing.client.clientId,
  email: listing.email,
  full_name: listing.fullName,
  plan_id: listing.client.planId,
  plan_name: listing.planName,
  status: listing.status,
  credits_per_period: listing.client.creditsPerPeriod,
  current_period_end: iso(listing.client.currentPeriodEnd),
  auto_renew: listing.client.autoRenew,
  created_at: iso(listing.client.createdAt)
})

export const CreatedClientView = Schema.Struct({
  client: ClientView,
  transaction_id: Schema.String,
  credits_charged: Schema.Int,
  credits_balance: Schema.Int
}).annotations({ identifier: "CreatedResellerClient" })

export const TransactionView = Schema.Struct({
  id: Schema.String,
  kind: Schema.String.annotations({ description: "grant, client_creation, renewal, reversal" }),
  amount: Schema.Int.annotations({ description: "Credits: positive in, negative out." }),
  balance_after: Schema.Int,
  description: Schema.String,
  created_at: IsoDate
}).annotations({ identifier: "CreditTransaction" })

export const transactionView = (entry: Entry): typeof TransactionView.Type => ({
  id: entry.transferId,
  kind: entry.kind,
  amount: entry.amount,
  balance_after: entry.balanceAfter,
  description: entry.description,
  created_at: iso(entry.createdAt)
})
