/**
 * The OpenAPI 3.1 document for /api/v1, built from the route table so every route, field and
 * status it lists is one the router serves.
 */
import { REST_ROUTES, type FieldDoc, type RestRoute } from './routes.js';
import { ALBUM_ROUTES, type AlbumRouteDoc } from '../albums/routes.js';

type Json = Record<string, unknown>;

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'InvalidParameterException, InvalidPaginationTokenException, SerializationException',
  '401': 'MissingAuthenticationTokenException, IncompleteSignatureException, UnrecognizedClientException',
  '403': 'AccessDeniedException',
  '404': 'ResourceNotFoundException',
  '409': 'ResourceAlreadyExistsException, ConflictException, ServiceQuotaExceededException',
  '413': 'ImageTooLargeException (file over the upload limit or the image over 5 MB)',
  '415': 'InvalidImageFormatException (not a JPEG or PNG)',
  '429': 'ProvisionedThroughputExceededException: the engine queue is full; honour Retry-After',
  '500': 'InternalServerError',
  '503': 'ThrottlingException: a dependency is down; honour Retry-After',
};

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of REST_ROUTES) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...(paths[path] ?? {}), [route.method]: operation(route) };
  }
  for (const route of ALBUM_ROUTES as readonly AlbumRouteDoc[]) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...(paths[path] ?? {}), [route.method]: albumOperation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'facerec REST API',
      version: '1',
      description:
        'The Rekognition face operations over REST with multipart uploads. Responses have the same members as the ' +
        'AWS Rekognition responses (timestamps as ISO 8601). The AWS JSON protocol is served at POST / for AWS SDKs. ' +
        'Albums (studio, bearer key) and the storefront (public, by share token) are described in docs/albums-api.md.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <accessKeyId>:<secretAccessKey>' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message', 'requestId'],
          properties: {
            code: { type: 'string', description: 'Rekognition error name, e.g. ResourceNotFoundException' },
            message: { type: 'string' },
            requestId: { type: 'string', description: 'Also sent as the x-amzn-RequestId header' },
          },
        },
      },
    },
    paths,
  };
}

function operation(route: RestRoute): Json {
  const parameters = [
    ...[...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query ?? []).map((f) => ({ name: f.name, in: 'query', required: false, description: f.description, schema: schema(f) })),
  ];
  const op: Json = {
    operationId: route.operation,
    summary: route.summary,
    description: `Runs the Rekognition operation ${route.operation}.`,
    responses: {
      [String(route.successStatus)]: {
        description: `The ${route.operation} response`,
        content: { 'application/json': { schema: { type: 'object', description: `${route.operation}Response` } } },
      },
      ...Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, names]) => [
          status,
          { description: names, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body !== 'none') op.requestBody = requestBody(route);
  return op;
}

function requestBody(route: RestRoute): Json {
  const mediaType = route.body === 'multipart' ? 'multipart/form-data' : 'application/json';
  const required = route.fields.filter((f) => f.required).map((f) => f.name);
  return {
    required: required.length > 0,
    content: {
      [mediaType]: {
        schema: {
          type: 'object',
          ...(required.length > 0 ? { required } : {}),
          properties: Object.fromEntries(route.fields.map((f) => [f.name, { ...schema(f), description: f.description }])),
        },
      },
    },
  };
}

function schema(field: FieldDoc): Json {
  const base: Json =
    field.type === 'file'
      ? { type: 'string', contentMediaType: 'application/octet-stream' }
      : field.type === 'array'
        ? { type: 'array', items: { type: 'string' } }
        : { type: field.type };
  if (field.default !== undefined) base.default = field.default;
  return base;
}

/** An album route: its shapes are in docs/albums-api.md; here its path, access, body and statuses. */
function albumOperation(route: AlbumRouteDoc): Json {
  const parameters = [
    ...[...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: { type: 'string' } })),
  ];
  const success = route.success === 204
    ? { description: 'Done' }
    : { description: route.summary, content: { [route.produces ?? 'application/json']: { schema: route.produces ? { type: 'string', format: 'binary' } : { type: 'object' } } } };
  const op: Json = {
    operationId: route.operation,
    summary: route.summary,
    tags: [route.access === 'public' ? 'storefront' : 'albums'],
    responses: {
      [String(route.success)]: success,
      ...Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, names]) => [
          status,
          { description: status === '429' && route.access === 'public' ? 'ThrottlingException: over the storefront rate limit; honour Retry-After' : names, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
  if (route.access === 'public') op.security = [];
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body !== 'none') {
    const media = route.body === 'json' ? 'application/json' : route.body === 'multipart' ? 'multipart/form-data' : 'application/octet-stream';
    // Fields are in docs/albums-api.md; `properties` stays (empty) because the docs page lists them.
    const schema = route.body === 'binary' ? { type: 'string', format: 'binary', properties: {} } : { type: 'object', properties: {} };
    op.requestBody = { required: true, content: { [media]: { schema } } };
  }
  return op;
}
