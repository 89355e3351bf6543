/**
 * The API's handlers: decode at the edge, run the domain program, map its
 * typed errors onto HTTP errors that say what to fix.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import {
  acceptGroupWebhook,
  addGroupMember,
  completeAuthorization,
  createFamilyGroup,
  createInvite,
  deleteFamilyGroup,
  dismissNotification,
  FamilyGroupId,
  findGroupOrFail,
  GroupMemberId,
  GroupStore,
  getFamilyGroup,
  listFamilyGroups,
  listGroupNotifications,
  listInvites,
  onboardFamilyGroup,
  onboardGroupMember,
  reauthorizeMember,
  removeGroupMember,
  revokeInvite,
  Telemetry,
  TelemetryEvent,
  WebhookInbox
} from "@org/family-scrobble"
import { decodeWebhookEither } from "@org/plex"
import { DateTime, Effect, Either, Option, type Schema } from "effect"
import { findUnsafeText } from "../BodyGuard.js"
import { readBodyWithin } from "../BodyLimit.js"
import { BadRequest, PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType } from "../HttpErrors.js"
import { FamilyScrobbleApi } from "./Api.js"
import { Conflict, NotFound, OnboardingRefused } from "./Errors.js"
import { GroupCache } from "./GroupCache.js"
import { FamilyHttpConfig, webhookUrlOf } from "./HttpConfig.js"
import { authorizeResultPage } from "./pages/index.js"
import {
  createdInviteView,
  groupDetailsView,
  groupSummaryView,
  invitationView,
  inviteView,
  memberStatusView,
  notificationView,
  onboardingView
} from "./Views.js"
import { WebhookDispatcher } from "./WebhookDispatcher.js"

/** Every expected failure of the domain programs the API calls. */
type DomainError = { readonly _tag: string; readonly message: string }

const conflictReasons = new Set([
  "PlexUsernameTaken",
  "DuplicateMemberLabel",
  "MemberLimitReached",
  "LastMemberRemoval",
  "DuplicateTraktAccount"
])

const refusalReasons = new Set(["OnboardingClosed", "InviteRequired", "InviteInvalid"])

/** A domain error as the HTTP error a client can act on. */
export const toHttpError = (error: DomainError): BadRequest | NotFound | Conflict | OnboardingRefused => {
  switch (error._tag) {
    case "InviteNotFound":
      return new NotFound({ message: error.message, resource: "invite" })
    case "GroupNotFound":
      return new NotFound({ message: error.message, resource: "group" })
    case "MemberNotFound":
      return new NotFound({ message: error.message, resource: "member" })
    case "NotificationNotFound":
      return new NotFound({ message: error.message, resource: "notification" })
    default:
      if (conflictReasons.has(error._tag)) {
        return new Conflict({ message: error.message, reason: error._tag as Conflict["reason"] })
      }
      if (refusalReasons.has(error._tag)) {
        return new OnboardingRefused({
          message: error.message,
          reason: error._tag as OnboardingRefused["reason"]
        })
      }
      return new BadRequest({ message: error.message })
  }
}

type NotFoundTag = "GroupNotFound" | "MemberNotFound" | "NotificationNotFound" | "InviteNotFound"

/** The HTTP error each domain error becomes, by its tag. */
export type HttpErrorOf<E> = E extends { readonly _tag: NotFoundTag }
  ? NotFound
  : E extends { readonly _tag: Conflict["reason"] }
    ? Conflict
    : E extends { readonly _tag: OnboardingRefused["reason"] }
      ? OnboardingRefused
      : BadRequest

const httpErrors = <A, E extends DomainError, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, HttpErrorOf<E>, R> =>
  Effect.mapError(effect, (error) => toHttpError(error) as HttpErrorOf<E>)

