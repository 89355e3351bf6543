/**
 * What the HTTP surface needs to know about where it runs.
 */
import { Context, Layer, Option, Redacted } from "effect"

export interface FamilyHttpSettings {
  /**
   * The URL at which users and Plex reach this server (scheme, host, port, and
   * the path it is mounted at), without a trailing slash: webhook URLs and the
   * Trakt redirect are built from it.
   */
  readonly publicUrl: string
  /** The admin API's bearer token. None: the admin API is closed. */
  readonly adminToken: Option.Option<Redacted.Redacted<string>>
  /** The largest webhook body accepted, in bytes. Plex attaches poster thumbnails. Default 10 MiB. */
  readonly maxWebhookBytes: number
  /** The largest body of every other endpoint (onboarding, telemetry, admin), in bytes. Default 64 KB. */
  readonly maxJsonBytes: number
}

/**
 * Requests per minute per client on the public endpoints (`false`: no limits).
 * In-process counts: each process allows these.
 */
export interface FamilyRateLimits {
  /** Creating a group, adding a member, a new authorization link. Default 20. */
  readonly onboarding?: number | undefined
  /** The wizard's status polls. Default 120. */
  readonly status?: number | undefined
  /** The Trakt OAuth callback. Default 30. */
  readonly callback?: number | undefined
  /** The pages' telemetry events. Default 60. */
  readonly telemetry?: number | undefined
  /** Take the client from `X-Forwarded-For`: only behind a proxy you run. Default false. */
  readonly trustProxy?: boolean | undefined
}

export interface FamilyHttpOptions {
  readonly publicUrl: string
  readonly adminToken?: string | Redacted.Redacted<string> | undefined
  readonly maxWebhookBytes?: number | undefined
  readonly maxJsonBytes?: number | undefined
  readonly rateLimits?: FamilyRateLimits | false | undefined
}

/** The settings of the HTTP surface. */
export class FamilyHttpConfig extends Context.Tag("@org/http/FamilyHttpConfig")<
  FamilyHttpConfig,
  FamilyHttpSettings
>() {
  static readonly make = (options: FamilyHttpOptions): FamilyHttpSettings => {
    const token = options.adminToken
    const adminToken =
      token === undefined || (typeof token === "string" && token.length === 0)
        ? Option.none()
        : Option.some(typeof token === "string" ? Redacted.make(token) : token)
    return {
      publicUrl: options.publicUrl.replace(/\/+$/, ""),
      adminToken,
      maxWebhookBytes: options.maxWebhookBytes ?? 10 * 1024 * 1024,
      maxJsonBytes: options.maxJsonBytes ?? 64 * 1024
    }
  }

  static readonly layer = (options: FamilyHttpOptions): Layer.Layer<FamilyHttpConfig> =>
    Layer.succeed(FamilyHttpConfig, FamilyHttpConfig.make(options))
}

/** The webhook URL of a group, as pasted into Plex. */
export const webhookUrlOf = (settings: FamilyHttpSettings, groupId: string): string =>
  `${settings.publicUrl}/api?id=${encodeURIComponent(groupId)}`
