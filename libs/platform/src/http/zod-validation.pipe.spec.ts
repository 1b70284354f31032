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
});
