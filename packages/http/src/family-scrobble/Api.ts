/**
 * The family-scrobble HTTP API, declared once. The Node server, the web
 * handler, the Express middleware, the OpenAPI document and the docs page all
 * come from this declaration.
 *
 * Paths are the product's documented ones, so webhook URLs already pasted into
 * Plex keep working: `POST /api?id=<groupId>`, `POST /oauth/family/state`,
 * `GET /authorize/family/member`, `/admin/api/family-groups/…`.
 */
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "@effect/platform"
import { Schema } from "effect"
import {
  BadRequest,
  Forbidden,
  PayloadTooLarge,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType
} from "../HttpErrors.js"
import { Conflict, NotFound, OnboardingRefused } from "./Errors.js"

const IsoDate = Schema.String.annotations({
  description: "An ISO 8601 instant",
  examples: ["2026-11-30T20:15:00.000Z"]
})
const MemberStatus = Schema.Literal("pending", "authorized", "expired", "failed")

/** A member as the onboarding flow shows it, with the link that authorizes them. */
export const MemberInvitation = Schema.Struct({
  id: Schema.String,
  label: Schema.String,
  status: MemberStatus,
  authorizeUrl: Schema.String.annotations({
    description: "Open in a new window: the member signs in to Trakt."
  }),
  expiresAt: IsoDate
}).annotations({ identifier: "MemberInvitation" })

export const Onboarding = Schema.Struct({
  groupId: Schema.String,
  webhookUrl: Schema.String.annotations({ description: "Paste into Plex: Settings → Webhooks." }),
  members: Schema.Array(MemberInvitation)
}).annotations({ identifier: "Onboarding" })

/**
 * Request bodies refuse fields they do not declare, as their OpenAPI schemas say
 * (`additionalProperties: false`): a misspelt field is a 400, not silently ignored.
 */
const strict = { onExcessProperty: "error" } as const

const CreateGroupRequestFields = {
  plexUsername: Schema.String.annotations({
    description: "The shared Plex account whose playback is scrobbled."
  }),
  labels: Schema.Array(Schema.String).annotations({
    description: "One label per member (1–10), unique in the group."
  })
}

export const CreateGroupRequest = Schema.Struct({
  ...CreateGroupRequestFields,
  inviteCode: Schema.optional(
    Schema.String.annotations({
      description:
        "The admin's invite code: required when the server's onboarding is `invite`, ignored when it is `open`."
    })
  )
}).annotations({ identifier: "CreateGroupRequest", parseOptions: strict })

/** The admin creates a group, whatever the onboarding mode. */
export const AdminCreateGroupRequest = Schema.Struct({
  plexUsername: CreateGroupRequestFields.plexUsername,
  labels: CreateGroupRequestFields.labels
}).annotations({ identifier: "AdminCreateGroupRequest", parseOptions: strict })

export const CreateInviteRequest = Schema.Struct({
  note: Schema.optional(
    Schema.String.annotations({
      description: 'For the admin\'s own list ("the Smiths"); up to 200 characters.'
    })
  ),
  expiresInHours: Schema.optional(
    Schema.Int.annotations({ description: "1 to 2160 (90 days); default the server's `inviteTtl` (7 days)." })
  )
}).annotations({ identifier: "CreateInviteRequest", parseOptions: strict })

export const InviteView = Schema.Struct({
  id: Schema.String,
  note: Schema.NullOr(Schema.String),
  state: Schema.Literal("unused", "used", "expired"),
  createdAt: IsoDate,
  expiresAt: IsoDate,
  usedAt: Schema.NullOr(IsoDate),
  groupId: Schema.NullOr(Schema.String).annotations({
    description: "The group created with it, while it exists."
  })
}).annotations({ identifier: "Invite" })

export const CreatedInviteView = Schema.Struct({
  ...InviteView.fields,
  code: Schema.String.annotations({ description: "Shown only now: the server keeps only a hash of it." }),
  inviteUrl: Schema.String.annotations({
    description: "The family page with the code filled in; send it to the household."
  })
}).annotations({ identifier: "CreatedInvite" })

export const AddMemberRequest = Schema.Struct({
  groupId: Schema.String,
  label: Schema.String
}).annotations({ identifier: "AddMemberRequest", parseOptions: strict })

