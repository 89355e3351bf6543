import { openApiPage } from "../../OpenApiPage.js"
import { layout } from "./html.js"

/** `/docs`: the OpenAPI document of the family-scrobbling API, rendered on the server. */
export const docsPage = (openapi: unknown): string =>
  openApiPage(openapi, { layout: (page) => layout(page), documentUrl: "/openapi.json" })
