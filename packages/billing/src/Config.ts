/**
 * Settings of billing, every one with a safe default.
 */
import type { PlanId } from "@org/accounts"
import { Context, Effect, Layer, Option } from "effect"
import { InvalidBillingConfig } from "./Errors.js"

export interface BillingSettings {
  /** Length of the one trial an account gets; 0 turns trials off. Default 7. */
  readonly trialDays: number
  /** How long a past-due subscription keeps its plan, in days (fractions allowed: 0.5 is 12 hours). Default 3. */
  readonly graceDays: number
  /**
   * The plan a trial grants. None: the dearest plan on sale (the whole
   * product), else the catalog's default.
   */
  readonly trialPlanId: Option.Option<PlanId>
  /**
   * Origins (`https://app.example.com`) that checkout's success and cancel
   * URLs and the portal's return URL must start with. Empty: none allowed.
   */
  readonly allowedRedirectOrigins: ReadonlyArray<string>
  /** The currency the stats' `mrr` total is given in. Default `usd`. */
  readonly reportingCurrency: string
}

export const defaultBillingSettings: BillingSettings = {
  trialDays: 7,
  graceDays: 3,
  trialPlanId: Option.none(),
  allowedRedirectOrigins: [],
  reportingCurrency: "usd"
}

export interface BillingSettingsInput {
  readonly trialDays?: number
  readonly graceDays?: number
  readonly trialPlanId?: PlanId
  readonly allowedRedirectOrigins?: ReadonlyArray<string>
  readonly reportingCurrency?: string
}

/** An origin: scheme, host and port, nothing else (`https://app.example.com`). */
export const parseOrigin = (value: string): Option.Option<string> => {
  if (!URL.canParse(value)) return Option.none()
  const url = new URL(value)
  if (url.protocol !== "https:" && url.protocol !== "http:") return Option.none()
  return Option.some(url.origin)
}

/** Validate settings; the error names every field out of range. */
export const makeBillingSettings = (
  input: BillingSettingsInput = {}
): Effect.Effect<BillingSettings, InvalidBillingConfig> =>
  Effect.suspend(() => {
    const issues: Array<string> = []
    const days = (key: "trialDays" | "graceDays", fallback: number, max: number, whole: boolean) => {
      const raw = input[key]
      if (raw === undefined) return fallback
      if (!Number.isFinite(raw) || (whole && !Number.isInteger(raw)) || raw < 0 || raw > max) {
        issues.push(`${key}: must be a ${whole ? "whole " : ""}number of days from 0 to ${max}`)
        return fallback
      }
      return raw
    }
    const origins: Array<string> = []
    for (const raw of input.allowedRedirectOrigins ?? []) {
      const origin = parseOrigin(raw.trim())
      if (Option.isNone(origin) || origin.value !== raw.trim().replace(/\/$/, ""))
        issues.push(
          `allowedRedirectOrigins: ${JSON.stringify(raw)} is not an origin such as https://app.example.com`
        )
      else origins.push(origin.value)
    }
    const currency = input.reportingCurrency ?? "usd"
    if (!/^[a-z]{3}$/.test(currency))
      issues.push("reportingCurrency: an ISO 4217 code in lower case, such as usd")
    for (const key of Object.keys(input))
      if (
        !["trialDays", "graceDays", "trialPlanId", "allowedRedirectOrigins", "reportingCurrency"].includes(
          key
        )
      )
        issues.push(`${key}: unknown setting`)
    const settings: BillingSettings = {
      trialDays: days("trialDays", 7, 365, true),
      graceDays: days("graceDays", 3, 60, false),
      trialPlanId: Option.fromNullable(input.trialPlanId),
      allowedRedirectOrigins: origins,
      reportingCurrency: currency
    }
    return issues.length > 0
      ? Effect.fail(new InvalidBillingConfig({ issues: issues.join("; ") }))
      : Effect.succeed(settings)
  })

export class BillingConfig extends Context.Reference<BillingConfig>()("@org/billing/BillingConfig", {
  defaultValue: (): BillingSettings => defaultBillingSettings
}) {
  static layer(input: BillingSettingsInput = {}): Layer.Layer<never, InvalidBillingConfig> {
    return Layer.effect(BillingConfig, makeBillingSettings(input))
  }
}