export const MemberStatusView = Schema.Struct({
  id: Schema.String,
  label: Schema.String,
  status: MemberStatus,
  statusReason: Schema.NullOr(Schema.String),
  traktUsername: Schema.NullOr(Schema.String)
}).annotations({ identifier: "MemberStatus" })

export const OnboardingStatus = Schema.Struct({
  groupId: Schema.String,
  plexUsername: Schema.String,
  webhookUrl: Schema.String,
  complete: Schema.Boolean.annotations({ description: "Every member is authorized." }),
  members: Schema.Array(MemberStatusView)
}).annotations({ identifier: "OnboardingStatus" })

export const WebhookAnswer = Schema.Struct({
  eventId: Schema.String,
  status: Schema.Literal("accepted", "ignored"),
  reason: Schema.optional(Schema.String)
}).annotations({ identifier: "WebhookAnswer" })

export const GroupSummaryView = Schema.Struct({
  id: Schema.String,
  plexUsername: Schema.String,
  memberCount: Schema.Int,
  authorizedCount: Schema.Int,
  createdAt: IsoDate,
  webhookUrl: Schema.String
}).annotations({ identifier: "GroupSummary" })

export const MemberView = Schema.Struct({
  ...MemberStatusView.fields,
  tokenExpiresAt: Schema.NullOr(IsoDate),
  authorizedAt: Schema.NullOr(IsoDate),
  createdAt: IsoDate
}).annotations({ identifier: "Member" })

export const NotificationView = Schema.Struct({
  id: Schema.String,
  memberId: Schema.NullOr(Schema.String),
  kind: Schema.String,
  message: Schema.String,
  createdAt: IsoDate,
  dismissedAt: Schema.NullOr(IsoDate)
}).annotations({ identifier: "Notification" })

export const QueueDepthView = Schema.Struct({
  queued: Schema.Int,
  retrying: Schema.Int,
  permanentFailure: Schema.Int
}).annotations({ identifier: "QueueDepth" })

export const GroupDetailsView = Schema.Struct({
  id: Schema.String,
  plexUsername: Schema.String,
  createdAt: IsoDate,
  webhookUrl: Schema.String,
  members: Schema.Array(MemberView),
  queue: QueueDepthView,
  notifications: Schema.Array(NotificationView)
}).annotations({ identifier: "GroupDetails" })

export const TelemetryRequest = Schema.Struct({
  name: Schema.Literal("authorize_opened", "webhook_copied"),
  groupId: Schema.UUID,
  memberId: Schema.optional(Schema.UUID)
}).annotations({ identifier: "TelemetryRequest", parseOptions: strict })

export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  inbox: Schema.Int.annotations({ description: "Webhook events answered and not yet broadcast." })
}).annotations({ identifier: "Health" })

const GroupIdParam = HttpApiSchema.param("groupId", Schema.String)
const MemberIdParam = HttpApiSchema.param("memberId", Schema.String)
const NotificationIdParam = HttpApiSchema.param("notificationId", Schema.String)
const InviteIdParam = HttpApiSchema.param("inviteId", Schema.String)

const Html = HttpApiSchema.Text({ contentType: "text/html" })

/** The Plex webhook. */
export class WebhookGroup extends HttpApiGroup.make("webhook")
  .add(
    HttpApiEndpoint.post("receive", "/api")
      .setUrlParams(Schema.Struct({ id: Schema.String.annotations({ description: "The family group id." }) }))
      .addSuccess(WebhookAnswer)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(PayloadTooLarge)
      .addError(UnsupportedMediaType)
      .annotate(OpenApi.Summary, "Receive a Plex webhook")
      .annotate(
        OpenApi.Description,
        "Plex posts `multipart/form-data` with a `payload` JSON part (and a `thumb` image on some events); " +
          "relays may post the same `payload` form-encoded, or the event itself as JSON. " +
          "The answer comes once the event is recorded durably; the broadcast to every member follows. " +
          "Events of other Plex accounts and non-playback events are answered `ignored`."
      )
      .annotate(OpenApi.Transform, (operation) => ({
        ...operation,
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["payload"],
                properties: {
                  payload: { type: "string", description: "The Plex event, as JSON" },
                  thumb: { type: "string", format: "binary" }
                }
              }
            },
            "application/x-www-form-urlencoded": {
              schema: {
                type: "object",
                required: ["payload"],
                properties: {
                  payload: { type: "string", description: "The Plex event, as JSON (from a relay)" }
                }
              }
            },
            "application/json": {
              schema: {
                type: "object",
                description: "The Plex event itself, as JSON (from a relay that unwraps Plex's multipart)",
                required: ["event"],
                properties: { event: { type: "string" } }
              }
            }
          }
        }
      }))
  )
  .annotate(OpenApi.Title, "Webhook") {}

