import { Controller, Get } from '@nestjs/common';
import { buildOpenApiDocument } from '@meridian/api-contract';

/** The REST API's OpenAPI 3.1 document, generated from the same contract the handlers bind to. */
@Controller()
export class OpenApiController {
  readonly #doc = buildOpenApiDocument(process.env.npm_package_version ?? '0.1.0');

  @Get('api/openapi.json')
  openapi() {
    return this.#doc;
  }
}
