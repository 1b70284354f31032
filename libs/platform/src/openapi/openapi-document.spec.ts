import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Param, type PipeTransform, Post, Query } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiOperation, ApiSecurity, ApiTags } from './api-operation.js';
import { buildOpenApiDocument, type OpenApiDocumentOptions } from './openapi-document.js';

class ZodPipe implements PipeTransform {
  constructor(readonly schema: z.ZodType) {}
  transform(value: unknown): unknown {
    return this.schema.parse(value);
  }
}

const noteSchema = z.object({ noteId: z.uuid(), text: z.string() }).meta({ id: 'Note' });
const newNoteSchema = z.object({ text: z.string().trim().min(1), pinned: z.boolean().default(false) });
const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).default(10).describe('Page size.'),
  q: z.string().optional(),
});
const noteIdSchema = z.uuid().describe('The note id.');

@Controller('notes')
@ApiSecurity('token')
@ApiTags('notes')
class NotesController {
  @Get()
  @ApiOperation('listNotes', 'Notes', { 200: ['The notes', z.object({ notes: z.array(noteSchema) })] }, [400])
  list(@Query(new ZodPipe(listQuerySchema)) query: unknown): unknown {
    return query;
  }

  @Post()
  @HttpCode(201)
  @ApiOperation('createNote', 'Write a note', { 201: ['The note', noteSchema] }, [], { security: [] })
  create(@Body(new ZodPipe(newNoteSchema)) body: unknown): unknown {
    return body;
  }

  @Get(':noteId')
  @ApiOperation('getNote', 'One note', { 200: ['The note', noteSchema] }, [], { tags: ['notes', 'reading'] })
  get(@Param('noteId', new ZodPipe(noteIdSchema)) noteId: string): string {
    return noteId;
  }
}

const options = (controllers: OpenApiDocumentOptions['controllers']): OpenApiDocumentOptions => ({
  info: { title: 'notes', version: '1' },
  tags: ['notes'],
  securitySchemes: { token: { type: 'http', scheme: 'bearer' } },
  errors: { 400: 'Malformed.' },
  errorSchema: z.object({ error: z.string() }),
  controllers,
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe(buildOpenApiDocument.name, () => {
  const document = buildOpenApiDocument(options([NotesController])) as Json;

  it('takes path, query and body from the zod schemas the routes validate with', () => {
    expect(document['paths']['/notes/{noteId}'].get.parameters).toEqual([
      {
        name: 'noteId',
        in: 'path',
        required: true,
        description: 'The note id.',
        schema: expect.objectContaining({ type: 'string', format: 'uuid' }),
      },
    ]);
    expect(document['paths']['/notes'].get.parameters).toEqual([
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Page size.',
        schema: expect.objectContaining({ type: 'integer', minimum: 1, default: 10 }),
      },
      { name: 'q', in: 'query', required: false, schema: { type: 'string' } },
    ]);
    // The body is what a client sends: a field with a default may be left out.
    expect(document['paths']['/notes'].post.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['text'],
    });
  });

  it('shares the schemas named with an id as components and refers to them', () => {
    expect(Object.keys(document['components'].schemas)).toEqual(['Note']);
    expect(
      document['paths']['/notes/{noteId}'].get.responses['200'].content['application/json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/Note',
    });
    expect(
      document['paths']['/notes'].get.responses['200'].content['application/json'].schema.properties.notes,
    ).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Note' } });
  });

  it('takes the security and tags of the controller unless the operation names its own', () => {
    expect(document['paths']['/notes'].get.security).toEqual([{ token: [] }]);
    expect(document['paths']['/notes'].post.security).toEqual([]);
    expect(document['paths']['/notes'].get.tags).toEqual(['notes']);
    expect(document['paths']['/notes/{noteId}'].get.tags).toEqual(['notes', 'reading']);
  });

  it('refers errors to the shared problem responses', () => {
    expect(document['paths']['/notes'].get.responses['400']).toEqual({ $ref: '#/components/responses/E400' });
    expect(document['components'].responses.E400.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['error'],
    });
  });

  it('refuses a route without @ApiOperation, and one whose status code it does not document', () => {
    @Controller('bare')
    class BareController {
      @Get()
      list(): string {
        return '';
      }
    }
    expect(() => buildOpenApiDocument(options([BareController]))).toThrow(/without @ApiOperation/);

    @Controller('wrong')
    class WrongStatusController {
      @Post()
      @ApiOperation('x', 'x', { 200: 'x' })
      create(): string {
        return '';
      }
    }
    expect(() => buildOpenApiDocument(options([WrongStatusController]))).toThrow(/answers 201/);
  });
});