/** Creating a family and authorizing its members. */
export class OnboardingGroup extends HttpApiGroup.make("onboarding")
  .add(
    HttpApiEndpoint.post("start", "/oauth/family/state")
      .setPayload(Schema.Union(CreateGroupRequest, AddMemberRequest))
      .addSuccess(Onboarding, { status: 201 })
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(OnboardingRefused)
      .addError(PayloadTooLarge)
      .annotate(OpenApi.Summary, "Create a family group, or add one member to a group")
      .annotate(
        OpenApi.Description,
        "`{ plexUsername, labels }` creates the group; `{ groupId, label }` adds one member. " +
          "Each member gets an `authorizeUrl` to open in a new window. " +
          "With onboarding `invite`, creating a group needs an `inviteCode`; with `admin`, both are refused (403)."
      )
  )
  .add(
    HttpApiEndpoint.get("status")`/oauth/family/${GroupIdParam}/status`
      .addSuccess(OnboardingStatus)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Onboarding status of every member (poll it)")
  )
  .add(
    HttpApiEndpoint.post("reauthorize")`/oauth/family/${GroupIdParam}/members/${MemberIdParam}/authorization`
      .addSuccess(MemberInvitation, { status: 201 })
      .addError(NotFound)
      .addError(Conflict)
      .addError(PayloadTooLarge)
      .annotate(OpenApi.Summary, "A new authorization link for a member who is not authorized")
  )
  .add(
    HttpApiEndpoint.get("callback", "/authorize/family/member")
      .setUrlParams(
        Schema.Struct({
          code: Schema.optional(Schema.String),
          state: Schema.optional(Schema.String),
          error: Schema.optional(Schema.String),
          error_description: Schema.optional(Schema.String)
        })
      )
      .addSuccess(Html)
      .addError(Html, { status: 400 })
      .annotate(OpenApi.Summary, "The Trakt OAuth callback")
      .annotate(
        OpenApi.Description,
        "Trakt redirects the member here. Answers an HTML page that says who was authorized, or why not (400)."
      )
      // The generator files the 400 page under application/json with the decode error; it is HTML.
      .annotate(OpenApi.Transform, (operation) => ({
        ...operation,
        responses: {
          ...(operation.responses as Record<string, unknown>),
          "400": {
            description: "A page that says why the member was not authorized (JSON for a malformed query).",
            content: {
              "text/html": { schema: { type: "string" } },
              "application/json": { schema: { $ref: "#/components/schemas/HttpApiDecodeError" } }
            }
          }
        }
      }))
  )
  .add(
    HttpApiEndpoint.post("telemetry", "/api/telemetry")
      .setPayload(TelemetryRequest)
      .addSuccess(HttpApiSchema.Empty(202))
      .addError(BadRequest)
      .addError(PayloadTooLarge)
      .annotate(OpenApi.Summary, "Record an onboarding page event (ids only)")
  )
  // Every onboarding endpoint is public: each is rate limited per client.
  .addError(TooManyRequests)
  .annotate(OpenApi.Title, "Onboarding") {}

