/**
 * Credits and resellers in the platform API: the admin's grants, and the
 * reseller's dashboard, clients and transactions. Paths and fields are the
 * product's (`POST /api/v1/reseller/clients` with `Idempotency-Key`).
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, NotFound, PaymentRequired, Unavailable, ValidationFailed } from "../Errors.js"
import { Authentication } from "../Security.js"
import { ClientView, CreatedClientView, CreditGrantView, DashboardView, TransactionView } from "./Views.js"

const strict = { onExcessProperty: "error" } as const
const IdParam = HttpApiSchema.param("id", Schema.String)

export const AddCreditsRequest = Schema.Struct({
  user_id: Schema.String,
  amount: Schema.Int.annotations({ description: "Whole credits, 1 to 1,000,000,000." }),
  description: Schema.optional(Schema.String.annotations({ description: "Up to 500 characters." }))
}).annotations({ identifier: "AddCreditsRequest", parseOptions: strict })

export const CreateClientRequest = Schema.Struct({
  email: Schema.String,
  password: Schema.String.annotations({ description: "The client's first password; never shown again." }),
  full_name: Schema.String,
  plan_stripe_price_id: Schema.String.annotations({
    description: "A plan's `stripe_price_id`: the client costs its monthly price in credits (4.99 → 499)."
  })
}).annotations({ identifier: "CreateClientRequest", parseOptions: strict })

export const ClientRenewalRequest = Schema.Struct({
  auto_renew: Schema.Boolean.annotations({ description: "false: the client ends at its period end." })
}).annotations({ identifier: "ClientRenewalRequest", parseOptions: strict })

const PageParams = Schema.Struct({
  page: Schema.optional(Schema.NumberFromString.annotations({ description: "From 1; default 1." })),
  limit: Schema.optional(Schema.NumberFromString.annotations({ description: "1 to 1,000; default 20." }))
})

const idempotent =
  "Send `Idempotency-Key` (up to 255 characters): a retry with the same key answers the first answer and does nothing again."

export class CreditsGroup extends HttpApiGroup.make("credits")
  .add(
    HttpApiEndpoint.post("add", "/admin/credits/add")
      .setPayload(AddCreditsRequest)
      .addSuccess(CreditGrantView, { status: 201 })
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Grant a user credits from the platform's issuance account (admin)")
      .annotate(OpenApi.Description, idempotent)
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(Conflict.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Credits") {}

export class ResellerGroup extends HttpApiGroup.make("reseller")
  .add(
    HttpApiEndpoint.get("dashboard", "/reseller/dashboard")
      .addSuccess(DashboardView)
      .annotate(OpenApi.Summary, "Credits, clients and this month's spending")
  )
  .add(
    HttpApiEndpoint.post("createClient", "/reseller/clients")
      .setPayload(CreateClientRequest)
      .addSuccess(CreatedClientView, { status: 201 })
      .addError(PaymentRequired.schema)
      .addError(Conflict.schema)
      .annotate(
        OpenApi.Summary,
        "Create a client account on a plan, paid one month in credits; 402 with `balance` and `price` when short, nothing created"
      )
      .annotate(OpenApi.Description, idempotent)
  )
  .add(
    HttpApiEndpoint.get("listClients", "/reseller/clients")
      .setUrlParams(PageParams)
      .addSuccess(
        Schema.Struct({
          clients: Schema.Array(ClientView),
          page: Schema.Int,
          limit: Schema.Int,
          total: Schema.Int
        })
      )
      .annotate(OpenApi.Summary, "Your clients, newest first, by page (up to 1,000)")
  )
  .add(
    HttpApiEndpoint.get("getClient")`/reseller/clients/${IdParam}`
      .addSuccess(ClientView)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "One of your clients (404 for anyone else's)")
  )
  .add(
    HttpApiEndpoint.patch("setRenewal")`/reseller/clients/${IdParam}`
      .setPayload(ClientRenewalRequest)
      .addSuccess(ClientView)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Stop or resume a client's monthly renewal")
  )
  .add(
    HttpApiEndpoint.get("transactions", "/reseller/transactions")
      .setUrlParams(PageParams)
      .addSuccess(
        Schema.Struct({
          transactions: Schema.Array(TransactionView),
          page: Schema.Int,
          limit: Schema.Int,
          total: Schema.Int
        })
      )
      .annotate(OpenApi.Summary, "Every movement of your credits, newest first, by page (up to 1,000)")
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Reseller") {}
