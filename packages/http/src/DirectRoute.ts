/**
 * An `HttpApi` endpoint's handler served ahead of the API's router, for a hot
 * path such as a provider's webhook: the endpoint stays declared in the API
 * (its OpenAPI document, its typed client), and the answers are the ones the
 * API gives, encoded by the endpoint's own success and error schemas with
 * their statuses; what is skipped is the router's per-request work (route
 * lookup, search-parameter parsing, the merge of the API's whole context into
 * every handler call). The handler takes nothing from the route (no path
 * parameters, no decoded payload, no API middleware): it reads the request
 * itself, and its services come from the context the app is served in.
 */
import {
  type HttpApi,
  HttpApiSchema,
  type HttpApp,
  type HttpMethod,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { Effect, Either, Schema, SchemaAST } from "effect"
import { urlPath } from "./UrlPath.js"

export interface DirectRoute<R> {
  readonly method: HttpMethod.HttpMethod
  /** The endpoint's full path, the API's prefix included. */
  readonly path: string
  readonly app: HttpApp.Default<never, R>
}

interface Member {
  readonly is: (value: unknown) => boolean
  readonly answer: (value: unknown) => Effect.Effect<HttpServerResponse.HttpServerResponse>
}

/** What a route takes of an endpoint's declaration. */
export interface DeclaredEndpoint<A, E> {
  readonly name: string
  readonly method: HttpMethod.HttpMethod
  readonly path: string
  // biome-ignore lint/suspicious/noExplicitAny: the wire side and the context are the endpoint's
  readonly successSchema: Schema.Schema<A, any, any>
  // biome-ignore lint/suspicious/noExplicitAny: see above
  readonly errorSchema: Schema.Schema<E, any, any>
}

/** The endpoint as `api` serves it: the declaration with its group's and the API's prefixes. */
const servedEndpoint = <A, E>(
  api: HttpApi.HttpApi.Any,
  declared: DeclaredEndpoint<A, E>
): DeclaredEndpoint<A, E> => {
  const groups = Object.values((api as unknown as HttpApi.HttpApi.AnyWithProps).groups)
  for (const group of groups) {
    const served = group.endpoints[declared.name]
    if (served !== undefined && served.method === declared.method && served.path.endsWith(declared.path))
      return served as unknown as DeclaredEndpoint<A, E>
  }
  throw new Error(`${declared.method} ${declared.path} (${declared.name}) is not an endpoint of the API`)
}

/** Each member of a schema's union, as the API splits it (`HttpApiSchema.deunionize`). */
const membersOf = (schema: Schema.Schema.Any): ReadonlyArray<Schema.Schema<unknown, unknown>> => {
  const members = new Set<Schema.Schema.Any>()
  HttpApiSchema.deunionize(members, schema)
  return [...members] as unknown as ReadonlyArray<Schema.Schema<unknown, unknown>>
}

const answerWith =
  (status: (ast: SchemaAST.AST) => number, what: string) =>
  (schema: Schema.Schema<unknown, unknown>): Member => {
    const to = SchemaAST.encodedAST(schema.ast)
    const code = status(schema.ast)
    if (HttpApiSchema.isVoid(to) || HttpApiSchema.isVoid(schema.ast))
      return {
        is: Schema.is(Schema.typeSchema(schema)),
        answer: () => Effect.succeed(HttpServerResponse.empty({ status: code }))
      }
    const encoding = HttpApiSchema.getEncoding(schema.ast)
    if (encoding.kind !== "Json")
      throw new Error(`a direct route answers JSON; the ${what} schema is encoded as ${encoding.kind}`)
    const encode = Schema.encodeUnknownEither(schema)
    const contentType = encoding.contentType
    return {
      is: Schema.is(Schema.typeSchema(schema)),
      // Encoded and written in one step: a value its own schema cannot encode is a defect, as in the API.
      answer: (value) =>
        Effect.suspend(() => {
          const encoded = encode(value)
          if (Either.isLeft(encoded)) return Effect.die(encoded.left)
          try {
            return Effect.succeed(HttpServerResponse.unsafeJson(encoded.right, { status: code, contentType }))
          } catch (error) {
            return Effect.die(error)
          }
        })
    }
  }

/**
 * Serve `endpoint` of `api` with `handler` directly: its success answered with
 * the endpoint's success schema and status, each failure with the declared
 * error schema it matches and that error's status (an undeclared failure is a
 * defect: 500, as the API answers it). The schemas encode synchronously, as
 * JSON ones do. `declared` is the endpoint as a group of `api` declares it; the
 * route takes its path as `api` serves it (prefix included).
 */
export const directRoute = <A, E, R>(
  api: HttpApi.HttpApi.Any,
  declared: DeclaredEndpoint<A, E>,
  handler: Effect.Effect<A, E, R>
): DirectRoute<Exclude<R, HttpServerRequest.HttpServerRequest>> => {
  const endpoint = servedEndpoint(api, declared)
  const successes = membersOf(endpoint.successSchema).map(
    answerWith(HttpApiSchema.getStatusSuccessAST, "success")
  )
  const errors = membersOf(endpoint.errorSchema).map(answerWith(HttpApiSchema.getStatusErrorAST, "error"))
  const answer = (members: ReadonlyArray<Member>, value: unknown) => {
    const member = members.find((candidate) => candidate.is(value))
    return member === undefined ? Effect.die(value) : member.answer(value)
  }
  return {
    method: endpoint.method,
    path: endpoint.path,
    app: Effect.matchEffect(handler, {
      onSuccess: (value) => answer(successes, value),
      onFailure: (error) => answer(errors, error)
    }) as HttpApp.Default<never, Exclude<R, HttpServerRequest.HttpServerRequest>>
  }
}

/**
 * `app` with `routes` ahead of it: a request whose method and path (without
 * its query) are a route's goes to that route, every other one to `app`.
 */
export const withDirectRoutes =
  <R>(routes: ReadonlyArray<DirectRoute<R>>) =>
  <E, RA>(app: HttpApp.Default<E, RA>): HttpApp.Default<E, RA | R> => {
    const byKey = new Map(routes.map((route) => [`${route.method} ${route.path}`, route.app]))
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request): HttpApp.Default<E, RA | R> => {
      return byKey.get(`${request.method} ${urlPath(request.url)}`) ?? app
    }) as HttpApp.Default<E, RA | R>
  }
