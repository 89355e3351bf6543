/**
 * The platform API: every domain's groups under `/api/v1`, declared once. The
 * server, the OpenAPI document, the docs page and the typed client
 * (`HttpApiClient.make(PlatformApi, { baseUrl })`) all come from it.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { AdminGroup, AuthGroup, PlansGroup, ProfilesGroup } from "./accounts/Api.js"
import { StatsGroup, SubscriptionsGroup, WebhooksGroup } from "./billing/Api.js"
import { Unavailable } from "./Errors.js"
import { FavoritesGroup, PlaylistsGroup, ProgressGroup } from "./library/Api.js"
import { CreditsGroup, ResellerGroup } from "./resellers/Api.js"

export class SystemGroup extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(Schema.Struct({ status: Schema.Literal("ok") }))
      .addError(Unavailable.schema)
      .annotate(OpenApi.Summary, "200 while the database answers, else 503")
  )
  .annotate(OpenApi.Title, "System") {}

export class PlatformApi extends HttpApi.make("platform")
  .add(SystemGroup)
  .add(AuthGroup)
  .add(ProfilesGroup)
  .add(PlansGroup)
  .add(AdminGroup)
  .add(PlaylistsGroup)
  .add(FavoritesGroup)
  .add(ProgressGroup)
  .add(SubscriptionsGroup)
  .add(WebhooksGroup)
  .add(StatsGroup)
  .add(CreditsGroup)
  .add(ResellerGroup)
  .prefix("/api/v1")
  .annotate(OpenApi.Title, "IPTV account platform")
  .annotate(
    OpenApi.Description,
    'Accounts, profiles, plans; playlists, favorites and watch progress; subscriptions through Stripe; credits and resellers. Send `Authorization: Bearer <access_token>`. Every error is `{ "error": { "code", "message" } }`.'
  ) {}
