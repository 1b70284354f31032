import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe.js';

const schema = z.object({ name: z.string().min(2), password: z.string().min(8) });

function rejectionOf(run: () => unknown): BadRequestException {
  try {
    run();
  } catch (error) {
    if (error instanceof BadRequestException) return error;
    throw error;
  }
  throw new Error('expected a BadRequestException');
}

describe(ZodValidationPipe.name, () => {
  it('returns the parsed value', () => {
    expect(new ZodValidationPipe(schema).transform({ name: 'ab', password: '12345678', extra: 1 })).toEqual({
      name: 'ab',
      password: '12345678',
    });
  });

  it('answers 400 naming every bad field without echoing the values', () => {
    const error = rejectionOf(() =>
      new ZodValidationPipe(schema).transform({ name: 'x', password: 'secret1' }),
    );
    expect(error.getStatus()).toBe(400);
    const body = error.getResponse() as { error: string; message: string; problems: { path: string }[] };
    expect(body.error).toBe('invalid_request');
    expect(body.problems.map((problem) => problem.path)).toEqual(['name', 'password']);
    expect(body.message).toMatch(/^name: .+; password: .+/);
    expect(JSON.stringify(body)).not.toContain('secret1');
  });

  it('names the request part when the whole value is wrong', () => {
    const error = rejectionOf(() => new ZodValidationPipe(schema).transform(undefined));
    expect((error.getResponse() as { problems: { path: string }[] }).problems[0]!.path).toBe('body');
    const param = rejectionOf(() => new ZodValidationPipe(z.uuid(), 'accountId').transform('nope'));
    expect((param.getResponse() as { message: string }).message).toMatch(/^accountId: /);
  });

  it('answers a 400 problem, naming the field, to a control character or unpaired surrogate in any string', () => {
    const nested = z.object({ name: z.string(), tags: z.array(z.object({ label: z.string() })) });
    const pipe = new ZodValidationPipe(nested);
    for (const bad of ['a\u0000b', 'tab\there', 'line\nbreak', '\u007f', '\u0085', '\ud800x', 'x\udc00']) {
      const error = rejectionOf(() =>
        pipe.transform({ name: 'ok', tags: [{ label: 'fine' }, { label: bad }] }),
      );
      const body = error.getResponse() as Record<string, unknown>;
      expect(body).toMatchObject({
        type: 'about:blank',
        status: 400,
        title: 'Bad Request',
        error: 'invalid_request',
        problems: [
          { path: 'tags.1.label', message: 'must not contain control characters or unpaired surrogates' },
        ],
      });
      expect(JSON.stringify(body)).not.toContain(JSON.stringify(bad).slice(1, -1));
    }
    expect(pipe.transform({ name: 'Grüße 😀 — ok', tags: [] })).toEqual({ name: 'Grüße 😀 — ok', tags: [] });
  });

  it('checks the value before the schema, so no schema can forget it', () => {
    const anything = new ZodValidationPipe(z.unknown());

    expect(() => anything.transform({ deep: { deeper: ['x\u0000'] } })).toThrow(BadRequestException);
    expect(() => anything.transform({ 'key\u0001': 1 })).toThrow(BadRequestException);
    expect(() => new ZodValidationPipe(z.string(), 'cursor').transform('a\u0000')).toThrow(/^cursor: /);
  });
});