const WebhookLive = HttpApiBuilder.group(FamilyScrobbleApi, "webhook", (handlers) =>
  Effect.gen(function* () {
    const groups = yield* GroupCache
    return handlers.handle("receive", ({ urlParams }) =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        const dispatcher = yield* WebhookDispatcher
        const { body, contentType } = yield* readBodyWithin(settings.maxWebhookBytes, "webhook body")
        const decoded = decodeWebhookEither(body, contentType, { maxBodyBytes: settings.maxWebhookBytes })
        if (Either.isLeft(decoded)) {
          const error = decoded.left
          switch (error._tag) {
            case "WebhookTooLarge":
              return yield* new PayloadTooLarge({
                message:
                  error.part === "body"
                    ? `The webhook body is larger than ${error.limit} bytes (the server's maxWebhookBytes).`
                    : error.message,
                limit: error.limit
              })
            case "UnsupportedContentType":
              return yield* new UnsupportedMediaType({ message: error.message })
            default:
              return yield* new BadRequest({ message: error.message })
          }
        }
        // Text Postgres cannot store (a NUL, a lone surrogate) is refused here, not by the database.
        const unsafe = findUnsafeText(decoded.right.event)
        if (unsafe !== undefined)
          return yield* new BadRequest({
            message: `The webhook cannot be stored: ${unsafe.replace(/^\$/, "the event")}.`
          })
        const group = yield* httpErrors(groups.get(urlParams.id))
        // Recording and dispatching happen together even if the client goes away
        // meanwhile: a recorded event is broadcast now, not after its lease.
        const acceptance = yield* httpErrors(
          acceptGroupWebhook(group, decoded.right.event, { lease: dispatcher.lease }).pipe(
            Effect.tapError(() => groups.forget(urlParams.id)),
            Effect.tap((accepted) =>
              accepted._tag === "Accepted" ? dispatcher.dispatch(accepted.entry) : Effect.void
            ),
            Effect.uninterruptible
          )
        )
        if (acceptance._tag === "Ignored") {
          return {
            eventId: acceptance.eventId,
            status: "ignored" as const,
            reason: acceptance.ignored.detail
          }
        }
        return { eventId: acceptance.entry.id, status: "accepted" as const }
      })
    )
  })
)

const isCreateGroup = (
  payload: CreateGroupPayload | { readonly groupId: string }
): payload is CreateGroupPayload => "labels" in payload

type CreateGroupPayload = {
  readonly plexUsername: string
  readonly labels: ReadonlyArray<string>
  readonly inviteCode?: string | undefined
}

const htmlPage = (status: number, body: string) =>
  HttpServerResponse.html(body).pipe(HttpServerResponse.setStatus(status))

const OnboardingLive = HttpApiBuilder.group(FamilyScrobbleApi, "onboarding", (handlers) =>
  handlers
    .handle("start", ({ payload }) =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        if (isCreateGroup(payload)) {
          const created = yield* httpErrors(onboardFamilyGroup(payload))
          return onboardingView(settings, created.group, created.members)
        }
        const invitation = yield* httpErrors(onboardGroupMember(payload.groupId, { label: payload.label }))
        return onboardingView(settings, { id: invitation.member.groupId }, [invitation])
      })
    )
    .handle("status", ({ path }) =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        const group = yield* httpErrors(findGroupOrFail(path.groupId))
        const members = yield* Effect.flatMap(GroupStore, (store) => store.listMembers(group.id))
        return {
          groupId: group.id,
          plexUsername: group.plexUsername,
          webhookUrl: webhookUrlOf(settings, group.id),
          complete: members.every((member) => member.status === "authorized"),
          members: members.map(memberStatusView)
        }
      })
    )
    .handle("reauthorize", ({ path }) =>
      Effect.gen(function* () {
        const details = yield* httpErrors(getFamilyGroup(path.groupId))
        const member = details.members.find((m) => m.id === path.memberId)
        if (member?.status === "authorized") {
          return yield* new Conflict({
            message: `${member.label} is already authorized; an admin can issue a new link from the admin page.`,
            reason: "AlreadyAuthorized"
          })
        }
        return invitationView(yield* httpErrors(reauthorizeMember(path.groupId, path.memberId)))
      })
    )
    .handle("callback", ({ urlParams }) =>
      Effect.gen(function* () {
        if (urlParams.error !== undefined) {
          const reason =
            urlParams.error === "access_denied"
              ? "You declined the authorization on Trakt."
              : `Trakt answered: ${urlParams.error_description ?? urlParams.error}.`
          return htmlPage(400, authorizeResultPage({ ok: false, reason }))
        }
        return yield* completeAuthorization({
          code: urlParams.code ?? "",
          state: urlParams.state ?? ""
        }).pipe(
          Effect.map((member) =>
            htmlPage(
              200,
              authorizeResultPage({
                ok: true,
                label: member.label,
                traktUsername: Option.getOrElse(member.traktUsername, () => member.label),
                memberId: member.id
              })
            )
          ),
          Effect.catchAll((error) =>
            Effect.succeed(htmlPage(400, authorizeResultPage({ ok: false, reason: error.message })))
          )
        )
      })
    )
    .handle("telemetry", ({ payload }) =>
      Effect.gen(function* () {
        const telemetry = yield* Telemetry
        yield* telemetry.record(
          TelemetryEvent.of({
            name: payload.name,
            groupId: FamilyGroupId.make(payload.groupId),
            ...(payload.memberId === undefined ? {} : { memberId: GroupMemberId.make(payload.memberId) }),
            at: yield* DateTime.now
          })
        )
      })
    )
)

