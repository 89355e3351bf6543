/**
 * Port: product telemetry (the onboarding funnel). Events carry ids and timings,
 * never names, tokens or addresses.
 */
import { Context, type Effect, Option, Schema } from "effect"
import { FamilyGroupId, GroupMemberId } from "./Ids.js"

export const TelemetryEventName = Schema.Literal(
  "onboarding_start",
  "onboarding_complete",
  "onboarding_abandon",
  /** From the onboarding page: a member opened their Trakt authorization. */
  "authorize_opened",
  /** From the onboarding page: the admin copied the webhook URL (the last step). */
  "webhook_copied"
)
export type TelemetryEventName = typeof TelemetryEventName.Type

export class TelemetryEvent extends Schema.Class<TelemetryEvent>("TelemetryEvent")({
  name: TelemetryEventName,
  groupId: FamilyGroupId,
  memberId: Schema.OptionFromNullOr(GroupMemberId),
  at: Schema.DateTimeUtc,
  /** For `onboarding_complete`: milliseconds from the start of the onboarding. */
  durationMs: Schema.OptionFromNullOr(Schema.Number)
}) {
  static readonly of = (fields: {
    readonly name: TelemetryEventName
    readonly groupId: FamilyGroupId
    readonly memberId?: GroupMemberId
    readonly at: TelemetryEvent["at"]
    readonly durationMs?: number
  }): TelemetryEvent =>
    new TelemetryEvent({
      name: fields.name,
      groupId: fields.groupId,
      memberId: Option.fromNullable(fields.memberId),
      at: fields.at,
      durationMs: Option.fromNullable(fields.durationMs)
    })
}

export interface TelemetryService {
  readonly record: (event: TelemetryEvent) => Effect.Effect<void>
}

export class Telemetry extends Context.Tag("@org/family-scrobble/Telemetry")<Telemetry, TelemetryService>() {}
