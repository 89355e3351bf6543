/**
 * `@org/accounts`: users and roles, sessions, profiles with kids PINs, the plan
 * catalog and entitlements, as pure Effect programs over ports.
 *
 * @packageDocumentation
 */

// Programs
export * from "./AdminUsers.js"
export * from "./Auth.js"
// Callers and policies
export * from "./Caller.js"
// Settings and errors
export * from "./Config.js"
// Ports
export * from "./Entitlements.js"
export * from "./Errors.js"
// Model
export * from "./Ids.js"
export * from "./Money.js"
export * from "./Plan.js"
export * from "./PlanStore.js"
export * from "./Plans.js"
export * from "./Profile.js"
export * from "./ProfileStore.js"
export * from "./Profiles.js"
export * from "./SessionStore.js"
export * from "./User.js"
export * from "./UserStore.js"
