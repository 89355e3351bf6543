/** The credits and reseller handlers: the policy (`requireAdmin`, `requireReseller`), the program, its failures as API errors. */
import { HttpApiBuilder } from "@effect/platform"
import { requireAdmin, requireReseller } from "@org/accounts"
import {
  addCredits,
  createClient,
  getClient,
  listClients,
  resellerDashboard,
  resellerTransactions,
  setClientRenewal
} from "@org/resellers"
import { Effect } from "effect"
import { apiErrors } from "../Errors.js"
import { PlatformApi } from "../PlatformApi.js"
import { CurrentCaller } from "../Security.js"
import { clientView, creditGrantView, dashboardView, transactionView } from "./Views.js"

const admin = Effect.flatMap(CurrentCaller, (caller) => apiErrors(requireAdmin(caller)))
const reseller = Effect.flatMap(CurrentCaller, (caller) => apiErrors(requireReseller(caller)))

export const CreditsLive = HttpApiBuilder.group(PlatformApi, "credits", (handlers) =>
  handlers.handle("add", ({ payload }) =>
    Effect.flatMap(admin, (caller) => Effect.map(apiErrors(addCredits(caller, payload)), creditGrantView))
  )
)

export const ResellerLive = HttpApiBuilder.group(PlatformApi, "reseller", (handlers) =>
  handlers
    .handle("dashboard", () =>
      Effect.flatMap(reseller, (caller) => Effect.map(apiErrors(resellerDashboard(caller)), dashboardView))
    )
    .handle("createClient", ({ payload }) =>
      Effect.flatMap(reseller, (caller) =>
        Effect.map(apiErrors(createClient(caller, payload)), (created) => ({
          client: clientView({
            client: created.client,
            email: created.user.email,
            fullName: created.user.fullName,
            planName: created.plan.name,
            status: "active"
          }),
          transaction_id: created.transfer.id,
          credits_charged: created.transfer.amount,
          credits_balance: created.balance
        }))
      )
    )
    .handle("listClients", ({ urlParams }) =>
      Effect.flatMap(reseller, (caller) =>
        Effect.map(apiErrors(listClients(caller, urlParams)), (page) => ({
          clients: page.clients.map(clientView),
          page: page.page,
          limit: page.limit,
          total: page.total
        }))
      )
    )
    .handle("getClient", ({ path }) =>
      Effect.flatMap(reseller, (caller) => Effect.map(apiErrors(getClient(caller, path.id)), clientView))
    )
    .handle("setRenewal", ({ path, payload }) =>
      Effect.flatMap(reseller, (caller) =>
        Effect.map(apiErrors(setClientRenewal(caller, path.id, payload.auto_renew)), clientView)
      )
    )
    .handle("transactions", ({ urlParams }) =>
      Effect.flatMap(reseller, (caller) =>
        Effect.map(apiErrors(resellerTransactions(caller, urlParams)), (page) => ({
          transactions: page.entries.map(transactionView),
          page: page.page,
          limit: page.limit,
          total: page.total
        }))
      )
    )
)