const AdminLive = HttpApiBuilder.group(FamilyScrobbleApi, "admin", (handlers) =>
  handlers
    .handle("listGroups", () =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        const groups = yield* listFamilyGroups
        return { groups: groups.map((summary) => groupSummaryView(settings, summary)) }
      })
    )
    .handle("createGroup", ({ payload }) =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        const created = yield* httpErrors(createFamilyGroup(payload))
        return onboardingView(settings, created.group, created.members)
      })
    )
    .handle("getGroup", ({ path }) =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        return groupDetailsView(settings, yield* httpErrors(getFamilyGroup(path.groupId)))
      })
    )
    .handle("addMember", ({ path, payload }) =>
      Effect.map(httpErrors(addGroupMember(path.groupId, payload)), invitationView)
    )
    .handle("reauthorizeMember", ({ path }) =>
      Effect.map(httpErrors(reauthorizeMember(path.groupId, path.memberId)), invitationView)
    )
    .handle("removeMember", ({ path }) =>
      Effect.map(httpErrors(removeGroupMember(path.groupId, path.memberId)), ({ droppedRetries }) => ({
        droppedRetries
      }))
    )
    .handle("deleteGroup", ({ path }) =>
      httpErrors(deleteFamilyGroup(path.groupId)).pipe(
        Effect.zipLeft(Effect.flatMap(GroupCache, (groups) => groups.forget(path.groupId)))
      )
    )
    .handle("listNotifications", ({ path, urlParams }) =>
      Effect.map(
        httpErrors(
          listGroupNotifications(path.groupId, { includeDismissed: urlParams.includeDismissed === "true" })
        ),
        (notifications) => ({ notifications: notifications.map(notificationView) })
      )
    )
    .handle("dismissNotification", ({ path }) =>
      httpErrors(dismissNotification(path.groupId, path.notificationId))
    )
    .handle("createInvite", ({ payload }) =>
      Effect.gen(function* () {
        const settings = yield* FamilyHttpConfig
        return createdInviteView(settings, yield* httpErrors(createInvite(payload)))
      })
    )
    .handle("listInvites", () =>
      Effect.gen(function* () {
        const now = yield* DateTime.now
        return { invites: (yield* listInvites).map((invite) => inviteView(invite, now)) }
      })
    )
    .handle("revokeInvite", ({ path }) => httpErrors(revokeInvite(path.inviteId)))
)

const SystemLive = HttpApiBuilder.group(FamilyScrobbleApi, "system", (handlers) =>
  handlers.handle("health", () =>
    Effect.flatMap(WebhookInbox, (inbox) => inbox.size()).pipe(
      Effect.timeout("3 seconds"),
      Effect.map((inbox) => ({ status: "ok" as const, inbox })),
      Effect.catchAll(
        () => new ServiceUnavailable({ message: "The database did not answer within 3 seconds." })
      )
    )
  )
)

export const handlerGroups = { WebhookLive, OnboardingLive, AdminLive, SystemLive }
/** Keep `Schema` referenced for declaration emit of the handler types. */
export type { Schema }