/** Bearer authentication of the admin API. */
export class AdminAuth extends HttpApiMiddleware.Tag<AdminAuth>()("@org/http/AdminAuth", {
  failure: Schema.Union(Unauthorized, Forbidden),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const groupPath = HttpApiEndpoint.get("getGroup")`/admin/api/family-groups/${GroupIdParam}`

/** The admin API, behind `Authorization: Bearer <ADMIN_TOKEN>`. */
export class AdminGroup extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.get("listGroups", "/admin/api/family-groups")
      .addSuccess(Schema.Struct({ groups: Schema.Array(GroupSummaryView) }))
      .annotate(OpenApi.Summary, "Every family group with its member counts")
  )
  .add(
    HttpApiEndpoint.post("createGroup", "/admin/api/family-groups")
      .setPayload(AdminCreateGroupRequest)
      .addSuccess(Onboarding, { status: 201 })
      .addError(BadRequest)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Create a family group, whatever the onboarding mode; answers its links")
  )
  .add(
    groupPath
      .addSuccess(GroupDetailsView)
      .addError(NotFound)
      .annotate(
        OpenApi.Summary,
        "A group: members with status and token expiry, retry queue depth, notifications"
      )
  )
  .add(
    HttpApiEndpoint.post("addMember")`/admin/api/family-groups/${GroupIdParam}/members`
      .setPayload(Schema.Struct({ label: Schema.String }).annotations({ parseOptions: strict }))
      .addSuccess(MemberInvitation, { status: 201 })
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Add a member; answers their authorization link")
  )
  .add(
    HttpApiEndpoint.post(
      "reauthorizeMember"
    )`/admin/api/family-groups/${GroupIdParam}/members/${MemberIdParam}/authorization`
      .addSuccess(MemberInvitation, { status: 201 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "A new authorization link for a member (after an expiry, or a lost link)")
  )
  .add(
    HttpApiEndpoint.del("removeMember")`/admin/api/family-groups/${GroupIdParam}/members/${MemberIdParam}`
      .addSuccess(Schema.Struct({ droppedRetries: Schema.Int }))
      .addError(NotFound)
      .addError(Conflict)
      .annotate(
        OpenApi.Summary,
        "Remove a member with their tokens and queued retries; the webhook URL stays"
      )
  )
  .add(
    HttpApiEndpoint.del("deleteGroup")`/admin/api/family-groups/${GroupIdParam}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Delete a group with everything it holds")
  )
  .add(
    HttpApiEndpoint.get("listNotifications")`/admin/api/family-groups/${GroupIdParam}/notifications`
      .setUrlParams(
        Schema.Struct({
          includeDismissed: Schema.optional(Schema.Literal("true", "false"))
        })
      )
      .addSuccess(Schema.Struct({ notifications: Schema.Array(NotificationView) }))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "A group's notifications, newest first")
  )
  .add(
    HttpApiEndpoint.post(
      "dismissNotification"
    )`/admin/api/family-groups/${GroupIdParam}/notifications/${NotificationIdParam}/dismiss`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Dismiss a notification")
  )
  .add(
    HttpApiEndpoint.post("createInvite", "/admin/api/invites")
      .setPayload(CreateInviteRequest)
      .addSuccess(CreatedInviteView, { status: 201 })
      .addError(BadRequest)
      .annotate(
        OpenApi.Summary,
        "Make a single-use invite code for onboarding `invite`; the code is shown once"
      )
  )
  .add(
    HttpApiEndpoint.get("listInvites", "/admin/api/invites")
      .addSuccess(Schema.Struct({ invites: Schema.Array(InviteView) }))
      .annotate(OpenApi.Summary, "Every invite, newest first, without its code")
  )
  .add(
    HttpApiEndpoint.del("revokeInvite")`/admin/api/invites/${InviteIdParam}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Revoke an invite; a group already made with it stays")
  )
  .middleware(AdminAuth)
  .annotate(OpenApi.Title, "Admin") {}

/** Health. */
export class SystemGroup extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/healthz")
      .addSuccess(Health)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Liveness and database reachability")
  )
  .annotate(OpenApi.Title, "System") {}

/** The whole API. */
export class FamilyScrobbleApi extends HttpApi.make("family-scrobble")
  .add(WebhookGroup)
  .add(OnboardingGroup)
  .add(AdminGroup)
  .add(SystemGroup)
  .annotate(OpenApi.Title, "Family scrobbling")
  .annotate(
    OpenApi.Description,
    "One shared Plex account scrobbling to every family member's Trakt account. Errors are JSON `{ _tag, message }`."
  ) {}
